// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static net.tunxlat.nat64.TcpStates.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * Every (state, direction, flags) of RFC 6146 §3.5.2.2 against a table written from the RFC's text, state by
 * state, separately from the code's switch.
 */
class TcpStatesTest {
    /** The packet kinds: plain (ACK), SYN, FIN, RST, SYN+ACK counts as SYN, SYN+RST counts as RST. */
    static final int[] FLAGS = {0, SYN, FIN, RST, SYN | FIN, SYN | RST, FIN | RST};

    /** Expected (state, timer) per the RFC for a packet of {@code flags} from v6 or v4 in {@code state}. */
    static int[] expected(int state, boolean v6, int flags) {
        boolean rst = (flags & RST) != 0;
        boolean syn = (flags & SYN) != 0 && !rst;
        boolean fin = (flags & FIN) != 0;
        switch (state) {
            case CLOSED:
                // "If a V6 SYN packet is received ... V6 INIT, TCP_TRANS"; "V4 SYN ... V4 INIT, TCP_INCOMING_SYN"
                return syn ? (v6 ? new int[] {V6_INIT, TRANS_TIMER} : new int[] {V4_INIT, INCOMING_SYN})
                        : new int[] {CLOSED, KEEP};
            case V6_INIT:
                // "If a V4 SYN is received ... ESTABLISHED, TCP_EST"; "a V6 SYN ... TCP_TRANS"
                return syn ? (v6 ? new int[] {V6_INIT, TRANS_TIMER} : new int[] {ESTABLISHED, EST})
                        : new int[] {V6_INIT, KEEP};
            case V4_INIT:
                return syn && v6 ? new int[] {ESTABLISHED, EST} : new int[] {V4_INIT, KEEP};
            case ESTABLISHED:
                if (rst) {
                    return new int[] {TRANS, TRANS_TIMER};
                }
                if (fin) {
                    return new int[] {v6 ? V6_FIN_RCV : V4_FIN_RCV, EST};
                }
                return new int[] {ESTABLISHED, EST};
            case V4_FIN_RCV:
                return fin && v6 ? new int[] {V6_FIN_V4_FIN_RCV, TRANS_TIMER} : new int[] {V4_FIN_RCV, EST};
            case V6_FIN_RCV:
                return fin && !v6 ? new int[] {V6_FIN_V4_FIN_RCV, TRANS_TIMER} : new int[] {V6_FIN_RCV, EST};
            case V6_FIN_V4_FIN_RCV:
                return new int[] {V6_FIN_V4_FIN_RCV, KEEP};
            case TRANS:
                return rst ? new int[] {TRANS, KEEP} : new int[] {ESTABLISHED, EST};
            default:
                throw new AssertionError();
        }
    }

    @Test
    void everyTransitionAsTheRfcSays() {
        int checked = 0;
        for (int state = CLOSED; state <= TRANS; state++) {
            for (boolean v6 : new boolean[] {true, false}) {
                for (int flags : FLAGS) {
                    int[] want = expected(state, v6, flags);
                    int got = next(state, v6, flags);
                    String what = name(state) + (v6 ? " v6 " : " v4 ") + "flags " + flags;
                    assertEquals(name(want[0]), name(state(got)), what);
                    assertEquals(want[1], timer(got), what + " timer");
                    checked++;
                }
            }
        }
        assertEquals(8 * 2 * FLAGS.length, checked);
    }

    @Test
    void aWholeConnectionAndSimultaneousOpen() {
        int s = CLOSED;
        s = state(next(s, true, SYN));
        s = state(next(s, false, SYN | 0x10));
        assertEquals(ESTABLISHED, s);
        s = state(next(s, false, FIN));
        s = state(next(s, true, 0x10));
        assertEquals(V4_FIN_RCV, s);
        s = state(next(s, true, FIN));
        assertEquals(V6_FIN_V4_FIN_RCV, s);
        // simultaneous open: the IPv4 SYN first, then the IPv6 SYN
        assertEquals(ESTABLISHED, state(next(state(next(CLOSED, false, SYN)), true, SYN)));
        // RST in ESTABLISHED goes to TRANS, not CLOSED; traffic brings it back
        assertEquals(TRANS, state(next(ESTABLISHED, true, RST)));
        assertEquals(ESTABLISHED, state(next(TRANS, false, 0x10)));
    }

    @Test
    void expiry() {
        assertEquals(TRANS, state(expire(ESTABLISHED)));
        assertEquals(TRANS_TIMER, timer(expire(ESTABLISHED)));
        for (int s : new int[] {V6_INIT, V4_INIT, V6_FIN_RCV, V4_FIN_RCV, V6_FIN_V4_FIN_RCV, TRANS}) {
            assertEquals(CLOSED, state(expire(s)), name(s));
        }
    }
}
