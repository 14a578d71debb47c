// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 "Done when": tunxlat started as a script written for the maintained TAYGA starts it, with a
 * {@code tayga.conf} that configures neither metrics nor a control socket.
 *
 * <p>The script's steps, as TAYGA's docs/nat64 scripts take them: a fresh namespace (its loopback left DOWN),
 * {@code tunxlat -c tayga.conf -d --mktun}, the device brought up and routed with ip(8), then
 * {@code tunxlat -c tayga.conf -d}; a ping from the IPv6 host to the IPv4 host through it must be answered.
 * And two instances in one namespace, each with its own device and no metrics or socket configuration, both
 * start and both translate.
 */
class TaygaDropInIT {
    private static final String V6_HOST = TestBed.IPV6_HOST;
    private static final String V4_HOST = TestBed.IPV4_HOST;

    private final List<Netns> namespaces = new ArrayList<>();
    private final List<Path> sockets = new ArrayList<>();
    private final String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    private Netns v6;
    private Netns xl;
    private Netns v4;

    @BeforeEach
    void network() throws Exception {
        Assumptions.assumeTrue(Translator.underTestIsTunxlat(), "tunxlat's start-up, not TAYGA's");
        String why = TestBed.unavailableReason();
        Assumptions.assumeTrue(why == null, why);
        Translator.tunxlat(Translator.jar()).checkAvailable();
        v6 = add("v6");
        xl = add("xl");
        v4 = add("v4");
        v6.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-v6", "netns", xl.name());
        v4.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-v4", "netns", xl.name());
        v6.ip("addr", "add", V6_HOST + "/64", "dev", "eth0", "nodad");
        xl.ip("addr", "add", TestBed.IPV6_GATEWAY + "/64", "dev", "to-v6", "nodad");
        v4.ip("addr", "add", V4_HOST + "/24", "dev", "eth0");
        xl.ip("addr", "add", TestBed.IPV4_GATEWAY + "/24", "dev", "to-v4");
        for (String[] l : new String[][] {{"v6", "eth0"}, {"v4", "eth0"}, {"xl", "to-v6"}, {"xl", "to-v4"}}) {
            ns(l[0]).ip("link", "set", l[1], "up");
        }
        v6.ip("-6", "route", "add", "default", "via", TestBed.IPV6_GATEWAY);
        v4.ip("route", "add", "default", "via", TestBed.IPV4_GATEWAY);
        xl.sysctl("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        TestBed.awaitUsable(v6, "eth0");
        TestBed.awaitUsable(v4, "eth0");
        TestBed.awaitUsable(xl, "to-v6");
        TestBed.awaitUsable(xl, "to-v4");
    }

    private Netns add(String suffix) {
        // The translator's namespace as 'ip netns add' makes it (loopback down, no 127.0.0.1); the hosts' lo up.
        String name = "txd" + id + "-" + suffix;
        Netns ns = suffix.equals("xl") ? Netns.createFresh(name) : Netns.create(name);
        namespaces.add(ns);
        ns.sysctl("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        return ns;
    }

    private Netns ns(String which) {
        return switch (which) {
            case "v6" -> v6;
            case "v4" -> v4;
            default -> xl;
        };
    }

    @AfterEach
    void tearDown() throws IOException {
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            namespaces.get(i).close();
        }
        for (Path s : sockets) {
            Files.deleteIfExists(s);
        }
    }

    @Test
    void aTaygaStyleScriptStartsTunxlatInAFreshNamespaceWithItsLoopbackDown() throws Exception {
        assertTrue(xl.ip("-o", "link", "show", "dev", "lo").contains("state DOWN"), "loopback down");
        assertTrue(xl.ip("-o", "addr", "show", "dev", "lo").isBlank(), "no 127.0.0.1");
        String dev = "tx" + id;
        Path conf = tunxlatConf("drop-in", dev, "192.168.255.1", "2001:db8:64::/96", "192.168.255.2");

        ExecResult mktun = xl.exec(Duration.ofSeconds(60), tunxlat("-c", conf.toString(), "-d", "--mktun"));
        assertEquals(0, mktun.exitCode(), mktun.describe());
        routeThrough(dev, "2001:db8:64::/96", "192.168.255.0/24");

        Path log = conf.resolveSibling(conf.getFileName() + ".log");
        Process daemon = xl.spawn(log, List.of(tunxlat("-c", conf.toString(), "-d")));
        awaitPing(daemon, log, "2001:db8:64::cb00:7102");
        awaitLog(daemon, log, "forwarding on " + dev); // written just after the workers start: a ping can be first
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(text.contains("warning: running without the metrics endpoint: the default metrics-listen"
                + " 127.0.0.1:9464 cannot listen (Cannot assign requested address)"), text);
        assertEquals(1, text.lines().filter(l -> l.contains("metrics endpoint")).count(), "one warning:\n" + text);
        assertTrue(text.contains("forwarding on " + dev) && text.contains("metrics not served"), text);
        // The metric registry and the control socket still work: 'tunxlat map' answers (via the default socket).
        assertTrue(text.contains("control socket /run/tunxlat/" + dev + ".sock"), "the default socket:\n" + text);
        ExecResult map = xl.exec(Duration.ofSeconds(60), tunxlat("map", "list", "-c", conf.toString()));
        assertEquals(0, map.exitCode(), map.describe());
        assertTrue(map.output().contains("192.168.255.2"), map.describe());
    }

    @Test
    void twoInstancesInOneNamespaceStartWithNoMetricsOrSocketConfiguration() throws Exception {
        xl.ip("link", "set", "lo", "up"); // both bind 127.0.0.1:9464 by default: the second finds it taken
        String devA = "txa" + id;
        String devB = "txb" + id;
        Path confA = tunxlatConf("two-a", devA, "192.168.255.1", "2001:db8:64::/96", "192.168.255.2");
        Path confB = tunxlatConf("two-b", devB, "192.168.254.1", "2001:db8:65::/96", "192.168.254.2");
        Path logA = confA.resolveSibling(confA.getFileName() + ".log");
        Path logB = confB.resolveSibling(confB.getFileName() + ".log");
        // TAYGA without --mktun: the daemon makes its own device; the script routes it once it is there.
        Process a = xl.spawn(logA, List.of(tunxlat("-c", confA.toString(), "-d")));
        awaitLog(a, logA, "forwarding on " + devA);
        Process b = xl.spawn(logB, List.of(tunxlat("-c", confB.toString(), "-d")));
        awaitLog(b, logB, "forwarding on " + devB);
        routeThrough(devA, "2001:db8:64::/96", "192.168.255.0/24");
        routeThrough(devB, "2001:db8:65::/96", "192.168.254.0/24");
        awaitPing(a, logA, "2001:db8:64::cb00:7102");
        awaitPing(b, logB, "2001:db8:65::cb00:7102");
        String textA = Files.readString(logA, StandardCharsets.UTF_8);
        String textB = Files.readString(logB, StandardCharsets.UTF_8);
        assertTrue(textA.contains("metrics at http://127.0.0.1:9464/metrics"), "the first serves metrics:\n" + textA);
        assertTrue(textB.contains("the default metrics-listen 127.0.0.1:9464 cannot listen (Address already in use)")
                && textB.contains("metrics not served"), "the second warns and runs:\n" + textB);
        assertTrue(a.isAlive() && b.isAlive(), "both still run");
    }

    /** A tayga.conf as TAYGA's docs write one: no metrics-listen, no control-socket. */
    private Path tunxlatConf(String label, String dev, String ipv4Addr, String prefix, String mapped) throws IOException {
        Path dir = TestBed.logDirectory().toAbsolutePath();
        Files.createDirectories(dir);
        Path conf = dir.resolve("tayga-drop-in-" + label + "-" + id + ".conf");
        Files.writeString(conf, String.join("\n", "# as written for the maintained TAYGA", "tun-device " + dev,
                "ipv4-addr " + ipv4Addr, "prefix " + prefix, "map " + mapped + " " + V6_HOST, ""));
        sockets.add(Path.of("/run/tunxlat", dev + ".sock"));
        return conf;
    }

    private void routeThrough(String dev, String prefix, String pool) throws InterruptedException {
        xl.ip("link", "set", "dev", dev, "up");
        xl.ip("route", "add", prefix, "dev", dev);
        xl.ip("route", "add", pool, "dev", dev);
    }

    private static String[] tunxlat(String... args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Translator.jar().toAbsolutePath().toString()));
        c.addAll(List.of(args));
        return c.toArray(String[]::new);
    }

    private void awaitPing(Process daemon, Path log, String target) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        ExecResult last;
        do {
            assertTrue(daemon.isAlive(), "tunxlat exited with " + (daemon.isAlive() ? "" : daemon.exitValue()) + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
            last = v6.exec(Duration.ofSeconds(5), "ping", "-n", "-c", "1", "-W", "1", target);
            if (last.ok()) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no answer to ping " + target + ": " + last.describe() + "\n"
                + Files.readString(log, StandardCharsets.UTF_8));
    }

    private static void awaitLog(Process daemon, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (true) {
            String now = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (now.contains(text)) {
                return;
            }
            assertTrue(daemon.isAlive() && System.nanoTime() < deadline, "no '" + text + "' in the log:\n" + now);
            Thread.sleep(100);
        }
    }
}
