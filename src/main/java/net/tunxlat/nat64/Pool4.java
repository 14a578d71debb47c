// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.ArrayList;
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

    private final int blockSize;
    /** The ranges as given. */
    private final List<Range> ranges;
    /** Per protocol and port class: segments (address, first port, size) and their cumulative starts. */
    private final int[][][] segAddress = new int[Nat64Protocol.COUNT][2][];
    private final int[][][] segFirst = new int[Nat64Protocol.COUNT][2][];
    private final long[][][] segStart = new long[Nat64Protocol.COUNT][2][];
    private final long[][] classPorts = new long[Nat64Protocol.COUNT][2];
    /** Per protocol: blocks' address, first port and port class. */
    private final int[][] blockAddress = new int[Nat64Protocol.COUNT][];
    private final int[][] blockFirst = new int[Nat64Protocol.COUNT][];
    private final byte[][] blockClass = new byte[Nat64Protocol.COUNT][];

    /**
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
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = 0; j < i; j++) {
                Range a = ranges.get(i);
                Range b = ranges.get(j);
                if (a.protocol() == b.protocol() && a.address() == b.address() && a.first() <= b.last()
                        && b.first() <= a.last()) {
                    throw new IllegalArgumentException("pool4 ranges " + describe(b) + " and " + describe(a)
                            + " overlap; give each port once");
                }
            }
        }
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            List<int[]> segments = new ArrayList<>();
            for (Range r : ranges) {
                if (r.protocol() != p) {
                    continue;
                }
                if (r.first() < 1024 && r.last() >= 1024) {
                    segments.add(new int[] {r.address(), r.first(), 1024 - r.first()});
                    segments.add(new int[] {r.address(), 1024, r.last() - 1023});
                } else {
                    segments.add(new int[] {r.address(), r.first(), r.last() - r.first() + 1});
                }
            }
            for (int c = 0; c < 2; c++) {
                int cls = c;
                int proto = p;
                int[][] of = segments.stream().filter(s -> classOf(proto, s[1]) == cls).toArray(int[][]::new);
                segAddress[p][c] = Arrays.stream(of).mapToInt(s -> s[0]).toArray();
                segFirst[p][c] = Arrays.stream(of).mapToInt(s -> s[1]).toArray();
                segStart[p][c] = new long[of.length];
                long total = 0;
                for (int k = 0; k < of.length; k++) {
                    segStart[p][c][k] = total;
                    total += of[k][2];
                }
                classPorts[p][c] = total;
            }
            List<int[]> blocks = new ArrayList<>();
            if (blockSize > 0) {
                for (int[] s : segments) {
                    for (int first = s[1]; first + blockSize <= s[1] + s[2]; first += blockSize) {
                        blocks.add(new int[] {s[0], first, classOf(p, first)});
                    }
                }
            }
            blockAddress[p] = blocks.stream().mapToInt(b -> b[0]).toArray();
            blockFirst[p] = blocks.stream().mapToInt(b -> b[1]).toArray();
            blockClass[p] = new byte[blocks.size()];
            for (int k = 0; k < blocks.size(); k++) {
                blockClass[p][k] = (byte) blocks.get(k)[2];
            }
        }
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
        return blockAddress[protocol].length;
    }

    public int blockAddress(int protocol, int block) {
        return blockAddress[protocol][block];
    }

    public int blockFirstPort(int protocol, int block) {
        return blockFirst[protocol][block];
    }

    int blockClass(int protocol, int block) {
        return blockClass[protocol][block];
    }

    /** Ports of {@code protocol} in port class {@code cls} (whole pool, blocks or not). */
    long ports(int protocol, int cls) {
        return classPorts[protocol][cls];
    }

    /** The {@code k}-th (address, port) of port class {@code cls}, packed as address << 16 | port. */
    long portAt(int protocol, int cls, long k) {
        long[] starts = segStart[protocol][cls];
        int i = Arrays.binarySearch(starts, k);
        if (i < 0) {
            i = -i - 2;
        }
        return (long) segAddress[protocol][cls][i] << 16 | (segFirst[protocol][cls][i] + (k - starts[i]));
    }

    /** The block holding (address, port) of {@code protocol}, or -1 (for whois; linear in the number of blocks). */
    public int blockOf(int protocol, int address, int port) {
        int[] a = blockAddress[protocol];
        int[] f = blockFirst[protocol];
        for (int b = 0; b < a.length; b++) {
            if (a[b] == address && port >= f[b] && port < f[b] + blockSize) {
                return b;
            }
        }
        return -1;
    }

    /** Whether (address, port) is in the pool for {@code protocol}. */
    public boolean contains(int protocol, int address, int port) {
        for (int c = 0; c < 2; c++) {
            int[] a = segAddress[protocol][c];
            for (int i = 0; i < a.length; i++) {
                long size = (i + 1 < a.length ? segStart[protocol][c][i + 1] : classPorts[protocol][c]) - segStart[protocol][c][i];
                if (a[i] == address && port >= segFirst[protocol][c][i] && port < segFirst[protocol][c][i] + size) {
                    return true;
                }
            }
        }
        return false;
    }
}
