// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.tunxlat.mapping.Addresses;
import org.junit.jupiter.api.Test;

/** The binary-search index answers as Pool4's linear lookups do. */
class PoolIndexTest {
    @Test
    void answersAsPool4Does() {
        int a = Addresses.parseIpv4("192.0.2.1");
        int high = Addresses.parseIpv4("203.0.113.200"); // negative as an int: the keys must sort unsigned
        List<Pool4.Range> ranges = new ArrayList<>();
        ranges.add(new Pool4.Range(Nat64Protocol.UDP, high, 40000, 40999));
        ranges.add(new Pool4.Range(Nat64Protocol.UDP, a, 500, 2000)); // crosses 1023/1024
        ranges.add(new Pool4.Range(Nat64Protocol.UDP, a, 30000, 30300)); // a remainder shorter than a block
        ranges.add(new Pool4.Range(Nat64Protocol.TCP, a, 1, 65535));
        ranges.add(new Pool4.Range(Nat64Protocol.ICMP, high, 0, 65535));
        Pool4 pool = new Pool4(ranges, 64);
        PoolIndex index = new PoolIndex(pool);
        SplittableRandom rnd = new SplittableRandom(7);
        int[] addresses = {a, high, a + 1, high - 1, 0, -1};
        for (int i = 0; i < 200_000; i++) {
            int p = rnd.nextInt(Nat64Protocol.COUNT);
            int address = addresses[rnd.nextInt(addresses.length)];
            int port = rnd.nextInt(65536);
            assertEquals(pool.contains(p, address, port), index.contains(p, address, port), p + " " + port);
            assertEquals(pool.blockOf(p, address, port), index.blockOf(p, address, port), p + " " + port);
        }
    }
}
