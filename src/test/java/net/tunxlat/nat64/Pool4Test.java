// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import java.util.HashSet;
import java.util.Set;

class Pool4Test {
    static final int A = Addresses.parseIpv4("192.0.2.1");
    static final int B = Addresses.parseIpv4("192.0.2.2");

    @Test
    void rangesAreCutAt1024AndIntoBlocks() {
        Pool4 pool = new Pool4(List.of(new Pool4.Range(Nat64Protocol.UDP, A, 1000, 1099),
                new Pool4.Range(Nat64Protocol.UDP, B, 2000, 2063)), 8);
        assertEquals(24, pool.ports(Nat64Protocol.UDP, Pool4.WELL_KNOWN));
        assertEquals(76 + 64, pool.ports(Nat64Protocol.UDP, Pool4.OTHER));
        // 1000-1023: 3 blocks; 1024-1099: 9 blocks (4 ports left over); B: 8 blocks
        assertEquals(3 + 9 + 8, pool.blocks(Nat64Protocol.UDP));
        assertEquals(1016, pool.blockFirstPort(Nat64Protocol.UDP, 2));
        assertEquals(Pool4.WELL_KNOWN, pool.blockClass(Nat64Protocol.UDP, 2));
        assertEquals(1024, pool.blockFirstPort(Nat64Protocol.UDP, 3));
        assertEquals(Pool4.OTHER, pool.blockClass(Nat64Protocol.UDP, 3));
        assertEquals(B, pool.blockAddress(Nat64Protocol.UDP, 12));
        assertEquals(12, pool.blockOf(Nat64Protocol.UDP, B, 2007));
        assertEquals(-1, pool.blockOf(Nat64Protocol.UDP, B, 2064));
        assertEquals((long) A << 16 | 1024, pool.portAt(Nat64Protocol.UDP, Pool4.OTHER, 0));
        assertEquals((long) B << 16 | 2000, pool.portAt(Nat64Protocol.UDP, Pool4.OTHER, 76));
        assertTrue(pool.contains(Nat64Protocol.UDP, A, 1099));
        assertFalse(pool.contains(Nat64Protocol.TCP, A, 1099));
        assertEquals(0, pool.blocks(Nat64Protocol.TCP));
    }

    @Test
    void overlapsAndBadSizesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Pool4(List.of(
                new Pool4.Range(Nat64Protocol.TCP, A, 1, 3000), new Pool4.Range(Nat64Protocol.TCP, A, 3000, 4000)), 0));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Pool4(List.of(), 1));
        assertThrows(IllegalArgumentException.class, () -> new Pool4.Range(Nat64Protocol.TCP, A, 5, 4));
    }

    @Test
    void deterministicRoundTrip() {
        Pool4 pool = new Pool4(List.of(new Pool4.Range(Nat64Protocol.TCP, A, 1024, 65535),
                new Pool4.Range(Nat64Protocol.TCP, B, 1024, 65535)), 512);
        // 2 x 126 blocks for the 256 /64s of a /56: too few
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Deterministic(Ipv6Prefix.parse("2001:db8:100::/56", -1), 64, pool));
        assertTrue(e.getMessage().contains("add pool4 addresses"), e.getMessage());
        Deterministic d = new Deterministic(Ipv6Prefix.parse("2001:db8:100::/57", -1), 64, pool);
        Set<Integer> blocks = new HashSet<>();
        for (int i = 0; i < 128; i++) {
            long hi = 0x20010db801000000L | (long) i;
            int b = d.blockOf(Nat64Protocol.TCP, hi, 0x1234L);
            assertTrue(blocks.add(b), "one block per subscriber");
            int address = pool.blockAddress(Nat64Protocol.TCP, b);
            int port = pool.blockFirstPort(Nat64Protocol.TCP, b) + 511;
            assertEquals(new Ipv6Prefix(hi, 0, 64), d.subscriberOf(Nat64Protocol.TCP, address, port));
        }
        assertEquals(-1, d.blockOf(Nat64Protocol.TCP, 0x20010db802000000L, 0));
        assertNull(d.subscriberOf(Nat64Protocol.TCP, A, 80));
        // subscribers longer than /64: bits from both halves
        Deterministic d2 = new Deterministic(Ipv6Prefix.parse("2001:db8::/61", -1), 68, pool);
        long hi = 0x20010db800000005L;
        long lo = 0xa000000000000000L;
        int b = d2.blockOf(Nat64Protocol.TCP, hi, lo | 0x42);
        assertEquals(0x5a, b); // bits 61-67: 101 (from hi) then 1010 (from lo)
        assertEquals(new Ipv6Prefix(hi, lo, 68), d2.subscriberOf(Nat64Protocol.TCP,
                pool.blockAddress(Nat64Protocol.TCP, b), pool.blockFirstPort(Nat64Protocol.TCP, b)));
    }
}
