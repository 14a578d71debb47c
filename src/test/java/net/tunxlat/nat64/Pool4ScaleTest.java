// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import net.tunxlat.mapping.Addresses;
import org.junit.jupiter.api.Test;

/**
 * A large pool4 (65,536 addresses, three protocols, ranges in shuffled order) answers every lookup as a plain
 * model does: the ranges in configuration order, cut at 1023/1024, kept in maps (no sorting or searching of
 * Pool4's own), queried at random.
 */
class Pool4ScaleTest {
    /** Half the addresses below 128.0.0.0, half above (negative as ints): the keys must sort unsigned. */
    static final int LOW = Addresses.parseIpv4("100.64.0.0");
    static final int HIGH = Addresses.parseIpv4("198.18.0.0");
    static final int ADDRESSES = 65_536;

    /** The i-th pool address; i from -2 to ADDRESSES + 1 also gives addresses just outside either half. */
    static int address(int i) {
        return i < ADDRESSES / 2 ? LOW + i : HIGH + i - ADDRESSES / 2;
    }

    /** One protocol's segments in configuration order: address, first port, ports, first block id, class. */
    static final class Model {
        final int blockSize;
        final List<int[]> segments = new ArrayList<>();
        final Map<Integer, List<int[]>> byAddress = new HashMap<>();
        final TreeMap<Integer, int[]> byBlock = new TreeMap<>();
        final List<TreeMap<Long, int[]>> byClassPort = List.of(new TreeMap<>(), new TreeMap<>());
        final long[] classPorts = new long[2];
        int blocks;

        Model(int protocol, List<Pool4.Range> ranges, int blockSize) {
            this.blockSize = blockSize;
            for (Pool4.Range r : ranges) {
                if (r.protocol() != protocol) {
                    continue;
                }
                boolean classes = protocol != Nat64Protocol.ICMP;
                if (classes && r.first() <= 1023 && r.last() >= 1024) {
                    add(r.address(), r.first(), 1023, 0);
                    add(r.address(), 1024, r.last(), 1);
                } else {
                    add(r.address(), r.first(), r.last(), classes && r.last() <= 1023 ? 0 : 1);
                }
            }
        }

        private void add(int address, int first, int last, int cls) {
            int size = last - first + 1;
            int[] s = {address, first, size, blocks, cls};
            segments.add(s);
            byAddress.computeIfAbsent(address, a -> new ArrayList<>()).add(s);
            if (blockSize > 0 && size >= blockSize) {
                byBlock.put(blocks, s);
                blocks += size / blockSize;
            }
            byClassPort.get(cls).put(classPorts[cls], s);
            classPorts[cls] += size;
        }

        int[] holding(int address, int port) {
            for (int[] s : byAddress.getOrDefault(address, List.of())) {
                if (port >= s[1] && port < s[1] + s[2]) {
                    return s;
                }
            }
            return null;
        }

        int blockOf(int address, int port) {
            int[] s = holding(address, port);
            if (s == null || blockSize == 0 || (port - s[1]) / blockSize >= s[2] / blockSize) {
                return -1;
            }
            return s[3] + (port - s[1]) / blockSize;
        }

        long portsAt(int address) {
            return byAddress.getOrDefault(address, List.of()).stream().mapToLong(s -> s[2]).sum();
        }

        long portAt(int cls, long k) {
            Map.Entry<Long, int[]> e = byClassPort.get(cls).floorEntry(k);
            return (long) e.getValue()[0] << 16 | (e.getValue()[1] + (k - e.getKey()));
        }
    }

    /** Per address: TCP 1-65535; UDP one of four shapes; ICMP all, a part or none. Shuffled. */
    static List<Pool4.Range> ranges(SplittableRandom rnd) {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (int i = 0; i < ADDRESSES; i++) {
            int a = address(i);
            ranges.add(new Pool4.Range(Nat64Protocol.TCP, a, 1, 65535));
            switch (rnd.nextInt(4)) {
                case 0 -> ranges.add(new Pool4.Range(Nat64Protocol.UDP, a, 1024, 65535));
                case 1 -> { // crosses 1023/1024, and a remainder shorter than a block
                    ranges.add(new Pool4.Range(Nat64Protocol.UDP, a, 500, 2000));
                    ranges.add(new Pool4.Range(Nat64Protocol.UDP, a, 30000, 30300));
                }
                case 2 -> ranges.add(new Pool4.Range(Nat64Protocol.UDP, a, 1, 1023));
                default -> { } // no UDP at this address
            }
            if (rnd.nextBoolean()) {
                ranges.add(new Pool4.Range(Nat64Protocol.ICMP, a, 0, 65535));
            } else if (rnd.nextBoolean()) {
                int first = rnd.nextInt(60000);
                ranges.add(new Pool4.Range(Nat64Protocol.ICMP, a, first, first + rnd.nextInt(5000)));
            }
        }
        Collections.shuffle(ranges, new Random(rnd.nextLong()));
        return ranges;
    }

    @Test
    void aPoolOf65536AddressesAnswersAsTheModel() {
        SplittableRandom rnd = new SplittableRandom(16);
        List<Pool4.Range> ranges = ranges(rnd);
        for (int blockSize : new int[] {128, 0}) {
            Pool4 pool = new Pool4(ranges, blockSize);
            TreeSet<Integer> addresses = new TreeSet<>(Integer::compareUnsigned);
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                Model m = new Model(p, ranges, blockSize);
                m.segments.forEach(s -> addresses.add(s[0]));
                assertEquals(m.blocks, pool.blocks(p), "blocks");
                for (int c = 0; c < 2; c++) {
                    assertEquals(m.classPorts[c], pool.ports(p, c), "ports of class " + c);
                }
                for (int i = 0; i < 20_000; i++) {
                    int a = address(rnd.nextInt(-2, ADDRESSES + 2)); // and just outside
                    int port = rnd.nextInt(65536);
                    String at = blockSize + " " + Nat64Protocol.name(p) + " " + Addresses.formatIpv4(a) + " " + port;
                    assertEquals(m.holding(a, port) != null, pool.contains(p, a, port), at);
                    assertEquals(m.blockOf(a, port), pool.blockOf(p, a, port), at);
                    if (i % 16 == 0) {
                        assertEquals(m.portsAt(a), pool.portsAt(p, a), at);
                    }
                    if (m.blocks > 0) {
                        int b = rnd.nextInt(m.blocks);
                        int[] s = m.byBlock.floorEntry(b).getValue();
                        assertEquals(s[0], pool.blockAddress(p, b), "block " + b);
                        assertEquals(s[1] + (b - s[3]) * blockSize, pool.blockFirstPort(p, b), "block " + b);
                        assertEquals(s[4], pool.blockClass(p, b), "block " + b);
                    }
                    int cls = rnd.nextInt(2);
                    if (m.classPorts[cls] > 0) {
                        long k = rnd.nextLong(m.classPorts[cls]);
                        assertEquals(m.portAt(cls, k), pool.portAt(p, cls, k), "port " + k + " of class " + cls);
                    }
                }
                if (m.blocks > 0) { // the ends of the numbering
                    for (int b : new int[] {0, m.blocks - 1}) {
                        int[] s = m.byBlock.floorEntry(b).getValue();
                        assertEquals(s[0], pool.blockAddress(p, b), "block " + b);
                        assertEquals(s[1] + (b - s[3]) * blockSize, pool.blockFirstPort(p, b), "block " + b);
                    }
                }
            }
            assertArrayEquals(addresses.stream().mapToInt(Integer::intValue).toArray(), pool.addresses());
        }
    }

    @Test
    void oneOverlapAmongThousandsOfRangesIsNamedInConfigurationOrder() {
        SplittableRandom rnd = new SplittableRandom(6146);
        List<Pool4.Range> ranges = new ArrayList<>(ranges(rnd).subList(0, 20_000));
        for (int trial = 0; trial < 20; trial++) {
            Pool4.Range victim = ranges.get(rnd.nextInt(ranges.size()));
            int port = victim.first() + rnd.nextInt(victim.last() - victim.first() + 1);
            List<Pool4.Range> bad = new ArrayList<>(ranges);
            int at = rnd.nextInt(bad.size() + 1);
            Pool4.Range intruder = new Pool4.Range(victim.protocol(), victim.address(), port, port);
            bad.add(at, intruder);
            boolean victimFirst = bad.indexOf(victim) < at;
            Pool4.Range earlier = victimFirst ? victim : intruder;
            Pool4.Range later = victimFirst ? intruder : victim;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Pool4(bad, 64));
            assertEquals("pool4 ranges " + text(earlier) + " and " + text(later) + " overlap; give each port once",
                    e.getMessage());
        }
    }

    private static String text(Pool4.Range r) {
        return Nat64Protocol.name(r.protocol()) + " " + Addresses.formatIpv4(r.address()) + " " + r.first() + "-"
                + r.last();
    }
}
