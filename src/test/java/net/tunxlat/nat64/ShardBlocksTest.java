// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static net.tunxlat.nat64.Nat64Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;

/**
 * Sharded deterministic blocks (RFC 7422 in parts, docs/scale-out.md "Stateful sharding"): each part's subscribers
 * on the part's own ranges, and the sweeper's shard block events (which instance, which block, whose subscriber).
 */
class ShardBlocksTest {
    static final int SLICE = Addresses.parseIpv4("192.0.2.2");
    static final int STANDBY = Addresses.parseIpv4("198.51.100.1");
    static final int Z = Addresses.parseIpv4("203.0.113.9");
    /** xb's own subscribers and xa's (for which xb stands by). */
    static final Ipv6Prefix OWN = Ipv6Prefix.parse("2001:db8:200::/62", -1);
    static final Ipv6Prefix OTHER = Ipv6Prefix.parse("2001:db8:100::/62", -1);

    record Event(String part, BlockEvent event) {}

    final List<Event> events = new ArrayList<>();
    final Nat64Listener listener = new Nat64Listener() {
        @Override
        public void onShardBlock(String part, BlockEvent event) {
            events.add(new Event(part, event));
        }

        @Override
        public void onBlock(BlockEvent event) {
            fail("a deterministic block is never allocated: " + event);
        }
    };

    static List<Pool4.Range> ranges(int address, int first, int last) {
        return List.of(new Pool4.Range(TCP, address, first, last), new Pool4.Range(UDP, address, first, last),
                new Pool4.Range(ICMP, address, first, last));
    }

    static Nat64Settings sharded() {
        List<Deterministic.Part> parts = List.of(
                new Deterministic.Part("instance=xb", List.of(OWN), ranges(SLICE, 1024, 3071)),
                new Deterministic.Part("instance=xb standby-for=xa", List.of(OTHER), ranges(STANDBY, 2048, 4095)));
        List<Pool4.Range> all = new ArrayList<>();
        parts.forEach(p -> all.addAll(p.ranges()));
        return new Nat64Settings(new Pool4(all, 512), new int[] {100, 100, 100}, 64, 64, 100, 8, null, 1024,
                new Timeouts(30, 100, 20, 6, 10), false, false, 2, List.of(), new Nat64Settings.Shard("xb", parts));
    }

    @Test
    void eachPartsSubscribersGetBlocksOfItsOwnRanges() {
        Nat64Settings s = sharded();
        Deterministic d = s.deterministic();
        assertEquals(Ipv6Prefix.parse("2001:db8:200:3::/64", -1), d.subscriberOf(TCP, SLICE, 1024 + 3 * 512));
        assertEquals(Ipv6Prefix.parse("2001:db8:100:2::/64", -1), d.subscriberOf(UDP, STANDBY, 2048 + 2 * 512 + 1));
        assertNull(d.subscriberOf(TCP, STANDBY, 1024), "outside the pool");
        assertEquals(0, d.partOf(ICMP, 0));
        assertEquals(1, d.partOf(ICMP, 4));
        assertEquals(-1, d.partOf(ICMP, 8));
        assertEquals(4 + 1, d.blockOf(TCP, 0x20010db801000001L, 5), "xa's subscriber 1: the standby part's block 1");
        assertEquals(-1, d.blockOf(TCP, 0x20010db803000000L, 1), "nobody's subscriber");
        assertTrue(s.deterministicRule().contains("instance=xb standby-for=xa [2001:db8:100::/62]"),
                s.deterministicRule());
    }

    @Test
    void aPartNeedsABlockPerSubscriber() {
        List<Deterministic.Part> parts = List.of(new Deterministic.Part("instance=xb", List.of(OWN),
                ranges(SLICE, 1024, 2047)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Deterministic(parts, 64, new Pool4(ranges(SLICE, 1024, 2047), 512)));
        assertEquals("pool4 has 2 tcp blocks of 512 ports for the 4 subscribers of 2001:db8:200::/62 (/64 each); add"
                + " pool4 addresses or use smaller blocks", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Deterministic(parts, 64,
                new Pool4(ranges(SLICE, 1024, 4095), 512)), "the parts' ranges must be the pool's");
    }

    @Test
    void theSweeperLogsWhichInstanceServesWhichBlock() {
        Nat64Tables t = new Nat64Tables(sharded(), 1, listener, () -> 1_800_000_000L);
        Nat64Lookup r = new Nat64Lookup();
        Nat64Table udp = t.table(UDP);
        assertEquals(Nat64Outcome.OK, udp.outbound(r, 0x20010db801000002L, 1, 5000, Z, 53, 0, 0));
        assertEquals(STANDBY, r.address());
        assertTrue(r.port() >= 2048 + 2 * 512 && r.port() < 2048 + 3 * 512, "xa's subscriber 2, block 2: " + r.port());
        t.sweep(1);
        assertEquals(1, events.size(), events.toString());
        Event e = events.get(0);
        assertEquals("instance=xb standby-for=xa", e.part());
        assertTrue(e.event().allocated());
        assertEquals(UDP, e.event().protocol());
        assertEquals(Ipv6Prefix.parse("2001:db8:100:2::/64", -1), e.event().subscriber());
        assertEquals(STANDBY, e.event().address());
        assertEquals(3072, e.event().firstPort());
        assertEquals(3583, e.event().lastPort());
        t.sweep(2);
        assertEquals(1, events.size(), "in use still: no new event");
        t.sweep(40); // past the UDP lifetime: the session ends, then its binding
        t.sweep(41);
        t.sweep(42);
        assertEquals(2, events.size(), events.toString());
        assertFalse(events.get(1).event().allocated(), "out of use");
        assertEquals(3072, events.get(1).event().firstPort());
    }
}
