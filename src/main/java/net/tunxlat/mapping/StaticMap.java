// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.Arrays;

/**
 * The explicit address mapping table (RFC 7757 §3): IPv4 prefix ↔ IPv6 prefix, longest-prefix match
 * in both directions. Immutable and lock free: one open-addressing hash table per distinct prefix
 * length, probed from the longest length down, so a lookup costs at most one probe sequence per
 * distinct length (at most 33 for IPv4, 129 for IPv6) whatever the number of entries, and allocates
 * nothing.
 */
public final class StaticMap {
    private final Ipv4Prefix[] v4;
    private final Ipv6Prefix[] v6;
    private final int[] lengths4; // distinct IPv4 lengths, longest first
    private final int[][] keys4;
    private final int[][] values4;
    private final int[] lengths6;
    private final long[][] keysHi6;
    private final long[][] keysLo6;
    private final int[][] values6;

    /** Entries as pairs; the caller has refused duplicates. */
    public StaticMap(List<Ipv4Prefix> v4Prefixes, List<Ipv6Prefix> v6Prefixes) {
        if (v4Prefixes.size() != v6Prefixes.size()) {
            throw new IllegalArgumentException("unpaired map entries");
        }
        int n = v4Prefixes.size();
        this.v4 = v4Prefixes.toArray(new Ipv4Prefix[0]);
        this.v6 = v6Prefixes.toArray(new Ipv6Prefix[0]);
        for (int i = 0; i < n; i++) {
            if (128 - v6[i].length() < 32 - v4[i].length()) {
                throw new IllegalArgumentException("map " + v4[i] + " " + v6[i] + ": IPv6 side has fewer host bits");
            }
        }
        TreeSet<Integer> l4 = new TreeSet<>();
        TreeSet<Integer> l6 = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            l4.add(v4[i].length());
            l6.add(v6[i].length());
        }
        lengths4 = l4.descendingSet().stream().mapToInt(Integer::intValue).toArray();
        lengths6 = l6.descendingSet().stream().mapToInt(Integer::intValue).toArray();
        keys4 = new int[lengths4.length][];
        values4 = new int[lengths4.length][];
        for (int li = 0; li < lengths4.length; li++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (v4[i].length() == lengths4[li]) {
                    members.add(i);
                }
            }
            int cap = capacityFor(members.size());
            keys4[li] = new int[cap];
            values4[li] = new int[cap];
            Arrays.fill(values4[li], -1);
            for (int i : members) {
                int slot = hash4(v4[i].address()) & (cap - 1);
                while (values4[li][slot] >= 0) {
                    if (keys4[li][slot] == v4[i].address()) {
                        throw new IllegalArgumentException("duplicate map entry for " + v4[i]);
                    }
                    slot = (slot + 1) & (cap - 1);
                }
                keys4[li][slot] = v4[i].address();
                values4[li][slot] = i;
            }
        }
        keysHi6 = new long[lengths6.length][];
        keysLo6 = new long[lengths6.length][];
        values6 = new int[lengths6.length][];
        for (int li = 0; li < lengths6.length; li++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (v6[i].length() == lengths6[li]) {
                    members.add(i);
                }
            }
            int cap = capacityFor(members.size());
            keysHi6[li] = new long[cap];
            keysLo6[li] = new long[cap];
            values6[li] = new int[cap];
            Arrays.fill(values6[li], -1);
            for (int i : members) {
                int slot = hash6(v6[i].hi(), v6[i].lo()) & (cap - 1);
                while (values6[li][slot] >= 0) {
                    if (keysHi6[li][slot] == v6[i].hi() && keysLo6[li][slot] == v6[i].lo()) {
                        throw new IllegalArgumentException("duplicate map entry for " + v6[i]);
                    }
                    slot = (slot + 1) & (cap - 1);
                }
                keysHi6[li][slot] = v6[i].hi();
                keysLo6[li][slot] = v6[i].lo();
                values6[li][slot] = i;
            }
        }
    }

    public static final StaticMap EMPTY = new StaticMap(List.of(), List.of());

    private static int capacityFor(int n) {
        int cap = 2;
        while (cap < n * 2) {
            cap <<= 1;
        }
        return cap;
    }

    private static int hash4(int a) {
        int h = a * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private static int hash6(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L + lo * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 32;
        return (int) (h ^ (h >>> 16));
    }

    public int size() {
        return v4.length;
    }

    public Ipv4Prefix v4(int index) {
        return v4[index];
    }

    public Ipv6Prefix v6(int index) {
        return v6[index];
    }

    /** Index of the entry whose IPv4 prefix is the longest match for {@code a}, or -1. */
    public int lookup4(int a) {
        for (int li = 0; li < lengths4.length; li++) {
            int key = a & Addresses.mask4(lengths4[li]);
            int[] keys = keys4[li];
            int[] vals = values4[li];
            int mask = keys.length - 1;
            int slot = hash4(key) & mask;
            int v;
            while ((v = vals[slot]) >= 0) {
                if (keys[slot] == key) {
                    return v;
                }
                slot = (slot + 1) & mask;
            }
        }
        return -1;
    }

    /** Index of the entry whose IPv6 prefix is the longest match for {@code hi:lo}, or -1. */
    public int lookup6(long hi, long lo) {
        for (int li = 0; li < lengths6.length; li++) {
            int len = lengths6[li];
            long kh = hi & Addresses.maskHi(len);
            long kl = lo & Addresses.maskLo(len);
            long[] khs = keysHi6[li];
            long[] kls = keysLo6[li];
            int[] vals = values6[li];
            int mask = vals.length - 1;
            int slot = hash6(kh, kl) & mask;
            int v;
            while ((v = vals[slot]) >= 0) {
                if (khs[slot] == kh && kls[slot] == kl) {
                    return v;
                }
                slot = (slot + 1) & mask;
            }
        }
        return -1;
    }

    /**
     * RFC 7757 §3.2: the IPv4 suffix bits of {@code a} (below entry {@code i}'s IPv4 prefix) are
     * placed right after the entry's IPv6 prefix; remaining bits are zero. High half.
     */
    public long translate4to6Hi(int i, int a) {
        return v6[i].hi() | shiftHi(suffix4(i, a), shift(i));
    }

    /** Low half of {@link #translate4to6Hi}. */
    public long translate4to6Lo(int i, int a) {
        return v6[i].lo() | shiftLo(suffix4(i, a), shift(i));
    }

    /** RFC 7757 §3.2, the reverse: the bits after entry {@code i}'s IPv6 prefix become the IPv4 suffix. */
    public int translate6to4(int i, long hi, long lo) {
        int s4 = 32 - v4[i].length();
        if (s4 == 0) {
            return v4[i].address();
        }
        int sh = shift(i);
        long bits = sh >= 64 ? hi >>> (sh - 64) : sh == 0 ? lo : (lo >>> sh) | (hi << (64 - sh));
        long m = (1L << s4) - 1;
        return v4[i].address() | (int) (bits & m);
    }

    private int suffix4(int i, int a) {
        return a & ~Addresses.mask4(v4[i].length());
    }

    /** How far left the IPv4 suffix is shifted within the 128-bit address. */
    private int shift(int i) {
        return 128 - v6[i].length() - (32 - v4[i].length());
    }

    private static long shiftHi(int suffix, int sh) {
        long s = suffix & 0xffffffffL;
        if (sh >= 64) {
            return s << (sh - 64);
        }
        return sh == 0 ? 0 : s >>> (64 - sh);
    }

    private static long shiftLo(int suffix, int sh) {
        long s = suffix & 0xffffffffL;
        return sh >= 64 ? 0 : s << sh;
    }
}
