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
    /** The addresses with the sign bit flipped: ascending as signed ints, for {@link Arrays#binarySearch}. */
    private final int[] keys;
    /** Three snapshots filled in turn: the one being counted, the published one, and the one before it. */
    private final Nat64Counts[] ring = new Nat64Counts[3];
    private int next;
    /** The snapshot this pass counts into. */
    private Nat64Counts c;

    private long passes;
    private final long[] created = new long[Nat64Protocol.COUNT];
    private final long[] expired = new long[Nat64Protocol.COUNT];
    private final long[] allocations = new long[Nat64Protocol.COUNT];
    private final long[] releases = new long[Nat64Protocol.COUNT];

    Nat64Tally(Nat64Settings settings, int[] sessionCapacity) {
        this.settings = settings;
        Pool4 pool = settings.pool4();
        this.addresses = pool.addresses();
        this.keys = new int[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            keys[i] = addresses[i] ^ Integer.MIN_VALUE;
        }
        long[][] ports = new long[Nat64Protocol.COUNT][addresses.length];
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            seen[p] = new long[(sessionCapacity[p] + 63) >>> 6];
            for (int i = 0; i < addresses.length; i++) {
                ports[p][i] = pool.portsAt(p, addresses[i]);
            }
        }
        for (int i = 0; i < ring.length; i++) {
            ring[i] = new Nat64Counts(addresses, ports);
        }
        begin();
    }

    /** A pass starts: the gauges count from zero, into the snapshot published longest ago. */
    void begin() {
        c = ring[next];
        next = (next + 1) % ring.length;
        c.clear();
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
            c.sessions[protocol]++;
            if (protocol == Nat64Protocol.TCP) {
                c.tcpStates[Sessions.tcpState(w)]++;
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
        c.bib[protocol][statics ? 0 : 1]++;
        int i = Arrays.binarySearch(keys, t4 ^ Integer.MIN_VALUE);
        if (i >= 0) {
            c.portsUsed[protocol][i]++;
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
            c.blocksInUse[protocol]++;
        }
    }

    /**
     * The pass is over: counts the subscribers and SYN holds, fills in the counters and returns the snapshot to
     * publish (allocating nothing).
     */
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
        Nat64Counts out = c;
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            out.blocks[p] = blockMode ? settings.pool4().blocks(p) : 0;
        }
        System.arraycopy(allocations, 0, out.blockAllocations, 0, Nat64Protocol.COUNT);
        System.arraycopy(releases, 0, out.blockReleases, 0, Nat64Protocol.COUNT);
        System.arraycopy(created, 0, out.created, 0, Nat64Protocol.COUNT);
        System.arraycopy(expired, 0, out.expired, 0, Nat64Protocol.COUNT);
        out.passes = passes;
        out.passSeconds = seconds;
        out.subscribers = live;
        out.atSessionLimit = atSessions;
        out.atBlockLimit = atBlocks;
        out.synHeld = tables[Nat64Protocol.TCP].hold.held();
        begin();
        return out;
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
