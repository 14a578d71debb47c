package net.tunxlat.xlat;

/**
 * One worker's limit on the ICMP errors the translator itself sends (RFC 4443 §2.4(f): a node MUST limit
 * the rate of the ICMPv6 error messages it originates). A token bucket of {@code rate} tokens per second
 * and as many in a burst; the rate is configuration ({@code icmp-rate-limit}, read from the
 * snapshot at each use), the tokens are state (kept across reloads). Used by one worker thread only.
 */
public final class IcmpRateLimiter {
    private long tokens = -1; // filled to the burst size on first use
    private long refillAt;

    /** @param nanoNow the time the bucket starts filling ({@link System#nanoTime}, or a test clock) */
    public IcmpRateLimiter(long nanoNow) {
        this.refillAt = nanoNow;
    }

    /** Takes a token at {@code nanoNow} with {@code rate} tokens per second; false when none is left. */
    public boolean tryTake(long nanoNow, int rate) {
        if (tokens < 0) {
            tokens = rate;
        }
        if (nanoNow - refillAt >= 1_000_000_000L / Math.max(1, rate)) {
            // a full bucket after a second: cap the elapsed time so the product cannot overflow
            long elapsed = Math.min(nanoNow - refillAt, 1_000_000_000L);
            long add = elapsed * rate / 1_000_000_000L;
            tokens = Math.min(rate, tokens + add);
            refillAt = nanoNow;
        }
        if (tokens > 0) {
            tokens--;
            return true;
        }
        return false;
    }
}
