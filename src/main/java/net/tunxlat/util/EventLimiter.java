// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.util;

/**
 * Lets an event that can repeat at packet rate (pool exhaustion, a failing write of the mappings file)
 * be logged once per interval: {@link #admit} says whether to log now, without allocating, and
 * {@link #suppressedSinceLast} how many were not logged since the previous line, to mention in it.
 * One instance per event kind and thread (not thread-safe).
 */
public final class EventLimiter {
    private final long intervalNanos;
    private boolean logged;
    private long lastLogged;
    private long suppressed;
    private long suppressedAtLastLine;

    public EventLimiter(long intervalNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("interval must be positive");
        }
        this.intervalNanos = intervalNanos;
    }

    /** True if the event at {@code nowNanos} should be logged (the first, then at most one per interval). */
    public boolean admit(long nowNanos) {
        if (!logged || nowNanos - lastLogged >= intervalNanos) {
            logged = true;
            lastLogged = nowNanos;
            suppressedAtLastLine = suppressed;
            suppressed = 0;
            return true;
        }
        suppressed++;
        return false;
    }

    /** Events not logged between the previous admitted one and the one just admitted. */
    public long suppressedSinceLast() {
        return suppressedAtLastLine;
    }
}
