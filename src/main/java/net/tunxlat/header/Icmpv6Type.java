// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

/** ICMPv6 types and codes (RFC 4443, RFC 4861, RFC 2710, RFC 3810), and the names for printing. */
public final class Icmpv6Type {
    private Icmpv6Type() {}

    // Error messages (RFC 4443 §3): types 0-127
    public static final int DEST_UNREACHABLE = 1;
    public static final int PACKET_TOO_BIG = 2;
    public static final int TIME_EXCEEDED = 3;
    public static final int PARAMETER_PROBLEM = 4;
    // Informational messages (RFC 4443 §4): types 128-255
    public static final int ECHO_REQUEST = 128;
    public static final int ECHO_REPLY = 129;
    /** Multicast Listener Query (RFC 2710 §3.6). */
    public static final int MLD_QUERY = 130;
    public static final int MLD_REPORT = 131;
    public static final int MLD_DONE = 132;
    /** RFC 4861 §4.1. */
    public static final int ROUTER_SOLICITATION = 133;
    public static final int ROUTER_ADVERTISEMENT = 134;
    public static final int NEIGHBOR_SOLICITATION = 135;
    public static final int NEIGHBOR_ADVERTISEMENT = 136;
    public static final int REDIRECT = 137;
    /** Version 2 Multicast Listener Report (RFC 3810 §5.2). */
    public static final int MLD_V2_REPORT = 143;

    // Destination Unreachable codes (RFC 4443 §3.1)
    public static final int NO_ROUTE = 0;
    public static final int ADMIN_PROHIBITED = 1;
    public static final int BEYOND_SCOPE = 2;
    public static final int ADDRESS_UNREACHABLE = 3;
    public static final int PORT_UNREACHABLE = 4;
    public static final int SOURCE_POLICY_FAILED = 5;
    public static final int REJECT_ROUTE = 6;

    // Time Exceeded codes (RFC 4443 §3.3)
    public static final int HOP_LIMIT_EXCEEDED = 0;
    public static final int FRAGMENT_REASSEMBLY_TIME_EXCEEDED = 1;

    // Parameter Problem codes (RFC 4443 §3.4); the Pointer (bytes 4-7) is the offending octet's offset
    public static final int ERRONEOUS_HEADER_FIELD = 0;
    public static final int UNRECOGNIZED_NEXT_HEADER = 1;
    public static final int UNRECOGNIZED_OPTION = 2;

    /** RFC 4443 §2.1: "Error messages are identified as such by a zero in the high-order bit of their message Type". */
    public static boolean isError(int type) {
        return type < 128;
    }

    /** The message name for printing ("echo request"), or "type N"; not for the hot path. */
    public static String name(int type) {
        switch (type) {
            case DEST_UNREACHABLE: return "destination unreachable";
            case PACKET_TOO_BIG: return "packet too big";
            case TIME_EXCEEDED: return "time exceeded";
            case PARAMETER_PROBLEM: return "parameter problem";
            case ECHO_REQUEST: return "echo request";
            case ECHO_REPLY: return "echo reply";
            case MLD_QUERY: return "multicast listener query";
            case MLD_REPORT: return "multicast listener report";
            case MLD_DONE: return "multicast listener done";
            case ROUTER_SOLICITATION: return "router solicitation";
            case ROUTER_ADVERTISEMENT: return "router advertisement";
            case NEIGHBOR_SOLICITATION: return "neighbor solicitation";
            case NEIGHBOR_ADVERTISEMENT: return "neighbor advertisement";
            case REDIRECT: return "redirect";
            case MLD_V2_REPORT: return "multicast listener report v2";
            default: return "type " + type;
        }
    }

    /** The code's name for printing ("port unreachable"), or null when the type has no named codes; not for the hot path. */
    public static String codeName(int type, int code) {
        if (type == DEST_UNREACHABLE) {
            switch (code) {
                case NO_ROUTE: return "no route to destination";
                case ADMIN_PROHIBITED: return "administratively prohibited";
                case BEYOND_SCOPE: return "beyond scope of source address";
                case ADDRESS_UNREACHABLE: return "address unreachable";
                case PORT_UNREACHABLE: return "port unreachable";
                case SOURCE_POLICY_FAILED: return "source address failed ingress/egress policy";
                case REJECT_ROUTE: return "reject route to destination";
                default: return "code " + code;
            }
        }
        if (type == TIME_EXCEEDED) {
            return code == HOP_LIMIT_EXCEEDED ? "hop limit exceeded in transit"
                    : code == FRAGMENT_REASSEMBLY_TIME_EXCEEDED ? "fragment reassembly time exceeded" : "code " + code;
        }
        if (type == PARAMETER_PROBLEM) {
            return code == ERRONEOUS_HEADER_FIELD ? "erroneous header field"
                    : code == UNRECOGNIZED_NEXT_HEADER ? "unrecognized next header"
                    : code == UNRECOGNIZED_OPTION ? "unrecognized IPv6 option" : "code " + code;
        }
        return null;
    }
}
