// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.nat64.Nat64Lookup;

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

    /** The stateful NAT64 decision: protocol ({@code Nat64Protocol}, -1 for none), then what the tables said. */
    int nat64Protocol = -1;
    int nat64Outcome;
    int nat64Created;
    int nat64Address;
    int nat64Port;
    long nat64HostHi;
    long nat64HostLo;
    int nat64HostPort;
    int nat64Remote;
    int nat64RemotePort;
    int nat64TcpState;
    boolean nat64Hairpin;

    /** Forgets the last packet's rules. */
    void clear() {
        if (source != AddressRule.NONE) {
            source = AddressRule.NONE;
        }
        if (destination != AddressRule.NONE) {
            destination = AddressRule.NONE;
        }
        nat64Protocol = -1;
        nat64Hairpin = false;
    }

    /**
     * Records what the stateful tables decided for a packet of {@code protocol} with the IPv4 remote
     * ({@code remote}, {@code remotePort}): the outcome and, when it found or made one, the binding.
     */
    void nat64(int protocol, Nat64Lookup l, int remote, int remotePort) {
        nat64Protocol = protocol;
        nat64Outcome = l.outcome();
        nat64Created = l.created();
        nat64Address = l.address();
        nat64Port = l.port();
        nat64HostHi = l.hostHi();
        nat64HostLo = l.hostLo();
        nat64HostPort = l.hostPort();
        nat64Remote = remote;
        nat64RemotePort = remotePort;
        nat64TcpState = l.tcpState();
    }

    /** The stateful NAT64 protocol of the last packet ({@code Nat64Protocol}), or -1 if the tables were not asked. */
    public int nat64Protocol() {
        return nat64Protocol;
    }

    /** {@code Nat64Outcome} of the last lookup. */
    public int nat64Outcome() {
        return nat64Outcome;
    }

    /** {@code Nat64Lookup.CREATED_BIB} / {@code CREATED_SESSION} bits of the last lookup. */
    public int nat64Created() {
        return nat64Created;
    }

    /** The binding's pool4 address T and port t (valid when the outcome is OK or OK_WITHOUT_SESSION). */
    public int nat64Address() {
        return nat64Address;
    }

    public int nat64Port() {
        return nat64Port;
    }

    /** The binding's IPv6 host X' and port x. */
    public long nat64HostHi() {
        return nat64HostHi;
    }

    public long nat64HostLo() {
        return nat64HostLo;
    }

    public int nat64HostPort() {
        return nat64HostPort;
    }

    /** The session's IPv4 remote Z and z. */
    public int nat64Remote() {
        return nat64Remote;
    }

    public int nat64RemotePort() {
        return nat64RemotePort;
    }

    /** The TCP state after the packet ({@code TcpStates}). */
    public int nat64TcpState() {
        return nat64TcpState;
    }

    /** Whether the packet was hairpinned (RFC 6146 §3.8): the recorded lookup is then the inbound one. */
    public boolean nat64Hairpin() {
        return nat64Hairpin;
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
