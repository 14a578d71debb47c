// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import java.util.ArrayList;
import java.util.List;
import net.tunxlat.nat64.Nat64Listener;
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.TcpStates;
import net.tunxlat.nat64.Timeouts;

/**
 * The stateful tables with 1,000,000 sessions of one protocol, as the benchmark and the memory harness build
 * them: 100,000 subscribers (/64), 10 flows each (10 hosts of the /64, one port each), port blocks of 128 from
 * 256 pool4 addresses (1024-65535).
 */
final class Nat64Tables1M {
    static final int SUBSCRIBERS = 100_000;
    static final int PER_SUBSCRIBER = 10;
    static final int SESSIONS = SUBSCRIBERS * PER_SUBSCRIBER;
    static final long PREFIX = 0x20010db800000000L;
    static final int REMOTE = 0xc6336401; // 198.51.100.1

    private Nat64Tables1M() {
    }

    static Pool4 pool() {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (int a = 0; a < 256; a++) {
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                ranges.add(new Pool4.Range(p, 0xcb007100 + a, 1024, 65535)); // 203.0.113.0/24
            }
        }
        return new Pool4(ranges, 128);
    }

    /** Tables sized for {@code sessions} of {@code protocol} (and 1,024 of each other protocol). */
    static Nat64Tables tables(int protocol, int sessions, Timeouts timeouts) {
        int[] max = {1024, 1024, 1024};
        max[protocol] = sessions;
        Nat64Settings s = new Nat64Settings(pool(), max, SUBSCRIBERS + 4096, 64, 1000, 8, null, 1024, timeouts, false,
                false, 10, List.of());
        return new Nat64Tables(s, 2, Nat64Listener.NONE, () -> 0);
    }

    static long hostHi(int subscriber) {
        return PREFIX | subscriber;
    }

    static long hostLo(int flow) {
        return 0x1000L + flow % PER_SUBSCRIBER;
    }

    static int hostPort(int flow) {
        return 40_000 + flow % 2;
    }

    /** Fills {@code t} with the 1,000,000 flows at time {@code now}; returns (T << 16 | t) of each flow. */
    static long[] fill(Nat64Tables t, int protocol, long now) {
        Nat64Lookup r = new Nat64Lookup();
        int reader = t.epochs().register();
        long[] bound = new long[SESSIONS];
        t.epochs().enter(reader);
        for (int f = 0; f < SESSIONS; f++) {
            int rc = t.table(protocol).outbound(r, hostHi(f / PER_SUBSCRIBER), hostLo(f), hostPort(f), REMOTE, 443,
                    TcpStates.SYN, now);
            if (rc != Nat64Outcome.OK) {
                throw new IllegalStateException("flow " + f + ": " + Nat64Outcome.name(rc));
            }
            bound[f] = (long) r.address() << 16 | r.port();
            if (protocol == Nat64Protocol.TCP) {
                t.table(protocol).inbound(r, r.address(), r.port(), REMOTE, 443, TcpStates.SYN | 0x10, now);
            }
        }
        t.epochs().exit(reader);
        return bound;
    }
}
