// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The session table of one protocol (RFC 6146 §3.2): sessions (BIB entry, Z, z) in parallel primitive arrays,
 * (Z, z) being the IPv4 remote (Y' is Z under the translation prefix, so it is not stored). One
 * {@link ChainIndex} serves both directions, since both first find the BIB entry: it hashes (BIB entry, Z)
 * only, so the sessions of one BIB entry with one remote address share a chain and address-dependent filtering
 * ("is there a session of this entry with Z?") is one chain walk.
 *
 * <p>A session's word packs: lifecycle state (bits 61-63: FREE, LIVE, DEAD, UNLINKED), z (bits 40-55), the TCP
 * state (bits 32-34, {@link TcpStates}) and the expiry time in seconds (bits 0-31; the epoch stamp once UNLINKED). Every
 * change is a CAS on the word, so a refresh, a TCP transition and the sweeper's expiry cannot lose each other's
 * effect: the sweeper ends a session only by a CAS from the word it saw expired, which fails if a packet
 * refreshed it meanwhile.
 */
final class Sessions extends ChainIndex {
    static final long FREE = 0;
    static final long LIVE = 1;
    static final long DEAD = 2;
    static final long UNLINKED = 3;
    static final int STATE_SHIFT = 61;
    static final long EXPIRY_MASK = 0xffffffffL;

    /**
     * The sessions, two longs each (one cache line holds four): BIB entry << 32 | Z, and the word. The word
     * carries z (bits 40-55) too, so a lookup reads one line.
     */
    private final long[] data;
    final Slab slab;

    private static final VarHandle LONG =
            MethodHandles.arrayElementVarHandle(long[].class);

    Sessions(int capacity, long key0, long key1) {
        super(capacity, key0, key1);
        data = new long[capacity * 2];
        slab = new Slab(next, capacity);
    }

    int capacity() {
        return data.length / 2;
    }

    int bib(int s) {
        return (int) (data[2 * s] >>> 32);
    }

    int z4(int s) {
        return (int) data[2 * s];
    }

    /** Sets (BIB entry, Z) of a session not in use. */
    void setKey(int s, int bibEntry, int remote) {
        data[2 * s] = key(bibEntry, remote);
    }

    static long state(long w) {
        return w >>> STATE_SHIFT;
    }

    static int tcpState(long w) {
        return (int) (w >>> 32) & 7;
    }

    static long expiry(long w) {
        return w & EXPIRY_MASK;
    }

    /** z, the remote port (valid while LIVE). */
    static int z(long w) {
        return (int) (w >>> 40) & 0xffff;
    }

    static long live(int remotePort, int tcpState, long expiry) {
        return LIVE << STATE_SHIFT | (long) remotePort << 40 | (long) tcpState << 32 | (expiry & EXPIRY_MASK);
    }

    long word(int s) {
        return (long) LONG.getVolatile(data, 2 * s + 1);
    }

    boolean cas(int s, long expect, long value) {
        return LONG.compareAndSet(data, 2 * s + 1, expect, value);
    }

    void set(int s, long value) {
        LONG.setVolatile(data, 2 * s + 1, value);
    }

    static long key(int bibEntry, int remote) {
        return (long) bibEntry << 32 | (remote & 0xffffffffL);
    }

    int bucketOf(int bibEntry, int remote) {
        return bucket(key(bibEntry, remote), 0, 0);
    }

    static final int EXACT = 0;
    static final int ANY_PORT = 1;

    @Override
    boolean matches(int s, long a, long b, long c, int mode) {
        long w = word(s);
        return data[2 * s] == a && state(w) == LIVE && (mode == ANY_PORT || z(w) == c);
    }
}
