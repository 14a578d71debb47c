// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import org.junit.jupiter.api.Test;

/** Each worker's ICMP error rate limiter and IPv4 Identification source, handed out by the state. */
class PerWorkerStateTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void tokenBucketGivesABurstThenRefillsAtTheRate() {
        long[] now = {0};
        IcmpRateLimiter l = new IcmpRateLimiter(() -> now[0]);
        for (int i = 0; i < 10; i++) {
            assertTrue(l.take(10), "the burst: " + i);
        }
        assertFalse(l.take(10), "empty");
        now[0] = SECOND / 20;
        assertFalse(l.take(10), "half a token's time later: still empty");
        now[0] = SECOND / 10;
        assertTrue(l.take(10), "one token per 1/rate seconds");
        assertFalse(l.take(10));
        now[0] = 100 * SECOND;
        for (int i = 0; i < 10; i++) {
            assertTrue(l.take(10), "a long pause refills at most the burst: " + i);
        }
        assertFalse(l.take(10));
        now[0] += SECOND / 100;
        assertTrue(l.take(100), "the rate is the caller's (a reload changes it)");
    }

    @Test
    void identificationsCountUpAndWrapAt16Bits() {
        Ipv4Identification id = new Ipv4Identification(0x1fffd);
        assertEquals(0xfffe, id.next(), "starts after the low 16 bits of the seed");
        assertEquals(0xffff, id.reserve(3), "a run of three: 0xffff, 0, 1");
        assertEquals(2, id.next());
    }

    @Test
    void aTranslatorUsesTheWorkerStateItIsGiven() {
        XlatState state = XlatState.forConfig(TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4("192.0.2.1")).build());
        XlatState.PerWorker w = state.newWorker(() -> 41);
        ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
        try {
            Translator t = new Translator(new XlatCounters(), (b, off, len) -> { }, scratch, () -> 0, PacketLog.OFF, w);
            assertEquals(42, t.reserveIdentifications(3));
            assertEquals(45, w.identification().next(), "the translator took them from the state's source");
        } finally {
            scratch.release();
        }
    }
}
