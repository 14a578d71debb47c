// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.Collections;

class DynamicPoolTest {
    final AtomicLong clock = new AtomicLong(1_700_000_000L);
    static final int OWN = Addresses.parseIpv4("192.168.255.1");

    DynamicPool pool(String prefix, List<Ipv6Prefix> allow) {
        return new DynamicPool(Ipv4Prefix.parse(prefix, -1), a -> a == OWN, allow, clock::get);
    }

    static long[] host(int n) {
        return new long[] {0x20010db800060000L, n};
    }

    @Test
    void firstPacketBindsAndTheSameHostKeepsItsAddress() {
        DynamicPool p = pool("192.168.255.0/24", List.of());
        long[] h = host(1);
        DynamicPool.Binding b = p.assign(h[0], h[1], clock.get());
        assertNotNull(b);
        assertTrue(p.contains(b.address()));
        assertNotEquals(Addresses.parseIpv4("192.168.255.0"), b.address(), "the first address is reserved");
        assertNotEquals(OWN, b.address(), "ipv4-addr is never handed out");
        assertSame(b, p.assign(h[0], h[1], clock.get()));
        assertSame(b, p.lookup6(h[0], h[1]));
        assertSame(b, p.lookup4(b.address(), clock.get()));
        assertEquals(p.capacity() - 1, p.freeAddresses());
        assertTrue(p.takeDirty());
        assertFalse(p.takeDirty());
    }

    /** Item 11 of issue 14: TAYGA's slot, so a host gets the address TAYGA would have given it. */
    @Test
    void aNewHostStartsAtTaygasFoldOfItsIpv6Address() {
        DynamicPool p = pool("192.168.255.0/24", List.of());
        long[] h = v6("2001:db8::1");
        // a /24 pool: the sum of the sixteen bytes modulo 255 = 0x20+0x01+0x0d+0xb8+0x01 = 231
        assertEquals(Addresses.parseIpv4("192.168.255.231"), p.assign(h[0], h[1], clock.get()).address());
        // a /22 pool: little-endian words 0xb80d0120 + 0x01000000 = 0xb90d0120, modulo 1023 = 1011
        DynamicPool q = pool("10.0.0.0/22", List.of());
        assertEquals(Addresses.parseIpv4("10.0.3.243"), q.assign(h[0], h[1], clock.get()).address());
    }

    @Test
    void aHostWhoseBindingWasLostGetsTheSameAddressAfterARestart() {
        long[] h = v6("2001:db8:6::1234:5678");
        int first = pool("192.168.255.0/24", List.of()).assign(h[0], h[1], clock.get()).address();
        clock.addAndGet(30 * 86400L); // no state file: a fresh pool, a month later
        DynamicPool restarted = pool("192.168.255.0/24", List.of());
        assertEquals(first, restarted.assign(h[0], h[1], clock.get()).address());
    }

    @Test
    void aTakenSlotProbesUpwardsAndWrapsPastTheReservedFirstAddress() {
        DynamicPool p = pool("192.168.255.0/24", List.of());
        long[] a = v6("2001:db8::1");
        long[] b = v6("2001:db8::100"); // the same byte sum: the same slot 231
        assertEquals(Addresses.parseIpv4("192.168.255.231"), p.assign(a[0], a[1], clock.get()).address());
        assertEquals(Addresses.parseIpv4("192.168.255.232"), p.assign(b[0], b[1], clock.get()).address());
        DynamicPool small = pool("192.168.255.0/30", List.of()); // .0 reserved, .1 own: .2 and .3
        long[] c = v6("::3"); // byte sum 3, modulo 3 with an end-around carry: slot 3
        long[] d = v6("::6"); // byte sum 6: slot 3 again, taken: wraps over .0 and .1 to .2
        assertEquals(Addresses.parseIpv4("192.168.255.3"), small.assign(c[0], c[1], clock.get()).address());
        assertEquals(Addresses.parseIpv4("192.168.255.2"), small.assign(d[0], d[1], clock.get()).address());
        long[] e = v6("::103"); // byte sum 4: slot 1, the translator's own address: nothing left
        assertNull(small.assign(e[0], e[1], clock.get()));
    }

    @Test
    void consecutiveHostsAreSpreadAsTaygaSpreadsThem() {
        DynamicPool p = pool("10.1.2.0/24", List.of());
        Set<Integer> seen = new HashSet<>();
        for (int n = 1; n <= 100; n++) {
            DynamicPool.Binding b = p.assign(0x20010db800060000L, ((long) n) << 56, clock.get());
            // the last byte (n) is the only one that varies: slot = (0x20+1+0xd+0xb8+6+n) % 255
            int slot = (0x20 + 0x01 + 0x0d + 0xb8 + 0x06 + n) % 255;
            assertEquals(Addresses.parseIpv4("10.1.2.0") | (slot == 0 ? 255 : slot), b.address(), "host " + n);
            assertTrue(seen.add(b.address()));
        }
    }

    static long[] v6(String s) {
        return Addresses.parseIpv6(s);
    }

    @Test
    void staticallyMappedAddressesAreNotHandedOut() {
        DynamicPool p = pool("192.168.255.0/30", List.of()); // .1 own, .2 and .3 usable
        p.useStaticMap(new StaticMap(List.of(Ipv4Prefix.parse("192.168.255.2", 32)), List.of(Ipv6Prefix.parse("2001:db8::2", 128))));
        DynamicPool.Binding b = p.assign(1, 1, clock.get());
        assertEquals(Addresses.parseIpv4("192.168.255.3"), b.address());
        assertNull(p.assign(1, 2, clock.get()), "exhausted");
    }

    @Test
    void bindingGoesDormantAfterTwoHoursFourMinutesAndComesBack() {
        DynamicPool p = pool("192.168.255.0/24", List.of());
        DynamicPool.Binding b = p.assign(1, 1, clock.get());
        clock.addAndGet(DynamicPool.ACTIVE_SECONDS);
        assertNotNull(p.lookup4(b.address(), clock.get()), "still active at exactly 2h4m");
        clock.addAndGet(DynamicPool.ACTIVE_SECONDS + 1);
        assertNull(p.lookup4(b.address(), clock.get()), "dormant: the IPv4 side cannot reach it");
        assertSame(b, p.assign(1, 1, clock.get()), "the host returns and gets the same address back");
        assertNotNull(p.lookup4(b.address(), clock.get()));
    }

    @Test
    void exhaustedPoolRefusesThenReusesLeastRecentlyUsedDormantAddress() {
        DynamicPool p = pool("10.0.0.0/29", List.of()); // 7 usable
        Map<Integer, Long> hostOf = new HashMap<>();
        for (int n = 1; n <= 7; n++) {
            DynamicPool.Binding b = p.assign(9, n, clock.get());
            assertNotNull(b, "host " + n);
            assertNull(hostOf.put(b.address(), (long) n), "an address is given to one host only");
            clock.incrementAndGet(); // host n last used at t0+n-1
        }
        assertNull(p.assign(9, 100, clock.get()), "no free and no dormant address");
        assertEquals(0, p.freeAddresses());
        clock.addAndGet(DynamicPool.ACTIVE_SECONDS + 10);
        // host 5 was active recently: it stays
        p.assign(9, 5, clock.get());
        p.maintain(clock.get());
        DynamicPool.Binding taken = p.assign(9, 100, clock.get());
        assertNotNull(taken);
        assertEquals(1L, hostOf.get(taken.address()), "least recently used dormant host (1) loses its address");
        assertNull(p.lookup6(9, 1), "the old host no longer has it");
        DynamicPool.Binding next = p.assign(9, 101, clock.get());
        assertEquals(2L, hostOf.get(next.address()));
    }

    @Test
    void allowListRestrictsWhoMayUseThePool() {
        DynamicPool p = pool("10.0.0.0/24", List.of(Ipv6Prefix.parse("2001:db8:6::/48", -1)));
        assertTrue(p.allowed(0x20010db800060000L, 5));
        assertFalse(p.allowed(0x20010db800070000L, 5));
        assertTrue(pool("10.0.0.0/24", List.of()).allowed(0x20010db800070000L, 5), "empty list allows any");
    }

    @Test
    void concurrentFirstPacketsNeverShareOrDuplicateAddresses() throws Exception {
        DynamicPool p = pool("10.0.0.0/16", List.of());
        int threads = 4;
        int hosts = 5000;
        ConcurrentHashMap<Long, Integer> seen = new ConcurrentHashMap<>();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int n = 0; n < hosts; n++) {
                    DynamicPool.Binding b = p.assign(7, n, clock.get());
                    Integer prev = seen.putIfAbsent((long) n, b.address());
                    if (prev != null && prev != b.address()) {
                        problems.add("host " + n + " got " + prev + " and " + b.address());
                    }
                }
            });
            ts.add(th);
            th.start();
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        assertEquals(List.of(), problems);
        assertEquals(hosts, new HashSet<>(seen.values()).size(), "no address is shared");
        assertEquals(hosts, p.bindings().size());
        assertEquals(p.capacity() - hosts, p.freeAddresses());
    }

    @Test
    void forgetsBindingsDormantForTwoWeeks() {
        DynamicPool p = pool("10.0.0.0/24", List.of());
        p.assign(1, 1, clock.get());
        p.takeDirty();
        clock.addAndGet(DynamicPool.ACTIVE_SECONDS + DynamicPool.MAX_DORMANT_SECONDS + 1);
        p.maintain(clock.get());
        assertNull(p.lookup6(1, 1));
        assertEquals(p.capacity(), p.freeAddresses());
        assertTrue(p.takeDirty());
    }

    @Test
    void stateFileRoundTripKeepsEveryHostsAddress(@TempDir Path dir) throws Exception {
        DynamicPool a = pool("192.168.255.0/24", List.of());
        Map<Long, Integer> before = new HashMap<>();
        for (int n = 0; n < 50; n++) {
            before.put((long) n, a.assign(0x20010db800060000L, n, clock.get() - n).address());
        }
        DynamicMapFile f = new DynamicMapFile(dir);
        List<DynamicMapFile.Entry> entries = new ArrayList<>();
        a.bindings().forEach(b -> entries.add(new DynamicMapFile.Entry(b.address(), b.hi(), b.lo(), b.lastUse())));
        f.save(entries, clock.get());
        assertFalse(Files.exists(dir.resolve(DynamicMapFile.TEMP_NAME)));

        DynamicPool b = pool("192.168.255.0/24", List.of());
        DynamicMapFile.Loaded loaded = f.load();
        assertEquals(List.of(), loaded.problems());
        for (DynamicMapFile.Entry e : loaded.entries()) {
            assertTrue(b.restore(e.address(), e.hi(), e.lo(), e.lastUse()));
        }
        for (Map.Entry<Long, Integer> e : before.entrySet()) {
            DynamicPool.Binding x = b.assign(0x20010db800060000L, e.getKey(), clock.get());
            assertEquals((int) e.getValue(), x.address(), "host " + e.getKey());
        }
    }

    @Test
    void readsTaygasFormatAndSkipsMalformedLines(@TempDir Path dir) throws Exception {
        // The layout TAYGA writes: a ### header, then IPv4 TAB IPv6 TAB last-use.
        Files.writeString(dir.resolve("dynamic.map"), "###\n###\n### TAYGA dynamic map database\n###\n\n"
                + "192.168.255.10\t2001:db8:1::10\t1700000000\n"
                + "192.168.255.11\t2001:db8:1::11\t1700000100\n"
                + "not an address\t2001:db8:1::12\t1700000100\n"
                + "192.168.255.13\t2001:db8:1::13\n"
                + "192.168.255.14\t2001:db8:1::14\t17000", StandardCharsets.ISO_8859_1); // torn last line still parses
        DynamicMapFile.Loaded l = new DynamicMapFile(dir).load();
        assertEquals(3, l.entries().size());
        assertEquals(2, l.problems().size());
        assertTrue(l.problems().get(0).contains("dynamic.map:8:"), l.problems().get(0));
        assertEquals(Addresses.parseIpv4("192.168.255.10"), l.entries().get(0).address());
        assertEquals(1700000000L, l.entries().get(0).lastUse());
    }

    @Test
    void aWriteCutShortLeavesTheOldFile(@TempDir Path dir) throws Exception {
        DynamicMapFile f = new DynamicMapFile(dir);
        f.save(List.of(new DynamicMapFile.Entry(Addresses.parseIpv4("10.0.0.5"), 1, 2, 1700000000L)), 1700000000L);
        String good = Files.readString(dir.resolve("dynamic.map"));
        // A crash in the middle of the next write leaves a partial temporary file behind.
        byte[] partial = "###\n###\n### TAYGA dy".getBytes(StandardCharsets.US_ASCII);
        Files.write(dir.resolve(DynamicMapFile.TEMP_NAME), partial);
        assertEquals(good, Files.readString(dir.resolve("dynamic.map")), "the state file is untouched");
        DynamicMapFile.Loaded l = f.load();
        assertEquals(1, l.entries().size());
        Set<Integer> addrs = new HashSet<>();
        l.entries().forEach(e -> addrs.add(e.address()));
        assertTrue(addrs.contains(Addresses.parseIpv4("10.0.0.5")));
    }

    @Test
    void aNewStaticMapDropsTheBindingsItConflictsWith() {
        DynamicPool p = pool("192.168.255.0/24", List.of());
        DynamicPool.Binding a = p.assign(1, 1, clock.get());
        DynamicPool.Binding b = p.assign(1, 2, clock.get());
        DynamicPool.Binding c = p.assign(1, 3, clock.get());
        p.takeDirty();
        int free = p.freeAddresses();
        // A reload adds a map of a's address (to another host) and a map of b's host.
        int dropped = p.useStaticMap(new StaticMap(
                List.of(new Ipv4Prefix(a.address(), 32), Ipv4Prefix.parse("10.9.9.9", 32)),
                List.of(Ipv6Prefix.parse("2001:db8::99", 128), new Ipv6Prefix(1, 2, 128))));
        assertEquals(2, dropped);
        assertNull(p.lookup6(1, 1));
        assertNull(p.lookup6(1, 2));
        assertSame(c, p.lookup6(1, 3), "bindings that do not conflict stay");
        assertNull(p.binding4(a.address()));
        assertNull(p.binding4(b.address()));
        assertEquals(free + 2, p.freeAddresses());
        assertTrue(p.takeDirty(), "the state file is rewritten");
        DynamicPool.Binding again = p.assign(1, 1, clock.get());
        assertNotEquals(a.address(), again.address(), "the statically mapped address is not handed out again");
    }

    @Test
    void restoreRefusesConflicts() {
        DynamicPool p = pool("192.168.255.0/24", List.of());
        assertTrue(p.restore(Addresses.parseIpv4("192.168.255.7"), 1, 1, 100));
        assertFalse(p.restore(Addresses.parseIpv4("192.168.255.7"), 1, 2, 100), "address taken");
        assertFalse(p.restore(Addresses.parseIpv4("192.168.255.8"), 1, 1, 100), "host already bound");
        assertFalse(p.restore(Addresses.parseIpv4("10.0.0.1"), 1, 3, 100), "outside the pool");
        assertFalse(p.restore(Addresses.parseIpv4("192.168.255.0"), 1, 4, 100), "reserved");
        assertFalse(p.restore(OWN, 1, 5, 100), "the translator's own address");
    }
}
