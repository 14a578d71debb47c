// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.ArrayList;
import java.util.List;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * Deterministic port blocks (RFC 7422 §2): subscriber prefixes of length {@code subscriberLength} inside
 * {@code range} are numbered in address order, and subscriber {@code i} always gets block {@code i} of each
 * protocol (the blocks of {@link Pool4}, in configuration order). Nothing needs to be logged: the pair of
 * functions {@link #blockOf} and {@link #subscriberOf} answers "which subscriber had this address and port" from
 * the configuration alone.
 *
 * <p>Sharded (a {@code nat64-shard-file}, docs/scale-out.md "Stateful sharding"), the rule has several
 * {@link Part}s: each part numbers the subscribers of its prefixes one after the other (prefix by prefix, in the
 * order given) and maps subscriber {@code i} of the part to block {@code i} of the part's own pool4 ranges, which
 * follow each other in the pool in part order. An instance's own slice is one part; each instance it stands by for
 * adds one part (that instance's subscribers onto the standby range), so a standby never uses a port of a slice.
 */
public final class Deterministic {
    /**
     * One part of a sharded rule: the subscribers of {@code subscribers} (in order) onto the blocks of
     * {@code ranges}.
     *
     * @param label what the part is, for messages and logs (such as "instance xa")
     */
    public record Part(String label, List<Ipv6Prefix> subscribers, List<Pool4.Range> ranges) {
        public Part {
            subscribers = List.copyOf(subscribers);
            ranges = List.copyOf(ranges);
        }
    }

    private final int subscriberLength;
    private final Pool4 pool;
    /** The parts (one for {@code nat64-deterministic}). */
    private final List<Part> parts;
    /** Every subscriber prefix of every part, in order; its part and the part's subscriber number of its first. */
    private final Ipv6Prefix[] prefixes;
    private final int[] prefixPart;
    private final long[] prefixBase;
    /** Per part and protocol: the part's first block in the pool and its number of blocks. */
    private final int[][] partFirst;
    private final int[][] partBlocks;

    /**
     * {@code nat64-deterministic RANGE}: one part, the whole pool.
     *
     * @throws IllegalArgumentException when the pool has fewer blocks than the range has subscribers, or the
     *     subscriber prefixes are not inside the range
     */
    public Deterministic(Ipv6Prefix range, int subscriberLength, Pool4 pool) {
        this(List.of(new Part("nat64-deterministic " + range, List.of(range), pool.ranges())), subscriberLength,
                pool);
    }

    /**
     * A sharded rule: the parts' ranges, one part after the other, must be the pool's ranges.
     *
     * @throws IllegalArgumentException when a part has fewer blocks of a protocol than subscribers (and more than
     *     none), a subscriber prefix length does not fit a prefix, or the parts' ranges are not the pool's
     */
    public Deterministic(List<Part> parts, int subscriberLength, Pool4 pool) {
        if (pool.blockSize() == 0) {
            throw new IllegalArgumentException("deterministic port blocks need a port block size");
        }
        List<Pool4.Range> all = new ArrayList<>();
        parts.forEach(p -> all.addAll(p.ranges()));
        if (!all.equals(pool.ranges())) {
            throw new IllegalArgumentException("the parts' pool4 ranges are not the pool's, in order");
        }
        this.subscriberLength = subscriberLength;
        this.pool = pool;
        this.parts = List.copyOf(parts);
        List<Ipv6Prefix> flat = new ArrayList<>();
        List<Integer> partOf = new ArrayList<>();
        List<Long> base = new ArrayList<>();
        partFirst = new int[parts.size()][Nat64Protocol.COUNT];
        partBlocks = new int[parts.size()][Nat64Protocol.COUNT];
        int[] first = new int[Nat64Protocol.COUNT];
        for (int k = 0; k < parts.size(); k++) {
            Part part = parts.get(k);
            long subscribers = 0;
            for (Ipv6Prefix range : part.subscribers()) {
                if (subscriberLength < range.length() || subscriberLength > 128
                        || subscriberLength - range.length() > 31) {
                    throw new IllegalArgumentException("subscriber prefix length /" + subscriberLength + " must be"
                            + " between the range's /" + range.length() + " and /"
                            + Math.min(128, range.length() + 31));
                }
                flat.add(range);
                partOf.add(k);
                base.add(subscribers);
                subscribers += 1L << (subscriberLength - range.length());
            }
            Pool4 own = parts.size() == 1 ? pool : new Pool4(part.ranges(), pool.blockSize());
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                int blocks = own.blocks(p);
                if (blocks > 0 && blocks < subscribers) {
                    String of = part.subscribers().size() == 1 ? String.valueOf(part.subscribers().get(0))
                            : part.subscribers().toString();
                    throw new IllegalArgumentException((parts.size() == 1 ? "pool4" : part.label() + ": its pool4")
                            + " has " + blocks + " " + Nat64Protocol.name(p) + " blocks of " + pool.blockSize()
                            + " ports for the " + subscribers + " subscribers of " + of + " (/" + subscriberLength
                            + " each); add pool4 addresses or use smaller blocks");
                }
                partFirst[k][p] = first[p];
                partBlocks[k][p] = blocks;
                first[p] += blocks;
            }
        }
        this.prefixes = flat.toArray(new Ipv6Prefix[0]);
        this.prefixPart = partOf.stream().mapToInt(Integer::intValue).toArray();
        this.prefixBase = base.stream().mapToLong(Long::longValue).toArray();
    }

    public int subscriberLength() {
        return subscriberLength;
    }

    public List<Part> parts() {
        return parts;
    }

    /** RFC 7422 §2: the subscriber's number within {@code range}, or -1 if (hi, lo) is outside it. */
    private long indexIn(Ipv6Prefix range, long hi, long lo) {
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

    /** The block of {@code protocol} of the subscriber of (hi, lo), or -1 (a scan of the few prefixes). */
    int blockOf(int protocol, long hi, long lo) {
        for (int k = 0; k < prefixes.length; k++) {
            long i = indexIn(prefixes[k], hi, lo);
            if (i >= 0) {
                int part = prefixPart[k];
                i += prefixBase[k];
                return i < partBlocks[part][protocol] ? partFirst[part][protocol] + (int) i : -1;
            }
        }
        return -1;
    }

    /** The part whose blocks hold block {@code b} of {@code protocol}, or -1. */
    public int partOf(int protocol, int b) {
        for (int k = 0; k < parts.size(); k++) {
            if (b >= partFirst[k][protocol] && b < partFirst[k][protocol] + partBlocks[k][protocol]) {
                return k;
            }
        }
        return -1;
    }

    /** The inverse, for whois: the subscriber prefix that uses (address, port) of {@code protocol}, or null. */
    public Ipv6Prefix subscriberOf(int protocol, int address, int port) {
        int b = pool.blockOf(protocol, address, port);
        return b < 0 ? null : subscriberOfBlock(protocol, b);
    }

    /** The subscriber prefix of block {@code b} of {@code protocol}, or null when no subscriber has it. */
    public Ipv6Prefix subscriberOfBlock(int protocol, int b) {
        int part = partOf(protocol, b);
        if (part < 0) {
            return null;
        }
        long i = b - partFirst[part][protocol];
        for (int k = 0; k < prefixes.length; k++) {
            if (prefixPart[k] != part || i < prefixBase[k]) {
                continue;
            }
            Ipv6Prefix range = prefixes[k];
            int bits = subscriberLength - range.length();
            long n = i - prefixBase[k];
            if (n >= 1L << bits) {
                continue;
            }
            long hi = range.hi();
            long lo = range.lo();
            int end = subscriberLength;
            if (bits == 0) {
                return new Ipv6Prefix(hi, lo, subscriberLength);
            }
            if (end <= 64) {
                hi |= n << (64 - end);
            } else if (end - bits >= 64) {
                lo |= n << (128 - end);
            } else {
                hi |= n >>> (end - 64);
                lo |= n << (128 - end);
            }
            return new Ipv6Prefix(hi, lo, subscriberLength);
        }
        return null;
    }
}
