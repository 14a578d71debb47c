// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class IcmpRateLimiterTest {
    @Test
    void aBurstOfTheRateThenOneTokenPerInterval() {
        long[] now = {5_000_000_000L};
        IcmpRateLimiter l = new IcmpRateLimiter(() -> now[0]);
        for (int i = 0; i < 10; i++) {
            assertTrue(l.take(10), "burst token " + i);
        }
        assertFalse(l.take(10), "the bucket is empty");
        now[0] += 99_000_000L;
        assertFalse(l.take(10), "not yet a tenth of a second");
        now[0] += 1_000_000L;
        assertTrue(l.take(10), "one token after 100 ms at 10/s");
        assertFalse(l.take(10));
        now[0] += 60_000_000_000L;
        for (int i = 0; i < 10; i++) {
            assertTrue(l.take(10), "refilled to the burst, no more: " + i);
        }
        assertFalse(l.take(10));
    }
}
