// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import java.util.function.LongSupplier;

/**
 * The limit on the ICMP errors the translator sends (RFC 4443 §2.4(f), RFC 1812 §4.3.2.8): a token
 * bucket of {@code icmp-errors-per-second} tokens per second, as many in a burst. One per worker.
 */
final class IcmpRateLimiter {
    private final LongSupplier nanoClock;
    private long tokens = -1; // filled to the burst size on first use
    private long refillAt;

    IcmpRateLimiter(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.refillAt = nanoClock.getAsLong();
    }

    /** Takes a token at {@code rate} per second; false when the bucket is empty. */
    boolean take(int rate) {
        long now = nanoClock.getAsLong();
        if (tokens < 0) {
            tokens = rate;
        }
        if (now - refillAt >= 1_000_000_000L / Math.max(1, rate)) {
            // a full bucket after a second: cap the elapsed time so the product cannot overflow
            long elapsed = Math.min(now - refillAt, 1_000_000_000L);
            long add = elapsed * rate / 1_000_000_000L;
            tokens = Math.min(rate, tokens + add);
            refillAt = now;
        }
        if (tokens > 0) {
            tokens--;
            return true;
        }
        return false;
    }
}
