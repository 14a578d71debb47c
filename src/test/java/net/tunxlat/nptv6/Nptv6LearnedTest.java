// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nptv6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;

/** The learned owners of shared outside addresses, named by inside prefix so that they outlive a snapshot. */
class Nptv6LearnedTest {
    static final long T = 100;
    static final Ipv6Prefix A = Ipv6Prefix.parse("fd00:a::/64", -1);
    static final Ipv6Prefix B = Ipv6Prefix.parse("fd00:b::/64", -1);
    static final long HI = 0x20010db800010000L;

    @Test
    void recordsLooksUpAndExpires() {
        Nptv6Learned l = new Nptv6Learned(16);
        assertNull(l.lookup(HI, 1, 0, T), "nothing learned (and no table yet)");
        assertEquals(0, l.size(0, T));
        l.record(HI, 1, A, 10, T);
        l.record(HI, 2, B, 10, T);
        assertSame(A, l.lookup(HI, 1, 10, T));
        assertSame(B, l.lookup(HI, 2, 10 + T, T), "alive up to the timeout");
        assertNull(l.lookup(HI, 2, 11 + T, T), "then expired");
        assertSame(B, l.lookup(HI, 2, 11 + T, T + 1), "the timeout is the caller's (a reload changes it)");
        l.record(HI, 1, A, 50, T);
        assertSame(A, l.lookup(HI, 1, 50 + T, T), "an outbound packet refreshes it");
        assertEquals(2, l.learnedTotal());
    }

    @Test
    void anOwnerIsItsInsidePrefixByValue() {
        Nptv6Learned l = new Nptv6Learned(16);
        l.record(HI, 1, A, 10, T);
        l.record(HI, 1, Ipv6Prefix.parse("fd00:a::/64", -1), 20, T); // the same line, parsed again by a reload
        assertEquals(1, l.learnedTotal(), "the same owner: refreshed, not learned again");
        assertSame(A, l.lookup(HI, 1, 20 + T, T));
        l.record(HI, 1, B, 30, T);
        assertSame(B, l.lookup(HI, 1, 30, T), "the address moved to another LAN");
        assertEquals(2, l.learnedTotal());
    }

    @Test
    void retainForgetsTheOwnersOfGonePairsOnly() {
        Nptv6Learned l = new Nptv6Learned(1024);
        for (int i = 0; i < 200; i++) {
            l.record(HI, i, i % 2 == 0 ? A : B, 10, T);
        }
        assertEquals(100, l.retain((hi, lo, owner) -> owner.equals(A)));
        assertEquals(100, l.size(10, T));
        for (int i = 0; i < 200; i++) {
            if (i % 2 == 0) {
                assertSame(A, l.lookup(HI, i, 10, T), "kept, and still found past forgotten slots: " + i);
            } else {
                assertNull(l.lookup(HI, i, 10, T), "forgotten: " + i);
            }
        }
        assertEquals(0, l.retain((hi, lo, owner) -> owner.equals(A)), "idempotent");
        l.clear();
        assertEquals(0, l.size(10, T));
        l.record(HI, 0, A, 11, T);
        assertSame(A, l.lookup(HI, 0, 11, T), "learned again after being forgotten");
    }

    @Test
    void aFullTableReplacesTheOldestInReachAndCountsLiveEvictions() {
        Nptv6Learned l = new Nptv6Learned(16);
        for (int i = 0; i < 1000; i++) {
            l.record(HI, i, A, i, 10_000);
        }
        assertEquals(16, l.size(1000, 10_000), "bounded");
        assertEquals(1000, l.learnedTotal());
        assertEquals(1000 - 16, l.evictedTotal(), "every replacement pushed out a live owner");
        assertSame(A, l.lookup(HI, 999, 1000, 10_000), "the newest is there");
    }
}
