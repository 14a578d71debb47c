// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.BlockLogLine;
import net.tunxlat.nat64.Nat64BlockJournal;
import net.tunxlat.nat64.Nat64Clock;
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64StateFile;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.TcpStates;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's NAT64 keeper: a stop and a start in one JVM (what {@code systemctl restart} does to the daemon) keep
 * a TCP binding and its session; a crash keeps each subscriber's blocks; every block event is one log line.
 */
class Nat64KeeperPersistenceTest {
    static final int T = Addresses.parseIpv4("192.0.2.1");
    static final int Z = Addresses.parseIpv4("198.51.100.7");
    static final long HI = 0x20010db800010000L;
    static final long WALL = 1_800_000_000L;

    @TempDir
    Path dir;

    final List<String> logLines = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong wall = new AtomicLong(WALL);
    final Nat64Lookup r = new Nat64Lookup();

    static Nat64Settings settings() {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            ranges.add(new Pool4.Range(p, T, 1024, 65535));
        }
        return new Nat64Settings(new Pool4(ranges, 128), new int[] {1000, 1000, 1000}, 100, 64, 100, 4, null, 1024,
                Timeouts.RFC6146, false, false, 4, List.of());
    }

    /** One daemon's worth: tables, their block log (listener) and keeper, on monotonic clock {@code clock}. */
    record Process(Nat64Tables tables, Nat64BlockLog log, Nat64Keeper keeper) {
    }

    Process process(AtomicLong clock) {
        Nat64BlockLog log = new Nat64BlockLog(dir.resolve("blocks.log"), new Nat64BlockJournal(dir), logLines::add);
        Nat64Tables tables = new Nat64Tables(settings(), 1, log, wall::get);
        return new Process(tables, log, new Nat64Keeper(tables, dir, log, clock::get, wall::get));
    }

    private void awaitLogLines(int n) throws InterruptedException {
        for (int i = 0; i < 100 && logLines.size() < n; i++) {
            Thread.sleep(50);
        }
        assertEquals(n, logLines.size(), logLines.toString());
    }

    @Test
    void aStopAndAStartKeepATcpConnectionsBindingAndSession() throws Exception {
        AtomicLong clock1 = new AtomicLong(5000);
        Process first = process(clock1);
        assertNotNull(first.keeper().load());
        first.keeper().start();
        assertEquals(Nat64Outcome.OK, first.tables().table(Nat64Protocol.TCP).outbound(r, HI, 9, 40001, Z, 22,
                TcpStates.SYN, 5000));
        int port = r.port();
        assertEquals(Nat64Outcome.OK, first.tables().table(Nat64Protocol.TCP).inbound(r, T, port, Z, 22,
                TcpStates.SYN, 5000));
        assertEquals(TcpStates.ESTABLISHED, r.tcpState());
        awaitLogLines(1); // the sweeper's pass saw the new block
        String line = logLines.get(0);
        assertTrue(line.matches("nat64 block time=2027-01-15T08:00:00Z event=allocated subscriber=2001:db8:1::/64"
                + " protocol=tcp ipv4=192\\.0\\.2\\.1 ports=\\d+-\\d+"), line);
        wall.addAndGet(3); // both clocks move on together
        clock1.addAndGet(3);
        first.keeper().close();
        assertTrue(Files.exists(dir.resolve(Nat64StateFile.NAME)));
        String blockLine = line.substring("nat64 block ".length());
        assertEquals(List.of(blockLine), Files.readAllLines(dir.resolve("blocks.log")));

        // the new process: its monotonic clock starts elsewhere; 3 s passed
        AtomicLong clock2 = new AtomicLong(70);
        Process second = process(clock2);
        Nat64StateFile.Loaded loaded = second.keeper().load();
        assertEquals(1, loaded.bibs());
        assertEquals(1, loaded.sessions());
        assertFalse(Files.exists(dir.resolve(Nat64StateFile.NAME)), "consumed: a crash later must not bring it back");
        assertEquals(Nat64BlockJournal.HEADER.strip() + "\n" + blockLine,
                Files.readString(dir.resolve(Nat64BlockJournal.NAME)).strip(), "compacted to the block owned");
        second.keeper().start();
        Nat64Lookup found = new Nat64Lookup();
        assertEquals(Nat64Outcome.OK, second.tables().table(Nat64Protocol.TCP).peekInbound(found, T, port, Z, 22));
        assertEquals(TcpStates.ESTABLISHED, found.tcpState());
        assertEquals(9, found.hostLo());
        assertEquals(40001, found.hostPort());
        // the connection goes on: a data segment each way
        assertEquals(Nat64Outcome.OK, second.tables().table(Nat64Protocol.TCP).outbound(r, HI, 9, 40001, Z, 22, 0, 71));
        assertEquals(port, r.port());
        assertEquals(Nat64Outcome.OK, second.tables().table(Nat64Protocol.TCP).inbound(r, T, port, Z, 22, 0, 71));
        Thread.sleep(2500); // two sweeper passes, two ticks
        second.keeper().close();
        assertEquals(1, logLines.size(), "the restored block is not logged again: " + logLines);
        assertEquals(List.of(blockLine), Files.readAllLines(dir.resolve("blocks.log")));
    }

    @Test
    void afterACrashEachSubscriberKeepsItsBlocks() throws IOException {
        AtomicLong clock1 = new AtomicLong(100);
        Process first = process(clock1);
        first.keeper().load();
        first.log().open();
        assertEquals(Nat64Outcome.OK, first.tables().table(Nat64Protocol.UDP).outbound(r, HI, 1, 5353, Z, 53, 0, 100));
        int port = r.port();
        first.tables().sweep(100); // the sweeper's pass: the allocation goes to the journal
        assertNull(first.log().tick()); // the keeper's tick: forced to disk
        // crash: nothing is closed, no state file is written
        assertFalse(Files.exists(dir.resolve(Nat64StateFile.NAME)));

        Process second = process(new AtomicLong(20));
        Nat64StateFile.Loaded loaded = second.keeper().load();
        assertEquals(1, loaded.blocks());
        assertEquals(0, loaded.bibs());
        assertEquals(0, second.tables().sessions(Nat64Protocol.UDP));
        assertEquals(1, second.tables().blocksInUse(Nat64Protocol.UDP));
        second.tables().sweep(21);
        assertEquals(1, second.tables().blocksInUse(Nat64Protocol.UDP), "kept through the grace though empty");
        // the subscriber's next flow (another host of its /64) gets a port of the same block
        assertEquals(Nat64Outcome.OK, second.tables().table(Nat64Protocol.UDP).outbound(r, HI, 2, 5353, Z, 53, 0, 21));
        assertEquals(port / 128, r.port() / 128, "same block of 128: " + port + " and " + r.port());
        second.keeper().close();
    }

    @Test
    void sighupReopensTheBlockLogAfterLogrotateMovedIt() throws Exception {
        Process p = process(new AtomicLong(10));
        p.log().open();
        p.tables().table(Nat64Protocol.UDP).outbound(r, HI, 1, 5353, Z, 53, 0, 10);
        p.tables().sweep(10);
        p.log().tick();
        Path log = dir.resolve("blocks.log");
        Files.move(log, dir.resolve("blocks.log.1"));
        p.log().reopen();
        p.log().tick();
        p.tables().table(Nat64Protocol.ICMP).outbound(r, HI, 1, 7, Z, 7, 0, 10);
        p.tables().sweep(10);
        p.log().tick();
        assertEquals(1, Files.readAllLines(dir.resolve("blocks.log.1")).size());
        List<String> now = Files.readAllLines(log);
        assertEquals(1, now.size());
        assertEquals(Nat64Protocol.ICMP, BlockLogLine.parse(now.get(0)).protocol());
        p.log().close();
    }

    @Test
    void theDaemonsStartAndStopKeepABindingThroughItsStateFileAndLogTheBlock() throws Exception {
        TunxlatConfig c = TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4("192.0.2.254"))
                .prefix(Ipv6Prefix.parse("64:ff9b::/96", -1)).nat64(settings()).dataDir(dir)
                .nat64BlockLog(dir.resolve("daemon-blocks.log")).build();
        Daemon first = new Daemon(c, new Daemon.Options(null, null, null));
        Nat64Keeper k1 = first.startNat64();
        Nat64Tables t1 = first.state().nat64();
        long now = Nat64Clock.monotonicSeconds();
        assertEquals(Nat64Outcome.OK, t1.table(Nat64Protocol.UDP).outbound(r, HI, 3, 4500, Z, 4500, 0, now));
        int port = r.port();
        Path blockLog = dir.resolve("daemon-blocks.log");
        for (int i = 0; i < 100 && Files.size(blockLog) == 0; i++) {
            Thread.sleep(50); // the sweeper's pass logs the allocation, the keeper's tick flushes the file
        }
        k1.close();
        List<String> lines = Files.readAllLines(blockLog);
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(T, BlockLogLine.parse(lines.get(0)).address());

        Daemon second = new Daemon(c, new Daemon.Options(null, null, null));
        Nat64Keeper k2 = second.startNat64();
        Nat64Lookup found = new Nat64Lookup();
        assertEquals(Nat64Outcome.OK, second.state().nat64().table(Nat64Protocol.UDP).peekInbound(found, T, port, Z,
                4500));
        assertEquals(3, found.hostLo());
        k2.close();
    }

    @Test
    void withoutDataDirNothingIsKept() throws IOException {
        Nat64BlockLog log = new Nat64BlockLog(null, null, logLines::add);
        Nat64Tables tables = new Nat64Tables(settings(), 1, log, wall::get);
        Nat64Keeper k = new Nat64Keeper(tables, null, log, () -> 1, wall::get);
        assertNull(k.load());
        k.start();
        k.close();
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }
}
