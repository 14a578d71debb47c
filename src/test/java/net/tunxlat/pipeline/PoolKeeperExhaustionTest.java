// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.util.Log;
import org.junit.jupiter.api.Test;

/** Pool exhaustion is one log line a minute at most, not one per refused packet. */
class PoolKeeperExhaustionTest {
    @Test
    void exhaustionIsLoggedOnceAMinute() {
        AtomicLong clock = new AtomicLong(1_700_000_000L);
        DynamicPool pool = new DynamicPool(Ipv4Prefix.parse("10.0.0.0/30", -1), a -> false, List.of(), clock::get);
        for (int i = 0; i < 3; i++) {
            assertNotNull(pool.assign(1, i, clock.get()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = Log.redirect(new PrintStream(out, true));
        try {
            PoolKeeper keeper = new PoolKeeper(pool, null);
            for (int i = 0; i < 5; i++) {
                assertNull(pool.assign(2, i, clock.get()));
            }
            keeper.reportExhaustion(clock.get());
            assertNull(pool.assign(2, 9, clock.get()));
            keeper.reportExhaustion(clock.addAndGet(10));
            keeper.reportExhaustion(clock.addAndGet(60));
            keeper.reportExhaustion(clock.addAndGet(60));
        } finally {
            Log.redirect(saved);
        }
        String log = out.toString();
        assertEquals(2, log.split("warning: dynamic pool", -1).length - 1, log);
        assertTrue(log.contains("5 new IPv6 hosts refused"), log);
        assertTrue(log.contains("1 new IPv6 host refused"), log);
        assertEquals(6, pool.refusals());
    }
}
