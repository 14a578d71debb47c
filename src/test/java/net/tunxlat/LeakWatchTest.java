// SPDX-License-Identifier: Apache-2.0
package net.tunxlat;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak watch the fuzz tests rely on does see a leak (so this test logs one "LEAK:" line on purpose). */
class LeakWatchTest {
    @Test
    void aBufferNeverReleasedIsReported() {
        int before = LeakWatch.mark();
        leak();
        AssertionError e = assertThrows(AssertionError.class, () -> LeakWatch.assertNoLeaks(before));
        assertTrue(e.getMessage().contains("leak"), e.getMessage());
        assertTrue(LeakWatch.leaks().size() > before);
    }

    private static void leak() {
        PooledByteBufAllocator.DEFAULT.directBuffer(100).writeInt(42); // never released
    }
}
