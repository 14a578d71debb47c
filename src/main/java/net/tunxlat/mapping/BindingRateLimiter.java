package net.tunxlat.mapping;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code dynamic-pool-rate}: at most {@code rate} new dynamic-pool bindings per second per source /64.
 * A flood of spoofed IPv6 sources would otherwise bind one pool address per packet until the pool is
 * exhausted (and every binding stays active for 2 h 4 min). A host can normally forge sources only
 * inside its own /64 (first-hop BCP 38 / SAVI filtering), so counting per /64 keeps a flooding subnet
 * from starving hosts in the others; sources outside {@code dynamic-pool-allow} never get this far.
 *
 * <p>One counter per second and per slot: the /64s are hashed into {@link #SLOTS} slots, each an
 * {@link AtomicLongArray} element holding {@code second << 24 | used}, updated with a CAS. Lock-free,
 * allocation-free, shared by all workers; only the first packet of a host without a binding consults
 * it, so the hot path never does.
 */
public final class BindingRateLimiter {
    /** Hash slots for source /64s (a power of two). */
    public static final int SLOTS = 1024;
    private static final long COUNT_MASK = (1L << 24) - 1;

    private final int rate;
    private final AtomicLongArray slots = new AtomicLongArray(SLOTS);

    /** @param rate new bindings per second per source /64, 1 to 2^24 - 1 */
    public BindingRateLimiter(int rate) {
        if (rate < 1 || rate > COUNT_MASK) {
            throw new IllegalArgumentException("rate " + rate);
        }
        this.rate = rate;
    }

    public int rate() {
        return rate;
    }

    /**
     * Takes one new binding for the /64 whose upper half is {@code hi}, in second {@code now}; false if that
     * /64 has had {@link #rate} already in this second.
     */
    public boolean tryAcquire(long hi, long now) {
        int slot = slot(hi);
        long second = now & ((1L << 40) - 1);
        while (true) {
            long v = slots.get(slot);
            long used = (v >>> 24) == second ? v & COUNT_MASK : 0;
            if (used >= rate) {
                return false;
            }
            if (slots.compareAndSet(slot, v, (second << 24) | (used + 1))) {
                return true;
            }
        }
    }

    /** The slot of a /64 (exposed for tests that need two /64s in different slots). */
    public static int slot(long hi) {
        long h = hi * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        return (int) (h >>> 40) & (SLOTS - 1);
    }
}
