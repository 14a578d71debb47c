// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import java.util.Locale;

/**
 * Why a packet was not translated. Every drop in the translator names exactly one reason; the enum
 * carries the metric label and help text. Direction suffixes: 46 = IPv4 to IPv6, 64 = IPv6 to IPv4.
 */
public enum DropReason {
    UNKNOWN_IP_VERSION("the packet is neither IPv4 nor IPv6"),
    NO_TRANSLATION_46("IPv4 packet on an NPTv6-only translator (no NAT64 configured)"),
    NO_TRANSLATION_64("IPv6 packet that is not NPTv6 traffic on an NPTv6-only translator"),
    TRUNCATED_46("IPv4 packet shorter than its headers say, or IHL < 5"),
    BAD_HEADER_CHECKSUM_46("IPv4 header checksum does not verify (RFC 1812 §5.2.2)"),
    TTL_EXCEEDED_46("TTL ran out (RFC 7915 §4.1); answered with ICMPv4 Time Exceeded, except about an ICMP error, a"
            + " non-first fragment or a non-unicast source (RFC 1812 §4.3.2.7)"),
    SOURCE_ROUTE_46("unexpired IPv4 source route option (RFC 7915 §4.1)"),
    SRC_UNMAPPABLE_46("IPv4 source has no IPv6 mapping"),
    DST_UNMAPPABLE_46("IPv4 destination has no IPv6 mapping"),
    WKPF_NON_GLOBAL_46("Well-Known Prefix with a non-global IPv4 address (RFC 6052 §3.1); answered as TAYGA does:"
            + " ICMPv4 3/10 for the source, 3/1 for the destination"),
    UDP_ZERO_CHECKSUM_46("IPv4 UDP datagram with checksum zero (udp-cksum-mode drop, RFC 7915 §4.5)"),
    UDP_ZERO_CHECKSUM_FRAGMENT_46("fragmented IPv4 UDP datagram with checksum zero cannot be fixed (RFC 7915 §4.5)"),
    ICMP_FRAGMENTED_46("fragmented ICMPv4 message that is not an echo, or whose first fragment cannot wait for its last"
            + " (the ICMPv6 checksum needs the whole message's length, RFC 7915 §4.2; the worker's 64 slots are taken,"
            + " or it is over 1536 bytes)"),
    ICMP_FRAGMENT_HELD("first fragment of a fragmented ICMP echo, held until its last fragment tells the message's"
            + " length (the checksum's pseudo-header needs it, RFC 7915 §4.2 and §5.2): translated (and counted as"
            + " such) right after it, or dropped as fragment_expired"),
    ICMP_UNTRANSLATABLE_46("ICMPv4 type that RFC 7915 §4.2 says to drop"),
    ICMP_ERROR_INNER_46("ICMPv4 error whose inner packet cannot be translated (RFC 7915 §4.3)"),
    ICMP_BAD_CHECKSUM_46("ICMPv4 error with a wrong checksum"),
    PACKET_TOO_BIG_46("DF set and too big for the IPv6 side (RFC 7915 §4.1); answered with Fragmentation Needed"
            + " (rate limits and RFC 1812 §4.3.2.7 permitting)"),
    TO_SELF_46("IPv4 packet for the translator's own address other than an Echo Request; a protocol other than ICMP"
            + " is answered with Protocol Unreachable (3/2, RFC 1122 §3.2.2.1)"),
    TOO_SHORT_L4_46("IPv4 transport header truncated"),
    FORBIDDEN_SRC_46("IPv4 source no router forwards (0/8, 127/8, 169.254/16, multicast, the broadcast; RFC 1812"
            + " §5.3.7) or the translator's own ipv4-addr: spoofed, dropped silently"),
    FORBIDDEN_DST_46("IPv4 destination no router forwards (0/8, 127/8, 169.254/16, multicast, the broadcast),"
            + " dropped silently"),
    ICMP_WRONG_VERSION_46("IPv4 packet carrying ICMPv6 (protocol 58): it would reach IPv6 as an ICMPv6 message nobody"
            + " validated"),
    IPV6_PROTOCOL_IN_IPV4_46("IPv4 packet, or the packet an ICMPv4 error quotes, whose protocol is an IPv6 extension"
            + " header (0, 43, 44, 60): translated it would reach IPv6 as an extension-header chain nobody built"),
    POOL_UNBOUND_46("IPv4 destination in the dynamic pool that no IPv6 host holds; answered with ICMPv4 Host"
            + " Unreachable (3/1), as TAYGA does"),
    ICMP_ERROR_MISMATCH_46("ICMPv4 error quoting a packet its destination did not send (inner source is not the outer"
            + " destination): forged, dropped"),
    TRUNCATED_64("IPv6 packet shorter than its headers say"),
    JUMBOGRAM_64("IPv6 jumbogram (payload length zero) cannot be translated"),
    HOP_LIMIT_EXCEEDED_64("hop limit ran out (RFC 7915 §5.1); answered with ICMPv6 Time Exceeded, except about an"
            + " ICMPv6 error or a non-unicast source (RFC 4443 §2.4(e))"),
    ROUTING_HEADER_64("routing header with segments left > 0 (RFC 7915 §5.1); answered with Parameter Problem"
            + " (RFC 4443 §2.4(e) permitting)"),
    EXT_HEADER_AFTER_FRAGMENT_64("extension header after the Fragment header (RFC 7915 §5.1)"),
    SRC_UNMAPPABLE_64("IPv6 source has no IPv4 mapping"),
    SRC_NOT_ALLOWED_64("IPv6 source outside dynamic-pool-allow: no dynamic address for it"),
    POOL_EXHAUSTED_64("dynamic pool exhausted: no free or dormant address for a new IPv6 host"),
    DST_UNMAPPABLE_64("IPv6 destination has no IPv4 mapping"),
    WKPF_NON_GLOBAL_64("Well-Known Prefix with a non-global IPv4 address (RFC 6052 §3.1); answered as TAYGA does:"
            + " ICMPv6 1/0 for the destination, 1/5 for the source"),
    RFC6052_U_OCTET_64("IPv6 address of the RFC 6052 prefix whose bits 64-71 (the u octet) are not zero (RFC 6052"
            + " §2.2: MUST be zero): not an IPv4-embedded address; dropped silently"),
    UDP_ZERO_CHECKSUM_64("IPv6 UDP datagram with checksum zero (RFC 8200 §8.1: MUST discard; udp-cksum-mode drop, or"
            + " calc on a fragment); dropped silently"),
    ICMP_FRAGMENTED_64("fragmented ICMPv6 message that is not an echo, or whose first fragment cannot wait for its last"
            + " (the ICMPv4 checksum update needs the whole message's length, RFC 7915 §5.2; 64 slots taken, or over"
            + " 1536 bytes)"),
    ICMP_UNTRANSLATABLE_64("ICMPv6 type that RFC 7915 §5.2 says to drop"),
    ICMP_ERROR_INNER_64("ICMPv6 error whose inner packet cannot be translated (RFC 7915 §5.3)"),
    ICMP_BAD_CHECKSUM_64("ICMPv6 error with a wrong checksum"),
    PACKET_TOO_BIG_64("too big for the IPv4 side (RFC 7915 §5.1, §1.4); answered with Packet Too Big (rate limit"
            + " permitting)"),
    TO_SELF_64("IPv6 packet for the translator's own address other than an Echo Request; an upper-layer protocol other"
            + " than ICMPv6 is answered with Parameter Problem 4/1 at its Next Header field (RFC 4443 §3.4)"),
    TOO_SHORT_L4_64("IPv6 transport header truncated"),
    FORBIDDEN_SRC_64("IPv6 source no router forwards (::, ::1, fe80::/10, ff00::/8; RFC 4291), the translator's own"
            + " ipv6-addr, or one the prefix maps to a forbidden IPv4 source: spoofed, dropped silently"),
    FORBIDDEN_DST_64("IPv6 destination no router forwards (::, ::1, fe80::/10, ff00::/8), or one the prefix maps to a"
            + " forbidden IPv4 destination, dropped silently"),
    ICMP_WRONG_VERSION_64("IPv6 packet carrying ICMPv4 (next header 1): it would reach IPv4 as an ICMPv4 message nobody"
            + " validated"),
    ICMP_ERROR_MISMATCH_64("ICMPv6 error quoting a packet its destination did not send (inner source is not the outer"
            + " destination): forged, dropped"),
    POOL_RATE_LIMITED_64("new IPv6 host without a dynamic address: dynamic-pool-rate used up for its /64 this second;"
            + " dropped silently, a retransmission gets an address"),
    POOL_SHARE_64("new IPv6 host without a dynamic address: its /64 made more bindings lately (this and the last 2 h 4"
            + " min) than the pool has addresses left (dynamic-pool-rate's fair share); dropped silently"),
    NPTV6_UNMAPPABLE_OUT("NPTv6: inside address without a one-to-one translation (RFC 6296 §3.2, §3.5, §3.7)"),
    NPTV6_UNMAPPABLE_IN("NPTv6: outside address without a one-to-one translation (RFC 6296 §3.3, §3.5, §3.7)"),
    NPTV6_UNKNOWN_OWNER_IN("NPTv6: outside address of a shared prefix that no inside host has used yet"),
    NPTV6_ICMP_ERROR_IN("NPTv6: ICMPv6 error whose embedded packet does not match the mapping, is too short or has a wrong checksum"),
    NPTV6_ICMP_ERROR_OUT("NPTv6: ICMPv6 error whose embedded packet does not match the mapping, is too short or has a wrong checksum"),
    NAT64_NO_BINDING("stateful NAT64: IPv4 packet to a pool4 address and port without a BIB entry (RFC 6146 §3.5.1.1,"
            + " §3.5.2.2, §3.5.3); UDP is answered with ICMPv4 Port Unreachable (3/3), as Jool does"),
    NAT64_FILTERED("stateful NAT64, address-dependent filtering: the binding has no session with this IPv4 address"
            + " (RFC 6146 §3.5.1.1, RFC 4787 REQ-8); dropped silently"),
    NAT64_POOL_EXHAUSTED("stateful NAT64: no free pool4 port (or identifier) for a new binding (RFC 6146 §3.5.1.1);"
            + " answered with ICMPv6 Address Unreachable (1/3)"),
    NAT64_SUBSCRIBER_LIMIT("stateful NAT64: the subscriber is at nat64-max-subscriber-sessions or its blocks"
            + " (nat64-max-blocks) are full; answered with ICMPv6 Address Unreachable (1/3)"),
    NAT64_TABLE_FULL("stateful NAT64: nat64-max-sessions (or the BIB or subscriber table) is full; answered with"
            + " ICMPv6 Address Unreachable (1/3)"),
    NAT64_TCP_NOT_SYN("stateful NAT64: IPv6 TCP segment other than a SYN without a binding (RFC 6146 §3.5.2.2);"
            + " dropped silently"),
    NAT64_EXTERNAL_TCP("stateful NAT64: IPv4 SYN without a binding while nat64-drop-externally-initiated-tcp is on"
            + " (RFC 6146 §3.5.2.2); dropped silently"),
    NAT64_SYN_HOLD_FULL("stateful NAT64: IPv4 SYN without a binding, and the simultaneous-open hold is full (RFC 6146"
            + " §3.5.2.2); dropped silently"),
    NAT64_NO_DETERMINISTIC_BLOCK("stateful NAT64, nat64-deterministic: the IPv6 source is outside the subscriber"
            + " range (RFC 7422); answered with ICMPv6 Address Unreachable (1/3)"),
    NAT64_PROTOCOL_46("stateful NAT64: IPv4 packet to pool4 that is not TCP, UDP or ICMP (RFC 6146 §3.5 knows no"
            + " other tuple); dropped silently"),
    NAT64_PROTOCOL_64("stateful NAT64: IPv6 packet without a static map that is not TCP, UDP or ICMPv6 (RFC 6146"
            + " §3.5); dropped silently"),
    NAT64_ICMP_QUERY_46("stateful NAT64: ICMPv4 informational message other than Echo Request / Reply to pool4 (RFC"
            + " 6146 §3.5.3); dropped silently"),
    NAT64_ICMP_QUERY_64("stateful NAT64: ICMPv6 informational message other than Echo Request / Reply (RFC 6146"
            + " §3.5.3); dropped silently"),
    NAT64_ICMP_ERROR_NO_BINDING_46("stateful NAT64: ICMPv4 error whose quoted packet has no binding (RFC 6146 §3.4:"
            + " the tuple is the inner packet's), or is too short to name its ports; dropped"),
    NAT64_ICMP_ERROR_NO_BINDING_64("stateful NAT64: ICMPv6 error whose quoted packet has no binding (RFC 6146 §3.4),"
            + " or is too short to name its ports; dropped"),
    NAT64_FRAGMENT_46("stateful NAT64: IPv4 non-first fragment whose first fragment was not seen in the last seconds"
            + " (no ports to look the binding up with, RFC 6146 §3.4 and §3.5) that cannot be held for it either (the"
            + " worker's 64 slots are taken, or it is over 1536 bytes); dropped"),
    NAT64_FRAGMENT_64("stateful NAT64: IPv6 non-first fragment whose first fragment was not seen in the last seconds"
            + " (RFC 6146 §3.4 and §3.5) that cannot be held for it either (64 slots taken, or over 1536 bytes), or a"
            + " fragment to hairpin; dropped"),
    NAT64_FRAGMENT_HELD("stateful NAT64: non-first fragment that came before its first (RFC 6146 §3.4: out-of-order"
            + " fragments MUST be handled), held up to 4 s and not translated now: translated (and counted as such)"
            + " right after its first fragment, or dropped as fragment_expired"),
    FRAGMENT_EXPIRED("a held fragment whose partner did not come within 4 s: for stateful NAT64 a non-first fragment"
            + " without its first (RFC 6146 §3.4, FRAGMENT_MIN is 2 s), for an ICMP echo a first fragment without its"
            + " last; dropped"),
    NAT64_FRAGMENT_TABLE_FULL("stateful NAT64: a first fragment found the worker's fragment table full (1024 datagrams"
            + " of the last 4 s); dropped, so that its other fragments are not sent with a stale mapping"),
    NAT64_SYN_HELD("stateful NAT64: IPv4 SYN without a binding, held for a simultaneous open (RFC 6146 §3.5.2.2) and"
            + " not translated: discarded when the IPv6 side's SYN comes, or when TCP_INCOMING_SYN runs out");

    private final String help;
    private final String label;

    DropReason(String help) {
        this.help = help;
        this.label = name().toLowerCase(Locale.ROOT);
    }

    /** The Prometheus label value, e.g. {@code hop_limit_exceeded_64}. */
    public String label() {
        return label;
    }

    public String help() {
        return help;
    }

    /**
     * Drops the translator never answers with an ICMP error: RFC 6052 §2.2 violations (a non-zero u octet),
     * forbidden (spoofed or unroutable) addresses, and new hosts over {@code dynamic-pool-rate} (silence lets them retransmit,
     * where Destination Unreachable would make TCP give up; and an error to a spoofed source is reflection).
     */
    boolean silent() {
        switch (this) {
            case RFC6052_U_OCTET_64:
            case FORBIDDEN_SRC_46:
            case FORBIDDEN_DST_46:
            case FORBIDDEN_SRC_64:
            case FORBIDDEN_DST_64:
            case POOL_RATE_LIMITED_64:
            case POOL_SHARE_64:
                return true;
            default:
                return false;
        }
    }

    private static final DropReason[] VALUES = values();

    public static DropReason of(int ordinal) {
        return VALUES[ordinal];
    }
}
