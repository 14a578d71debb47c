// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

/**
 * RFC 6146 §3.4 (and §3.5): a non-first fragment carries no ports, so stateful NAT64 translates it with what the
 * first fragment of its datagram found: this table, one per worker, maps (source, destination, Identification,
 * protocol, direction) to the binding's translated address (T for IPv6 → IPv4, X' for IPv4 → IPv6). The kernel
 * hands all fragments of a datagram to the same TUN queue (tun's queue selection, __skb_get_hash_symmetric,
 * parses no ports of any fragment, so a fragment's queue follows its addresses and protocol alone), so a worker's
 * own table sees them all and needs no synchronisation (the one exception: docs/nat64-design.md, "What remains").
 *
 * <p>Bounded and expiring: {@link #CAPACITY} entries in buckets of {@link #WAYS}, each living {@link #LIFETIME}
 * seconds (RFC 6146 §4's FRAGMENT_MIN is 2 s) from its first fragment. A first fragment that finds its bucket
 * full of live entries is refused (counted), so that its other fragments are not sent with a stale mapping;
 * fragments that come before their first are held for it in {@link EarlyFragments}. Primitive arrays, no
 * allocation.
 */
final class StatefulFragments {
    static final int CAPACITY = 1024;
    static final int WAYS = 4;
    /** Seconds an entry lives after its first fragment (at least RFC 6146's FRAGMENT_MIN, 2 s). */
    static final int LIFETIME = 4;

    /** Per entry: the key's four longs, Identification, protocol and direction, expiry, and the mapped address. */
    private final long[] key = new long[CAPACITY * 4];
    private final int[] id = new int[CAPACITY];
    private final int[] protoDir = new int[CAPACITY];
    private final long[] expiry = new long[CAPACITY];
    private final long[] valueHi = new long[CAPACITY];
    private final long[] valueLo = new long[CAPACITY];
    /** Found by {@link #find}: the mapped address (IPv4 in {@link #lo} for 6→4). */
    long hi;
    long lo;

    private static int bucket(long a, long b, long c, long d, int ident, int pd) {
        long h = a * 0x9E3779B97F4A7C15L ^ b * 0xC2B2AE3D27D4EB4FL ^ c * 0x165667B19E3779F9L ^ d * 0x27D4EB2F165667C5L
                ^ (ident & 0xffffffffL) * 0x85EBCA77C2B2AE63L ^ pd;
        h ^= h >>> 29;
        return (int) (h & (CAPACITY / WAYS - 1)) * WAYS;
    }

    private boolean matches(int e, long a, long b, long c, long d, int ident, int pd) {
        int k = e * 4;
        return key[k] == a && key[k + 1] == b && key[k + 2] == c && key[k + 3] == d && id[e] == ident && protoDir[e] == pd;
    }

    /**
     * Remembers that the datagram (a, b → c, d, {@code ident}, {@code pd}) maps to ({@code vHi}, {@code vLo}).
     * False if its bucket is full of live entries.
     */
    boolean put(long a, long b, long c, long d, int ident, int pd, long vHi, long vLo, long now) {
        int first = bucket(a, b, c, d, ident, pd);
        int free = -1;
        for (int e = first; e < first + WAYS; e++) {
            if (expiry[e] > now && matches(e, a, b, c, d, ident, pd)) {
                free = e; // the same datagram again (a retransmitted first fragment)
                break;
            }
            if (free < 0 && expiry[e] <= now) {
                free = e;
            }
        }
        if (free < 0) {
            return false;
        }
        int k = free * 4;
        key[k] = a;
        key[k + 1] = b;
        key[k + 2] = c;
        key[k + 3] = d;
        id[free] = ident;
        protoDir[free] = pd;
        expiry[free] = now + LIFETIME;
        valueHi[free] = vHi;
        valueLo[free] = vLo;
        return true;
    }

    /** Finds the datagram's mapping into {@link #hi} / {@link #lo}; false if its first fragment was not seen. */
    boolean find(long a, long b, long c, long d, int ident, int pd, long now) {
        int first = bucket(a, b, c, d, ident, pd);
        for (int e = first; e < first + WAYS; e++) {
            if (expiry[e] > now && matches(e, a, b, c, d, ident, pd)) {
                hi = valueHi[e];
                lo = valueLo[e];
                return true;
            }
        }
        return false;
    }
}
