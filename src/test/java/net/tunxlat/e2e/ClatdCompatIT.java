// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 17, item 3: clatd (toreanderson/clatd, the Perl CLAT) drives tunxlat exactly as it drives TAYGA.
 *
 * <p>The source followed is clatd's script as stored at commit 03042228 ({@code my $VERSION = "1.6nat46";},
 * copyright 2014-2023, the TAYGA path: no {@code /proc/net/nat46/control}), with its defaults {@code clat-dev=clat},
 * {@code clat-v4-addr=192.0.0.1}, {@code tayga-v4-addr=192.0.0.2}, {@code route-table=0xc1a7} (49575),
 * {@code ctmark=0}, {@code forwarding-enable=1}, {@code proxynd-enable=1}, {@code v4-defaultroute-metric=2048},
 * {@code v4-defaultroute-mtu=1260} (so {@code advmss} 1220) and {@code debug=0}; {@code clat-v6-addr} and
 * {@code plat-prefix} are given as clatd.conf keys would give them (they are what its RFC 7050 and SLAAC look-ups
 * would find here). clatd writes the configuration with these lines (its {@code $0} is /usr/sbin/clatd as
 * packaged):
 *
 * <pre>
 *   print $tayga_conffile_fh "# Ephemeral TAYGA config file written by $0\n";
 *   print $tayga_conffile_fh "# This file may be safely deleted at any time.\n";
 *   print $tayga_conffile_fh "tun-device ", cfg("clat-dev"), "\n";
 *   print $tayga_conffile_fh "prefix ", cfg("plat-prefix"), "\n";
 *   print $tayga_conffile_fh "ipv4-addr ", cfg("tayga-v4-addr"), "\n";
 *   print $tayga_conffile_fh "map ", cfg("clat-v4-addr"), " ", cfg("clat-v6-addr"),"\n";
 * </pre>
 *
 * and runs, in this order ({@link #start}; {@code cmd-tayga} is tunxlat, here {@code java -jar tunxlat.jar}):
 *
 * <pre>
 *   ip -6 route get PLAT-PREFIX-ADDRESS                     (get_plat_dev: " dev (\S+) ")
 *   ip -4 route list default                                (v4-conncheck: exits if there is one)
 *   sysctl net/ipv6/conf/*&#47;accept_ra 1 -> 2, net/ipv6/conf/all/forwarding=1
 *   sysctl net/ipv6/conf/PLAT-DEV/proxy_ndp=1
 *   ip -6 neighbour add proxy CLAT-V6 dev PLAT-DEV
 *   ip -6 rule show prio 0 table local; ip -6 rule add prio 1 table local; ip -6 rule del prio 0 table local
 *   tayga --config FILE --mktun ""                         (cfgint("debug") ? "-d" : "")
 *   ip link set up dev clat
 *   ip -4 address add 192.0.0.1 dev clat
 *   ip -6 route add CLAT-V6 dev clat table 49575
 *   ip -6 rule add prio 0 from PLAT-PREFIX to CLAT-V6 table 49575
 *   ip -4 route add default dev clat metric 2048 mtu 1260 advmss 1220
 *   tayga --config FILE --nodetach ""                       (until SIGTERM; any status but 0 is clatd's error)
 * </pre>
 *
 * then its {@code cleanup_and_exit} ({@link #stop}): {@code tayga --config FILE --rmtun}, the file deleted, the
 * sysctls restored, {@code ip -6 neighbour delete proxy CLAT-V6 dev PLAT-DEV}, {@code ip -6 rule add prio 0 table
 * local}, {@code ip -6 rule del prio 1 table local}, {@code ip -6 rule del prio 0 table 49575}.
 *
 * <p>The network is a {@link Nat64Bed}: the client namespace is IPv6-only (2001:db8:6::2/64 on eth0, a default
 * route to the router and nothing IPv4), the router runs tunxlat as a stateful NAT64 (pool4 {@value Nat64Bed#POOL4},
 * prefix {@value Nat64Bed#PREFIX}) and the IPv4 server is {@value Nat64Bed#SERVER1}. The router reaches the CLAT's
 * address on its on-link /64, so clatd's proxy-ND entry is what answers for it.
 *
 * <pre>
 *   mvn -o -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ClatdCompatIT
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClatdCompatIT {
    /** clatd's {@code route-table} default, 0xc1a7, as Perl prints it. */
    static final String ROUTE_TABLE = "49575";
    static final String CLAT_DEV = "clat";
    static final String CLAT_V4 = "192.0.0.1";
    static final String TAYGA_V4 = "192.0.0.2";
    /** clatd's {@code clat-v6-addr}: an address of the client's SLAAC /64 that no interface holds. */
    static final String CLAT_V6 = "2001:db8:6::c1a7";
    private static final Pattern PLAT_DEV = Pattern.compile(" dev (\\S+) ");

    private Nat64Bed bed;
    private Netns client;
    private Nat64Traffic traffic;
    /** The clatd run of the current test, torn down after it if the test did not. */
    private ClatdRun run;

    @BeforeAll
    void startBed() throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Translator.underTestIsTunxlat(), "tunxlat in place of TAYGA under clatd");
        Translator.tunxlat(Translator.jar()).checkAvailable();
        bed = Nat64Bed.start("clatd", Nat64Bed.Kind.TUNXLAT, 0, List.of("pool4 " + Nat64Bed.POOL4));
        client = bed.clients();
        traffic = new Nat64Traffic(bed);
    }

    @AfterEach
    void stopRun() throws Exception {
        if (run != null) {
            run.stopQuietly();
            run = null;
        }
    }

    @AfterAll
    void stopBed() {
        if (traffic != null) {
            traffic.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    /**
     * clatd's whole start with tunxlat as {@code cmd-tayga}, then from the IPv6-only client a ping to an IPv4
     * literal and a TCP exchange with the IPv4 server, both through the CLAT (192.0.0.1 to {@value #CLAT_V6}) and
     * the router's NAT64 (to {@value Nat64Bed#POOL4}); then clatd's teardown leaves the namespace as it was.
     */
    @Test
    void clatdsSequenceWithTunxlatInPlaceOfTaygaCarriesPingAndTcpAndCleansUp() throws Exception {
        Snapshot before = Snapshot.of(client);
        run = ClatdRun.start(client, Nat64Bed.PREFIX, "plat");
        String route = client.ip("-4", "route", "list", "default").strip();
        assertTrue(route.startsWith("default dev clat ") && route.contains(" metric 2048 ")
                && route.endsWith(" mtu 1260 advmss 1220"), "clatd's IPv4 default route: " + route);

        // ping an IPv4 literal: answered only if both translations work (the client has no other IPv4 path)
        run.awaitPing(Nat64Bed.SERVER1);
        ExecResult ping = client.exec(Duration.ofSeconds(15), "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2",
                Nat64Bed.SERVER1);
        assertTrue(ping.ok() && ping.output().contains("3 received"), ping.describe());

        // TCP from an unmodified IPv4 socket; the server sees the NAT64's pool4 address
        Nat64Traffic.TcpEcho echo = traffic.tcpEcho(Nat64Bed.SERVER1, 8080);
        byte[] data = new byte[1 << 20];
        new Random(17).nextBytes(data);
        try (Socket s = traffic.connect(client, new InetSocketAddress("0.0.0.0", 0),
                Nat64Traffic.at(Nat64Bed.SERVER1, 8080))) {
            assertEquals(CLAT_V4, s.getLocalAddress().getHostAddress(), "the kernel's source: the CLAT's address");
            assertNull(Nat64Traffic.exchange(s, data), "1 MiB echoed intact through CLAT and NAT64");
        }
        assertEquals(List.of(Nat64Bed.POOL4), echo.peers.stream().map(Nat64Traffic.Endpoint::address).toList(),
                "the server's peer is the NAT64's pool4 address");
        assertTrue(echo.problems.isEmpty(), echo.problems.toString());

        run.stop();
        run = null;
        assertEquals(before, Snapshot.of(client), "clatd's teardown leaves what it found");
    }

    /**
     * The configuration clatd writes for a network whose NAT64 uses the Well-Known Prefix: {@code prefix 64:ff9b::/96}
     * with {@code ipv4-addr 192.0.0.2} and no {@code ipv6-addr}. tunxlat starts on it (TAYGA 0.9.2 does; the
     * maintained TAYGA refuses it) with 64:ff9b::c000:2 as its own IPv6 address, and answers a ping to
     * {@value #TAYGA_V4} from the client (clatd's man page: "you may also ping it to verify that the TAYGA process is
     * still alive"). Only the translator's own address: documentation IPv4 servers behind the Well-Known Prefix are
     * refused by RFC 6052 §3.1.
     */
    @Test
    void clatdsWellKnownPrefixConfigurationStartsAndAnswersOnTheTranslatorsAddress() throws Exception {
        Snapshot before = Snapshot.of(client);
        run = ClatdRun.start(client, "64:ff9b::/96", "wkp");
        run.awaitPing(TAYGA_V4);
        run.awaitForwarding();
        assertTrue(run.log().contains("ipv4-addr 192.0.0.2 ipv6-addr 64:ff9b::c000:2 prefix 64:ff9b::/96"), run.log());
        run.stop();
        run = null;
        assertEquals(before, Snapshot.of(client), "clatd's teardown leaves what it found");
    }

    /**
     * What clatd changes in the client namespace and restores: links, IPv4 routes, IPv6 rules, proxy neighbours and
     * the sysctls it writes.
     */
    record Snapshot(String links, String routes4, String rules6, String proxies, TreeMap<String, String> sysctls) {
        static Snapshot of(Netns ns) {
            TreeMap<String, String> sysctls = new TreeMap<>();
            for (String key : List.of("net.ipv6.conf.all.forwarding", "net.ipv6.conf.eth0.proxy_ndp",
                    "net.ipv6.conf.eth0.accept_ra", "net.ipv6.conf.lo.accept_ra", "net.ipv6.conf.default.accept_ra")) {
                ExecResult r = ns.exec("sysctl", "-n", key);
                sysctls.put(key, r.output().strip());
            }
            return new Snapshot(ns.ip("-o", "link", "show").lines().map(l -> l.split(":\\s+")[1]).toList().toString(),
                    ns.ip("-4", "route", "show", "table", "all"), ns.ip("-6", "rule", "show"),
                    ns.ip("-6", "neighbour", "show", "proxy"), sysctls);
        }
    }

    /** One clatd run in the client namespace: its configuration file, its tunxlat and what it must undo. */
    static final class ClatdRun {
        private final Netns ns;
        private final String platPrefix;
        private final Path conf;
        private final Path log;
        private final List<String> raisedAcceptRa = new ArrayList<>();
        private String platDev;
        private boolean zeroForwarding;
        private boolean zeroProxyNdp;
        private boolean movedLocalRule;
        private Process tayga;
        private boolean stopped;

        private ClatdRun(Netns ns, String platPrefix, String label) throws IOException {
            this.ns = ns;
            this.platPrefix = platPrefix;
            Path dir = TestBed.logDirectory().toAbsolutePath();
            Files.createDirectories(dir);
            // clatd's File::Temp::tempfile(): a fresh file of its own
            this.conf = Files.createTempFile(dir, "clatd-" + label + "-", "");
            this.log = dir.resolve(conf.getFileName() + ".log");
        }

        /** clatd's start (the class comment's list), with {@code plat-prefix} {@code platPrefix}. */
        static ClatdRun start(Netns ns, String platPrefix, String label) throws Exception {
            ClatdRun r = new ClatdRun(ns, platPrefix, label);
            try {
                r.start();
                return r;
            } catch (Exception | Error e) {
                r.stopQuietly();
                throw e;
            }
        }

        private void start() throws Exception {
            // get_plat_dev(): "ip -6 route get" of the prefix without its length
            Matcher m = PLAT_DEV.matcher(ns.ip("-6", "route", "get", platPrefix.replaceFirst("/\\d+$", "")));
            assertTrue(m.find(), "clatd finds the PLAT-facing device");
            platDev = m.group(1);
            assertEquals("eth0", platDev);
            // v4-conncheck: an IPv4 default route means "no need for a CLAT"
            assertTrue(ns.ip("-4", "route", "list", "default").isBlank(), "the client is IPv6-only");

            Files.writeString(conf, "# Ephemeral TAYGA config file written by /usr/sbin/clatd\n"
                    + "# This file may be safely deleted at any time.\n"
                    + "tun-device " + CLAT_DEV + "\n"
                    + "prefix " + platPrefix + "\n"
                    + "ipv4-addr " + TAYGA_V4 + "\n"
                    + "map " + CLAT_V4 + " " + CLAT_V6 + "\n", StandardCharsets.US_ASCII);

            // forwarding-enable: accept_ra 1 -> 2 on every device but "all", then forwarding on
            if (sysctl("net/ipv6/conf/all/forwarding").equals("0")) {
                for (String line : ns.exec("sh", "-c", "grep -H . /proc/sys/net/ipv6/conf/*/accept_ra").output()
                        .lines().toList()) {
                    String file = line.substring(0, line.lastIndexOf(':'));
                    String key = file.replaceFirst("^/proc/sys/", "");
                    if (!key.equals("net/ipv6/conf/all/accept_ra") && line.endsWith(":1")) {
                        sysctl(key, "2");
                        raisedAcceptRa.add(key);
                    }
                }
                sysctl("net/ipv6/conf/all/forwarding", "1");
                zeroForwarding = true;
            }
            // proxynd-enable
            if (sysctl("net/ipv6/conf/" + platDev + "/proxy_ndp").equals("0")) {
                sysctl("net/ipv6/conf/" + platDev + "/proxy_ndp", "1");
                zeroProxyNdp = true;
            }
            cmd("ip", "-6", "neighbour", "add", "proxy", CLAT_V6, "dev", platDev);
            // the default local rule moved to priority 1
            if (!cmd("ip", "-6", "rule", "show", "prio", "0", "table", "local").isBlank()) {
                cmd("ip", "-6", "rule", "add", "prio", "1", "table", "local");
                cmd("ip", "-6", "rule", "del", "prio", "0", "table", "local");
                movedLocalRule = true;
            }
            ExecResult mktun = ns.exec(Duration.ofSeconds(60), tayga("--config", conf.toString(), "--mktun", ""));
            assertEquals(0, mktun.exitCode(), "clatd's cmd(\\&err, ...) needs status 0: " + mktun.describe());
            cmd("ip", "link", "set", "up", "dev", CLAT_DEV);
            cmd("ip", "-4", "address", "add", CLAT_V4, "dev", CLAT_DEV);
            cmd("ip", "-6", "route", "add", CLAT_V6, "dev", CLAT_DEV, "table", ROUTE_TABLE);
            cmd("ip", "-6", "rule", "add", "prio", "0", "from", platPrefix, "to", CLAT_V6, "table", ROUTE_TABLE);
            cmd("ip", "-4", "route", "add", "default", "dev", CLAT_DEV, "metric", "2048", "mtu", "1260",
                    "advmss", "1220");
            Files.writeString(log, "[e2e] clatd: " + String.join(" ", tayga("--config", conf.toString(), "--nodetach", ""))
                    + "\n", StandardCharsets.UTF_8);
            tayga = ns.spawn(log, List.of(tayga("--config", conf.toString(), "--nodetach", "")));
        }

        /** Waits (up to 40 s, while tunxlat starts) until {@code target} answers a ping from the client. */
        void awaitPing(String target) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            ExecResult last;
            do {
                assertTrue(tayga.isAlive(), "tunxlat exited:\n" + log());
                last = ns.exec(Duration.ofSeconds(5), "ping", "-n", "-c", "1", "-W", "1", target);
                if (last.ok()) {
                    return;
                }
                Thread.sleep(200);
            } while (System.nanoTime() < deadline);
            throw new AssertionError("no answer to ping " + target + ": " + last.describe() + "\n" + log());
        }

        /** Waits (up to 40 s) for tunxlat's "forwarding on clat" line, written just after its workers start. */
        void awaitForwarding() throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (!log().contains("tunxlat: forwarding on " + CLAT_DEV + " ")) {
                assertTrue(tayga.isAlive() && System.nanoTime() < deadline, "no 'forwarding on clat':\n" + log());
                Thread.sleep(100);
            }
        }

        String log() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /**
         * systemd's stop (SIGTERM; clatd itself ignores it and waits for TAYGA), then clatd's cleanup_and_exit. The
         * translator must exit 0: clatd's {@code cmd(\&err, ...)} takes anything else for its own failure.
         */
        void stop() throws Exception {
            stopped = true;
            tayga.destroy();
            assertTrue(tayga.waitFor(15, TimeUnit.SECONDS), "tunxlat still runs 15 s after SIGTERM:\n" + log());
            assertEquals(0, tayga.exitValue(), "tunxlat --nodetach's status after SIGTERM:\n" + log());
            ExecResult rmtun = ns.exec(Duration.ofSeconds(60), tayga("--config", conf.toString(), "--rmtun"));
            assertEquals(0, rmtun.exitCode(), rmtun.describe());
            Files.delete(conf);
            undoSystem(true);
            ExecResult link = ns.exec("ip", "link", "show", "dev", CLAT_DEV);
            assertFalse(link.ok(), "the device is gone: " + link.describe());
        }

        /** After a failed test: the same teardown, nothing asserted. */
        void stopQuietly() {
            if (stopped) {
                return;
            }
            stopped = true;
            if (tayga != null && tayga.isAlive()) {
                tayga.destroyForcibly();
            }
            ns.exec(Duration.ofSeconds(60), tayga("--config", conf.toString(), "--rmtun"));
            try {
                Files.deleteIfExists(conf);
                undoSystem(false);
            } catch (IOException | RuntimeException | Error e) {
                System.err.println("[e2e] clatd teardown: " + e);
            }
        }

        private void undoSystem(boolean strict) throws IOException {
            if (zeroForwarding) {
                sysctl("net/ipv6/conf/all/forwarding", "0");
            }
            for (String key : raisedAcceptRa) {
                sysctl(key, "1");
            }
            if (zeroProxyNdp) {
                sysctl("net/ipv6/conf/" + platDev + "/proxy_ndp", "0");
            }
            List<String[]> commands = new ArrayList<>();
            commands.add(new String[] {"ip", "-6", "neighbour", "delete", "proxy", CLAT_V6, "dev", platDev});
            if (movedLocalRule) {
                commands.add(new String[] {"ip", "-6", "rule", "add", "prio", "0", "table", "local"});
                commands.add(new String[] {"ip", "-6", "rule", "del", "prio", "1", "table", "local"});
            }
            commands.add(new String[] {"ip", "-6", "rule", "del", "prio", "0", "table", ROUTE_TABLE});
            for (String[] c : commands) {
                ExecResult r = ns.exec(c);
                if (strict) {
                    assertTrue(r.ok(), r.describe());
                }
            }
        }

        private String cmd(String... command) {
            ExecResult r = ns.exec(command);
            assertTrue(r.ok(), "clatd's cmd(\\&err, ...) needs status 0: " + r.describe());
            return r.output();
        }

        /** clatd's sysctl() read: /proc/sys/KEY. */
        private String sysctl(String key) throws IOException {
            ExecResult r = ns.exec("cat", "/proc/sys/" + key);
            assertTrue(r.ok(), r.describe());
            return r.output().strip();
        }

        /** clatd's sysctl() write. */
        private void sysctl(String key, String value) {
            ns.sysctl(key.replace('/', '.') + "=" + value);
        }

        /** clatd's {@code cfg("cmd-tayga")} with its arguments: tunxlat's jar on this JVM. */
        private static String[] tayga(String... args) {
            List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", Translator.jar().toAbsolutePath().toString()));
            c.addAll(List.of(args));
            return c.toArray(String[]::new);
        }
    }
}
