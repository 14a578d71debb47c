// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

/**
 * IPv4 Protocol and IPv6 Next Header numbers (one registry: IANA "Assigned Internet Protocol Numbers",
 * RFC 791 §3.1 Protocol, RFC 8200 §3 Next Header).
 */
public final class IpProtocol {
    private IpProtocol() {}

    /** IPv6 Hop-by-Hop Options (RFC 8200 §4.3). */
    public static final int HOP_BY_HOP = 0;
    public static final int ICMP = 1;
    public static final int IGMP = 2;
    /** IPv4 in IP (RFC 2003). */
    public static final int IPIP = 4;
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** IPv6 in IP (RFC 2473, RFC 4213). */
    public static final int IPV6 = 41;
    /** IPv6 Routing header (RFC 8200 §4.4). */
    public static final int IPV6_ROUTING = 43;
    /** IPv6 Fragment header (RFC 8200 §4.5). */
    public static final int IPV6_FRAGMENT = 44;
    public static final int GRE = 47;
    /** Encapsulating Security Payload (RFC 4303). */
    public static final int ESP = 50;
    /** Authentication Header (RFC 4302). */
    public static final int AH = 51;
    public static final int ICMPV6 = 58;
    /** "No Next Header" (RFC 8200 §4.7). */
    public static final int NO_NEXT_HEADER = 59;
    /** IPv6 Destination Options (RFC 8200 §4.6). */
    public static final int IPV6_DEST_OPTS = 60;
    public static final int OSPF = 89;
    public static final int SCTP = 132;
    /** Mobility header (RFC 6275). */
    public static final int MOBILITY = 135;
    public static final int UDP_LITE = 136;
    /** Host Identity Protocol (RFC 7401). */
    public static final int HIP = 139;
    /** Shim6 (RFC 5533). */
    public static final int SHIM6 = 140;
    /** Reserved for experimentation and testing (RFC 3692, RFC 4727). */
    public static final int EXPERIMENTAL_253 = 253;
    /** Reserved for experimentation and testing (RFC 3692, RFC 4727). */
    public static final int EXPERIMENTAL_254 = 254;

    /**
     * True for Hop-by-Hop Options, Routing, Fragment and Destination Options: the headers that live only
     * inside an IPv6 extension-header chain (RFC 8200 §4) and that RFC 7915 §5.1 walks. An IPv4 packet
     * (or the packet an ICMPv4 error quotes) carrying one of these numbers cannot be translated: its
     * payload would reach IPv6 as a chain element nobody built (the maintained TAYGA drops it too).
     */
    public static boolean isIpv6ChainHeader(int protocol) {
        return protocol == HOP_BY_HOP || protocol == IPV6_ROUTING || protocol == IPV6_FRAGMENT
                || protocol == IPV6_DEST_OPTS;
    }

    /**
     * True for the numbers of the IANA "IPv6 Extension Header Types" registry (RFC 7045 §2, RFC 8200 §4):
     * Hop-by-Hop, Routing, Fragment, ESP, AH, Destination Options, Mobility, HIP, Shim6 and the two
     * experimental values. {@link Ipv6ExtensionHeaders} walks only the four that RFC 7915 §5.1 skips.
     */
    public static boolean isIpv6ExtensionHeader(int nextHeader) {
        switch (nextHeader) {
            case HOP_BY_HOP:
            case IPV6_ROUTING:
            case IPV6_FRAGMENT:
            case ESP:
            case AH:
            case IPV6_DEST_OPTS:
            case MOBILITY:
            case HIP:
            case SHIM6:
            case EXPERIMENTAL_253:
            case EXPERIMENTAL_254:
                return true;
            default:
                return false;
        }
    }

    /** A short lower-case name for printing ("tcp", "ipv6-frag"), or the number; not for the hot path. */
    public static String name(int protocol) {
        switch (protocol) {
            case HOP_BY_HOP: return "hop-by-hop";
            case ICMP: return "icmp";
            case IGMP: return "igmp";
            case IPIP: return "ipip";
            case TCP: return "tcp";
            case UDP: return "udp";
            case IPV6: return "ipv6";
            case IPV6_ROUTING: return "routing";
            case IPV6_FRAGMENT: return "fragment";
            case GRE: return "gre";
            case ESP: return "esp";
            case AH: return "ah";
            case ICMPV6: return "icmp6";
            case NO_NEXT_HEADER: return "no-next-header";
            case IPV6_DEST_OPTS: return "dest-opts";
            case OSPF: return "ospf";
            case SCTP: return "sctp";
            case MOBILITY: return "mobility";
            case UDP_LITE: return "udplite";
            case HIP: return "hip";
            case SHIM6: return "shim6";
            default: return "proto " + protocol;
        }
    }
}
