// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.BindingRateLimiter;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Issue 9, "no pool exhaustion": a flood of new spoofed IPv6 sources meets {@code dynamic-pool-allow}
 * (sources outside it never get an address) and {@code dynamic-pool-rate} (at most N new bindings per
 * second per source /64), both counted, while a legitimate host still gets its address.
 */
class PoolFloodTest {
    static final String H4_AS6 = "2001:db8:64::cb00:7102";
    final long[] seconds = {1_700_000_000L};
    XlatHarness x;

    XlatHarness harness(int rate, String... allow) {
        TunxlatConfig c = TunxlatConfig.builder().source(Path.of("flood.conf")).ipv4Addr(Addresses.parseIpv4("192.168.0.1"))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).dynamicPool(Ipv4Prefix.parse("192.168.0.0/22", -1))
                .dynamicPoolAllow(Arrays.stream(allow).map(a -> Ipv6Prefix.parse(a, -1)).toList())
                .dynamicPoolRate(rate).build();
        XlatState state = XlatState.forConfig(c, () -> seconds[0]);
        x = new XlatHarness(state.install(new XlatSnapshot(c, state)));
        return x;
    }

    @AfterEach
    void close() {
        if (x != null) {
            x.close();
        }
    }

    static byte[] udpFrom(long hi, long lo) {
        byte[] p = ipv6("2001:db8::1", H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(4000, 53, new byte[12]));
        ByteBuffer.wrap(p).putLong(8, hi).putLong(16, lo);
        // fix the UDP checksum for the new source
        p[46] = 0;
        p[47] = 0;
        int c = ~transportSum6(p, 40, 17) & 0xffff;
        p[46] = (byte) (c >> 8);
        p[47] = (byte) c;
        return p;
    }

    static long hi(String a) {
        return Addresses.parseIpv6(a)[0];
    }

    @Test
    void aFloodOfSpoofedSourcesCannotExhaustThePoolAndALegitimateHostStillGetsAnAddress() {
        XlatHarness h = harness(50, "2001:db8:6::/48");
        DynamicPool pool = h.snap.pool();
        int capacity = pool.capacity(); // 1021 of a /22
        long attackerNet = hi("2001:db8:6:1::");
        long legitimateNet = hi("2001:db8:6:2::");
        long outsideNet = hi("2001:db8:bad::");
        assertNotEquals(BindingRateLimiter.slot(attackerNet), BindingRateLimiter.slot(legitimateNet));
        Random r = new Random(9);
        int legitimateOk = 0;
        for (int second = 0; second < 10; second++) {
            for (int i = 0; i < 5000; i++) {
                // 5,000 new sources a second in the attacker's /64 (inside the allow-list) and 5,000 outside it
                h.run(udpFrom(attackerNet, r.nextLong()));
                h.run(udpFrom(outsideNet + r.nextInt(1 << 16), r.nextLong()));
                if (i == 2500) {
                    // mid-flood, a legitimate host in another /64 sends its first packet
                    XlatHarness.Outcome o = h.run(udpFrom(legitimateNet, 0x1000 + second));
                    legitimateOk += o.translated();
                }
            }
            seconds[0]++;
        }
        assertEquals(10, legitimateOk, "every legitimate host got an address during the flood");
        int used = capacity - pool.freeAddresses();
        assertEquals(10 * 50 + 10, used, "the flooding /64 got 50 addresses a second, the legitimate hosts theirs");
        assertEquals(50_000, h.counters.localDrops(DropReason.SRC_NOT_ALLOWED_64), "outside dynamic-pool-allow: counted");
        assertEquals(50_000 - 500, h.counters.localDrops(DropReason.POOL_RATE_LIMITED_64), "over dynamic-pool-rate: counted");
        assertEquals(0, h.counters.localDrops(DropReason.POOL_EXHAUSTED_64), "never exhausted");
        // Sources outside the allow-list get ICMPv6 1/1 (RFC 7915 §5.4), within icmp-rate-limit; rate-limited
        // new hosts get nothing (silence lets a real host retransmit).
        assertEquals(100, h.counters.local(XlatCounters.ICMP_ERRORS_SENT_6), "the ICMP error budget, no more");
    }

    @Test
    void aLongFloodFromOneSubnetTakesAtMostHalfOfThePool() {
        XlatHarness h = harness(100);
        DynamicPool pool = h.snap.pool();
        int capacity = pool.capacity();
        long attackerNet = hi("2001:db8:6:1::");
        long otherNet = hi("2001:db8:6:2::");
        Random r = new Random(3);
        for (int second = 0; second < 60; second++) {
            for (int i = 0; i < 1000; i++) {
                h.run(udpFrom(attackerNet, r.nextLong()));
            }
            seconds[0]++;
        }
        int taken = capacity - pool.freeAddresses();
        assertTrue(taken <= capacity / 2 + 1, "the flooding /64 took " + taken + " of " + capacity);
        assertTrue(h.counters.localDrops(DropReason.POOL_SHARE_64) > 0, "counted");
        assertEquals(0, h.counters.localDrops(DropReason.POOL_EXHAUSTED_64));
        // Other /64s still get addresses: one host each from 50 other /64s.
        for (int n = 0; n < 50; n++) {
            assertEquals(1, h.run(udpFrom(otherNet + n, 1)).translated(), "a host in another /64 gets an address");
        }
        // A second flooding /64 shrinks what is left, never to nothing.
        long secondNet = hi("2001:db8:6:3::");
        for (int i = 0; i < 10_000; i++) {
            h.run(udpFrom(secondNet, r.nextLong()));
            if (i % 100 == 99) {
                seconds[0]++;
            }
        }
        assertTrue(pool.freeAddresses() >= BindingRateLimiter.MIN_SHARE, "still free: " + pool.freeAddresses());
        assertEquals(1, h.run(udpFrom(hi("2001:db8:6:4::"), 1)).translated(), "and a newcomer still gets one");
        assertEquals(0, h.counters.localDrops(DropReason.POOL_EXHAUSTED_64));
        // When the flood's bindings have gone dormant (2 h 4 min idle) and their window has passed, the pool
        // serves new hosts again, the flooding /64s included.
        seconds[0] += 2 * BindingRateLimiter.WINDOW_SECONDS;
        pool.maintain(seconds[0]);
        for (int i = 0; i < 100; i++) {
            assertEquals(1, h.run(udpFrom(attackerNet, 0x5000 + i)).translated());
            if (i % 50 == 49) {
                seconds[0]++;
            }
        }
    }

    @Test
    void hostsWithABindingAreNeverRateLimited() {
        XlatHarness h = harness(1);
        long net = hi("2001:db8:6:1::");
        assertEquals(1, h.run(udpFrom(net, 1)).translated());
        assertEquals(DropReason.POOL_RATE_LIMITED_64, h.run(udpFrom(net, 2)).dropped(), "the second new host this second");
        for (int i = 0; i < 100; i++) {
            assertEquals(1, h.run(udpFrom(net, 1)).translated(), "the bound host keeps going");
        }
        seconds[0]++;
        assertEquals(1, h.run(udpFrom(net, 2)).translated(), "its retransmission a second later gets an address");
        // After 2 h 4 min both are dormant; coming back reactivates without taking the /64's new-binding budget.
        seconds[0] += DynamicPool.ACTIVE_SECONDS + 10;
        h.snap.pool().maintain(seconds[0]);
        assertEquals(1, h.run(udpFrom(net, 1)).translated());
        assertEquals(1, h.run(udpFrom(net, 2)).translated(), "dormant bindings come back unlimited");
        assertEquals(1, h.run(udpFrom(net, 3)).translated(), "the second's one new binding is still there");
        assertEquals(DropReason.POOL_RATE_LIMITED_64, h.run(udpFrom(net, 4)).dropped());
    }

    @Test
    void rateZeroIsTaygasUnlimitedPool() {
        XlatHarness h = harness(0);
        long net = hi("2001:db8:6:1::");
        for (int i = 0; i < h.snap.pool().capacity(); i++) {
            assertEquals(1, h.run(udpFrom(net, i)).translated());
        }
        assertEquals(DropReason.POOL_EXHAUSTED_64, h.run(udpFrom(net, 5000)).dropped(), "then exhausted, as in TAYGA");
    }

    @Test
    void theLimiterIsSharedByWorkersWithoutLocks() throws Exception {
        BindingRateLimiter limiter = new BindingRateLimiter();
        AtomicInteger granted = new AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 100_000; i++) {
                    if (limiter.tryAcquire(42, 7, 1 << 20, 1000) == BindingRateLimiter.OK) {
                        granted.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1000, granted.get(), "exactly the rate, however many threads race for it");
        assertEquals(BindingRateLimiter.OK, limiter.tryAcquire(42, 8, 1 << 20, 1000), "a new second");
    }
}
