// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.Arrays;
import java.util.List;

/**
 * {@link Pool4#contains} and {@link Pool4#blockOf} by binary search, for restoring a million entries at start:
 * Pool4's own are linear in its ranges and blocks (fine for one whois, not for every entry of a state file).
 * Keys are (address, port) as one unsigned number, sorted; the ranges of one protocol and address never overlap.
 */
final class PoolIndex {
    private final Pool4 pool;
    private final long[][] rangeKey = new long[Nat64Protocol.COUNT][];
    private final int[][] rangeLast = new int[Nat64Protocol.COUNT][];
    private final long[][] blockKey = new long[Nat64Protocol.COUNT][];
    private final int[][] blockId = new int[Nat64Protocol.COUNT][];

    PoolIndex(Pool4 pool) {
        this.pool = pool;
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            int proto = p;
            List<Pool4.Range> ranges = pool.ranges().stream().filter(r -> r.protocol() == proto)
                    .sorted((a, b) -> Long.compare(key(a.address(), a.first()), key(b.address(), b.first()))).toList();
            rangeKey[p] = ranges.stream().mapToLong(r -> key(r.address(), r.first())).toArray();
            rangeLast[p] = ranges.stream().mapToInt(Pool4.Range::last).toArray();
            Integer[] ids = new Integer[pool.blocks(p)];
            for (int b = 0; b < ids.length; b++) {
                ids[b] = b;
            }
            Arrays.sort(ids, (a, b) -> Long.compare(blockKeyOf(proto, a), blockKeyOf(proto, b)));
            blockKey[p] = Arrays.stream(ids).mapToLong(b -> blockKeyOf(proto, b)).toArray();
            blockId[p] = Arrays.stream(ids).mapToInt(Integer::intValue).toArray();
        }
    }

    private long blockKeyOf(int protocol, int b) {
        return key(pool.blockAddress(protocol, b), pool.blockFirstPort(protocol, b));
    }

    static long key(int address, int port) {
        return (address & 0xffffffffL) << 16 | port;
    }

    /** The index of the last key at or below {@code k}, or -1. */
    private static int floor(long[] keys, long k) {
        int i = Arrays.binarySearch(keys, k);
        return i >= 0 ? i : -i - 2;
    }

    /** As {@link Pool4#contains}. */
    boolean contains(int protocol, int address, int port) {
        int i = floor(rangeKey[protocol], key(address, port));
        return i >= 0 && (int) (rangeKey[protocol][i] >>> 16) == address && port <= rangeLast[protocol][i];
    }

    /** As {@link Pool4#blockOf}. */
    int blockOf(int protocol, int address, int port) {
        int i = floor(blockKey[protocol], key(address, port));
        if (i < 0 || (int) (blockKey[protocol][i] >>> 16) != address) {
            return -1;
        }
        int first = (int) blockKey[protocol][i] & 0xffff;
        return port < first + pool.blockSize() ? blockId[protocol][i] : -1;
    }
}
