// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Chooses and claims the IPv4 transport address (T, t) of a new BIB entry of one protocol: RFC 6056 algorithm 3
 * over the subscriber's port blocks (block mode), over the subscriber's fixed block (deterministic mode, RFC
 * 7422) or over the whole pool4 (no blocks), keeping the source port's parity and range (RFC 4787 REQ-3,
 * REQ-4) and giving up after a bounded number of tries.
 *
 * <p>Block ownership: {@code owner[b]} packs (subscriber id + 1) << 32 | the number of BIB entries whose port
 * is in block b. A worker takes a port in a block only after a CAS that adds one while the owner is its
 * subscriber; the sweeper releases a block with a CAS from (owner, 0) to 0; so a block is never released under
 * an entry and never handed to two subscribers. {@code since[b]} is when it was taken (seconds), for the log.
 */
final class PortAllocator {
    private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle INT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle BYTE = MethodHandles.arrayElementVarHandle(byte[].class);
    /** RFC 6056 §3.3.3's table of increments ("TABLE_LENGTH"). */
    static final int TABLE = 1 << 12;

    final int protocol;
    final Pool4 pool;
    final Deterministic deterministic;
    final long[] owner;
    final int[] since;
    private final int[] table = new int[TABLE];
    /**
     * Per block, a hint: bit 0 set when algorithm 3 found no free even port in it, bit 1 no free odd port. Set by
     * the worker whose tries all failed, cleared when a port of the block is freed ({@link #freed}) or the block
     * changes hands; read and written opaquely (a stale hint costs a few tries, or a second pass, never a port).
     * Without it every new flow of a subscriber whose older blocks are full tries each of them in vain.
     */
    private final byte[] exhausted;
    /** Where {@link #takeFreeBlock} starts looking (plain: only a hint). */
    private int cursor;
    private final int maxIterations;
    private final long k0;
    private final long k1;

    PortAllocator(int protocol, Pool4 pool, Deterministic deterministic, int maxIterations, long key0, long key1) {
        this.protocol = protocol;
        this.pool = pool;
        this.deterministic = deterministic;
        this.owner = new long[pool.blocks(protocol)];
        this.since = new int[pool.blocks(protocol)];
        this.exhausted = new byte[pool.blocks(protocol)];
        this.maxIterations = maxIterations;
        this.k0 = key0;
        this.k1 = key1;
    }

    boolean blockMode() {
        return pool.blockSize() > 0 && deterministic == null;
    }

    /**
     * RFC 6056 §3.3.3 (algorithm 3, "Simple Hash-Based Port Selection"): offset = F(X', x, Z, z, secret);
     * index = G(...) picks a counter in a table; port = min + (offset + table[index]++) % count, tried until a
     * free one is found or the tries are used up. F is SipHash under a random key; G takes other bits of the
     * same output. The endpoint (Z, z) enters only the choice of the first port: once bound, (X', x) keeps its
     * (T, t) for every destination (endpoint-independent mapping, RFC 6146 §3.5.1).
     *
     * <p>Claims a port for BIB entry {@code e} (state CLAIMING, (X', x) written) of subscriber {@code s}. Returns
     * the block used (-1 if none) or, below -1, minus 2 minus a {@link Nat64Outcome}.
     */
    int allocate(Bib bib, int e, int s, Subscribers subs, int z4, int z, long now) {
        int x = bib.x(e);
        int parity = Nat64Protocol.hasPortClasses(protocol) ? x & 1 : -1;
        int r = allocate(bib, e, s, subs, z4, z, now, parity);
        if (r == -2 - Nat64Outcome.POOL_EXHAUSTED && parity >= 0) {
            // RFC 4787 REQ-4 recommends keeping the parity, it does not require it: with every port of the source's
            // parity taken, a port of the other parity is better than refusing the flow while ports are free.
            r = allocate(bib, e, s, subs, z4, z, now, -1);
        }
        return r;
    }

    /** {@link #claimExact}: the port cannot be had, allocate as usual. */
    static final int NOT_CLAIMED = Integer.MIN_VALUE;

    /**
     * RFC 6146 §3.5.2.2, simultaneous open: claims exactly (t4, t), the transport address a held IPv4 SYN was sent
     * to, for BIB entry {@code e} of subscriber {@code s}, when the subscriber may have that port: without blocks
     * any free pool4 port; in block mode a port of a block {@code s} owns or of a free block, which {@code s} then
     * takes (within its block limit, logged like any other); in deterministic mode a port of {@code s}'s own
     * block. Another subscriber's block is never entered. Returns the block used (-1 for none) or
     * {@link #NOT_CLAIMED}.
     */
    int claimExact(Bib bib, int e, int s, Subscribers subs, int t4, int t, long now) {
        if (!pool.contains(protocol, t4, t)) {
            return NOT_CLAIMED;
        }
        if (deterministic != null) {
            int b = deterministic.blockOf(protocol, bib.hi(e), bib.lo(e));
            return b >= 0 && pool.blockOf(protocol, t4, t) == b && bib.claimPort(e, t4, t) ? b : NOT_CLAIMED;
        }
        if (!blockMode()) {
            return bib.claimPort(e, t4, t) ? -1 : NOT_CLAIMED;
        }
        int b = pool.blockOf(protocol, t4, t);
        if (b < 0 || !countIn(b, s) && !takeBlock(b, s, subs, now)) {
            return NOT_CLAIMED;
        }
        if (bib.claimPort(e, t4, t)) {
            return b;
        }
        uncount(b); // an empty block of s's is released by the sweeper like any other
        return NOT_CLAIMED;
    }

    /** Takes free block {@code b} for {@code s} with a count of one, listed on {@code s}; false if it cannot. */
    private boolean takeBlock(int b, int s, Subscribers subs, long now) {
        if ((long) LONG.getVolatile(owner, b) != 0) {
            return false;
        }
        int slot = subs.reserveSlot(s, protocol);
        if (slot < 0) {
            return false;
        }
        if (!own(b, s, now)) {
            subs.freeSlot(s, protocol, slot);
            return false;
        }
        subs.fillSlot(s, protocol, slot, b);
        return true;
    }

    /** Free block {@code b} becomes {@code s}'s with a count of one, unless another worker took it first. */
    private boolean own(int b, int s, long now) {
        INT.setVolatile(since, b, (int) now); // before the CAS: the sweeper reads it once it sees the owner
        BYTE.setOpaque(exhausted, b, (byte) 0);
        return LONG.compareAndSet(owner, b, 0L, (long) (s + 1) << 32 | 1);
    }

    /** {@link #allocate}, keeping {@code parity} (0 even, 1 odd, -1 any). */
    private int allocate(Bib bib, int e, int s, Subscribers subs, int z4, int z, long now, int parity) {
        int x = bib.x(e);
        long h = SipHash.hash(k0, k1, bib.hi(e), bib.lo(e), (long) x << 48 | (z4 & 0xffffffffL) << 16 | z);
        int offset = (int) h & 0x7fffffff;
        int index = (int) (h >>> 40) & (TABLE - 1);
        int cls = Pool4.classOf(protocol, x);
        if (deterministic != null) {
            int b = deterministic.blockOf(protocol, bib.hi(e), bib.lo(e));
            if (b < 0) {
                return -2 - Nat64Outcome.NO_DETERMINISTIC_BLOCK;
            }
            return tryBlock(bib, e, -1, b, offset, index, parity) ? b : -2 - Nat64Outcome.POOL_EXHAUSTED;
        }
        if (!blockMode()) {
            if (pool.ports(protocol, cls) == 0) {
                cls = 1 - cls; // RFC 4787 REQ-3 is a SHOULD: with no port of the source's range, use the other
            }
            long size = pool.ports(protocol, cls);
            for (int i = 0; i < maxIterations && i < size; i++) {
                long k = Integer.toUnsignedLong(offset + next(index)) % size;
                long at = pool.portAt(protocol, cls, k);
                if (parity >= 0 && (at & 1) != parity) {
                    if (size == 1) {
                        continue; // the one port has the other parity (the caller then gives parity up)
                    }
                    // RFC 4787 REQ-4: the neighbour has the source's parity, unless a segment ends in between
                    at = pool.portAt(protocol, cls, k + 1 < size ? k + 1 : k - 1);
                    if ((at & 1) != parity) {
                        continue;
                    }
                }
                if (bib.claimPort(e, (int) (at >>> 16), (int) at & 0xffff)) {
                    return -1;
                }
            }
            return -2 - Nat64Outcome.POOL_EXHAUSTED;
        }
        // block mode: with the exhaustion hints first; a subscriber whose blocks only look full tries them all again
        // before a limit or an exhausted pool is reported (a hint may be stale: a port freed since)
        int r = allocateInBlocks(bib, e, s, subs, now, offset, index, cls, parity, true);
        if (r == -2 - Nat64Outcome.SUBSCRIBER_BLOCK_LIMIT || r == -2 - Nat64Outcome.POOL_EXHAUSTED) {
            r = allocateInBlocks(bib, e, s, subs, now, offset, index, cls, parity, false);
        }
        return r;
    }

    /**
     * Block mode: first the subscriber's blocks of the source's class (those not hinted exhausted for this parity,
     * with {@code useHints}), then a new block. A new block is taken with a count of one (held) so that the
     * sweeper cannot release it before its first port is claimed.
     */
    private int allocateInBlocks(Bib bib, int e, int s, Subscribers subs, long now, int offset, int index, int cls,
            int parity, boolean useHints) {
        int held = -1;
        for (int round = 0; round < 2; round++) {
            int owned = 0;
            for (int i = 0; i < subs.maxBlocks; i++) {
                int b = subs.block(s, protocol, i);
                if (b >= 0 && pool.blockClass(protocol, b) == cls) {
                    owned++;
                }
            }
            if (owned > 0) {
                int pick = Integer.remainderUnsigned(offset, owned);
                for (int i = 0, seen = 0; i < subs.maxBlocks && seen < owned; i++) {
                    int b = subs.block(s, protocol, (i + pick) % subs.maxBlocks);
                    if (b >= 0 && pool.blockClass(protocol, b) == cls) {
                        seen++;
                        if (useHints && exhausted(b, parity)) {
                            continue;
                        }
                        if (tryBlock(bib, e, s, b, offset, index, parity)) {
                            if (held >= 0) {
                                uncount(held);
                            }
                            return b;
                        }
                        markExhausted(b, parity);
                    }
                }
            }
            if (round == 1) {
                break;
            }
            int slot = subs.reserveSlot(s, protocol);
            if (slot < 0) {
                return -2 - Nat64Outcome.SUBSCRIBER_BLOCK_LIMIT;
            }
            int b = takeFreeBlock(s, cls, now);
            if (b < 0 && cls == Pool4.OTHER) {
                subs.freeSlot(s, protocol, slot);
                return -2 - Nat64Outcome.POOL_EXHAUSTED;
            }
            if (b < 0) {
                b = takeFreeBlock(s, Pool4.OTHER, now); // REQ-3 is a SHOULD
                cls = Pool4.OTHER;
                if (b < 0) {
                    subs.freeSlot(s, protocol, slot);
                    return -2 - Nat64Outcome.POOL_EXHAUSTED;
                }
            }
            subs.fillSlot(s, protocol, slot, b);
            held = b;
        }
        if (held >= 0) {
            uncount(held);
        }
        return -2 - Nat64Outcome.POOL_EXHAUSTED;
    }

    private int next(int index) {
        return (int) INT.getAndAdd(table, index, 1);
    }

    /**
     * Algorithm 3 inside block {@code b} (RFC 6056 §3.3.3): claims a port for {@code e}, counting it on the block.
     * The tries walk the block's ports of the source's parity (RFC 4787 REQ-4; all ports for {@code parity} -1) one
     * after the other from {@code offset + table[index]}, as the algorithm's {@code table[index]++} per try does,
     * and the table moves on by the number of tries at the end (one atomic add before, one after, rather than one
     * per try). The subscriber's count on the block is taken once for the whole walk, so the sweeper cannot release
     * the block meanwhile, and given back if no port was free: a nearly full block costs one chain lookup per try,
     * no atomic operation (with a count and a table increment per try, new TCP connections of a subscriber whose
     * blocks are full of closed sessions spent most of the workers' time here: docs/performance.md).
     */
    private boolean tryBlock(Bib bib, int e, int s, int b, int offset, int index, int parity) {
        int size = pool.blockSize();
        int first = pool.blockFirstPort(protocol, b);
        int address = pool.blockAddress(protocol, b);
        int start = first;
        int step = 1;
        int ports = size;
        if (parity >= 0) {
            start = (first & 1) == parity ? first : first + 1;
            step = 2;
            ports = (first + size - start + 1) / 2; // the block's ports of that parity
        }
        if (ports <= 0) {
            return false; // a one-port block of the other parity
        }
        if (s >= 0 && !countIn(b, s)) {
            return false;
        }
        int tries = Math.min(maxIterations, ports);
        int j = Integer.remainderUnsigned(offset + next(index), ports);
        for (int i = 0; i < tries; i++, j = j + 1 < ports ? j + 1 : 0) {
            if (bib.claimPort(e, address, start + j * step)) {
                advance(index, i);
                return true;
            }
        }
        advance(index, tries - 1);
        if (s >= 0) {
            uncount(b);
        }
        return false;
    }

    /** Algorithm 3's {@code table[index]} moves on by the {@code n} tries after the first ({@link #next} counted it). */
    private void advance(int index, int n) {
        if (n > 0) {
            INT.getAndAdd(table, index, n);
        }
    }

    /** Adds one entry to block {@code b} if subscriber {@code s} still owns it. */
    private boolean countIn(int b, int s) {
        for (;;) {
            long w = (long) LONG.getVolatile(owner, b);
            if ((int) (w >>> 32) != s + 1) {
                return false;
            }
            if (LONG.compareAndSet(owner, b, w, w + 1)) {
                return true;
            }
        }
    }

    private static int mask(int parity) {
        return parity < 0 ? 3 : 1 << parity;
    }

    private boolean exhausted(int b, int parity) {
        int m = mask(parity);
        return ((byte) BYTE.getOpaque(exhausted, b) & m) == m;
    }

    private void markExhausted(int b, int parity) {
        BYTE.setOpaque(exhausted, b, (byte) ((byte) BYTE.getOpaque(exhausted, b) | mask(parity)));
    }

    /** A BIB entry of block {@code b} is gone (the sweeper): its port is free again, and so the block is not full. */
    void freed(int b) {
        BYTE.setOpaque(exhausted, b, (byte) 0);
        uncount(b);
    }

    /** One entry of block {@code b} is gone (its port no longer claimed). */
    void uncount(int b) {
        for (;;) {
            long w = (long) LONG.getVolatile(owner, b);
            if (LONG.compareAndSet(owner, b, w, w - 1)) {
                return;
            }
        }
    }

    /**
     * Takes a free block of class {@code cls} for {@code s}, with a count of one that the caller gives back: a
     * bounded scan.
     */
    private int takeFreeBlock(int s, int cls, long now) {
        int n = owner.length;
        if (n == 0) {
            return -1;
        }
        // round robin from where the last block was found (a hashed start would walk the ever longer runs of
        // taken blocks once most are taken); the cursor is a hint, a stale read only costs a longer scan
        int start = Math.floorMod(cursor, n);
        for (int i = 0; i < n && i < maxIterations * 16; i++) {
            int b = start + i < n ? start + i : start + i - n;
            if (pool.blockClass(protocol, b) == cls && (long) LONG.getVolatile(owner, b) == 0 && own(b, s, now)) {
                cursor = b + 1;
                return b;
            }
        }
        return -1;
    }

    /** Sweeper: releases block {@code b} if it is owned and empty; returns the former owner or -1. */
    int releaseIfEmpty(int b) {
        long w = (long) LONG.getVolatile(owner, b);
        if (w != 0 && (int) w == 0 && LONG.compareAndSet(owner, b, w, 0L)) {
            return (int) (w >>> 32) - 1;
        }
        return -1;
    }

    /** The owner of block {@code b} (subscriber id) or -1. */
    int ownerOf(int b) {
        return (int) ((long) LONG.getVolatile(owner, b) >>> 32) - 1;
    }
}
