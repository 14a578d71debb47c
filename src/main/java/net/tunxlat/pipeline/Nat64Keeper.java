// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.util.function.LongSupplier;
import net.tunxlat.nat64.Nat64Sweeper;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.util.Log;

/**
 * Stateful NAT64's life in the daemon, as {@link PoolKeeper} is the dynamic pool's: starts the {@link Nat64Sweeper}
 * (one pass every {@link #SWEEP_MILLIS}, RFC 6146 §4's lifetimes enforced there and nowhere else) before the
 * workers start, and stops it after they stopped, so that the tables stand still when they are written at exit.
 * The sweeper's clock is the one the workers pass as {@code now} ({@link net.tunxlat.nat64.Nat64Clock}).
 */
public final class Nat64Keeper implements AutoCloseable {
    /** How often the sweeper passes over the tables: lifetimes are whole seconds. */
    public static final long SWEEP_MILLIS = 1000;

    private final Nat64Tables tables;
    private final LongSupplier monotonicSeconds;
    private Nat64Sweeper sweeper;

    /**
     * @param tables           the shared tables ({@code XlatState.nat64()})
     * @param monotonicSeconds the workers' clock ({@code Nat64Clock::monotonicSeconds}, or a test's)
     */
    public Nat64Keeper(Nat64Tables tables, LongSupplier monotonicSeconds) {
        this.tables = tables;
        this.monotonicSeconds = monotonicSeconds;
    }

    public Nat64Tables tables() {
        return tables;
    }

    /** Starts the sweeper (once). */
    public synchronized void start() {
        if (sweeper == null) {
            sweeper = new Nat64Sweeper(tables, monotonicSeconds, SWEEP_MILLIS).start();
        }
    }

    /** Whether the sweeper runs. */
    public synchronized boolean running() {
        return sweeper != null;
    }

    /**
     * Stops the sweeper and waits for its pass to end: from here on nothing changes the tables but the workers
     * (stopped first by the daemon). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (sweeper == null) {
            return;
        }
        try {
            sweeper.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Log.warn("interrupted while stopping the NAT64 sweeper");
        }
        sweeper = null;
    }
}
