// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Three namespaces for NPTv6: a LAN host with only a ULA, a router doing NPTv6 (tunxlat on a TUN device,
 * or Linux's own ip6tables SNPT/DNPT), and a host on the outside:
 *
 * <pre>
 *   inside host  eth0 fd01:203:405:1::1234/64 ── lan  fe80::1, fd01:203:405:1::1/128    router    wan 2001:db8:9::1/64 ── eth0 2001:db8:9::9/64  outside host
 *   (default via fe80::1)                        fd01:203:405::/48 via fe80::1234       forwarding on        (routes the outside prefix via ::1)
 *                                                2001:db8:9:1::/64 via 2001:db8:9::9 (a sink: the outside host receives, and drops, what is sent there)
 * </pre>
 *
 * The router reaches the whole inside /48 through the inside host's link-local address, so every
 * translated inside address arrives at the inside host's interface (where the differential test
 * captures it) without neighbour discovery for it.
 *
 * <p>With {@link Mode#TUNXLAT}, the router runs {@code tunxlat run -c FILE} on TUN device {@value #TUN}
 * with an NPTv6-only configuration ({@code tun-device} and {@code nptv6}), routed as the README says
 * ({@link #routingRecipe}). With {@link Mode#KERNEL}, the router translates with ip6tables SNPT/DNPT in
 * the mangle table (and NOTRACK in the raw table, as the man page requires) and has no TUN device.
 */
public final class NptBed implements AutoCloseable {
    public static final String INSIDE_HOST = "fd01:203:405:1::1234";
    public static final String INSIDE_HOST_LL = "fe80::1234";
    public static final String ROUTER_LAN = "fd01:203:405:1::1";
    public static final String ROUTER_LL = "fe80::1";
    public static final String ROUTER_WAN = "2001:db8:9::1";
    public static final String OUTSIDE_HOST = "2001:db8:9::9";
    /** Routed by the router to the outside host, which drops it (not its address, no forwarding). */
    public static final String FAR_SINK = "2001:db8:9:1::9";
    public static final String LAN_ROUTE = "fd01:203:405::/48";
    public static final String TUN = "npt";
    public static final String TABLE = "100";

    /** Who translates. */
    public enum Mode { TUNXLAT, KERNEL }

    private static final Set<NptBed> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(TestBed::closeQuietly), "npt-cleanup"));
    }

    private final String id;
    private final String label;
    private final Mode mode;
    private final String insidePrefix;
    private final String outsidePrefix;
    private final List<Netns> namespaces = new ArrayList<>();
    private Netns insideHost;
    private Netns router;
    private Netns outsideHost;
    private Path configFile;
    private Path logFile;
    private TranslatorProcess translator;
    private boolean closed;

    private NptBed(String label, Mode mode, String insidePrefix, String outsidePrefix) {
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        this.id = HexFormat.of().formatHex(random);
        this.label = label.replaceAll("[^A-Za-z0-9_.-]", "_");
        this.mode = mode;
        this.insidePrefix = insidePrefix;
        this.outsidePrefix = outsidePrefix;
    }

    /** Why a kernel-mode bed cannot run here (no ip6tables, or no SNPT/DNPT in this kernel), or null. */
    public static String kernelUnavailableReason() {
        String reason = TestBed.unavailableReason();
        if (reason != null) {
            return reason;
        }
        if (!Cmd.exec(Duration.ofSeconds(5), List.of("sh", "-c", "command -v ip6tables")).ok()) {
            return "needs ip6tables for the differential test against Linux's SNPT/DNPT (apt-get install iptables);"
                    + " skipped";
        }
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        Netns probe = Netns.create("txnp" + HexFormat.of().formatHex(random));
        try {
            ExecResult r = probe.exec("ip6tables", "-t", "mangle", "-A", "POSTROUTING", "-s", "fd00::/64", "-j", "SNPT",
                    "--src-pfx", "fd00::/64", "--dst-pfx", "2001:db8::/64");
            ExecResult raw = probe.exec("ip6tables", "-t", "raw", "-A", "PREROUTING", "-j", "NOTRACK");
            if (!r.ok() || !raw.ok()) {
                return "this kernel or ip6tables has no SNPT target or raw table (CONFIG_IP6_NF_TARGET_NPT,"
                        + " CONFIG_IP6_NF_RAW): " + (r.ok() ? raw : r).describe() + "; skipped";
            }
            return null;
        } finally {
            probe.close();
        }
    }

    /** Starts a bed translating {@code insidePrefix} ↔ {@code outsidePrefix}. */
    public static NptBed start(String label, Mode mode, String insidePrefix, String outsidePrefix,
                               List<String> extraConfig) throws IOException, InterruptedException {
        NptBed bed = new NptBed(label, mode, insidePrefix, outsidePrefix);
        OPEN.add(bed);
        try {
            bed.setUpNetwork();
            if (mode == Mode.TUNXLAT) {
                bed.writeConfig(extraConfig);
                bed.run(bed.routingRecipe());
                Translator t = Translator.tunxlat(jar());
                bed.translator = TranslatorProcess.start(bed.router, t, bed.configFile, bed.logFile);
                bed.translator.awaitReady(bed.insideHost, OUTSIDE_HOST,
                        Duration.ofSeconds(Long.getLong("tunxlat.e2e.startTimeoutSeconds", 30)));
            } else {
                bed.run(bed.kernelRecipe());
                bed.awaitPing(Duration.ofSeconds(10));
            }
            return bed;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            TestBed.closeQuietly(bed);
            throw e;
        }
    }

    static Path jar() {
        return Path.of(System.getProperty("tunxlat.jar", "target/tunxlat.jar"));
    }

    // ---- setup ------------------------------------------------------------------------------------

    private Netns addNamespace(String suffix) {
        Netns ns = Netns.create("txn" + id + "-" + suffix);
        namespaces.add(ns);
        ns.sysctl("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        return ns;
    }

    private void setUpNetwork() throws InterruptedException {
        insideHost = addNamespace("in");
        router = addNamespace("rt");
        outsideHost = addNamespace("out");

        insideHost.ip("link", "add", "eth0", "type", "veth", "peer", "name", "lan", "netns", router.name());
        outsideHost.ip("link", "add", "eth0", "type", "veth", "peer", "name", "wan", "netns", router.name());
        insideHost.ip("addr", "add", INSIDE_HOST + "/64", "dev", "eth0", "nodad");
        insideHost.ip("addr", "add", INSIDE_HOST_LL + "/64", "dev", "eth0", "nodad");
        router.ip("addr", "add", ROUTER_LL + "/64", "dev", "lan", "nodad");
        router.ip("addr", "add", ROUTER_LAN + "/128", "dev", "lan", "nodad");
        router.ip("addr", "add", ROUTER_WAN + "/64", "dev", "wan", "nodad");
        outsideHost.ip("addr", "add", OUTSIDE_HOST + "/64", "dev", "eth0", "nodad");
        for (Netns ns : List.of(insideHost, outsideHost)) {
            ns.ip("link", "set", "eth0", "up");
        }
        router.ip("link", "set", "lan", "up");
        router.ip("link", "set", "wan", "up");
        router.sysctl("net.ipv6.conf.all.forwarding=1");
        TestBed.awaitUsable(insideHost, "eth0");
        TestBed.awaitUsable(router, "lan");
        TestBed.awaitUsable(router, "wan");
        TestBed.awaitUsable(outsideHost, "eth0");
        insideHost.ip("-6", "route", "add", "default", "via", ROUTER_LL, "dev", "eth0");
        router.ip("-6", "route", "add", LAN_ROUTE, "via", INSIDE_HOST_LL, "dev", "lan");
        router.ip("-6", "route", "add", "2001:db8:9:1::/64", "via", OUTSIDE_HOST, "dev", "wan");
        outsideHost.ip("-6", "route", "add", outsidePrefix, "via", ROUTER_WAN, "dev", "eth0");
    }

    /**
     * The README's routing recipe for tunxlat on the router: the TUN device up, packets from the inside
     * prefix into the TUN device through a table of their own (except those to the inside prefix
     * itself), the outside prefix into the TUN device.
     */
    public List<String> routingRecipe() {
        return List.of(
                "ip tuntap add dev " + TUN + " mode tun",
                "ip link set " + TUN + " up",
                "ip -6 rule add from " + insidePrefix + " lookup " + TABLE,
                "ip -6 route add default dev " + TUN + " table " + TABLE,
                "ip -6 route add throw " + insidePrefix + " table " + TABLE,
                "ip -6 route add " + outsidePrefix + " dev " + TUN);
    }

    /** Linux's own NPTv6 on the router (ip6tables-extensions(8), SNPT and DNPT). */
    public List<String> kernelRecipe() {
        return List.of(
                "ip6tables -t raw -A PREROUTING -j NOTRACK",
                "ip6tables -t raw -A OUTPUT -j NOTRACK",
                "ip6tables -t mangle -A POSTROUTING -s " + insidePrefix + " -o wan -j SNPT --src-pfx " + insidePrefix
                        + " --dst-pfx " + outsidePrefix,
                "ip6tables -t mangle -A PREROUTING -d " + outsidePrefix + " -i wan -j DNPT --src-pfx " + outsidePrefix
                        + " --dst-pfx " + insidePrefix);
    }

    /** Runs shell command lines in the router namespace, failing on the first error. */
    public void run(List<String> commands) {
        for (String c : commands) {
            ExecResult r = router.exec("sh", "-c", c);
            if (!r.ok()) {
                throw new IllegalStateException(r.describe());
            }
        }
    }

    private void writeConfig(List<String> extra) throws IOException {
        Path dir = TestBed.logDirectory();
        Files.createDirectories(dir);
        String base = label + "-nptv6-" + id;
        configFile = dir.resolve(base + ".conf").toAbsolutePath();
        logFile = dir.resolve(base + ".log").toAbsolutePath();
        List<String> lines = new ArrayList<>(List.of(
                "# written by the tunxlat NPTv6 end-to-end test bed: an NPTv6-only configuration",
                "tun-device " + TUN,
                "nptv6 " + insidePrefix + " " + outsidePrefix));
        lines.addAll(extra);
        Files.write(configFile, lines, StandardCharsets.UTF_8);
    }

    private void awaitPing(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ExecResult r = insideHost.exec(Duration.ofSeconds(5), "ping", "-n", "-c", "1", "-W", "1", OUTSIDE_HOST);
            if (r.ok()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no ping through the kernel's NPTv6: " + r.describe() + "\n"
                        + router.exec("ip6tables-save").output());
            }
            Thread.sleep(200);
        }
    }

    /** Runs {@code tunxlat doctor -c CONFIG} in the router namespace. */
    public ExecResult doctor() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return router.exec(Duration.ofSeconds(60), java.toString(), "-jar", jar().toAbsolutePath().toString(),
                "doctor", "-c", configFile.toString());
    }

    // ---- accessors --------------------------------------------------------------------------------

    public Netns insideHost() {
        return insideHost;
    }

    public Netns router() {
        return router;
    }

    public Netns outsideHost() {
        return outsideHost;
    }

    public Mode mode() {
        return mode;
    }

    public String insidePrefix() {
        return insidePrefix;
    }

    public String outsidePrefix() {
        return outsidePrefix;
    }

    public Path configFile() {
        return configFile;
    }

    public Path logFile() {
        return logFile;
    }

    public TranslatorProcess translator() {
        return translator;
    }

    public String logTail(int lines) {
        return translator != null ? translator.logTail(lines) : "(no translator: " + mode + ")";
    }

    // ---- teardown ---------------------------------------------------------------------------------

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean stoppedInTime = TestBed.stopAndDelete(translator, namespaces);
        OPEN.remove(this);
        if (!stoppedInTime) {
            throw new AssertionError("tunxlat did not exit within " + TestBed.STOP_GRACE.toMillis()
                    + " ms of SIGTERM (killed); log tail:\n" + translator.logTail(40));
        }
    }

    @Override
    public String toString() {
        return "NptBed[" + id + ", " + mode + ", " + insidePrefix + " <-> " + outsidePrefix + "]";
    }
}
