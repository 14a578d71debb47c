// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offline;

import java.util.ArrayList;
import java.util.List;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.header.Icmpv4Type;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nptv6.Nptv6Mapping;
import net.tunxlat.nptv6.Nptv6Table;
import net.tunxlat.xlat.AddressRule;
import net.tunxlat.xlat.AddressRules;
import net.tunxlat.xlat.XlatSnapshot;

/**
 * Turns what the translator recorded about a packet ({@link AddressRules}: an enum and an index or a
 * binding per address) into text for people, for {@code tunxlat translate --explain}: which prefix,
 * {@code map} line (file:line), dynamic binding (existing, made active again, or created by this packet)
 * or {@code nptv6} line mapped each address. Off the hot path: it runs after the packet, and allocates.
 */
final class RuleExplainer {
    private RuleExplainer() {}

    /**
     * "source: ..." / "destination: ..." lines for the addresses the translator mapped (none for a packet
     * dropped before its addresses were mapped, or not translated).
     *
     * @param inputIpv4 whether the input packet was IPv4 (the own-address rule names ipv6-addr then)
     */
    static List<String> lines(AddressRules rules, XlatSnapshot snap, boolean inputIpv4) {
        List<String> lines = new ArrayList<>(2);
        if (rules.source() != AddressRule.NONE) {
            lines.add("source: " + describe(rules.source(), rules.sourceIndex(), rules.sourceBinding(), snap, inputIpv4));
        }
        if (rules.destination() != AddressRule.NONE) {
            lines.add("destination: " + describe(rules.destination(), rules.destinationIndex(),
                    rules.destinationBinding(), snap, inputIpv4));
        }
        return lines;
    }

    private static String describe(AddressRule rule, int index, DynamicPool.Binding binding, XlatSnapshot snap,
            boolean inputIpv4) {
        TunxlatConfig cfg = snap.config();
        switch (rule) {
            case RFC6052:
                return "RFC 6052 prefix " + cfg.prefix();
            case STATIC_MAP: {
                MapEntry e = cfg.maps().get(index);
                return "static map " + prefix4(e) + " " + prefix6(e.v6()) + origin(e.origin());
            }
            case BINDING:
                return "binding " + binding(binding) + pool(snap);
            case REACTIVATED_BINDING:
                return "dormant binding " + binding(binding) + " made active again" + pool(snap);
            case NEW_BINDING:
                return "new binding " + binding(binding) + pool(snap);
            case RFC6791_POOL:
                return "RFC 6791 pool " + cfg.rfc6791Pool() + " (rfc6791-pool; the IPv6 router has no mapping)";
            case OWN_ADDRESS:
                return inputIpv4 ? "the translator's own address (ipv6-addr " + prefix6(cfg.effectiveIpv6Addr())
                        + "; the IPv4 router has no mapping)"
                        : "the translator's own address (ipv4-addr " + Addresses.formatIpv4(cfg.ipv4Addr())
                        + "; no rfc6791-pool, the IPv6 router has no mapping)";
            case NPTV6: {
                Nptv6Table t = snap.nptv6();
                Nptv6Mapping m = t.mapping(index);
                return "NPTv6 " + m.inside() + " <-> " + m.outside() + origin(m.origin());
            }
            default:
                return rule.name();
        }
    }

    private static String binding(DynamicPool.Binding b) {
        return Addresses.formatIpv4(b.address()) + " <-> " + Addresses.formatIpv6(b.hi(), b.lo());
    }

    private static String pool(XlatSnapshot snap) {
        return snap.pool() == null ? "" : " (dynamic-pool " + snap.pool().prefix() + ")";
    }

    /** A map line as written: an address alone for a /32 or /128, else the prefix. */
    private static String prefix4(MapEntry e) {
        return e.v4().length() == 32 ? Addresses.formatIpv4(e.v4().address()) : e.v4().toString();
    }

    private static String prefix6(Ipv6Prefix p) {
        return p.length() == 128 ? Addresses.formatIpv6(p.hi(), p.lo()) : p.toString();
    }

    private static String origin(String origin) {
        return origin == null || origin.isEmpty() ? "" : " (" + origin + ")";
    }

    /**
     * An ICMP message for people: "Destination Unreachable (1/4, port unreachable)", "Echo Request (128/0)",
     * or "1/99" style numbers alone for a type without a name.
     */
    static String icmp(boolean v6, int type, int code) {
        String name = v6 ? Icmpv6Type.name(type) : Icmpv4Type.name(type);
        String codeName = v6 ? Icmpv6Type.codeName(type, code) : Icmpv4Type.codeName(type, code);
        String numbers = type + "/" + code + (codeName == null ? "" : ", " + codeName);
        if (name.startsWith("type ")) {
            return numbers;
        }
        StringBuilder sb = new StringBuilder(name.length() + numbers.length() + 3);
        boolean start = true;
        for (char ch : name.toCharArray()) {
            sb.append(start ? Character.toUpperCase(ch) : ch);
            start = ch == ' ';
        }
        return sb.append(" (").append(numbers).append(')').toString();
    }
}
