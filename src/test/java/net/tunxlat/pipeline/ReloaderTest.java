// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunIo;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.metrics.MetricCatalogue;
import net.tunxlat.metrics.Scrape;
import net.tunxlat.metrics.TunxlatMetrics;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.regex.Pattern;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.util.Log;

/** SIGHUP's reload, without the signal: maps change, the pool stays, failures keep the running state. */
class ReloaderTest {
    final AtomicLong clock = new AtomicLong(1_700_000_000L);

    static String conf(Path dir, String extra) {
        return "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\ndynamic-pool 192.168.255.0/24\n"
                + "data-dir " + dir + "\nmap-file hosts.map\n" + extra;
    }

    @Test
    void reloadSwapsMapsKeepsThePoolAndSurvivesBrokenFiles(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("tayga.conf");
        Path map = dir.resolve("hosts.map");
        Files.writeString(conf, conf(dir, "map 192.168.255.2 2001:db8:6::2\n"));
        Files.writeString(map, "map 192.168.255.50 2001:db8:6::50\n");
        TunxlatConfig c = ConfigParser.withMapFile(ConfigParser.parse(conf));
        XlatState state = XlatState.forConfig(c, clock::get);
        DynamicPool pool = state.pool();
        DynamicPool.Binding bound = pool.assign(0x20010db800060000L, 0x77, clock.get());
        AtomicReference<XlatSnapshot> current = new AtomicReference<>(state.install(new XlatSnapshot(c, state)));
        long made = System.currentTimeMillis();
        Reloader r = new Reloader(conf, state, current::get, current::set);
        assertTrue(r.lastSuccessful(), "the start's load counts as a success");
        assertEquals(made / 1000.0, r.lastSuccessSeconds(), 1.0);
        Thread.sleep(20);
        String log = captureLog(() -> {
            Files.writeString(map, "map 192.168.255.51 2001:db8:6::50\nmap 192.168.255.60 2001:db8:6::60\n");
            assertTrue(r.reload());
        });
        XlatSnapshot s = current.get();
        assertSame(pool, s.pool(), "the pool (and every binding) survives");
        assertSame(bound, pool.lookup6(0x20010db800060000L, 0x77));
        assertEquals(3, s.config().maps().size());
        assertEquals(Addresses.parseIpv4("192.168.255.51") , s.staticMap().translate6to4(s.staticMap().lookup6(0x20010db800060000L, 0x50), 0x20010db800060000L, 0x50));
        assertTrue(log.matches("(?s).*reloaded " + Pattern.quote(conf + " and " + map)
                + " in \\d+ ms: 3 static maps \\(2 added, 1 removed\\)\n.*"), log);

        double reloaded = r.lastSuccessSeconds();
        assertTrue(reloaded > made / 1000.0, "a successful reload moves the time of the last success");
        assertTrue(r.lastSuccessful());

        XlatSnapshot before = current.get();
        log = captureLog(() -> {
            Files.writeString(map, "map 192.168.255.51 2001:db8:6::50\nmap 192.168.255.60 nonsense\n");
            assertFalse(r.reload());
        });
        assertSame(before, current.get(), "a broken map-file keeps the running configuration");
        assertTrue(log.contains("reload failed: " + map + ":2: 'map' expects an IPv6 address or prefix"), log);
        assertTrue(log.contains("; keeping the running configuration"), log);
        assertEquals(1, r.failures());

        log = captureLog(() -> {
            Files.writeString(conf, conf(dir, "map 192.168.255.2 2001:db8:6::2\nmap 192.168.255.2 2001:db8:6::3\n"));
            assertFalse(r.reload());
        });
        assertTrue(log.contains("reload failed: " + conf + ":8: 'map' IPv4 side 192.168.255.2/32 is already mapped on line 7"), log);
        assertSame(before, current.get());
        assertEquals(2, r.failures());
        assertEquals(1, r.reloads());
        assertFalse(r.lastSuccessful());
        assertEquals(reloaded, r.lastSuccessSeconds(), "a failure keeps the time of the last success");

        // What Prometheus sees of it, through the daemon's own wiring.
        try (TunxlatMetrics metrics = Daemon.newMetrics(List.of(new XlatCounters()), pool, null, r, current::get)) {
            Scrape scrape = Scrape.parse(metrics.scrape());
            assertEquals(1, scrape.value(MetricCatalogue.CONFIG_RELOADS, "result", "success"));
            assertEquals(2, scrape.value(MetricCatalogue.CONFIG_RELOADS, "result", "failure"));
            assertEquals(reloaded, scrape.value(MetricCatalogue.CONFIG_LAST_SUCCESS), 0.001);
            assertEquals(0, scrape.value(MetricCatalogue.CONFIG_LAST_SUCCESSFUL));
        }

        Files.writeString(conf, conf(dir, "map 192.168.255.2 2001:db8:6::2\n"));
        Files.writeString(map, "");
        captureLog(() -> assertTrue(r.reload()));
        assertTrue(r.lastSuccessful(), "a success after failures clears the failure state");
        assertEquals(2, r.reloads());
    }

    @Test
    void directivesThatNeedARestartKeepTheirRunningValues(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("tayga.conf");
        Files.writeString(dir.resolve("hosts.map"), "");
        Files.writeString(conf, conf(dir, ""));
        TunxlatConfig c = ConfigParser.withMapFile(ConfigParser.parse(conf));
        XlatState state = XlatState.forConfig(c, clock::get);
        AtomicReference<XlatSnapshot> current = new AtomicReference<>(state.install(new XlatSnapshot(c, state)));
        Reloader r = new Reloader(conf, state, current::get, current::set);
        String log = captureLog(() -> {
            Files.writeString(conf, conf(dir, "workers 4\nudp-cksum-mode calc\n").replace("tun-device nat64", "tun-device nat65")
                    .replace("192.168.255.0/24", "10.0.0.0/16"));
            assertTrue(r.reload());
        });
        XlatSnapshot s = current.get();
        assertNotSame(c, s.config());
        assertEquals("nat64", s.config().tunDevice());
        assertEquals(0, s.config().workers());
        assertEquals(c.dynamicPool(), s.config().dynamicPool());
        assertEquals(UdpCksumMode.CALC, s.config().udpCksumMode(), "live directives change");
        assertTrue(log.contains("changed but needs a restart, running value kept: tun-device, workers, dynamic-pool"), log);
        assertSame(state, s.state(), "a reload swaps the configuration and keeps the state");

        log = captureLog(() -> {
            Files.writeString(conf, conf(dir, "nptv6-learn-max 1024\nnptv6-learn-timeout 60\n"));
            assertTrue(r.reload());
        });
        s = current.get();
        assertEquals(c.nptv6LearnMax(), s.config().nptv6LearnMax(), "the learned-owner table's size is fixed at start");
        assertEquals(60, s.config().nptv6LearnTimeout(), "how long an owner lives changes live");
        assertTrue(log.contains("changed but needs a restart, running value kept: nptv6-learn-max"), log);

        log = captureLog(() -> {
            Files.writeString(conf, conf(dir, "tun-io readwrite\n"));
            assertTrue(r.reload());
        });
        assertEquals(TunIo.AUTO, current.get().config().tunIo(), "the workers' I/O is chosen at start");
        assertTrue(log.contains("changed but needs a restart, running value kept: tun-io"), log);
    }

    @Test
    void zeroizeTrafficClassChangesLive(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("tayga.conf");
        Files.writeString(dir.resolve("hosts.map"), "");
        Files.writeString(conf, conf(dir, ""));
        TunxlatConfig c = ConfigParser.withMapFile(ConfigParser.parse(conf));
        assertFalse(c.zeroizeTrafficClass());
        XlatState state = XlatState.forConfig(c, clock::get);
        AtomicReference<XlatSnapshot> current = new AtomicReference<>(state.install(new XlatSnapshot(c, state)));
        Reloader r = new Reloader(conf, state, current::get, current::set);
        String log = captureLog(() -> {
            Files.writeString(conf, conf(dir, "zeroize-traffic-class yes\n"));
            assertTrue(r.reload());
        });
        assertTrue(current.get().config().zeroizeTrafficClass(), "the new snapshot zeroes the Traffic Class");
        assertFalse(log.contains("needs a restart"), log);
        captureLog(() -> {
            Files.writeString(conf, conf(dir, "zeroize-traffic-class no\n"));
            assertTrue(r.reload());
        });
        assertFalse(current.get().config().zeroizeTrafficClass(), "and back");
    }

    @Test
    void statefulNat64LinesNeedARestartAndTheReloadLineNamesThem(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("tayga.conf");
        String base = "tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:1::2\nprefix 64:ff9b::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\n";
        Files.writeString(conf, base + "pool4 192.0.2.1\nnat64-timeout-udp 300\n");
        TunxlatConfig c = ConfigParser.parse(conf);
        XlatState state = XlatState.forConfig(c, clock::get);
        AtomicReference<XlatSnapshot> current = new AtomicReference<>(state.install(new XlatSnapshot(c, state)));
        Reloader r = new Reloader(conf, state, current::get, current::set);

        // the same stateful lines, another live directive: no restart needed, an info line
        String log = captureLog(() -> {
            Files.writeString(conf, base + "pool4 192.0.2.1\nnat64-timeout-udp 300\nudp-cksum-mode calc\n");
            assertTrue(r.reload());
        });
        assertEquals(UdpCksumMode.CALC, current.get().config().udpCksumMode());
        assertFalse(log.contains("needs a restart"), log);

        log = captureLog(() -> {
            Files.writeString(conf, base + "pool4 192.0.2.1 tcp\npool4 192.0.2.1 udp\nnat64-timeout-udp 600\n"
                    + "bib tcp 2001:db8:6::80 80 192.0.2.1 80\nnat64-max-sessions 1000\n"
                    + "nat64-block-log /var/log/b.log\nmap 192.168.255.3 2001:db8:6::3\n");
            assertTrue(r.reload());
        });
        XlatSnapshot s = current.get();
        assertSame(c.nat64(), s.config().nat64(), "the running NAT64 settings stay");
        assertNull(s.config().nat64BlockLog());
        assertSame(state.nat64(), s.state().nat64(), "and so do the tables");
        assertEquals(2, s.config().maps().size(), "the live part of the file is taken");
        assertEquals(1, log.lines().count(), "one line names everything that needs a restart:\n" + log);
        assertTrue(log.contains("changed but needs a restart, running value kept: pool4, bib, nat64-max-sessions,"
                + " nat64-timeout-udp, nat64-block-log"), log);

        // stateful NAT64 removed from the file: it stays on until a restart
        log = captureLog(() -> {
            Files.writeString(conf, base);
            assertTrue(r.reload());
        });
        assertSame(c.nat64(), current.get().config().nat64());
        assertTrue(log.contains("changed but needs a restart, running value kept: pool4"), log);
    }

    @Test
    void statefulChangesNameEachDirective() throws Exception {
        String base = "tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:1::2\nprefix 64:ff9b::/96\n"
                + "pool4 192.0.2.0/30\n";
        TunxlatConfig a = ConfigParser.parse(base, Path.of("a.conf"));
        assertEquals(List.of(), Reloader.statefulChanges(a, ConfigParser.parse(base, Path.of("b.conf"))),
                "two parses of one text are equal, though their arrays and pools are other objects");
        String[][] cases = {
            {"nat64-port-block 64", "nat64-port-block"},
            {"nat64-subscriber-prefix 64", "nat64-subscriber-prefix"},
            {"nat64-max-blocks 2", "nat64-max-blocks"},
            {"nat64-max-subscriber-sessions 10", "nat64-max-subscriber-sessions"},
            {"nat64-timeout-tcp-est 8000", "nat64-timeout-tcp-est"},
            {"nat64-timeout-tcp-trans 300", "nat64-timeout-tcp-trans"},
            {"nat64-timeout-icmp 30", "nat64-timeout-icmp"},
            {"nat64-timeout-syn 3", "nat64-timeout-syn"},
            {"nat64-filtering address-dependent", "nat64-filtering"},
            {"nat64-drop-externally-initiated-tcp yes", "nat64-drop-externally-initiated-tcp"},
            {"nat64-deterministic 2001:db8:6::/120", "nat64-deterministic"},
        };
        for (String[] c : cases) {
            assertEquals(List.of(c[1]), Reloader.statefulChanges(a, ConfigParser.parse(base + c[0] + "\n",
                    Path.of("b.conf"))), c[0]);
        }
    }

    /** The shard file is read again at a reload: an edit of it needs a restart like an edit of pool4. */
    @Test
    void anEditedShardFileNeedsARestart(@TempDir Path dir) throws Exception {
        String shards = """
                port-block 512
                instance xa
                    subscribers 2001:db8:100::/58
                    pool4 192.0.2.1 1024-65535
                    standby xb
                    standby-pool4 198.51.100.1 1024-65535
                    next-hop 2001:db8:ff:a::2
                instance xb
                    subscribers 2001:db8:200::/58
                    pool4 192.0.2.2 1024-65535
                    standby xa
                    standby-pool4 198.51.100.2 1024-65535
                    next-hop 2001:db8:ff:b::2
                """;
        Path file = Files.writeString(dir.resolve("shards.conf"), shards);
        String conf = "tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:1::2\nprefix 64:ff9b::/96\n"
                + "instance-name xa\nnat64-shard-file " + file + "\n";
        TunxlatConfig a = ConfigParser.parse(conf, Path.of("a.conf"));
        assertEquals(List.of(), Reloader.statefulChanges(a, ConfigParser.parse(conf, Path.of("b.conf"))));
        Files.writeString(file, shards.replace("standby-pool4 198.51.100.2 1024-65535",
                "standby-pool4 198.51.100.3 1024-65535"));
        List<String> changed = Reloader.statefulChanges(a, ConfigParser.parse(conf, Path.of("b.conf")));
        assertTrue(changed.contains("nat64-shard-file"), changed.toString());
    }

    interface Action {
        void run() throws Exception;
    }

    static String captureLog(Action a) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = Log.redirect(new PrintStream(buf, true, "UTF-8"));
        try {
            a.run();
        } finally {
            Log.redirect(old);
        }
        return buf.toString("UTF-8");
    }
}
