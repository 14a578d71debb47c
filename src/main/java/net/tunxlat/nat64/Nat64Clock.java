// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/**
 * The clock of the stateful tables: whole seconds of {@link System#nanoTime()}, which on Linux is
 * {@code CLOCK_MONOTONIC}. Every {@code now} passed to {@link Nat64Table} and {@link Nat64Tables#sweep} is on
 * this clock, so the workers and the {@link Nat64Sweeper} agree on expiry: a worker that is handed
 * {@code System::nanoTime} computes the same value as {@code nanos / 1_000_000_000}, read once per batch.
 *
 * <p>Monotonic, so that a wall-clock step (NTP, an administrator's {@code date}) neither ends every session nor
 * keeps them forever. It counts from an arbitrary origin (on Linux: the boot, not counting suspend): a value is
 * meaningless in another boot, so state written to disk must hold lifetimes left, not these instants. Block events
 * carry UTC from a separate wall clock ({@link Nat64Tables}'s {@code wallSeconds}).
 */
public final class Nat64Clock {
    private Nat64Clock() {
    }

    /** Whole seconds of the monotonic clock: the {@code now} of the tables. */
    public static long monotonicSeconds() {
        return System.nanoTime() / 1_000_000_000L;
    }
}
