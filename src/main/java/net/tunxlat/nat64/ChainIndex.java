// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A hash index over the entries of a table (entry ids {@code 0..capacity-1}), with separate chaining through
 * an {@code int} array: {@code heads[bucket]} and {@code next[entry]} hold an entry id plus one, 0 ending a
 * chain. Lock-free for any number of readers and inserters, with ONE remover (the sweeper).
 *
 * <ul>
 *   <li>Readers walk a chain with volatile loads; they never write.
 *   <li>{@link #insertIfAbsent} links a new entry at the head of its chain with a CAS, after scanning the chain
 *       for an entry with the same key; when the CAS fails it scans only what was pushed in front since, so of
 *       several threads inserting the same key exactly one links its entry and the others get the winner's.
 *   <li>{@link #unlink} (sweeper only) removes an entry either with a CAS on the head (an inserter may be
 *       pushing in front of it) or by a volatile store into its predecessor's {@code next}: only the sweeper
 *       writes the {@code next} of a linked entry, so that store cannot be lost. The unlinked entry's own
 *       {@code next} is left intact, so a reader standing on it still reaches the rest of the chain; the entry
 *       is reused only after every reader has left (see {@link Epochs}).
 * </ul>
 * Keys of a linked entry never change, so a reader comparing keys never sees a torn key.
 */
abstract class ChainIndex {
    static final VarHandle INT = MethodHandles.arrayElementVarHandle(int[].class);

    private final int[] heads;
    final int[] next;
    private final int mask;
    private final long k0;
    private final long k1;

    /**
     * @param capacity number of entries
     * @param key0 first half of the hash key (random per table, so that chain lengths cannot be chosen from outside)
     */
    ChainIndex(int capacity, long key0, long key1) {
        this(capacity, capacity, key0, key1);
    }

    /**
     * @param expected entries expected at most in normal use: the chains are the next power of two at or above
     *     it (a load factor of at most one: a successful lookup walks 1.5 entries on average)
     */
    ChainIndex(int capacity, int expected, long key0, long key1) {
        int buckets = Integer.highestOneBit(Math.max(2, expected) * 2 - 1);
        this.heads = new int[buckets];
        this.next = new int[capacity];
        this.mask = buckets - 1;
        this.k0 = key0;
        this.k1 = key1;
    }

    /** Whether entry {@code e} has key ({@code a}, {@code b}, {@code c}) and is of interest in this {@code mode}. */
    abstract boolean matches(int e, long a, long b, long c, int mode);

    /** The chain of a key: the caller chooses which key words are hashed (all that tell entries apart). */
    final int bucket(long a, long b, long c) {
        return (int) mix(k0, k1, a, b, c) & mask;
    }

    /**
     * A keyed mix of three words (murmur3's 64-bit finaliser after each, keyed with this table's random seeds):
     * about a quarter of SipHash's cost on the per-packet path. Not a cryptographic PRF: it keeps chains short
     * for keys an outsider chooses without knowing the seeds; port allocation, where the RFC asks for a
     * cryptographic hash, uses {@link SipHash}.
     */
    static long mix(long k0, long k1, long a, long b, long c) {
        long h = fmix(k0 ^ a);
        h = fmix(h ^ b ^ k1);
        return fmix(h ^ c);
    }

    private static long fmix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The first entry in chain {@code bucket} matching the key in {@code mode}, or -1. */
    final int find(int bucket, long a, long b, long c, int mode) {
        for (int e = (int) INT.getVolatile(heads, bucket) - 1; e >= 0; e = (int) INT.getVolatile(next, e) - 1) {
            if (matches(e, a, b, c, mode)) {
                return e;
            }
        }
        return -1;
    }

    /**
     * Links entry {@code e} (its key written, not yet linked anywhere in this index) unless an entry matching the
     * key in {@code mode} is linked. Returns -1 when {@code e} was linked, else the matching entry (and {@code e}
     * is not linked).
     */
    final int insertIfAbsent(int bucket, int e, long a, long b, long c, int mode) {
        int stop = 0;
        int head = (int) INT.getVolatile(heads, bucket);
        for (;;) {
            for (int x = head; x != stop && x != 0; x = (int) INT.getVolatile(next, x - 1)) {
                if (matches(x - 1, a, b, c, mode)) {
                    return x - 1;
                }
            }
            INT.setVolatile(next, e, head);
            if (INT.compareAndSet(heads, bucket, head, e + 1)) {
                return -1;
            }
            stop = head;
            head = (int) INT.getVolatile(heads, bucket);
        }
    }

    /** Sweeper only: unlinks entry {@code e} from chain {@code bucket}. Returns false if it was not linked. */
    final boolean unlink(int bucket, int e) {
        int after = (int) INT.getVolatile(next, e);
        for (;;) {
            int head = (int) INT.getVolatile(heads, bucket);
            if (head == e + 1) {
                if (INT.compareAndSet(heads, bucket, head, after)) {
                    return true;
                }
                continue;
            }
            for (int p = head - 1; p >= 0; p = (int) INT.getVolatile(next, p) - 1) {
                if ((int) INT.getVolatile(next, p) == e + 1) {
                    INT.setVolatile(next, p, after);
                    return true;
                }
            }
            return false;
        }
    }

    /** Bytes of the index arrays (for the memory figures). */
    final long bytes() {
        return 4L * heads.length + 4L * next.length;
    }
}
