// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import net.tunxlat.mapping.DynamicPool;

/**
 * The rules that mapped the source and the destination of the last packet a translator handled: one
 * instance per worker, overwritten per packet with plain field writes (no allocation, no strings).
 * {@code tunxlat translate --explain} reads it after each packet and names the rule (prefix, map line,
 * binding, NPTv6 pair). Only the outer header's addresses are recorded, not those of a packet quoted in
 * an ICMP error.
 */
public final class AddressRules {
    // Recorded for every packet. Reference fields are stored only when they change: a reference store into this
    // long-lived object costs a GC write barrier, and consecutive packets mostly take the same rules.
    AddressRule source = AddressRule.NONE;
    int sourceIndex;
    DynamicPool.Binding sourceBinding;
    AddressRule destination = AddressRule.NONE;
    int destinationIndex;
    DynamicPool.Binding destinationBinding;

    /** Forgets the last packet's rules. */
    void clear() {
        if (source != AddressRule.NONE) {
            source = AddressRule.NONE;
        }
        if (destination != AddressRule.NONE) {
            destination = AddressRule.NONE;
        }
    }

    /** The rule the mapper just used mapped the source. */
    void source(AddressMapper m) {
        if (source != m.rule) {
            source = m.rule;
        }
        sourceIndex = m.ruleIndex;
        if (sourceBinding != m.ruleBinding) {
            sourceBinding = m.ruleBinding;
        }
    }

    /** The rule the mapper just used mapped the destination. */
    void destination(AddressMapper m) {
        if (destination != m.rule) {
            destination = m.rule;
        }
        destinationIndex = m.ruleIndex;
        if (destinationBinding != m.ruleBinding) {
            destinationBinding = m.ruleBinding;
        }
    }

    /** The translator's own address is the source (an ICMPv4 error from a router without a mapping). */
    void ownSource() {
        source = AddressRule.OWN_ADDRESS;
    }

    /** NPTv6 pairs {@code sourcePair} / {@code destinationPair} (an index of the table, -1 for none) rewrote the packet. */
    void nptv6(int sourcePair, int destinationPair) {
        AddressRule s = sourcePair >= 0 ? AddressRule.NPTV6 : AddressRule.NONE;
        if (source != s) {
            source = s;
        }
        sourceIndex = sourcePair;
        AddressRule d = destinationPair >= 0 ? AddressRule.NPTV6 : AddressRule.NONE;
        if (destination != d) {
            destination = d;
        }
        destinationIndex = destinationPair;
    }

    public AddressRule source() {
        return source;
    }

    /** The static map entry index ({@link AddressRule#STATIC_MAP}) or NPTv6 pair index ({@link AddressRule#NPTV6}). */
    public int sourceIndex() {
        return sourceIndex;
    }

    /** The binding, for the three binding rules. */
    public DynamicPool.Binding sourceBinding() {
        return sourceBinding;
    }

    public AddressRule destination() {
        return destination;
    }

    public int destinationIndex() {
        return destinationIndex;
    }

    public DynamicPool.Binding destinationBinding() {
        return destinationBinding;
    }
}
