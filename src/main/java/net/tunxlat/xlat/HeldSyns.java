// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import net.tunxlat.nat64.BlockEvent;
import net.tunxlat.nat64.Nat64Listener;

/**
 * The packets of the IPv4 SYNs held for a simultaneous open (RFC 6146 §3.5.2.2: "the NAT64 MUST ... store the
 * packet"), one slot per hold slot of the tables, shared by every worker (state: {@link XlatState} owns it). A
 * worker stores the packet when the tables say SYN_HELD and discards it when an IPv6 SYN consumes the hold. When
 * the hold runs out, the sweeper marks the slot through {@link #listener}; the next worker to start a batch
 * answers it with ICMP Port Unreachable from its own queue ("If the timer expires, the NAT64 SHOULD send an ICMP
 * Port Unreachable error ... for the stored packet"), so nothing is sent from the sweeper's thread.
 *
 * <p>Each slot's word goes FREE → WRITING → STORED (a worker), STORED → FREE (consumed) or STORED → TIMED_OUT
 * (sweeper) → ANSWERING → FREE (a worker), all by CAS: a slot is written by one thread at a time. A SYN whose
 * slot still waits for its previous packet's answer is held without a packet (no answer when it times out).
 */
final class HeldSyns {
    /** Bytes kept of each held packet: an ICMPv4 error quotes at most 548, an ICMPv6 one at most 1232. */
    static final int SLOT = 1232;
    private static final int FREE = 0;
    private static final int WRITING = 1;
    private static final int STORED = 2;
    private static final int TIMED_OUT = 3;
    private static final int ANSWERING = 4;

    private final ByteBuf store;
    private final AtomicIntegerArray state;
    private final int[] length;
    private final AtomicInteger timedOut = new AtomicInteger();

    HeldSyns(int slots) {
        this.store = Unpooled.wrappedBuffer(new byte[Math.max(1, slots) * SLOT]);
        this.state = new AtomicIntegerArray(slots);
        this.length = new int[slots];
    }

    /** The tables' listener: SYN timeouts mark the slot for a worker to answer; everything goes on to {@code next}. */
    Nat64Listener listener(Nat64Listener next) {
        return new Nat64Listener() {
            @Override
            public void onBlock(BlockEvent event) {
                next.onBlock(event);
            }

            @Override
            public void onShardBlock(String part, BlockEvent event) {
                next.onShardBlock(part, event);
            }

            @Override
            public void onSynTimeout(int slot, int address, int port, int remoteAddress, int remotePort) {
                if (slot >= 0 && slot < length.length && state.compareAndSet(slot, STORED, TIMED_OUT)) {
                    timedOut.incrementAndGet();
                }
                next.onSynTimeout(slot, address, port, remoteAddress, remotePort);
            }
        };
    }

    /** Stores the held packet {@code buf[off, off + len)} in {@code slot} (its first {@link #SLOT} bytes). */
    void store(int slot, ByteBuf buf, int off, int len) {
        if (slot < 0 || slot >= length.length || !state.compareAndSet(slot, FREE, WRITING)) {
            return;
        }
        int n = Math.min(len, SLOT);
        store.setBytes(slot * SLOT, buf, off, n);
        length[slot] = n;
        state.set(slot, STORED);
    }

    /** An IPv6 SYN consumed the hold of {@code slot}: its packet is discarded. */
    void discard(int slot) {
        if (slot >= 0 && slot < length.length) {
            state.compareAndSet(slot, STORED, FREE);
        }
    }

    /** Whether a held SYN timed out and waits for its answer (one volatile read: per batch). */
    boolean anyTimedOut() {
        return timedOut.get() > 0;
    }

    /** Claims a timed-out slot to answer, or -1; {@link #release} it after. */
    int claimTimedOut() {
        for (int i = 0; i < length.length; i++) {
            if (state.get(i) == TIMED_OUT && state.compareAndSet(i, TIMED_OUT, ANSWERING)) {
                timedOut.decrementAndGet();
                return i;
            }
        }
        return -1;
    }

    ByteBuf buffer() {
        return store;
    }

    int offset(int slot) {
        return slot * SLOT;
    }

    int length(int slot) {
        return length[slot];
    }

    void release(int slot) {
        state.set(slot, FREE);
    }
}
