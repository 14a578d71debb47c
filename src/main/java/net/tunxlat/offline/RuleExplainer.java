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
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.TcpStates;
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
        if (rules.nat64Protocol() >= 0) {
            lines.add(nat64(rules));
        }
        return lines;
    }

    /**
     * The stateful NAT64 decision (RFC 6146): "nat64 udp: new binding 2001:db8::5#5000 <-> 192.0.2.2#2044, new
     * session with 203.0.113.2#53", the TCP state after the packet, or why no binding or session was used.
     */
    static String nat64(AddressRules r) {
        StringBuilder sb = new StringBuilder("nat64 ").append(Nat64Protocol.name(r.nat64Protocol()))
                .append(r.nat64Hairpin() ? " (hairpinned, RFC 6146 §3.8; the lookup of its way back)" : "").append(": ");
        int outcome = r.nat64Outcome();
        String remote = Addresses.formatIpv4(r.nat64Remote()) + "#" + r.nat64RemotePort();
        if (outcome != Nat64Outcome.OK && outcome != Nat64Outcome.OK_WITHOUT_SESSION) {
            return sb.append(Nat64Outcome.name(outcome).replace('_', ' ')).append(" (remote ").append(remote).append(')')
                    .toString();
        }
        boolean newBib = (r.nat64Created() & Nat64Lookup.CREATED_BIB) != 0;
        sb.append(newBib ? "new binding " : "binding ").append(Addresses.formatIpv6(r.nat64HostHi(), r.nat64HostLo()))
                .append('#').append(r.nat64HostPort()).append(" <-> ").append(Addresses.formatIpv4(r.nat64Address()))
                .append('#').append(r.nat64Port());
        if (outcome == Nat64Outcome.OK_WITHOUT_SESSION) {
            sb.append(", no session with ").append(remote).append(" (TCP other than a SYN passes, RFC 6146 §3.5.2.2)");
        } else {
            sb.append((r.nat64Created() & Nat64Lookup.CREATED_SESSION) != 0 ? ", new session with " : ", session with ")
                    .append(remote);
        }
        if (r.nat64Protocol() == Nat64Protocol.TCP) {
            sb.append(", ").append(TcpStates.name(r.nat64TcpState()));
        }
        return sb.toString();
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
            case NAT64:
                return "stateful NAT64 binding (pool4), below";
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
