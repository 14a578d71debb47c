// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Fragments that wait for another fragment of their datagram: stateful NAT64's non-first fragments that came
 * before their first, and the first fragments of ICMP echoes that wait for their last ({@link IcmpFragments}).
 * RFC 6146 §3.4: "the NAT64 MUST handle fragments arriving out of order", within bounded resources, "allow[ing]
 * the fragments to arrive over a time interval ... of at least FRAGMENT_MIN" (2 s). A non-first fragment of
 * stateful traffic whose first fragment has not been seen has no ports to find its binding with; it is kept here
 * until its first fragment is translated ({@link #release}), then translated as if it had just arrived, or
 * dropped when {@link #LIFETIME} seconds pass (counted {@code fragment_expired}).
 *
 * <p>One per worker (the kernel queues every fragment of a datagram on one TUN queue: see
 * {@link StatefulFragments}), so plain fields. Bounded: {@link #SLOTS} packets of at most {@link #MAX_FRAGMENT}
 * bytes each, in one buffer allocated once; a fragment that finds no free slot, or is larger, is dropped
 * (counted). Each slot keeps {@link Translator#HEADROOM} bytes in front of its packet, so that the packet is
 * translated where it lies (the IPv6 header grows into the headroom, the virtio_net_hdr is written there) and
 * emitted from there: no copy back, no allocation.
 */
final class EarlyFragments {
    /** Packets held at once per worker. */
    static final int SLOTS = 64;
    /** The largest fragment held (an Ethernet MTU's packet, with room for IPv6's larger header). */
    static final int MAX_FRAGMENT = 1536;
    static final int SLOT = Translator.HEADROOM + MAX_FRAGMENT;
    /** The store's size in bytes. */
    static final int BYTES = SLOTS * SLOT;
    /** Seconds a fragment waits for its first (RFC 6146 §4's FRAGMENT_MIN is 2 s; as long as first fragments are remembered). */
    static final int LIFETIME = StatefulFragments.LIFETIME;

    private static final byte FREE = 0;
    private static final byte HELD = 1;
    private static final byte READY = 2;

    private ByteBuf store;
    private final byte[] state = new byte[SLOTS];
    private final long[] key = new long[SLOTS * 4];
    private final int[] id = new int[SLOTS];
    private final int[] protoDir = new int[SLOTS];
    private final long[] expiry = new long[SLOTS];
    private final int[] length = new int[SLOTS];
    /** Slots HELD or READY, and READY. */
    private int held;
    private int ready;
    /** The earliest expiry among HELD slots (a lower bound: {@link #expire} scans only once it is reached). */
    private long nextExpiry = Long.MAX_VALUE;

    /** A heap store, for translators without a worker's direct one (offline, tests). */
    EarlyFragments() {
        this.store = Unpooled.wrappedBuffer(new byte[BYTES]);
    }

    /** Uses {@code direct} (at least {@link #BYTES}, owned by the caller) from now on; only while nothing is held. */
    void useStore(ByteBuf direct) {
        if (direct.capacity() < BYTES || held > 0) {
            throw new IllegalArgumentException("fragment store too small, or in use");
        }
        this.store = direct;
    }

    /**
     * Keeps the fragment {@code buf[off, off + len)} of datagram (a, b → c, d, {@code ident}, {@code pd}) until
     * {@code now + LIFETIME}. False if it is too large or every slot is taken.
     */
    boolean hold(long a, long b, long c, long d, int ident, int pd, ByteBuf buf, int off, int len, long now) {
        if (len > MAX_FRAGMENT || held == SLOTS) {
            return false;
        }
        for (int s = 0; s < SLOTS; s++) {
            if (state[s] == FREE) {
                store.setBytes(s * SLOT + Translator.HEADROOM, buf, off, len);
                int k = s * 4;
                key[k] = a;
                key[k + 1] = b;
                key[k + 2] = c;
                key[k + 3] = d;
                id[s] = ident;
                protoDir[s] = pd;
                length[s] = len;
                expiry[s] = now + LIFETIME;
                nextExpiry = Math.min(nextExpiry, expiry[s]);
                state[s] = HELD;
                held++;
                return true;
            }
        }
        return false;
    }

    /** The first fragment of datagram (a, b → c, d, ident, pd) was translated: its held fragments are ready. */
    void release(long a, long b, long c, long d, int ident, int pd) {
        if (held == ready) {
            return;
        }
        for (int s = 0; s < SLOTS; s++) {
            int k = s * 4;
            if (state[s] == HELD && key[k] == a && key[k + 1] == b && key[k + 2] == c && key[k + 3] == d
                    && id[s] == ident && protoDir[s] == pd) {
                state[s] = READY;
                ready++;
            }
        }
    }

    /** Whether a held fragment waits to be translated (one field read: after every packet). */
    boolean anyReady() {
        return ready > 0;
    }

    /** A READY slot, or -1; translate {@link #store()} at {@link #offset}, then {@link #free} it. */
    int nextReady() {
        if (ready == 0) {
            return -1;
        }
        for (int s = 0; s < SLOTS; s++) {
            if (state[s] == READY) {
                return s;
            }
        }
        return -1;
    }

    ByteBuf store() {
        return store;
    }

    int offset(int slot) {
        return slot * SLOT + Translator.HEADROOM;
    }

    int length(int slot) {
        return length[slot];
    }

    void free(int slot) {
        if (state[slot] == READY) {
            ready--;
        }
        if (state[slot] != FREE) {
            held--;
        }
        state[slot] = FREE;
    }

    /** Drops fragments whose first did not come within {@link #LIFETIME}; returns how many (the caller counts them). */
    int expire(long now) {
        if (now < nextExpiry) {
            return 0;
        }
        int n = 0;
        long next = Long.MAX_VALUE;
        for (int s = 0; s < SLOTS; s++) {
            if (state[s] == HELD) {
                if (expiry[s] <= now) {
                    state[s] = FREE;
                    held--;
                    n++;
                } else {
                    next = Math.min(next, expiry[s]);
                }
            }
        }
        nextExpiry = next;
        return n;
    }

    int held() {
        return held;
    }
}
