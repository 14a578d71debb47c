package net.tunxlat.nat64;

/**
 * The session table of one protocol (RFC 6146 §3.2): sessions (BIB entry, Z, z) in parallel primitive arrays,
 * (Z, z) being the IPv4 remote (Y' is Z under the translation prefix, so it is not stored). One
 * {@link ChainIndex} serves both directions, since both first find the BIB entry: it hashes (BIB entry, Z)
 * only, so the sessions of one BIB entry with one remote address share a chain and address-dependent filtering
 * ("is there a session of this entry with Z?") is one chain walk.
 *
 * <p>{@code word[s]} packs: lifecycle state (bits 61-63: FREE, LIVE, DEAD, UNLINKED), the TCP state (bits
 * 32-34, {@link TcpStates}) and the expiry time in seconds (bits 0-31; the epoch stamp once UNLINKED). Every
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

    final int[] bib;
    final int[] z4;
    final char[] z;
    final long[] word;
    final Slab slab;

    private static final java.lang.invoke.VarHandle LONG =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);

    Sessions(int capacity, long key0, long key1) {
        super(capacity, key0, key1);
        bib = new int[capacity];
        z4 = new int[capacity];
        z = new char[capacity];
        word = new long[capacity];
        slab = new Slab(next, capacity);
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

    static long live(int tcpState, long expiry) {
        return LIVE << STATE_SHIFT | (long) tcpState << 32 | (expiry & EXPIRY_MASK);
    }

    long word(int s) {
        return (long) LONG.getVolatile(word, s);
    }

    boolean cas(int s, long expect, long value) {
        return LONG.compareAndSet(word, s, expect, value);
    }

    void set(int s, long value) {
        LONG.setVolatile(word, s, value);
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
        return key(bib[s], z4[s]) == a && (mode == ANY_PORT || z[s] == c) && state(word(s)) == LIVE;
    }
}
