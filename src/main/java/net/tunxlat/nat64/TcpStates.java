// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/**
 * The TCP state machine of RFC 6146 §3.5.2.2, as a pure function: (state, direction, flags) → (state, timer).
 * The session table applies it with one CAS on the session's word; tests check every transition.
 *
 * <p>A result packs the new state (bits 0-2) and the timer to (re)start (bits 3-4: {@link #KEEP} leaves the
 * lifetime alone, {@link #EST} sets TCP_EST, {@link #TRANS} sets TCP_TRANS, {@link #INCOMING_SYN} sets the 6 s
 * of an IPv4 SYN waiting for a simultaneous open).
 */
public final class TcpStates {
    /** No session: RFC 6146 §3.5.2.2 "CLOSED". */
    public static final int CLOSED = 0;
    /** An IPv6 SYN was seen, no IPv4 SYN yet. */
    public static final int V6_INIT = 1;
    /** An IPv4 SYN was seen, no IPv6 SYN yet. */
    public static final int V4_INIT = 2;
    public static final int ESTABLISHED = 3;
    public static final int V6_FIN_RCV = 4;
    public static final int V4_FIN_RCV = 5;
    /** "V6 FIN + V4 FIN RCV". */
    public static final int V6_FIN_V4_FIN_RCV = 6;
    /** Transitory: after a RST or an expired established lifetime. */
    public static final int TRANS = 7;

    public static final int KEEP = 0;
    public static final int EST = 1;
    public static final int TRANS_TIMER = 2;
    public static final int INCOMING_SYN = 3;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;

    private static final String[] NAMES = {"CLOSED", "V6_INIT", "V4_INIT", "ESTABLISHED", "V6_FIN_RCV", "V4_FIN_RCV",
        "V6_FIN_V4_FIN_RCV", "TRANS"};

    private TcpStates() {
    }

    public static int state(int result) {
        return result & 7;
    }

    public static int timer(int result) {
        return (result >>> 3) & 3;
    }

    static int result(int state, int timer) {
        return state | timer << 3;
    }

    public static String name(int state) {
        return NAMES[state];
    }

    /**
     * RFC 6146 §3.5.2.2: the state after a packet with TCP {@code flags} (the low byte of the TCP header's flag
     * field: FIN 0x01, SYN 0x02, RST 0x04) arriving from the IPv6 side ({@code fromV6}) or the IPv4 side, in
     * {@code state}.
     * <ul>
     *   <li>CLOSED: "If a V6 SYN is received ... the state is moved to V6 INIT" (lifetime TCP_TRANS); a V4 SYN
     *       moves to V4 INIT (lifetime TCP_INCOMING_SYN, 6 s); anything else creates no session.
     *   <li>V6 INIT: a V4 SYN moves to ESTABLISHED (TCP_EST); a V6 SYN restarts TCP_TRANS.
     *   <li>V4 INIT: a V6 SYN moves to ESTABLISHED (TCP_EST).
     *   <li>ESTABLISHED: a V4 FIN moves to V4 FIN RCV, a V6 FIN to V6 FIN RCV, a RST from either side to TRANS
     *       (TCP_TRANS); any other packet restarts TCP_EST.
     *   <li>V4 FIN RCV: a V6 FIN moves to V6 FIN + V4 FIN RCV (TCP_TRANS); any other packet restarts TCP_EST.
     *       V6 FIN RCV likewise with the sides swapped.
     *   <li>V6 FIN + V4 FIN RCV: packets pass, the lifetime is not restarted.
     *   <li>TRANS: a packet other than a RST moves back to ESTABLISHED (TCP_EST).
     * </ul>
     */
    public static int next(int state, boolean fromV6, int flags) {
        boolean syn = (flags & SYN) != 0;
        boolean fin = (flags & FIN) != 0;
        boolean rst = (flags & RST) != 0;
        switch (state) {
            case CLOSED:
                if (syn && !rst) {
                    return fromV6 ? result(V6_INIT, TRANS_TIMER) : result(V4_INIT, INCOMING_SYN);
                }
                return result(CLOSED, KEEP);
            case V6_INIT:
                if (syn && !rst) {
                    return fromV6 ? result(V6_INIT, TRANS_TIMER) : result(ESTABLISHED, EST);
                }
                return result(V6_INIT, KEEP);
            case V4_INIT:
                if (syn && !rst && fromV6) {
                    return result(ESTABLISHED, EST);
                }
                return result(V4_INIT, KEEP);
            case ESTABLISHED:
                if (rst) {
                    return result(TRANS, TRANS_TIMER);
                }
                if (fin) {
                    return result(fromV6 ? V6_FIN_RCV : V4_FIN_RCV, EST);
                }
                return result(ESTABLISHED, EST);
            case V4_FIN_RCV:
                return fin && fromV6 ? result(V6_FIN_V4_FIN_RCV, TRANS_TIMER) : result(V4_FIN_RCV, EST);
            case V6_FIN_RCV:
                return fin && !fromV6 ? result(V6_FIN_V4_FIN_RCV, TRANS_TIMER) : result(V6_FIN_RCV, EST);
            case V6_FIN_V4_FIN_RCV:
                return result(V6_FIN_V4_FIN_RCV, KEEP);
            case TRANS:
                return rst ? result(TRANS, KEEP) : result(ESTABLISHED, EST);
            default:
                throw new IllegalArgumentException("TCP state " + state);
        }
    }

    /**
     * RFC 6146 §3.5.2.2, when a session's lifetime runs out: ESTABLISHED moves to TRANS with TCP_TRANS (the
     * probe the RFC suggests is left to the translator); every other state ends (CLOSED: the session is
     * deleted; for V4 INIT the held SYN, if any, is answered with ICMP port unreachable by the caller).
     */
    public static int expire(int state) {
        return state == ESTABLISHED ? result(TRANS, TRANS_TIMER) : result(CLOSED, KEEP);
    }
}
