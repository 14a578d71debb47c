// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.Arrays;

/**
 * The sweeper's counting (sweeper thread only): {@link Nat64Tables#sweep} already visits every session, BIB entry
 * and block, so it tells this tally what it saw and the pass ends with one {@link Nat64Counts} snapshot. A scrape
 * then reads counts and scans nothing.
 *
 * <p>Session creations are counted without touching the hot path: a bitmap per protocol remembers which
 * session slots the sweeper has already seen live. A live slot not yet seen is a new session; the bit is cleared
 * when the sweeper ends the session or sees the slot not live. Only the sweeper ends sessions, and it ends only
 * what it sees live, so every session is counted once, at the latest when it ends. (A worker that loses a race
 * to create the same session gives its slot back at once; if a pass sees that slot live in the microseconds
 * in between, it counts one creation too many.)
 */
final class Nat64Tally {
    private final Nat64Settings settings;
    private final long[][] seen = new long[Nat64Protocol.COUNT][];
    private final int[] addresses;
    private final long[][] ports = new long[Nat64Protocol.COUNT][];

    private long passes;
    private final long[] created = new long[Nat64Protocol.COUNT];
    private final long[] expired = new long[Nat64Protocol.COUNT];
    private final long[] allocations = new long[Nat64Protocol.COUNT];
    private final long[] releases = new long[Nat64Protocol.COUNT];

    private int[] sessions;
    private int[] tcp;
    private int[][] bib;
    private int[] inUse;
    private int[][] used;

    Nat64Tally(Nat64Settings settings, int[] sessionCapacity) {
        this.settings = settings;
        Pool4 pool = settings.pool4();
        this.addresses = pool.addresses();
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            seen[p] = new long[(sessionCapacity[p] + 63) >>> 6];
            ports[p] = new long[addresses.length];
            for (int i = 0; i < addresses.length; i++) {
                ports[p][i] = pool.portsAt(p, addresses[i]);
            }
        }
        begin();
    }

    /** A pass starts: the gauges count from zero. */
    void begin() {
        sessions = new int[Nat64Protocol.COUNT];
        tcp = new int[TcpStates.TRANS + 1];
        bib = new int[Nat64Protocol.COUNT][2];
        inUse = new int[Nat64Protocol.COUNT];
        used = new int[Nat64Protocol.COUNT][addresses.length];
    }

    private boolean firstSight(int protocol, int s) {
        long bit = 1L << s;
        long[] m = seen[protocol];
        if ((m[s >>> 6] & bit) != 0) {
            return false;
        }
        m[s >>> 6] |= bit;
        return true;
    }

    /** Session {@code s} of {@code protocol} has word {@code w} after the pass dealt with it. */
    void session(int protocol, int s, long w) {
        if (Sessions.state(w) == Sessions.LIVE) {
            if (firstSight(protocol, s)) {
                created[protocol]++;
            }
            sessions[protocol]++;
            if (protocol == Nat64Protocol.TCP) {
                tcp[Sessions.tcpState(w)]++;
            }
        } else {
            seen[protocol][s >>> 6] &= ~(1L << s);
        }
    }

    /** The pass ended session {@code s} (its lifetime ran out). */
    void ended(int protocol, int s) {
        if (firstSight(protocol, s)) {
            created[protocol]++;
        }
        seen[protocol][s >>> 6] &= ~(1L << s);
        expired[protocol]++;
    }

    /** A live BIB entry of {@code protocol} bound to pool4 address {@code t4}. */
    void bib(int protocol, boolean statics, int t4) {
        bib[protocol][statics ? 0 : 1]++;
        int i = Arrays.binarySearch(addresses, t4);
        if (i >= 0) {
            used[protocol][i]++;
        }
    }

    /** A block of {@code protocol}: {@code allocated} (new owner seen), {@code released}, {@code owned} after. */
    void block(int protocol, boolean allocated, boolean released, boolean owned) {
        if (allocated) {
            allocations[protocol]++;
        }
        if (released) {
            releases[protocol]++;
        }
        if (owned) {
            inUse[protocol]++;
        }
    }

    /** The pass is over: counts the subscribers and SYN holds, and returns the snapshot to publish. */
    Nat64Counts publish(Subscribers subs, Nat64Table[] tables, boolean blockMode, double seconds, boolean swept) {
        if (swept) {
            passes++;
        }
        int live = 0;
        int atSessions = 0;
        int atBlocks = 0;
        for (int s = 0; s < subs.word.length; s++) {
            long w = subs.word(s);
            if (Subscribers.state(w) != Subscribers.LIVE) {
                continue;
            }
            live++;
            if (Subscribers.sessions(w) >= subs.maxSessions) {
                atSessions++;
            }
            if (subs.maxBlocks > 0 && atBlockLimit(subs, s)) {
                atBlocks++;
            }
        }
        int[] blocks = new int[Nat64Protocol.COUNT];
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            blocks[p] = blockMode ? settings.pool4().blocks(p) : 0;
        }
        Nat64Counts c = new Nat64Counts(passes, seconds, sessions, tcp, bib, blocks, inUse, allocations.clone(),
                releases.clone(), created.clone(), expired.clone(), live, atSessions, atBlocks,
                tables[Nat64Protocol.TCP].hold.held(), addresses, ports, used);
        begin();
        return c;
    }

    private static boolean atBlockLimit(Subscribers subs, int s) {
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            int n = 0;
            for (int i = 0; i < subs.maxBlocks; i++) {
                if (subs.block(s, p, i) >= 0) {
                    n++;
                }
            }
            if (n == subs.maxBlocks) {
                return true;
            }
        }
        return false;
    }
}
