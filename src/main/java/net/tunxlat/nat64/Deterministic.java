// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import net.tunxlat.mapping.Ipv6Prefix;

/**
 * Deterministic port blocks (RFC 7422 §2): subscriber prefixes of length {@code subscriberLength} inside
 * {@code range} are numbered in address order, and subscriber {@code i} always gets block {@code i} of each
 * protocol (the blocks of {@link Pool4}, in configuration order). Nothing needs to be logged: the pair of
 * functions {@link #blockOf} and {@link #subscriberOf} answers "which subscriber had this address and port" from
 * the configuration alone.
 */
public final class Deterministic {
    private final Ipv6Prefix range;
    private final int subscriberLength;
    private final Pool4 pool;

    /**
     * @throws IllegalArgumentException when the pool has fewer blocks than the range has subscribers, or the
     *     subscriber prefixes are not inside the range
     */
    public Deterministic(Ipv6Prefix range, int subscriberLength, Pool4 pool) {
        if (subscriberLength < range.length() || subscriberLength > 128 || subscriberLength - range.length() > 31) {
            throw new IllegalArgumentException("subscriber prefix length /" + subscriberLength + " must be between the"
                    + " range's /" + range.length() + " and /" + Math.min(128, range.length() + 31));
        }
        if (pool.blockSize() == 0) {
            throw new IllegalArgumentException("deterministic port blocks need a port block size");
        }
        long subscribers = 1L << (subscriberLength - range.length());
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            if (pool.blocks(p) > 0 && pool.blocks(p) < subscribers) {
                throw new IllegalArgumentException("pool4 has " + pool.blocks(p) + " " + Nat64Protocol.name(p)
                        + " blocks of " + pool.blockSize() + " ports for the " + subscribers + " subscribers of "
                        + range + " (/" + subscriberLength + " each); add pool4 addresses or use smaller blocks");
            }
        }
        this.range = range;
        this.subscriberLength = subscriberLength;
        this.pool = pool;
    }

    public int subscriberLength() {
        return subscriberLength;
    }

    /** RFC 7422 §2: the subscriber's number, or -1 if (hi, lo) is outside the range. */
    long subscriberIndex(long hi, long lo) {
        if (!range.contains(hi, lo)) {
            return -1;
        }
        int bits = subscriberLength - range.length();
        if (bits == 0) {
            return 0;
        }
        // the bits between the range's length and the subscriber length, as an unsigned number
        long shiftedHi;
        int end = subscriberLength;
        if (end <= 64) {
            shiftedHi = hi >>> (64 - end);
        } else if (end - bits >= 64) {
            shiftedHi = lo >>> (128 - end);
        } else {
            shiftedHi = hi << (end - 64) | lo >>> (128 - end);
        }
        return shiftedHi & ((1L << bits) - 1);
    }

    /** The block of {@code protocol} of the subscriber of (hi, lo), or -1. */
    int blockOf(int protocol, long hi, long lo) {
        long i = subscriberIndex(hi, lo);
        return i < 0 || i >= pool.blocks(protocol) ? -1 : (int) i;
    }

    /** The inverse, for whois: the subscriber prefix that uses (address, port) of {@code protocol}, or null. */
    public Ipv6Prefix subscriberOf(int protocol, int address, int port) {
        int b = pool.blockOf(protocol, address, port);
        int bits = subscriberLength - range.length();
        if (b < 0 || (bits < 63 && b >= 1L << bits)) {
            return null;
        }
        long hi = range.hi();
        long lo = range.lo();
        long i = b;
        int end = subscriberLength;
        if (end <= 64) {
            hi |= i << (64 - end);
        } else if (end - bits >= 64) {
            lo |= i << (128 - end);
        } else {
            hi |= i >>> (end - 64);
            lo |= i << (128 - end);
        }
        return new Ipv6Prefix(hi, lo, subscriberLength);
    }
}
