// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hook {@code packaging/tunxlat-announce} (issue 18, contract item 2) against a fake {@code /readyz}
 * (src/test/python/fake_readyz.py) in a network namespace with a veth interface standing for the TUN device:
 * while the answer is 200 {@code ready yes}, routing table 200 holds exactly the {@code announce} prefixes via the
 * device; not ready, a refused connection (the server gone) and the hook's own SIGTERM each flush the table within
 * 1.5 s, a hang (the server SIGSTOPped: curl times out after 1 s) within 1.5 s plus the time to start curl.
 */
class AnnounceHookIT {
    static final Path HOOK = Path.of("packaging/tunxlat-announce").toAbsolutePath();
    static final Path SERVER = Path.of("src/test/python/fake_readyz.py").toAbsolutePath();
    static final String PORT = "9464";
    static final Duration WITHDRAW = Duration.ofMillis(1500);
    /**
     * A hang is seen when a fetch times out: at worst one interval (0.5 s) after the stop a fetch starts and gives
     * up 1 s later; plus the time to start curl and ip on a busy machine.
     */
    static final Duration WITHDRAW_HANG = Duration.ofMillis(1800);

    private Netns ns;
    private Path dir;
    private Process server;
    private Process hook;

    @BeforeEach
    void setUp() throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        String id = HexFormat.of().formatHex(random);
        ns = Netns.create("txa" + id);
        // a veth pair stands for the TUN device (no dummy driver in every kernel this runs on)
        ns.ip("link", "add", "dum0", "type", "veth", "peer", "name", "dum1");
        ns.ip("link", "set", "dum1", "up");
        ns.ip("link", "set", "dum0", "up");
        dir = Files.createDirectories(TestBed.logDirectory().toAbsolutePath().resolve("announce-" + id));
        answer(200, "ready yes\nannounce 64:ff9b::/96\nannounce 192.0.2.0/24\ninstance a\nself-test ok\n");
        startServer();
        hook = ns.spawn(dir.resolve("hook.log"), List.of("bash", HOOK.toString(), "--url",
                "http://127.0.0.1:" + PORT + "/readyz", "--dev", "dum0", "--table", "200", "--interval", "0.5"));
    }

    @AfterEach
    void tearDown() {
        if (ns != null) {
            ns.close();
        }
    }

    void answer(int status, String body) throws Exception {
        Files.writeString(dir.resolve("body.new"), body);
        Files.move(dir.resolve("body.new"), dir.resolve("body"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("status"), Integer.toString(status));
    }

    void startServer() throws Exception {
        server = ns.spawn(dir.resolve("server.log"), List.of("python3", SERVER.toString(), dir.toString(), PORT));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ns.exec("curl", "-s", "-o", "/dev/null", "http://127.0.0.1:" + PORT + "/readyz").ok()) {
            assertTrue(System.nanoTime() < deadline, "the fake /readyz did not start");
            Thread.sleep(50);
        }
    }

    /** The routes of table 200 as "PREFIX dev DEV ..." lines, both families. */
    Set<String> table() {
        Set<String> routes = new TreeSet<>();
        for (String family : List.of("-4", "-6")) {
            ExecResult r = ns.exec("ip", family, "route", "show", "table", "200");
            if (!r.ok() && r.output().contains("table does not exist")) {
                continue; // IPv4 says so until the table's first route
            }
            assertTrue(r.ok(), r.describe());
            for (String line : r.output().split("\n")) {
                if (!line.isBlank()) {
                    routes.add(line.trim());
                }
            }
        }
        return routes;
    }

    Set<String> prefixes() {
        Set<String> p = new TreeSet<>();
        for (String r : table()) {
            p.add(r.split(" ")[0]);
        }
        return p;
    }

    /** Waits until the table satisfies {@code condition}; returns how long it took (fails after {@code limit}). */
    Duration await(String what, Predicate<Set<String>> condition, Duration limit) throws Exception {
        long t0 = System.nanoTime();
        while (true) {
            if (condition.test(prefixes())) {
                return Duration.ofNanos(System.nanoTime() - t0);
            }
            if (System.nanoTime() - t0 > limit.toNanos()) {
                throw new AssertionError(what + " not within " + limit + ": table 200 " + table() + "; hook log:\n"
                        + Files.readString(dir.resolve("hook.log")));
            }
            Thread.sleep(20);
        }
    }

    static final Set<String> BOTH = Set.of("64:ff9b::/96", "192.0.2.0/24");

    @Test
    void routesWhileReadyAndFlushesOnNotReadyHangRefusalAndStop() throws Exception {
        await("announced", BOTH::equals, Duration.ofSeconds(3));
        // "metric 0" asks for the kernel's default, which IPv6 shows as 1024 (IPv4 shows none)
        assertTrue(table().contains("64:ff9b::/96 dev dum0 proto static metric 1024 pref medium"), table().toString());
        assertTrue(table().contains("192.0.2.0/24 dev dum0 proto static scope link"), table().toString());

        // The set changes: exactly the new set (a host route too), and a stray route in the table goes.
        ns.ip("route", "add", "198.18.0.0/15", "dev", "dum0", "table", "200");
        answer(200, "ready yes\nannounce 64:ff9b::/96\nannounce 203.0.113.7/32\nannounce 2001:db8:5::/48\n");
        await("the new set", Set.of("64:ff9b::/96", "203.0.113.7", "2001:db8:5::/48")::equals, Duration.ofSeconds(2));

        // Not ready (503, the announce lines still there): flushed.
        answer(503, "ready no\nnot-ready tun-down nat64 operstate down\nannounce 64:ff9b::/96\n");
        Duration notReady = await("withdrawn when not ready", Set::isEmpty, WITHDRAW);
        answer(200, "ready yes\nannounce 64:ff9b::/96\nannounce 192.0.2.0/24\n");
        await("announced again", BOTH::equals, Duration.ofSeconds(2));
        // 200 but not "ready yes" is not ready either.
        answer(200, "ready no\nannounce 64:ff9b::/96\n");
        await("withdrawn on a 200 that is not ready", Set::isEmpty, WITHDRAW);
        answer(200, "ready yes\nannounce 64:ff9b::/96\nannounce 192.0.2.0/24\n");
        await("announced again", BOTH::equals, Duration.ofSeconds(2));

        // A hang: the server stops answering (SIGSTOP), curl times out after 1 s.
        Cmd.run("kill", "-STOP", Long.toString(server.pid()));
        Duration hang = await("withdrawn on a hang", Set::isEmpty, WITHDRAW_HANG);
        Cmd.run("kill", "-CONT", Long.toString(server.pid()));
        await("announced after the hang", BOTH::equals, Duration.ofSeconds(3));

        // A crash: the connection is refused.
        server.destroyForcibly().waitFor();
        Duration refused = await("withdrawn when refused", Set::isEmpty, WITHDRAW);
        startServer();
        await("announced after the restart", BOTH::equals, Duration.ofSeconds(2));

        // The hook's own stop.
        long t0 = System.nanoTime();
        hook.destroy(); // SIGTERM
        assertTrue(hook.waitFor(2, TimeUnit.SECONDS), "the hook ends on SIGTERM");
        Duration stop = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals(0, hook.exitValue());
        assertEquals(Set.of(), table(), "flushed on its own stop");
        assertTrue(stop.compareTo(Duration.ofMillis(1000)) < 0, "stopped promptly: " + stop);
        String log = Files.readString(dir.resolve("hook.log"));
        assertTrue(log.contains("withdrawn: not ready (HTTP 503: tun-down nat64 operstate down)"), log);
        assertTrue(log.contains("withdrawn: no answer within 1s"), log);
        assertTrue(log.contains("withdrawn: connection refused"), log);
        assertTrue(log.contains("stopped: routing table 200 flushed"), log);
        System.out.println("AnnounceHookIT: withdrawn " + notReady.toMillis() + " ms after not ready, " + hang.toMillis()
                + " ms after a hang, " + refused.toMillis() + " ms after a crash; the hook's stop took "
                + stop.toMillis() + " ms");
    }

    @Test
    void flushOnlyAndBadOptions() throws Exception {
        await("announced", BOTH::equals, Duration.ofSeconds(3));
        hook.destroyForcibly().waitFor(); // SIGKILL: no trap, the routes stay
        assertEquals(BOTH, prefixes());
        ExecResult flush = ns.exec("bash", HOOK.toString(), "--flush", "--table", "200");
        assertTrue(flush.ok(), flush.describe());
        assertEquals(Set.of(), table(), "--flush (the unit's ExecStopPost) empties the table");
        ExecResult bad = ns.exec("bash", HOOK.toString(), "--table", "254");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.output().contains("--table 254 is one of the kernel's own"), bad.output());
        ExecResult unknown = ns.exec("bash", HOOK.toString(), "--bogus");
        assertEquals(2, unknown.exitCode());
        assertFalse(ns.ip("route", "show", "table", "main").contains("64:ff9b"), "never the main table");
    }
}
