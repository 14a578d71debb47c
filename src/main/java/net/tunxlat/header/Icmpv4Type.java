// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

/** ICMPv4 types and codes (RFC 792, RFC 1191, RFC 1812 §5.2.7.1, RFC 950), and the names for printing. */
public final class Icmpv4Type {
    private Icmpv4Type() {}

    // Types (RFC 792 unless noted)
    public static final int ECHO_REPLY = 0;
    public static final int DEST_UNREACHABLE = 3;
    /** Deprecated by RFC 6633, still translated away (RFC 7915 §4.2 "Source Quench ... drop"). */
    public static final int SOURCE_QUENCH = 4;
    public static final int REDIRECT = 5;
    public static final int ECHO_REQUEST = 8;
    /** RFC 1256. */
    public static final int ROUTER_ADVERTISEMENT = 9;
    /** RFC 1256. */
    public static final int ROUTER_SOLICITATION = 10;
    public static final int TIME_EXCEEDED = 11;
    public static final int PARAMETER_PROBLEM = 12;
    public static final int TIMESTAMP = 13;
    public static final int TIMESTAMP_REPLY = 14;
    public static final int INFORMATION_REQUEST = 15;
    public static final int INFORMATION_REPLY = 16;
    /** RFC 950. */
    public static final int ADDRESS_MASK_REQUEST = 17;
    /** RFC 950. */
    public static final int ADDRESS_MASK_REPLY = 18;

    // Destination Unreachable codes (RFC 792; 4 with RFC 1191; 6 to 15 RFC 1122 §3.2.2.1 and RFC 1812 §5.2.7.1)
    public static final int NET_UNREACHABLE = 0;
    public static final int HOST_UNREACHABLE = 1;
    public static final int PROTOCOL_UNREACHABLE = 2;
    public static final int PORT_UNREACHABLE = 3;
    /** "Fragmentation needed and DF set": the Next-Hop MTU is in bytes 6-7 (RFC 1191 §4). */
    public static final int FRAG_NEEDED = 4;
    public static final int SOURCE_ROUTE_FAILED = 5;
    public static final int DEST_NETWORK_UNKNOWN = 6;
    public static final int DEST_HOST_UNKNOWN = 7;
    public static final int SOURCE_HOST_ISOLATED = 8;
    public static final int NETWORK_PROHIBITED = 9;
    public static final int HOST_PROHIBITED = 10;
    public static final int NETWORK_TOS_UNREACHABLE = 11;
    public static final int HOST_TOS_UNREACHABLE = 12;
    public static final int ADMIN_PROHIBITED = 13;
    public static final int HOST_PRECEDENCE_VIOLATION = 14;
    public static final int PRECEDENCE_CUTOFF = 15;

    // Time Exceeded codes (RFC 792)
    public static final int TTL_EXCEEDED = 0;
    public static final int FRAGMENT_REASSEMBLY_TIME_EXCEEDED = 1;

    // Parameter Problem codes (RFC 792; 1 RFC 1108; 2 RFC 1812 §5.2.7.3)
    /** The Pointer (byte 4) "identifies the octet where an error was detected". */
    public static final int POINTER_INDICATES_ERROR = 0;
    public static final int MISSING_REQUIRED_OPTION = 1;
    public static final int BAD_LENGTH = 2;

    /**
     * True for the error messages that quote a packet: Destination Unreachable, Source Quench, Redirect,
     * Time Exceeded and Parameter Problem (RFC 792; RFC 1812 §4.3.2.2 lists them as the errors).
     */
    public static boolean isError(int type) {
        return type == DEST_UNREACHABLE || type == SOURCE_QUENCH || type == REDIRECT || type == TIME_EXCEEDED
                || type == PARAMETER_PROBLEM;
    }

    /** The message name for printing ("echo request"), or "type N"; not for the hot path. */
    public static String name(int type) {
        switch (type) {
            case ECHO_REPLY: return "echo reply";
            case DEST_UNREACHABLE: return "destination unreachable";
            case SOURCE_QUENCH: return "source quench";
            case REDIRECT: return "redirect";
            case ECHO_REQUEST: return "echo request";
            case ROUTER_ADVERTISEMENT: return "router advertisement";
            case ROUTER_SOLICITATION: return "router solicitation";
            case TIME_EXCEEDED: return "time exceeded";
            case PARAMETER_PROBLEM: return "parameter problem";
            case TIMESTAMP: return "timestamp";
            case TIMESTAMP_REPLY: return "timestamp reply";
            case INFORMATION_REQUEST: return "information request";
            case INFORMATION_REPLY: return "information reply";
            case ADDRESS_MASK_REQUEST: return "address mask request";
            case ADDRESS_MASK_REPLY: return "address mask reply";
            default: return "type " + type;
        }
    }

    /** The code's name for printing ("port unreachable"), or null when the type has no named codes; not for the hot path. */
    public static String codeName(int type, int code) {
        if (type == DEST_UNREACHABLE) {
            switch (code) {
                case NET_UNREACHABLE: return "net unreachable";
                case HOST_UNREACHABLE: return "host unreachable";
                case PROTOCOL_UNREACHABLE: return "protocol unreachable";
                case PORT_UNREACHABLE: return "port unreachable";
                case FRAG_NEEDED: return "fragmentation needed and DF set";
                case SOURCE_ROUTE_FAILED: return "source route failed";
                case DEST_NETWORK_UNKNOWN: return "destination network unknown";
                case DEST_HOST_UNKNOWN: return "destination host unknown";
                case SOURCE_HOST_ISOLATED: return "source host isolated";
                case NETWORK_PROHIBITED: return "network administratively prohibited";
                case HOST_PROHIBITED: return "host administratively prohibited";
                case NETWORK_TOS_UNREACHABLE: return "network unreachable for TOS";
                case HOST_TOS_UNREACHABLE: return "host unreachable for TOS";
                case ADMIN_PROHIBITED: return "communication administratively prohibited";
                case HOST_PRECEDENCE_VIOLATION: return "host precedence violation";
                case PRECEDENCE_CUTOFF: return "precedence cutoff in effect";
                default: return "code " + code;
            }
        }
        if (type == TIME_EXCEEDED) {
            return code == TTL_EXCEEDED ? "TTL exceeded in transit"
                    : code == FRAGMENT_REASSEMBLY_TIME_EXCEEDED ? "fragment reassembly time exceeded" : "code " + code;
        }
        if (type == PARAMETER_PROBLEM) {
            return code == POINTER_INDICATES_ERROR ? "pointer indicates the error"
                    : code == MISSING_REQUIRED_OPTION ? "missing a required option"
                    : code == BAD_LENGTH ? "bad length" : "code " + code;
        }
        return null;
    }
}
