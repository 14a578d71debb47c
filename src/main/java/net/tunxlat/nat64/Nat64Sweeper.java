// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The background thread that calls {@link Nat64Tables#sweep} every {@code intervalMillis}: the only thread that
 * ends entries, so the workers never stop for expiry. A worker whose new TCP flow found no port {@link #wake}s it
 * for a pass at once (through {@link Nat64Tables#onPortPressure}), at most one every {@link #MIN_GAP_MILLIS}. A
 * daemon thread; {@link #close} stops it promptly.
 */
public final class Nat64Sweeper implements AutoCloseable {
    /** The shortest time between two passes, however often the workers wake the sweeper. */
    public static final long MIN_GAP_MILLIS = 100;

    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean woken;

    /**
     * @param monotonicSeconds the clock the workers pass as {@code now}
     */
    public Nat64Sweeper(Nat64Tables tables, LongSupplier monotonicSeconds, long intervalMillis) {
        long interval = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        long minGap = Math.min(interval, TimeUnit.MILLISECONDS.toNanos(MIN_GAP_MILLIS));
        thread = new Thread(() -> {
            while (running) {
                woken = false;
                long passed = System.nanoTime();
                tables.sweep(monotonicSeconds.getAsLong());
                for (;;) {
                    long since = System.nanoTime() - passed;
                    long wait = (woken ? minGap : interval) - since;
                    if (!running || wait <= 0) {
                        break;
                    }
                    LockSupport.parkNanos(this, wait);
                }
            }
        }, "tunxlat-nat64-sweeper");
        thread.setDaemon(true);
        tables.onPortPressure(this::wake);
    }

    public Nat64Sweeper start() {
        thread.start();
        return this;
    }

    /** A pass soon: at once, or {@link #MIN_GAP_MILLIS} after the last one. Any thread; no allocation. */
    public void wake() {
        if (!woken) {
            woken = true;
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        thread.join();
    }
}
