// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.function.LongSupplier;

/**
 * The background thread that calls {@link Nat64Tables#sweep} every {@code intervalMillis}: the only thread that
 * ends entries, so the workers never stop for expiry. A daemon thread; {@link #close} stops it promptly.
 */
public final class Nat64Sweeper implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param monotonicSeconds the clock the workers pass as {@code now}
     */
    public Nat64Sweeper(Nat64Tables tables, LongSupplier monotonicSeconds, long intervalMillis) {
        thread = new Thread(() -> {
            while (running) {
                tables.sweep(monotonicSeconds.getAsLong());
                try {
                    Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "tunxlat-nat64-sweeper");
        thread.setDaemon(true);
    }

    public Nat64Sweeper start() {
        thread.start();
        return this;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join();
    }
}
