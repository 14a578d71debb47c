// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import net.tunxlat.mapping.Addresses;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Subscribers (an IPv6 /128 or a shorter prefix, such as a home's /64) with their session count, their port
 * blocks per protocol and their limits, shared by all workers. Entries live in parallel primitive arrays; the
 * {@link ChainIndex} finds one by prefix.
 *
 * <p>An entry's {@code word} packs its lifecycle state (bits 61-63), the number of blocks it owns (bits 48-53),
 * of its BIB entries (bits 24-47) and of its sessions (bits 0-23). Workers add to it only by CAS while it is
 * LIVE, and every BIB entry and block holds a count, so the sweeper's CAS from (LIVE, all counts 0) to DEAD
 * cannot race with a worker adding anything, and a subscriber outlives its BIB entries and blocks.
 * Block lists: {@code blocks[(s * 3 + protocol) * maxBlocks + i]} holds a block id plus one, 0 for none.
 */
final class Subscribers extends ChainIndex {
    static final int FREE = 0;
    static final int LIVE = 1;
    static final int DEAD = 2;
    static final int UNLINKED = 3;
    private static final int STATE_SHIFT = 61;
    static final long BLOCK = 1L << 48;
    static final long BIB = 1L << 24;
    private static final int SESSIONS_MASK = (1 << 24) - 1;
    private static final int RESERVED = -1;
    private static final long STAMP_MASK = (1L << 48) - 1;
    private static final VarHandle LONG =
            MethodHandles.arrayElementVarHandle(long[].class);

    final int prefixLength;
    private final long maskHi;
    private final long maskLo;
    final int maxSessions;
    final int maxBlocks;
    final long[] hi;
    final long[] lo;
    final long[] word;
    final int[] blocks;
    final Slab slab;

    Subscribers(int capacity, int prefixLength, int maxSessions, int maxBlocks, long key0, long key1) {
        super(capacity, key0, key1);
        if (prefixLength < 1 || prefixLength > 128) {
            throw new IllegalArgumentException("subscriber prefix length /" + prefixLength + " must be /1 to /128");
        }
        if (maxSessions < 1 || maxSessions > SESSIONS_MASK) {
            throw new IllegalArgumentException("sessions per subscriber " + maxSessions + " must be 1-" + SESSIONS_MASK);
        }
        if (maxBlocks < 0 || maxBlocks > 20) {
            throw new IllegalArgumentException("blocks per subscriber " + maxBlocks + " must be 0-20");
        }
        this.prefixLength = prefixLength;
        this.maskHi = Addresses.maskHi(prefixLength);
        this.maskLo = Addresses.maskLo(prefixLength);
        this.maxSessions = maxSessions;
        this.maxBlocks = maxBlocks;
        this.hi = new long[capacity];
        this.lo = new long[capacity];
        this.word = new long[capacity];
        this.blocks = new int[capacity * Nat64Protocol.COUNT * maxBlocks];
        this.slab = new Slab(next, capacity);
    }

    static int state(long w) {
        return (int) (w >>> STATE_SHIFT);
    }

    static int sessions(long w) {
        return (int) w & SESSIONS_MASK;
    }

    static int bibs(long w) {
        return (int) (w >>> 24) & SESSIONS_MASK;
    }

    static int ownedBlocks(long w) {
        return (int) (w >>> 48) & 63;
    }

    long word(int s) {
        return (long) LONG.getVolatile(word, s);
    }

    @Override
    boolean matches(int e, long a, long b, long c, int mode) {
        return hi[e] == a && lo[e] == b && state(word(e)) == LIVE;
    }

    /**
     * Finds or creates the subscriber of IPv6 source (aHi, aLo) for a new BIB entry: counts the entry on it and
     * reserves one session. Returns its id, or minus a {@link Nat64Outcome} (SUBSCRIBER_SESSION_LIMIT,
     * TABLE_FULL).
     */
    int acquireForBib(long aHi, long aLo) {
        long kHi = aHi & maskHi;
        long kLo = aLo & maskLo;
        int bucket = bucket(kHi, kLo, 0);
        for (;;) {
            int s = find(bucket, kHi, kLo, 0, 0);
            if (s >= 0) {
                long w = word(s);
                if (state(w) != LIVE) {
                    continue;
                }
                if (sessions(w) >= maxSessions) {
                    return -Nat64Outcome.SUBSCRIBER_SESSION_LIMIT;
                }
                if (LONG.compareAndSet(word, s, w, w + BIB + 1)) {
                    return s;
                }
                continue;
            }
            int e = slab.pop();
            if (e < 0) {
                return -Nat64Outcome.TABLE_FULL;
            }
            hi[e] = kHi;
            lo[e] = kLo;
            int base = e * Nat64Protocol.COUNT * maxBlocks;
            for (int i = 0; i < Nat64Protocol.COUNT * maxBlocks; i++) {
                blocks[base + i] = 0;
            }
            LONG.setVolatile(word, e, (long) LIVE << STATE_SHIFT | BIB | 1);
            if (insertIfAbsent(bucket, e, kHi, kLo, 0, 0) < 0) {
                return e;
            }
            LONG.setVolatile(word, e, (long) FREE);
            slab.push(e);
        }
    }

    /**
     * Reserves one more session on {@code s} (alive: a BIB entry of it exists). False at the limit.
     */
    boolean reserveSession(int s) {
        for (;;) {
            long w = word(s);
            if (sessions(w) >= maxSessions) {
                return false;
            }
            if (LONG.compareAndSet(word, s, w, w + 1)) {
                return true;
            }
        }
    }

    /** Gives back a session reserved by {@link #reserveSession} or {@link #acquireForBib}. */
    void releaseSession(int s) {
        add(s, -1);
    }

    /** A BIB entry of {@code s} is gone. */
    void releaseBib(int s) {
        add(s, -BIB);
    }

    /**
     * Reserves a slot in {@code s}'s block list for {@code protocol} (the caller holds a session reservation on
     * {@code s}) and counts the block on {@code s}. Returns the slot, or -1 when the subscriber has
     * {@link #maxBlocks} blocks for this protocol. Follow with {@link #fillSlot} or {@link #freeSlot}.
     */
    int reserveSlot(int s, int protocol) {
        int base = (s * Nat64Protocol.COUNT + protocol) * maxBlocks;
        for (int i = 0; i < maxBlocks; i++) {
            if (INT.compareAndSet(blocks, base + i, 0, RESERVED)) {
                add(s, BLOCK);
                return i;
            }
        }
        return -1;
    }

    void fillSlot(int s, int protocol, int slot, int b) {
        INT.setVolatile(blocks, (s * Nat64Protocol.COUNT + protocol) * maxBlocks + slot, b + 1);
    }

    void freeSlot(int s, int protocol, int slot) {
        INT.setVolatile(blocks, (s * Nat64Protocol.COUNT + protocol) * maxBlocks + slot, 0);
        add(s, -BLOCK);
    }

    private void add(int s, long delta) {
        for (;;) {
            long w = word(s);
            if (LONG.compareAndSet(word, s, w, w + delta)) {
                return;
            }
        }
    }

    /** Sweeper: takes block id {@code b} off {@code s}'s list and uncounts it. */
    void unlistBlock(int s, int protocol, int b) {
        int base = (s * Nat64Protocol.COUNT + protocol) * maxBlocks;
        for (int i = 0; i < maxBlocks; i++) {
            if (INT.compareAndSet(blocks, base + i, b + 1, 0)) {
                add(s, -BLOCK);
                return;
            }
        }
    }

    /** The {@code i}-th block slot of {@code s} for {@code protocol}: a block id, or -1 (empty or reserved). */
    int block(int s, int protocol, int i) {
        int v = (int) INT.getVolatile(blocks, (s * Nat64Protocol.COUNT + protocol) * maxBlocks + i);
        return v > 0 ? v - 1 : -1;
    }

    /**
     * Sweeper: ends subscribers with no session, BIB entry or block (unlinked, stamped with {@code epoch}) and
     * frees those unlinked before epoch {@code safe}. Returns the number ended.
     */
    int sweep(long epoch, long safe, int from, int to) {
        int ended = 0;
        for (int s = from; s < to; s++) {
            long w = word(s);
            int st = state(w);
            if (st == LIVE && w == (long) LIVE << STATE_SHIFT
                    && LONG.compareAndSet(word, s, w, (long) DEAD << STATE_SHIFT)) {
                unlink(bucket(hi[s], lo[s], 0), s);
                LONG.setVolatile(word, s, (long) UNLINKED << STATE_SHIFT | (epoch & STAMP_MASK));
                ended++;
            } else if (st == UNLINKED && Stamps.before(w & STAMP_MASK, safe, STAMP_MASK)) {
                LONG.setVolatile(word, s, (long) FREE);
                slab.push(s);
            }
        }
        return ended;
    }

    int live() {
        int n = 0;
        for (int s = 0; s < word.length; s++) {
            if (state(word(s)) == LIVE) {
                n++;
            }
        }
        return n;
    }
}
