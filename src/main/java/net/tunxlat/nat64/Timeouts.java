// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/**
 * Session lifetimes in seconds (RFC 6146 §4). The record takes any positive values (tests and scaled-down
 * end-to-end beds use seconds); {@link #problem()} says what a configuration may not set.
 *
 * @param udp UDP_DEFAULT 5 min; "MUST NOT be less than UDP_MIN" (2 min)
 * @param tcpEstablished TCP_EST, 2 h 4 min
 * @param tcpTransitory TCP_TRANS, 4 min
 * @param tcpIncomingSyn TCP_INCOMING_SYN, 6 s: an IPv4 SYN waiting for the IPv6 side's SYN
 * @param icmp ICMP_DEFAULT, 60 s
 */
public record Timeouts(int udp, int tcpEstablished, int tcpTransitory, int tcpIncomingSyn, int icmp) {
    public static final int UDP_MIN = 120;
    public static final int TCP_EST_MIN = 2 * 3600 + 4 * 60;
    public static final int TCP_TRANS_MIN = 240;
    public static final Timeouts RFC6146 = new Timeouts(300, TCP_EST_MIN, TCP_TRANS_MIN, 6, 60);

    public Timeouts {
        if (udp < 1 || tcpEstablished < 1 || tcpTransitory < 1 || tcpIncomingSyn < 1 || icmp < 1) {
            throw new IllegalArgumentException("session lifetimes must be at least 1 s");
        }
    }

    /**
     * What is wrong with these lifetimes for a configuration (RFC 6146 §4: UDP "MUST NOT be less than UDP_MIN";
     * TCP_EST "MUST NOT be less than" 2 h 4 min; TCP_TRANS "MUST NOT be less than" 4 min), or null.
     */
    public String problem() {
        if (udp < UDP_MIN) {
            return "UDP session lifetime " + udp + " s is below UDP_MIN (" + UDP_MIN + " s, RFC 6146 §4); use at least "
                    + UDP_MIN;
        }
        if (tcpEstablished < TCP_EST_MIN) {
            return "TCP established lifetime " + tcpEstablished + " s is below TCP_EST (" + TCP_EST_MIN
                    + " s, RFC 6146 §4); use at least " + TCP_EST_MIN;
        }
        if (tcpTransitory < TCP_TRANS_MIN) {
            return "TCP transitory lifetime " + tcpTransitory + " s is below TCP_TRANS (" + TCP_TRANS_MIN
                    + " s, RFC 6146 §4); use at least " + TCP_TRANS_MIN;
        }
        return null;
    }
}
