// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * IPv4 SYNs without a BIB entry held for a simultaneous open (RFC 6146 §3.5.2.2: "the NAT64 MUST ... store the
 * packet ... If during this interval the NAT64 receives and translates an outbound SYN for the connection the
 * stored packet is discarded"; after TCP_INCOMING_SYN an ICMP Port Unreachable is sent). A bounded array of
 * slots (Jool's maximum-simultaneous-opens), claimed by CAS; the translator keeps the stored packet itself,
 * indexed by slot.
 */
final class SynHold {
    private static final VarHandle INT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int FREE = 0;
    private static final int CLAIMING = 1;
    private static final int HELD = 2;

    private final int[] state;
    private final int[] t4;
    private final int[] t;
    private final int[] z4;
    private final int[] z;
    private final int[] deadline;
    private final AtomicInteger held = new AtomicInteger();

    SynHold(int capacity) {
        state = new int[capacity];
        t4 = new int[capacity];
        t = new int[capacity];
        z4 = new int[capacity];
        z = new int[capacity];
        deadline = new int[capacity];
    }

    int capacity() {
        return state.length;
    }

    int held() {
        return held.get();
    }

    private boolean is(int i, int a, int p, int ra, int rp) {
        return (int) INT.getVolatile(state, i) == HELD && t4[i] == a && t[i] == p && z4[i] == ra && z[i] == rp;
    }

    /** Holds the SYN to (a, p) from (ra, rp); returns its slot (the same slot for a repeated SYN) or -1 if full. */
    int hold(int a, int p, int ra, int rp, long until) {
        for (int i = 0; i < state.length; i++) {
            if (is(i, a, p, ra, rp)) {
                return i;
            }
        }
        for (int i = 0; i < state.length; i++) {
            if ((int) INT.getVolatile(state, i) == FREE && INT.compareAndSet(state, i, FREE, CLAIMING)) {
                t4[i] = a;
                t[i] = p;
                z4[i] = ra;
                z[i] = rp;
                deadline[i] = (int) until;
                held.incrementAndGet();
                INT.setVolatile(state, i, HELD);
                return i;
            }
        }
        return -1;
    }

    /**
     * The pool4 transport address (a << 16 | p) an IPv4 SYN from (ra, rp) is held for, or -1: where an IPv6 SYN to
     * (ra, rp) must be bound for the simultaneous open to meet it.
     */
    long heldFor(int ra, int rp) {
        if (held.get() == 0) {
            return -1;
        }
        for (int i = 0; i < state.length; i++) {
            if ((int) INT.getVolatile(state, i) == HELD && z4[i] == ra && z[i] == rp) {
                return (t4[i] & 0xffffffffL) << 16 | t[i];
            }
        }
        return -1;
    }

    /** An outbound SYN for (a, p) ↔ (ra, rp) was translated: the held SYN, if any, is discarded. Its slot or -1. */
    int consume(int a, int p, int ra, int rp) {
        if (held.get() == 0) {
            return -1;
        }
        for (int i = 0; i < state.length; i++) {
            if (is(i, a, p, ra, rp) && INT.compareAndSet(state, i, HELD, FREE)) {
                held.decrementAndGet();
                return i;
            }
        }
        return -1;
    }

    /** Sweeper: ends holds past their deadline, telling the listener. */
    void expire(long now, Nat64Listener listener) {
        for (int i = 0; i < state.length; i++) {
            if ((int) INT.getVolatile(state, i) == HELD && (int) now - deadline[i] > 0) {
                int a = t4[i];
                int p = t[i];
                int ra = z4[i];
                int rp = z[i];
                if (INT.compareAndSet(state, i, HELD, FREE)) {
                    held.decrementAndGet();
                    listener.onSynTimeout(i, a, p, ra, rp);
                }
            }
        }
    }
}
