// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static net.tunxlat.nat64.Nat64Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nat64.state: what a clean stop writes comes back whole at start, relative to the new clock; damage is refused. */
class Nat64StateFileTest {
    static final int A = Addresses.parseIpv4("192.0.2.1");
    static final int B = Addresses.parseIpv4("192.0.2.2");
    static final int Z1 = Addresses.parseIpv4("198.51.100.1");
    static final int Z2 = Addresses.parseIpv4("203.0.113.9");
    static final long H = 0x20010db800000000L;
    static final long WALL = 1_800_000_000L;
    static final Timeouts LONG = new Timeouts(300, 7440, 240, 6, 60);
    static final long SERVER_HI = 0x20010db8ffff0000L;

    @TempDir
    Path dir;

    final List<BlockEvent> events = new ArrayList<>();
    final Nat64Listener listener = new Nat64Listener() {
        @Override
        public void onBlock(BlockEvent event) {
            events.add(event);
        }
    };
    final Nat64Lookup r = new Nat64Lookup();

    static Pool4 pool(int blockSize, int... addresses) {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (int a : addresses) {
            for (int p = 0; p < COUNT; p++) {
                ranges.add(new Pool4.Range(p, a, 1024, 65535));
            }
        }
        return new Pool4(ranges, blockSize);
    }

    static List<Nat64Settings.StaticBib> statics(int address) {
        List<Nat64Settings.StaticBib> s = new ArrayList<>();
        for (int p = 0; p < COUNT; p++) {
            s.add(new Nat64Settings.StaticBib(p, SERVER_HI, 0x80, 8080, address, 2000 + p));
        }
        return s;
    }

    static Nat64Settings settings(Pool4 pool, int subscriberLength, List<Nat64Settings.StaticBib> statics) {
        return new Nat64Settings(pool, new int[] {20000, 20000, 20000}, 4096, subscriberLength, 8192, 8, null, 1024,
                LONG, false, false, 16, statics);
    }

    Nat64Tables tables(Nat64Settings s) {
        return new Nat64Tables(s, 1, listener, () -> WALL);
    }

    /** Thousands of sessions of every protocol, TCP in every state a connection passes, sessions of static entries. */
    static void fill(Nat64Tables t, long now) {
        Nat64Lookup r = new Nat64Lookup();
        for (int h = 0; h < 200; h++) {
            long hi = H | (h % 50); // 50 /64 subscribers, 4 hosts each
            long lo = h;
            for (int k = 0; k < 10; k++) {
                assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, hi, lo, 40000 + k, Z1, 53 + k, 0, now));
                assertEquals(Nat64Outcome.OK, t.table(ICMP).outbound(r, hi, lo, 7 + k, Z2, 7 + k, 0, now));
            }
            for (int k = 0; k < 7; k++) {
                int x = 50000 + k;
                assertEquals(Nat64Outcome.OK, t.table(TCP).outbound(r, hi, lo, x, Z1, 443, TcpStates.SYN, now));
                int tt = r.port();
                int t4 = r.address();
                if (k >= 1) {
                    t.table(TCP).inbound(r, t4, tt, Z1, 443, TcpStates.SYN, now); // ESTABLISHED
                }
                if (k == 2) {
                    t.table(TCP).outbound(r, hi, lo, x, Z1, 443, TcpStates.FIN, now); // V6_FIN_RCV
                }
                if (k == 3) {
                    t.table(TCP).inbound(r, t4, tt, Z1, 443, TcpStates.FIN, now); // V4_FIN_RCV
                }
                if (k == 4) {
                    t.table(TCP).inbound(r, t4, tt, Z1, 443, TcpStates.FIN, now);
                    t.table(TCP).outbound(r, hi, lo, x, Z1, 443, TcpStates.FIN, now); // V6_FIN_V4_FIN_RCV
                }
                if (k == 5) {
                    t.table(TCP).outbound(r, hi, lo, x, Z1, 443, TcpStates.RST, now); // TRANS
                }
            }
        }
        for (int p = 0; p < COUNT; p++) {
            // the IPv4 side uses the static entries (port forwarding)
            int first = t.table(p).inbound(r, A, 2000 + p, Z2, 33000, p == TCP ? TcpStates.SYN : 0, now);
            assertEquals(Nat64Outcome.OK, first, Nat64Protocol.name(p));
        }
    }

    /**
     * Everything the file should keep, comparable across tables: BIB entries (protocol, X', x, T, t, static), sessions
     * (their binding, Z, z, TCP state, lifetime left) and blocks (protocol, block, owner prefix).
     */
    static TreeSet<String> fingerprint(Nat64Tables t, long now) {
        TreeSet<String> out = new TreeSet<>();
        Subscribers subs = t.subscriberTable();
        for (int p = 0; p < COUNT; p++) {
            Nat64Table table = t.table(p);
            Bib bib = table.bib;
            for (int e = 0; e < bib.capacity(); e++) {
                if (Bib.state(bib.word(e)) == Bib.LIVE) {
                    out.add("bib " + p + " " + binding(bib, e) + (bib.subscriber(e) < 0 ? " static" : ""));
                }
            }
            Sessions ss = table.sessions;
            for (int s = 0; s < ss.capacity(); s++) {
                long w = ss.word(s);
                if (Sessions.state(w) == Sessions.LIVE) {
                    out.add("session " + p + " " + binding(bib, ss.bib(s)) + " " + Addresses.formatIpv4(ss.z4(s)) + " "
                            + Sessions.z(w) + " " + TcpStates.name(Sessions.tcpState(w)) + " left "
                            + (Sessions.expiry(w) - now));
                }
            }
            PortAllocator ports = table.ports;
            for (int b = 0; b < ports.owner.length; b++) {
                int o = ports.ownerOf(b);
                if (o >= 0) {
                    out.add("block " + p + " " + b + " " + new Ipv6Prefix(subs.hi[o], subs.lo[o], subs.prefixLength));
                }
            }
        }
        return out;
    }

    private static String binding(Bib bib, int e) {
        return Addresses.formatIpv6(bib.hi(e), bib.lo(e)) + " " + bib.x(e) + " " + Addresses.formatIpv4(bib.t4(e)) + " "
                + bib.t(e);
    }

    @Test
    void roundTripKeepsEveryBindingSessionTcpStateAndBlock() throws IOException {
        Nat64Settings s = settings(pool(128, A, B), 64, statics(A));
        Nat64Tables before = tables(s);
        fill(before, 1000);
        before.sweep(1000);
        TreeSet<String> saved = fingerprint(before, 1000);
        assertTrue(saved.stream().filter(x -> x.startsWith("session ")).count() > 4000, "thousands of sessions");
        for (String state : List.of("V6_INIT", "ESTABLISHED", "V6_FIN_RCV", "V4_FIN_RCV", "V6_FIN_V4_FIN_RCV",
                "TRANS")) {
            assertTrue(saved.stream().anyMatch(x -> x.contains(" " + state + " ")), state);
        }
        assertEquals(COUNT, saved.stream().filter(x -> x.endsWith(" static")).count());
        assertTrue(saved.stream().anyMatch(x -> x.startsWith("block ")));

        Nat64StateFile.Saved w = Nat64StateFile.write(before, dir, 1000, WALL);
        assertTrue(Files.exists(dir.resolve(Nat64StateFile.NAME)));
        assertFalse(Files.exists(dir.resolve(Nat64StateFile.TEMP_NAME)));
        assertEquals(saved.stream().filter(x -> x.startsWith("session ")).count(), w.sessions());

        // a new process: another monotonic clock (50 instead of 1000), the same wall clock (no time stopped)
        events.clear();
        Nat64Tables after = tables(s);
        Nat64StateFile.Loaded loaded = Nat64StateFile.load(after, dir, 50, WALL, List.of());
        assertEquals(List.of(), loaded.warnings());
        assertEquals(0, loaded.skipped());
        assertEquals(saved, fingerprint(after, 50));
        assertEquals(w.sessions(), loaded.sessions());

        // the restored tables work: an existing flow finds its session, new flows get bindings, nothing is
        // reported as allocated again, and nothing ends that should not
        assertEquals(Nat64Outcome.OK, after.table(UDP).outbound(r, H | 3, 3, 40000, Z1, 53, 0, 51));
        int t = r.port();
        assertEquals(Nat64Outcome.OK, after.table(UDP).inbound(r, r.address(), t, Z1, 53, 0, 51));
        assertEquals(3, r.hostLo());
        assertEquals(Nat64Outcome.OK, after.table(UDP).outbound(r, H | 3, 3, 41000, Z1, 53, 0, 51));
        after.sweep(52);
        assertEquals(List.of(), events, "restored blocks are not logged again");
        assertEquals(before.sessions(TCP), after.sessions(TCP));
    }

    @Test
    void theTimeStoppedCountsAgainstLifetimes() throws IOException {
        Nat64Settings s = settings(pool(128, A), 128, List.of());
        Nat64Tables before = tables(s);
        assertEquals(Nat64Outcome.OK, before.table(UDP).outbound(r, H, 1, 40000, Z1, 53, 0, 1000)); // 300 s left
        assertEquals(Nat64Outcome.OK, before.table(TCP).outbound(r, H, 1, 50000, Z1, 443, TcpStates.SYN, 1000));
        before.table(TCP).inbound(r, r.address(), r.port(), Z1, 443, TcpStates.SYN, 1000); // ESTABLISHED, 7440 s
        Nat64StateFile.write(before, dir, 1000, WALL);

        Nat64Tables after = tables(s);
        Nat64StateFile.load(after, dir, 10, WALL + 400, List.of()); // stopped for 400 s
        TreeSet<String> f = fingerprint(after, 10);
        assertTrue(f.stream().anyMatch(x -> x.startsWith("session " + UDP) && x.endsWith(" left 0")), f.toString());
        assertTrue(f.stream().anyMatch(x -> x.contains("ESTABLISHED left " + (7440 - 400))), f.toString());
        after.sweep(11);
        assertEquals(0, after.sessions(UDP), "the UDP session would have ended while stopped");
        assertEquals(1, after.sessions(TCP));
    }

    @Test
    void aDamagedOrTruncatedFileIsKeptAsBadAndNothingOfItIsUsed() throws IOException {
        Nat64Settings s = settings(pool(128, A), 64, statics(A));
        Nat64Tables before = tables(s);
        fill(before, 1000);
        Nat64StateFile.write(before, dir, 1000, WALL);
        byte[] good = Files.readAllBytes(dir.resolve(Nat64StateFile.NAME));
        List<byte[]> bad = new ArrayList<>();
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        bad.add(flipped);
        bad.add(Arrays.copyOf(good, good.length - 7));
        bad.add(Arrays.copyOf(good, 20));
        bad.add(new byte[0]);
        for (byte[] b : bad) {
            Files.write(dir.resolve(Nat64StateFile.NAME), b);
            Nat64Tables after = tables(s);
            Nat64StateFile.Loaded loaded = Nat64StateFile.load(after, dir, 10, WALL, List.of());
            assertEquals(1, loaded.warnings().size(), loaded.warnings().toString());
            assertTrue(loaded.warnings().get(0).contains("is damaged"), loaded.warnings().get(0));
            assertEquals(0, loaded.bibs() + loaded.sessions() + loaded.blocks());
            assertEquals(0, after.sessions(UDP) + after.sessions(TCP) + after.sessions(ICMP));
            assertEquals(1, after.bibEntries(UDP), "only the configured static entry");
            assertFalse(Files.exists(dir.resolve(Nat64StateFile.NAME)));
            assertArrayEquals(b, Files.readAllBytes(dir.resolve(Nat64StateFile.BAD_NAME)));
        }
    }

    @Test
    void anotherFormatVersionIsRefused() throws IOException {
        Nat64Settings s = settings(pool(128, A), 64, List.of());
        Nat64StateFile.write(tables(s), dir, 1000, WALL);
        byte[] b = Files.readAllBytes(dir.resolve(Nat64StateFile.NAME));
        b[9] = 2; // version 2, checksum recomputed: a file from a newer tunxlat
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
        Files.write(dir.resolve(Nat64StateFile.NAME), b);
        Nat64StateFile.Loaded loaded = Nat64StateFile.load(tables(s), dir, 10, WALL, List.of());
        assertTrue(loaded.warnings().get(0).contains("format version 2"), loaded.warnings().toString());
    }

    @Test
    void entriesThatNoLongerFitTheConfigurationAreSkippedAndCounted() throws IOException {
        // A has 8 blocks per protocol, B the rest: most subscribers get blocks on B
        List<Pool4.Range> ranges = new ArrayList<>();
        List<Pool4.Range> onlyA = new ArrayList<>();
        for (int p = 0; p < COUNT; p++) {
            ranges.add(new Pool4.Range(p, A, 1024, 2047));
            ranges.add(new Pool4.Range(p, B, 1024, 65535));
            onlyA.add(new Pool4.Range(p, A, 1024, 2047));
        }
        Nat64Tables before = tables(settings(new Pool4(ranges, 128), 64, statics(A)));
        fill(before, 1000);
        TreeSet<String> saved = fingerprint(before, 1000);
        Nat64StateFile.write(before, dir, 1000, WALL);

        // address B left pool4, the static entries are gone
        Nat64Tables after = tables(settings(new Pool4(onlyA, 128), 64, List.of()));
        Nat64StateFile.Loaded loaded = Nat64StateFile.load(after, dir, 10, WALL, List.of());
        TreeSet<String> kept = fingerprint(after, 10);
        long onB = saved.stream().filter(x -> x.startsWith("bib ") && x.contains(" 192.0.2.2 ")).count();
        assertTrue(onB > 10, "some bindings were on B: " + onB);
        assertEquals(saved.stream().filter(x -> x.startsWith("bib ") && !x.contains(" 192.0.2.2 ")
                && !x.endsWith(" static")).count(), kept.stream().filter(x -> x.startsWith("bib ")).count());
        assertTrue(kept.stream().noneMatch(x -> x.contains(" 192.0.2.2 ")));
        for (String k : kept) {
            assertTrue(saved.contains(k), "kept as it was: " + k);
        }
        assertTrue(loaded.skipped() > onB, "blocks, bindings and their sessions counted: " + loaded.skipped());
        // not one line per entry: at most three described per reason, then one sum per reason
        List<String> w = loaded.warnings();
        assertTrue(w.size() <= 4 * Nat64Restore.DESCRIBED, w.toString());
        assertTrue(w.stream().anyMatch(x -> x.matches("\\d+ more entries skipped: its IPv4 address and port are not"
                + " in pool4 any more")), w.toString());
        assertTrue(w.stream().anyMatch(x -> x.startsWith("static binding 2001:db8:ffff::80 8080 <-> tcp 192.0.2.1 2000"
                + ": skipped, the static 'bib' line is not in the configuration any more")), w.toString());

        // another block size: blocks and the bindings in them do not fit
        Nat64Tables other = tables(settings(pool(256, A, B), 64, statics(A)));
        Nat64StateFile.Loaded l2 = Nat64StateFile.load(other, dir, 10, WALL, List.of());
        assertTrue(l2.warnings().stream().anyMatch(x -> x.contains("the port blocks changed")), l2.warnings().toString());
    }

    @Test
    void journalBlocksComeBackHeldForTheirSubscriberUntilTheGraceEnds() throws IOException {
        Nat64Settings s = settings(pool(128, A), 64, List.of());
        Ipv6Prefix sub = new Ipv6Prefix(H | 5, 0, 64);
        Pool4 p = s.pool4();
        int b = 7;
        int first = p.blockFirstPort(UDP, b);
        List<BlockEvent> journal = List.of(new BlockEvent(Instant.ofEpochSecond(WALL - 3600), true, UDP, sub, A, first,
                first + 127));
        Nat64Tables t = tables(s);
        Nat64StateFile.Loaded loaded = Nat64StateFile.load(t, dir, 10, WALL, journal);
        assertEquals(1, loaded.blocks());
        assertEquals(List.of("block 1 7 " + sub), new ArrayList<>(fingerprint(t, 10)));
        // a new flow of that subscriber after the crash gets a port in its own block
        assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H | 5, 99, 40000, Z1, 53, 0, 11));
        assertTrue(r.port() >= first && r.port() <= first + 127, "port " + r.port());
        // empty again: kept during the grace, released after it
        t.sweep(11 + 400); // the session and its binding end
        t.sweep(11 + 401);
        assertEquals(1, t.blocksInUse(UDP), "held while the grace lasts");
        assertEquals(List.of(), events);
        loaded.releaseHolds().run();
        t.sweep(11 + 402);
        assertEquals(0, t.blocksInUse(UDP));
        assertEquals(1, events.size());
        assertFalse(events.get(0).allocated());
        assertEquals(sub, events.get(0).subscriber());
    }

    @Test
    void aJournalBlockNoLongerInThePoolIsSkipped() throws IOException {
        Nat64Settings s = settings(pool(128, A), 64, List.of());
        Ipv6Prefix sub = new Ipv6Prefix(H, 0, 64);
        List<BlockEvent> journal = List.of(
                new BlockEvent(Instant.ofEpochSecond(WALL), true, UDP, sub, B, 1024, 1151),
                new BlockEvent(Instant.ofEpochSecond(WALL), true, TCP, sub, A, 1000, 1127),
                new BlockEvent(Instant.ofEpochSecond(WALL), true, TCP, new Ipv6Prefix(H, 0, 56), A, 1024, 1151));
        Nat64StateFile.Loaded loaded = Nat64StateFile.load(tables(s), dir, 10, WALL, journal);
        assertEquals(0, loaded.blocks());
        assertEquals(3, loaded.skipped());
        assertEquals(List.of("port block udp 192.0.2.2 1024-1151 of 2001:db8::/64: skipped, its IPv4 address and"
                        + " port are not in pool4 any more",
                "port block tcp 192.0.2.1 1000-1127 of 2001:db8::/64: skipped, its IPv4 address and port are not in"
                        + " pool4 any more",
                "port block tcp 192.0.2.1 1024-1151 of 2001:db8::/56: skipped, the port blocks changed (block size,"
                        + " subscriber prefix length, deterministic range or an owner conflict)"),
                loaded.warnings());
    }
}
