// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code dynamic-pool-rate}: how fast, and how far, one source /64 may take dynamic-pool addresses. A flood
 * of spoofed IPv6 sources would otherwise bind one address per packet until the pool is exhausted, and every
 * binding stays active for 2 h 4 min. A host can normally forge sources only inside its own /64 (first-hop
 * BCP 38 / SAVI filtering; sources outside {@code dynamic-pool-allow} never get this far), so both limits
 * are per /64:
 *
 * <ol>
 *   <li><b>rate</b>: at most {@code rate} new bindings per second;
 *   <li><b>share</b>: no more new bindings once the /64 has made more in the last two {@link #WINDOW_SECONDS}
 *       windows (as long as a binding stays active) than the pool has addresses free, and at least
 *       {@link #MIN_SHARE}. One flooding /64 can take at most about half of what is free, k of them
 *       k/(k+1): the pool is never exhausted, and the other /64s keep getting addresses.
 * </ol>
 *
 * <p>The /64s are hashed into {@link #SLOTS} slots; each slot is two {@link AtomicLongArray} elements updated
 * with CAS: {@code second << 24 | used} for the rate, {@code window << 40 | previous << 20 | current} for the
 * share. Lock-free, allocation-free, shared by all workers; only the first packet of a host without a
 * binding consults it, never the hot path.
 */
public final class BindingRateLimiter {
    /** Hash slots for source /64s (a power of two). */
    public static final int SLOTS = 1024;
    /** The share window: as long as a binding stays active after its last use ({@link DynamicPool#ACTIVE_SECONDS}). */
    public static final long WINDOW_SECONDS = DynamicPool.ACTIVE_SECONDS;
    /** A /64 may always hold this many recent bindings, however full the pool (dormant ones can be taken over). */
    public static final int MIN_SHARE = 16;
    /** {@link #tryAcquire}: go ahead. */
    public static final int OK = 0;
    /** {@link #tryAcquire}: the /64 had its {@code rate} new bindings this second. */
    public static final int RATE = 1;
    /** {@link #tryAcquire}: the /64 holds more recent bindings than the pool has addresses free. */
    public static final int SHARE = 2;

    private static final long COUNT_MASK = (1L << 24) - 1;
    private static final long SHARE_MASK = (1L << 20) - 1;

    /** The highest {@code rate} {@link #tryAcquire} counts to. */
    public static final int MAX_RATE = (int) COUNT_MASK;

    private final AtomicLongArray perSecond = new AtomicLongArray(SLOTS);
    private final AtomicLongArray perWindow = new AtomicLongArray(SLOTS);

    /**
     * Whether the /64 whose upper half is {@code hi} may bind one more address in second {@code now}, with
     * {@code free} addresses left in the pool and at most {@code rate} new bindings per second per /64
     * ({@code dynamic-pool-rate}, 1 to {@link #MAX_RATE}: configuration, passed at each call so that a reload
     * changes it while the counts, which are state, stay): {@link #OK} (and the second's count taken),
     * {@link #RATE} or {@link #SHARE}. Call {@link #bound} once the binding is made.
     */
    public int tryAcquire(long hi, long now, int free, int rate) {
        int slot = slot(hi);
        if (recent(slot, now) >= Math.max(MIN_SHARE, free)) {
            return SHARE;
        }
        long second = now & ((1L << 40) - 1);
        while (true) {
            long v = perSecond.get(slot);
            long used = (v >>> 24) == second ? v & COUNT_MASK : 0;
            if (used >= rate) {
                return RATE;
            }
            if (perSecond.compareAndSet(slot, v, (second << 24) | (used + 1))) {
                return OK;
            }
        }
    }

    /** Records a new binding of the /64 {@code hi} in second {@code now} (for the share). */
    public void bound(long hi, long now) {
        int slot = slot(hi);
        long window = now / WINDOW_SECONDS;
        while (true) {
            long v = perWindow.get(slot);
            long w = v >>> 40;
            long previous = (v >>> 20) & SHARE_MASK;
            long current = v & SHARE_MASK;
            if (w != window) {
                previous = w == window - 1 ? current : 0;
                current = 0;
            }
            long next = (window << 40) | (previous << 20) | Math.min(SHARE_MASK, current + 1);
            if (perWindow.compareAndSet(slot, v, next)) {
                return;
            }
        }
    }

    /** Bindings the slot made in this window and the one before. */
    private long recent(int slot, long now) {
        long v = perWindow.get(slot);
        long w = v >>> 40;
        long window = now / WINDOW_SECONDS;
        if (w == window) {
            return ((v >>> 20) & SHARE_MASK) + (v & SHARE_MASK);
        }
        return w == window - 1 ? v & SHARE_MASK : 0;
    }

    /** The slot of a /64 (exposed for tests that need two /64s in different slots). */
    public static int slot(long hi) {
        long h = hi * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        return (int) (h >>> 40) & (SLOTS - 1);
    }
}
