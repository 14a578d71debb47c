// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The Binding Information Base of one protocol (RFC 6146 §3.1): entries (X', x) ↔ (T, t) in parallel primitive
 * arrays, found through two {@link ChainIndex}es, by the IPv6 side (X', x) and by the IPv4 side (T, t).
 *
 * <p>An entry's word packs the lifecycle state (bits 29-31) and a reference count (bits 0-28): the entry's
 * sessions plus one for a static entry plus one while its creator is still creating its first session. The
 * life of a dynamic entry:
 * <ol>
 *   <li>FREE → CLAIMING: a worker pops it, writes (X', x, T, t) and links it by (T, t) only if no entry holds
 *       (T, t) (that CAS claims the port). Readers by (T, t) ignore CLAIMING entries.
 *   <li>It then links it by (X', x) if no live entry holds (X', x). If another worker won, the entry becomes
 *       DEAD (its port stays claimed until the sweeper unlinks it); the worker uses the winner's.
 *   <li>CLAIMING → LIVE: now found by both indexes.
 *   <li>LIVE with count 0 → DEAD (sweeper CAS; a worker adding a session CASes the count up only while LIVE
 *       or CLAIMING, so the two cannot both succeed) → UNLINKED (stamped with the epoch) → FREE after grace.
 * </ol>
 */
final class Bib {
    static final int FREE = 0;
    static final int CLAIMING = 1;
    static final int LIVE = 2;
    static final int DEAD = 3;
    static final int UNLINKED = 4;
    static final int STATE_SHIFT = 29;
    static final int COUNT_MASK = (1 << STATE_SHIFT) - 1;

    private static final VarHandle LONG =
            MethodHandles.arrayElementVarHandle(long[].class);
    /**
     * The entries, four longs each so that one lookup touches one or two cache lines, not one per field:
     * X' high, X' low, x << 48 | t << 32 | T, word << 32 | subscriber. The subscriber (whose session count and
     * block this entry uses; -1 for a static entry) never changes while the entry is in use, so a CAS on the
     * last long is a CAS on the word.
     */
    private final long[] data;
    /** The block its port is in (-1 outside block mode or for a static entry); read by the sweeper. */
    final int[] block;
    final By6 by6;
    final By4 by4;
    final Slab slab;

    Bib(int capacity, int expected, long key0, long key1) {
        data = new long[capacity * 4];
        block = new int[capacity];
        by6 = new By6(capacity, expected, key0, key1);
        by4 = new By4(capacity, expected, key1, key0 ^ 0x5bd1e995L);
        slab = new Slab(by6.next, capacity);
    }

    int capacity() {
        return block.length;
    }

    static int state(int w) {
        return w >>> STATE_SHIFT;
    }

    static int count(int w) {
        return w & COUNT_MASK;
    }

    long hi(int e) {
        return data[4 * e];
    }

    long lo(int e) {
        return data[4 * e + 1];
    }

    int x(int e) {
        return (int) (data[4 * e + 2] >>> 48);
    }

    int t(int e) {
        return (int) (data[4 * e + 2] >>> 32) & 0xffff;
    }

    int t4(int e) {
        return (int) data[4 * e + 2];
    }

    int word(int e) {
        return (int) ((long) LONG.getVolatile(data, 4 * e + 3) >>> 32);
    }

    int subscriber(int e) {
        return (int) data[4 * e + 3];
    }

    /** Writes (X', x) of an entry not in use (before it is linked anywhere). */
    void setHost(int e, long aHi, long aLo, int port) {
        data[4 * e] = aHi;
        data[4 * e + 1] = aLo;
        data[4 * e + 2] = (long) port << 48;
    }

    /** Sets the word and the subscriber of an entry (creation, or its end by the sweeper). */
    void setWord(int e, int w, int sub) {
        LONG.setVolatile(data, 4 * e + 3, (long) w << 32 | (sub & 0xffffffffL));
    }

    void setWord(int e, int w) {
        setWord(e, w, subscriber(e));
    }

    boolean casWord(int e, int expect, int w) {
        long l = (long) LONG.getVolatile(data, 4 * e + 3);
        return (int) (l >>> 32) == expect && LONG.compareAndSet(data, 4 * e + 3, l, (long) w << 32 | (l & 0xffffffffL));
    }

    /** Index by the IPv6 side: key (X'hi, X'lo, x); matches entries that are CLAIMING or LIVE. */
    final class By6 extends ChainIndex {
        By6(int capacity, int expected, long k0, long k1) {
            super(capacity, expected, k0, k1);
        }

        @Override
        boolean matches(int e, long a, long b, long c, int mode) {
            if (hi(e) != a || lo(e) != b || x(e) != c) {
                return false;
            }
            int st = state(word(e));
            return st == CLAIMING || st == LIVE;
        }

        int bucketOf(int e) {
            return bucket(hi(e), lo(e), x(e));
        }
    }

    /** Modes of the index by the IPv4 side. */
    static final int USABLE = 0;
    static final int OCCUPIED = 1;

    /**
     * Index by the IPv4 side: key (T << 16 | t). In mode {@link #USABLE} it matches LIVE entries (the inbound
     * lookup); in mode {@link #OCCUPIED} any linked entry, whatever its state (the port claim: a port is free
     * only once its last entry is unlinked).
     */
    final class By4 extends ChainIndex {
        By4(int capacity, int expected, long k0, long k1) {
            super(capacity, expected, k0, k1);
        }

        @Override
        boolean matches(int e, long a, long b, long c, int mode) {
            if (((long) t4(e) << 16 | t(e)) != a) {
                return false;
            }
            int st = state(word(e));
            return mode == OCCUPIED ? st != FREE : st == LIVE;
        }

        int bucketOf(int e) {
            return bucket((long) t4(e) << 16 | t(e), 0, 0);
        }

        int bucketOf(int address, int port) {
            return bucket((long) address << 16 | port, 0, 0);
        }
    }

    int find6(long aHi, long aLo, int port) {
        return by6.find(by6.bucket(aHi, aLo, port), aHi, aLo, port, 0);
    }

    int find4(int address, int port) {
        long k = (long) address << 16 | port;
        return by4.find(by4.bucket(k, 0, 0), k, 0, 0, USABLE);
    }

    /**
     * Links entry {@code e} (X', x written, state CLAIMING) by (address, port) if no entry holds that transport
     * address: the port claim. Its (T, t) are written first, so a reader that finds it sees them.
     */
    boolean claimPort(int e, int address, int port) {
        data[4 * e + 2] = (data[4 * e + 2] & 0xffff000000000000L) | (long) port << 32 | (address & 0xffffffffL);
        long k = (long) address << 16 | port;
        return by4.insertIfAbsent(by4.bucket(k, 0, 0), e, k, 0, 0, OCCUPIED) < 0;
    }

    /** Adds one to a CLAIMING or LIVE entry's count; false when it is ending (the caller looks it up again). */
    boolean retain(int e) {
        for (;;) {
            int w = word(e);
            int st = state(w);
            if (st != LIVE && st != CLAIMING) {
                return false;
            }
            if (casWord(e, w, w + 1)) {
                return true;
            }
        }
    }

    void release(int e) {
        for (;;) {
            int w = word(e);
            if (casWord(e, w, w - 1)) {
                return;
            }
        }
    }

    /** CLAIMING → LIVE, keeping the count. */
    void publish(int e) {
        for (;;) {
            int w = word(e);
            if (casWord(e, w, LIVE << STATE_SHIFT | count(w))) {
                return;
            }
        }
    }
}
