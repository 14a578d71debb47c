// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.Arrays;
import java.util.List;
import net.tunxlat.mapping.Addresses;

/**
 * pool4 (RFC 6146 §3.5.1.1: "the set of IPv4 transport addresses ... to be used"): IPv4 addresses with a port
 * (or ICMP identifier) range per protocol, cut into port blocks of {@code blockSize} ports. Immutable.
 *
 * <p>A range that crosses 1023/1024 is cut there, so that every segment and every block lies wholly in the
 * well-known range (0-1023) or wholly above it (RFC 4787 REQ-3: keep the source port's range). Blocks are
 * {@code blockSize} ports starting at each segment's first port; a remainder shorter than a block is not used
 * in block mode (say so in the configuration's check). Block ids count the blocks of one protocol in the
 * order the ranges were given, so the deterministic mode (RFC 7422) is a pure function of the configuration.
 */
public final class Pool4 {
    /** Ports {@code first..last} of {@code address} for {@code protocol} ({@link Nat64Protocol}). */
    public record Range(int protocol, int address, int first, int last) {
        public Range {
            if (protocol < 0 || protocol >= Nat64Protocol.COUNT) {
                throw new IllegalArgumentException("protocol " + protocol);
            }
            if (first < 0 || last > 65535 || first > last) {
                throw new IllegalArgumentException("port range " + first + "-" + last
                        + " is not within 0-65535 with first <= last");
            }
        }
    }

    static final int WELL_KNOWN = 0;
    static final int OTHER = 1;
    /** The most blocks of one protocol (PortAllocator keeps an array element per block). */
    static final long MAX_BLOCKS = Integer.MAX_VALUE - 8;

    private final int blockSize;
    /** The ranges as given. */
    private final List<Range> ranges;
    /** Per protocol. */
    private final Segments[] segments = new Segments[Nat64Protocol.COUNT];

    /**
     * The segments of one protocol (each range, cut at 1023/1024), O(1) memory per segment and none per port:
     * in configuration order (block ids and the deterministic mode follow it), and sorted by (address, port) for
     * the lookups by address and port, which are binary searches.
     */
    private static final class Segments {
        /** Configuration order: address, first port, ports. */
        final int[] address;
        final int[] first;
        final int[] size;
        /** Block ids: segment s holds blocks blockStart[s] .. blockStart[s + 1] - 1 (n + 1 entries). */
        final int[] blockStart;
        /**
         * Bit b set: block b is in the well-known class (a bit set, so that a scan over blocks reads it in O(1));
         * written once in Pool4's constructor (published with Pool4's final fields).
         */
        long[] wellKnown;
        /** Sorted: (address, first port) as one unsigned number ({@link #key}), ascending, and its segment. */
        final long[] sortedKey;
        final int[] sorted;
        /** Per port class: its segments in configuration order and the number of ports before each. */
        final int[][] classSegment = new int[2][];
        final long[][] classStart = new long[2][];
        final long[] classPorts = new long[2];

        Segments(int n) {
            address = new int[n];
            first = new int[n];
            size = new int[n];
            blockStart = new int[n + 1];
            sortedKey = new long[n];
            sorted = new int[n];
        }

        int blocks() {
            return blockStart[blockStart.length - 1];
        }

        /** The segment holding block {@code b}: the last segment whose first block is at or below it. */
        int ofBlock(int b) {
            int lo = 0;
            int hi = address.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (blockStart[mid] <= b) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /** The segment holding (address, port), or -1: the sorted one at or below its key, if it reaches it. */
        int holding(int a, int port) {
            int i = Arrays.binarySearch(sortedKey, key(a, port));
            if (i < 0) {
                i = -i - 2;
            }
            if (i < 0) {
                return -1;
            }
            int s = sorted[i];
            return address[s] == a && port - first[s] < size[s] ? s : -1;
        }
    }

    /**
     * RFC 6146 §3.5.1.1's pool4, checked (no port given twice) and cut into segments and blocks in O(n log n) for
     * n ranges, with memory per range, not per block or port.
     *
     * @param ranges the pool; for one protocol and address the ranges may not overlap
     * @param blockSize ports per block (at least 2, so a block holds both parities); 0 for no blocks
     * @throws IllegalArgumentException what is wrong, for the configuration's error message
     */
    public Pool4(List<Range> ranges, int blockSize) {
        if (blockSize != 0 && (blockSize < 2 || blockSize > 65536)) {
            throw new IllegalArgumentException("port block size " + blockSize + " must be 0 (no blocks) or 2-65536");
        }
        this.blockSize = blockSize;
        this.ranges = List.copyOf(ranges);
        int[][] rangeOf = new int[Nat64Protocol.COUNT][];
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            rangeOf[p] = cut(p);
        }
        int[] overlap = null;
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            overlap = firstOverlap(overlap, segments[p], rangeOf[p]);
        }
        if (overlap != null) {
            throw new IllegalArgumentException("pool4 ranges " + describe(this.ranges.get(overlap[0])) + " and "
                    + describe(this.ranges.get(overlap[1])) + " overlap; give each port once");
        }
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            cutBlocks(p, segments[p]);
        }
    }

    /**
     * Cuts the ranges of {@code protocol} at 1023/1024 (RFC 4787 REQ-3) into {@link #segments}, sorted and counted
     * per port class; returns each segment's range index.
     */
    private int[] cut(int protocol) {
        int n = 0;
        for (Range r : ranges) {
            if (r.protocol() == protocol) {
                n += classOf(protocol, r.first()) != classOf(protocol, r.last()) ? 2 : 1;
            }
        }
        Segments s = new Segments(n);
        int[] rangeOf = new int[n];
        int k = 0;
        for (int i = 0; i < ranges.size(); i++) {
            Range r = ranges.get(i);
            if (r.protocol() != protocol) {
                continue;
            }
            int f = r.first();
            if (classOf(protocol, f) != classOf(protocol, r.last())) {
                s.address[k] = r.address();
                s.first[k] = f;
                s.size[k] = 1024 - f;
                rangeOf[k++] = i;
                f = 1024;
            }
            s.address[k] = r.address();
            s.first[k] = f;
            s.size[k] = r.last() - f + 1;
            rangeOf[k++] = i;
        }
        sort(s);
        for (int c = 0; c < 2; c++) {
            int count = 0;
            for (int j = 0; j < n; j++) {
                count += classOf(protocol, s.first[j]) == c ? 1 : 0;
            }
            s.classSegment[c] = new int[count];
            s.classStart[c] = new long[count];
            long total = 0;
            for (int j = 0, m = 0; j < n; j++) {
                if (classOf(protocol, s.first[j]) == c) {
                    s.classSegment[c][m] = j;
                    s.classStart[c][m++] = total;
                    total += s.size[j];
                }
            }
            s.classPorts[c] = total;
        }
        segments[protocol] = s;
        return rangeOf;
    }

    /**
     * Sorts the segments by (address, first port): by address first (one primitive sort of address and index),
     * then each address's few segments by port, so that no object is made per segment.
     */
    private static void sort(Segments s) {
        int n = s.address.length;
        long[] byAddress = new long[n];
        for (int i = 0; i < n; i++) {
            byAddress[i] = (long) (s.address[i] ^ Integer.MIN_VALUE) << 32 | i;
        }
        Arrays.sort(byAddress);
        for (int g = 0; g < n; ) {
            int end = g + 1;
            while (end < n && (int) (byAddress[end] >>> 32) == (int) (byAddress[g] >>> 32)) {
                end++;
            }
            long[] byPort = new long[end - g];
            for (int j = g; j < end; j++) {
                int i = (int) byAddress[j];
                byPort[j - g] = (long) s.first[i] << 32 | i;
            }
            Arrays.sort(byPort);
            for (int j = g; j < end; j++) {
                int i = (int) byPort[j - g];
                s.sorted[j] = i;
                s.sortedKey[j] = key(s.address[i], s.first[i]);
            }
            g = end;
        }
    }

    /**
     * Overlaps among sorted segments: each segment is checked against the earlier one (in sorted order, same
     * address) that reaches furthest, which finds an overlap if there is one. Of {@code found} and this
     * protocol's overlaps, returns the pair (earlier range, later range) whose later range comes first in the
     * configuration, or null.
     */
    private static int[] firstOverlap(int[] found, Segments s, int[] rangeOf) {
        int reach = -1;
        for (int j = 0; j < s.sorted.length; j++) {
            int i = s.sorted[j];
            if (reach >= 0 && s.address[reach] == s.address[i]
                    && s.first[i] <= s.first[reach] + s.size[reach] - 1) {
                int a = Math.min(rangeOf[reach], rangeOf[i]);
                int b = Math.max(rangeOf[reach], rangeOf[i]);
                if (found == null || b < found[1] || (b == found[1] && a < found[0])) {
                    found = new int[] {a, b};
                }
            }
            if (reach < 0 || s.address[reach] != s.address[i]
                    || s.first[i] + s.size[i] > s.first[reach] + s.size[reach]) {
                reach = i;
            }
        }
        return found;
    }

    /** Numbers the blocks of each segment in configuration order and marks the well-known ones. */
    private void cutBlocks(int protocol, Segments s) {
        long total = 0;
        for (int i = 0; i < s.address.length; i++) {
            s.blockStart[i] = (int) total;
            total += blockSize > 0 ? s.size[i] / blockSize : 0;
            if (total > MAX_BLOCKS) {
                throw new IllegalArgumentException("pool4 has more than " + MAX_BLOCKS + " "
                        + Nat64Protocol.name(protocol) + " blocks of " + blockSize + " ports; use larger blocks");
            }
        }
        s.blockStart[s.address.length] = (int) total;
        long[] wellKnown = new long[(int) ((total + 63) >>> 6)];
        for (int i = 0; i < s.address.length; i++) {
            if (classOf(protocol, s.first[i]) == WELL_KNOWN) {
                for (int b = s.blockStart[i]; b < s.blockStart[i + 1]; b++) {
                    wellKnown[b >>> 6] |= 1L << b;
                }
            }
        }
        s.wellKnown = wellKnown;
    }

    /** (address, port) as one unsigned number: the sort key of segments. */
    static long key(int address, int port) {
        return (address & 0xffffffffL) << 16 | port;
    }

    private static String describe(Range r) {
        return Nat64Protocol.name(r.protocol()) + " " + Addresses.formatIpv4(r.address()) + " " + r.first() + "-"
                + r.last();
    }

    /** RFC 4787 REQ-3's port class of {@code port}: well-known (0-1023) or not; ICMP identifiers have one class. */
    static int classOf(int protocol, int port) {
        return Nat64Protocol.hasPortClasses(protocol) && port < 1024 ? WELL_KNOWN : OTHER;
    }

    /** The ranges as given, in configuration order (for the configuration's checks and listings). */
    public List<Range> ranges() {
        return ranges;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blocks(int protocol) {
        return segments[protocol].blocks();
    }

    /** The address of block {@code block} of {@code protocol} (O(log n) in the segments). */
    public int blockAddress(int protocol, int block) {
        Segments s = segments[protocol];
        return s.address[s.ofBlock(block)];
    }

    /** The first port of block {@code block} of {@code protocol} (O(log n) in the segments). */
    public int blockFirstPort(int protocol, int block) {
        Segments s = segments[protocol];
        int i = s.ofBlock(block);
        return s.first[i] + (block - s.blockStart[i]) * blockSize;
    }

    /** The port class of block {@code block} (O(1): read for every block a scan for a free one passes). */
    int blockClass(int protocol, int block) {
        return (segments[protocol].wellKnown[block >>> 6] & 1L << block) != 0 ? WELL_KNOWN : OTHER;
    }

    /** Ports of {@code protocol} in port class {@code cls} (whole pool, blocks or not). */
    long ports(int protocol, int cls) {
        return segments[protocol].classPorts[cls];
    }

    /** The {@code k}-th (address, port) of port class {@code cls}, packed as address << 16 | port (O(log n)). */
    long portAt(int protocol, int cls, long k) {
        Segments s = segments[protocol];
        long[] starts = s.classStart[cls];
        int i = Arrays.binarySearch(starts, k);
        if (i < 0) {
            i = -i - 2;
        }
        int seg = s.classSegment[cls][i];
        return (long) s.address[seg] << 16 | (s.first[seg] + (k - starts[i]));
    }

    /** The block holding (address, port) of {@code protocol}, or -1 (O(log n)). */
    public int blockOf(int protocol, int address, int port) {
        Segments s = segments[protocol];
        int i = s.holding(address, port);
        if (i < 0 || blockSize == 0) {
            return -1;
        }
        int b = s.blockStart[i] + (port - s.first[i]) / blockSize;
        return b < s.blockStart[i + 1] ? b : -1;
    }

    /** The ports (or ICMP identifiers) of {@code protocol} at {@code address}, whole pool, blocks or not. */
    public long portsAt(int protocol, int address) {
        Segments s = segments[protocol];
        int i = Arrays.binarySearch(s.sortedKey, key(address, 0));
        long n = 0;
        for (i = i < 0 ? -i - 1 : i; i < s.sorted.length && s.address[s.sorted[i]] == address; i++) {
            n += s.size[s.sorted[i]];
        }
        return n;
    }

    /** Whether (address, port) is in the pool for {@code protocol} (O(log n): on the packet path). */
    public boolean contains(int protocol, int address, int port) {
        return segments[protocol].holding(address, port) >= 0;
    }

    /** The distinct pool4 addresses of every protocol, ascending as unsigned ints (a packet's "is it ours?" test). */
    public int[] addresses() {
        int n = 0;
        for (Segments s : segments) {
            n += s.address.length;
        }
        int[] all = new int[n];
        int k = 0;
        for (Segments s : segments) {
            for (int a : s.address) {
                all[k++] = a ^ Integer.MIN_VALUE;
            }
        }
        Arrays.sort(all);
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (m == 0 || all[i] != all[m - 1]) {
                all[m++] = all[i];
            }
        }
        int[] out = Arrays.copyOf(all, m);
        for (int i = 0; i < m; i++) {
            out[i] ^= Integer.MIN_VALUE;
        }
        return out;
    }
}
