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
import java.util.function.Consumer;

/**
 * Three network namespaces joined by veth pairs, with a translator running in the middle one:
 *
 * <pre>
 *   ipv6Host  eth0 2001:db8:6::2/64 ── to-v6 2001:db8:6::1/64   translator ns   to-v4 203.0.113.1/24 ── eth0 203.0.113.2/24  ipv4Host
 *   (IPv6 only, default via ::1)       forwarding on, TUN "nat64":                                     (IPv4 only, default via .1)
 *                                      2001:db8:64::/96 dev nat64, 192.168.255.0/24 dev nat64
 * </pre>
 *
 * The translator's config (TAYGA syntax) is {@code tun-device nat64}, {@code ipv4-addr
 * 192.168.255.1}, {@code prefix 2001:db8:64::/96}, {@code map 192.168.255.2 2001:db8:6::2}, plus
 * any extra lines. So the IPv6 host reaches the IPv4 host at {@link #IPV4_HOST_VIA_PREFIX}, the
 * IPv4 host reaches the IPv6 host at {@link #IPV6_HOST_MAPPED}, and the translator answers at
 * {@link #TRANSLATOR_IPV4} and {@link #TRANSLATOR_IPV6}.
 *
 * <p>Optionally ({@link Builder#ipv4Router()}) a fourth namespace, an IPv4-only router, sits between the
 * translator namespace and the IPv4 host, so that IPv4 routers beyond the translator can be seen
 * (traceroute, ICMPv4 errors from a router the static map does not cover):
 *
 * <pre>
 *   translator ns  to-v4 198.51.100.1/24 ── to-xl 198.51.100.2/24  router  to-v4 203.0.113.1/24 ── eth0 203.0.113.2/24  ipv4Host
 *   (203.0.113.0/24 via .2)                 (192.168.255.0/24 via 198.51.100.1, forwarding on)
 * </pre>
 *
 * The IPv4 host keeps its address and gateway ({@link #IPV4_GATEWAY} is then the router's). {@link
 * Builder#ipv4LinkMtu(int)} sets the MTU of the translator namespace's IPv4-side link (both ends:
 * {@code to-v4} and the router's {@code to-xl}, or the IPv4 host's {@code eth0}).
 *
 * <p>{@link Builder#wellKnownPrefix()} numbers the bed for the Well-Known Prefix, which RFC 6052 §3.1
 * keeps for global IPv4 addresses: the config's prefix is {@value #WKP} with {@code ipv6-addr}
 * {@value #WKP_TRANSLATOR_IPV6} (mandatory there, as {@code ipv4-addr} is not global), the IPv4 host
 * gets the global address {@value #GLOBAL_IPV4_HOST} as well ({@value #GLOBAL_IPV4_GATEWAY} in the
 * translator namespace; both namespaces are isolated, so the block never leaves the machine), and the
 * IPv6 host reaches it at {@value #GLOBAL_IPV4_HOST_VIA_WKP}. The IPv4 host's {@value #IPV4_HOST} is a
 * documentation address, non-global: under the strict WKP it has no IPv6 form.
 *
 * <p>{@link #close()} always deletes the namespaces (a JVM shutdown hook does it too for beds left
 * open) and then fails if the translator did not exit within 2 s of SIGTERM.
 */
public final class TestBed implements AutoCloseable {
    public static final String IPV6_HOST = "2001:db8:6::2";
    public static final String IPV6_GATEWAY = "2001:db8:6::1";
    public static final String IPV4_HOST = "203.0.113.2";
    public static final String IPV4_GATEWAY = "203.0.113.1";
    public static final String PREFIX = "2001:db8:64::/96";
    public static final String POOL = "192.168.255.0/24";
    public static final String TRANSLATOR_IPV4 = "192.168.255.1";
    /** The translator's IPv6 address: {@link #TRANSLATOR_IPV4} in the prefix. */
    public static final String TRANSLATOR_IPV6 = "2001:db8:64::c0a8:ff01";
    /** {@link #IPV4_HOST} as the IPv6 host sees it (2001:db8:64::203.0.113.2). */
    public static final String IPV4_HOST_VIA_PREFIX = "2001:db8:64::cb00:7102";
    /** {@link #IPV6_HOST} as the IPv4 host sees it (static map). */
    public static final String IPV6_HOST_MAPPED = "192.168.255.2";
    public static final String TUN_DEVICE = "nat64";
    /** With {@link Builder#ipv4Router()}: the translator namespace's address on its IPv4-side link. */
    public static final String TRANSLATOR_NS_ROUTER_LINK = "198.51.100.1";
    /** With {@link Builder#ipv4Router()}: the router's address facing the translator namespace. */
    public static final String IPV4_ROUTER = "198.51.100.2";

    /** The RFC 6052 Well-Known Prefix ({@link Builder#wellKnownPrefix()}). */
    public static final String WKP = "64:ff9b::/96";
    /** With {@link Builder#wellKnownPrefix()}: the translator's {@code ipv6-addr} (routed to the TUN device). */
    public static final String WKP_TRANSLATOR_IPV6 = "2001:db8:64::1";
    /** With {@link Builder#wellKnownPrefix()}: a global address of the IPv4 host (RFC 6052 §3.1 lets the WKP embed it). */
    public static final String GLOBAL_IPV4_HOST = "5.5.5.2";
    /** With {@link Builder#wellKnownPrefix()}: the translator namespace's address on the global IPv4 subnet. */
    public static final String GLOBAL_IPV4_GATEWAY = "5.5.5.1";
    /** {@link #GLOBAL_IPV4_HOST} as the IPv6 host sees it under the WKP (64:ff9b::5.5.5.2). */
    public static final String GLOBAL_IPV4_HOST_VIA_WKP = "64:ff9b::505:502";

    /** The promise: a translator stops cleanly within a second of SIGTERM. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(1);

    private static final Set<TestBed> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(TestBed::closeQuietly), "e2e-cleanup"));
    }

    private final String id;
    private final String label;
    private final Translator translatorType;
    private final List<Netns> namespaces = new ArrayList<>();
    private Netns ipv6Host;
    private Netns translatorNs;
    private Netns ipv4Host;
    private Netns ipv4Router;
    private boolean withRouter;
    private int ipv4LinkMtu;
    private boolean wellKnownPrefix;
    private Path configFile;
    private Path logFile;
    private List<String> extraConfigLines = List.of();
    private int starts;
    private TranslatorProcess translator;
    private boolean closed;

    private TestBed(String label, Translator translatorType) {
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        this.id = HexFormat.of().formatHex(random);
        this.label = label;
        this.translatorType = translatorType;
    }

    /** Why the bed cannot run here (not root, no {@code ip}), or null if it can. */
    public static String unavailableReason() {
        try {
            if (LibC.INSTANCE.geteuid() != 0) {
                return "needs root for network namespaces; skipped";
            }
        } catch (UnsatisfiedLinkError e) {
            return "needs root for network namespaces (cannot call geteuid: " + e.getMessage() + "); skipped";
        }
        if (!Cmd.exec(Duration.ofSeconds(5), List.of("ip", "-V")).ok()) {
            return "needs the ip tool (iproute2) for network namespaces; skipped";
        }
        return null;
    }

    public static Builder builder(Translator translator) {
        return new Builder(translator);
    }

    /** A bed with the default config and the given translator, started and ready. */
    public static TestBed start(Translator translator) throws IOException, InterruptedException {
        return builder(translator).start();
    }

    /** Options for a bed; {@link #start()} builds it. */
    public static final class Builder {
        private final Translator translator;
        private String label = "bed";
        private final List<String> configLines = new ArrayList<>();
        private Consumer<TestBed> beforeStart = bed -> {};
        private Duration startTimeout = Duration.ofSeconds(Long.getLong("tunxlat.e2e.startTimeoutSeconds", 30));
        private boolean startTranslator = true;
        private boolean ipv4Router;
        private int ipv4LinkMtu;
        private boolean wellKnownPrefix;

        private Builder(Translator translator) {
            this.translator = translator;
        }

        /** Names the log and config files (e.g. the test method name). */
        public Builder label(String label) {
            this.label = label.replaceAll("[^A-Za-z0-9_.-]", "_");
            return this;
        }

        /** Appends a line to the translator's config. */
        public Builder configLine(String line) {
            configLines.add(line);
            return this;
        }

        /** Runs after the network is set up and the config is written, before the translator starts. */
        public Builder beforeStart(Consumer<TestBed> hook) {
            this.beforeStart = beforeStart.andThen(hook);
            return this;
        }

        /** How long to wait for the translator to forward a ping (default 30 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Whether to start the translator (default true); when false, see {@link TestBed#startTranslator}. */
        public Builder startTranslator(boolean start) {
            this.startTranslator = start;
            return this;
        }

        /** Puts an IPv4 router namespace between the translator namespace and the IPv4 host. */
        public Builder ipv4Router() {
            this.ipv4Router = true;
            return this;
        }

        /** MTU of the translator namespace's IPv4-side link, both ends (default: the veth default, 1500). */
        public Builder ipv4LinkMtu(int mtu) {
            if (mtu < 68 || mtu > 65535) {
                throw new IllegalArgumentException("IPv4 link MTU " + mtu);
            }
            this.ipv4LinkMtu = mtu;
            return this;
        }

        /** Numbers the bed for the Well-Known Prefix with a global IPv4 host address (see the class comment). */
        public Builder wellKnownPrefix() {
            this.wellKnownPrefix = true;
            return this;
        }

        public TestBed start() throws IOException, InterruptedException {
            if (wellKnownPrefix && ipv4Router) {
                throw new IllegalStateException("wellKnownPrefix() is not combined with ipv4Router() yet");
            }
            TestBed bed = new TestBed(label, translator);
            bed.wellKnownPrefix = wellKnownPrefix;
            bed.withRouter = ipv4Router;
            bed.ipv4LinkMtu = ipv4LinkMtu;
            OPEN.add(bed);
            try {
                bed.setUpNetwork();
                bed.writeConfig(configLines);
                beforeStart.accept(bed);
                if (startTranslator) {
                    bed.startTranslator(startTimeout);
                }
                return bed;
            } catch (IOException | InterruptedException | RuntimeException | Error e) {
                closeQuietly(bed);
                throw e;
            }
        }
    }

    // ---- setup ------------------------------------------------------------------------------

    private Netns addNamespace(String suffix) {
        Netns ns = Netns.create("txe" + id + "-" + suffix);
        namespaces.add(ns);
        // New interfaces (created below, after this) skip duplicate address detection.
        ns.sysctl("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        return ns;
    }

    private void setUpNetwork() throws InterruptedException {
        ipv6Host = addNamespace("v6");
        translatorNs = addNamespace("xl");
        if (withRouter) {
            ipv4Router = addNamespace("rt");
        }
        ipv4Host = addNamespace("v4");

        ipv6Host.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-v6", "netns", translatorNs.name());
        if (withRouter) {
            ipv4Router.ip("link", "add", "to-xl", "type", "veth", "peer", "name", "to-v4", "netns", translatorNs.name());
            ipv4Host.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-v4", "netns", ipv4Router.name());
            ipv4Router.sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        } else {
            ipv4Host.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-v4", "netns", translatorNs.name());
        }
        ipv4Host.sysctl("net.ipv6.conf.eth0.disable_ipv6=1");
        if (ipv4LinkMtu > 0) {
            translatorNs.ip("link", "set", "to-v4", "mtu", Integer.toString(ipv4LinkMtu));
            if (withRouter) {
                ipv4Router.ip("link", "set", "to-xl", "mtu", Integer.toString(ipv4LinkMtu));
            } else {
                ipv4Host.ip("link", "set", "eth0", "mtu", Integer.toString(ipv4LinkMtu));
            }
        }

        ipv6Host.ip("addr", "add", IPV6_HOST + "/64", "dev", "eth0", "nodad");
        translatorNs.ip("addr", "add", IPV6_GATEWAY + "/64", "dev", "to-v6", "nodad");
        ipv4Host.ip("addr", "add", IPV4_HOST + "/24", "dev", "eth0");
        if (withRouter) {
            translatorNs.ip("addr", "add", TRANSLATOR_NS_ROUTER_LINK + "/24", "dev", "to-v4");
            ipv4Router.ip("addr", "add", IPV4_ROUTER + "/24", "dev", "to-xl");
            ipv4Router.ip("addr", "add", IPV4_GATEWAY + "/24", "dev", "to-v4");
            ipv4Router.ip("link", "set", "to-xl", "up");
            ipv4Router.ip("link", "set", "to-v4", "up");
        } else {
            translatorNs.ip("addr", "add", IPV4_GATEWAY + "/24", "dev", "to-v4");
        }
        if (wellKnownPrefix) {
            ipv4Host.ip("addr", "add", GLOBAL_IPV4_HOST + "/24", "dev", "eth0");
            translatorNs.ip("addr", "add", GLOBAL_IPV4_GATEWAY + "/24", "dev", "to-v4");
        }
        ipv6Host.ip("link", "set", "eth0", "up");
        ipv4Host.ip("link", "set", "eth0", "up");
        translatorNs.ip("link", "set", "to-v6", "up");
        translatorNs.ip("link", "set", "to-v4", "up");
        ipv6Host.ip("-6", "route", "add", "default", "via", IPV6_GATEWAY);
        ipv4Host.ip("route", "add", "default", "via", IPV4_GATEWAY);
        if (withRouter) {
            translatorNs.ip("route", "add", "203.0.113.0/24", "via", IPV4_ROUTER);
            ipv4Router.ip("route", "add", POOL, "via", TRANSLATOR_NS_ROUTER_LINK);
            ipv4Router.sysctl("net.ipv4.ip_forward=1");
        }

        translatorNs.sysctl("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        translatorNs.ip("tuntap", "add", "dev", TUN_DEVICE, "mode", "tun");
        translatorNs.ip("link", "set", TUN_DEVICE, "up");
        translatorNs.ip("route", "add", PREFIX, "dev", TUN_DEVICE);
        if (wellKnownPrefix) {
            translatorNs.ip("route", "add", WKP, "dev", TUN_DEVICE);
        }
        translatorNs.ip("route", "add", POOL, "dev", TUN_DEVICE);

        awaitUsable(ipv6Host, "eth0");
        awaitUsable(translatorNs, "to-v6");
        awaitUsable(translatorNs, "to-v4");
        if (withRouter) {
            awaitUsable(ipv4Router, "to-xl");
            awaitUsable(ipv4Router, "to-v4");
        }
        awaitUsable(ipv4Host, "eth0");
    }

    /** Waits until the link is up and none of its IPv6 addresses is still tentative (NptBed's too). */
    static void awaitUsable(Netns ns, String dev) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            String link = ns.ip("-o", "link", "show", "dev", dev);
            String tentative = ns.ip("-6", "-o", "addr", "show", "dev", dev, "tentative");
            if (link.contains("state UP") && tentative.isBlank()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(ns + "/" + dev + " not usable: " + link + tentative);
            }
            Thread.sleep(50);
        }
    }

    private void writeConfig(List<String> extraLines) throws IOException {
        extraConfigLines = List.copyOf(extraLines);
        Path dir = logDirectory();
        Files.createDirectories(dir);
        String base = label + "-" + translatorType.name() + "-" + id;
        configFile = dir.resolve(base + ".conf").toAbsolutePath();
        logFile = dir.resolve(base + ".log").toAbsolutePath();
        writeConfig(configFile, translatorType, extraLines);
    }

    /**
     * The config for {@code type}: tunxlat gets its own {@code control-socket} (TAYGA knows no such
     * directive), so that beds never share one.
     */
    private void writeConfig(Path file, Translator type, List<String> extraLines) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "# written by the tunxlat end-to-end test bed",
                "tun-device " + TUN_DEVICE,
                "ipv4-addr " + TRANSLATOR_IPV4));
        if (wellKnownPrefix) {
            lines.add("ipv6-addr " + WKP_TRANSLATOR_IPV6);
            lines.add("prefix " + WKP);
        } else {
            lines.add("prefix " + PREFIX);
        }
        lines.add("map " + IPV6_HOST_MAPPED + " " + IPV6_HOST);
        if (type.name().equals("tunxlat") && extraLines.stream().noneMatch(l -> l.startsWith("control-socket"))) {
            lines.add("control-socket " + controlSocket());
        }
        lines.addAll(extraLines);
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    /** tunxlat's control socket in this bed (short: Unix socket paths are at most 107 bytes). */
    public Path controlSocket() {
        Path p = logDirectory().toAbsolutePath().resolve("ctl-" + id + ".sock");
        return p.toString().length() < 100 ? p : Path.of("/tmp", "tunxlat-e2e-ctl-" + id + ".sock");
    }

    /** target/e2e, or {@code tunxlat.e2e.logdir}. */
    static Path logDirectory() {
        String dir = System.getProperty("tunxlat.e2e.logdir");
        if (dir != null) {
            return Path.of(dir);
        }
        String jar = System.getProperty("tunxlat.jar");
        Path target = jar != null ? Path.of(jar).toAbsolutePath().getParent() : Path.of("target");
        return target.resolve("e2e");
    }

    /** Starts the translator and waits until it forwards a ping (only needed with {@code startTranslator(false)}). */
    public void startTranslator(Duration timeout) throws IOException, InterruptedException {
        if (translator != null) {
            throw new IllegalStateException("translator already started");
        }
        translator = TranslatorProcess.start(translatorNs, translatorType, configFile, logFile);
        translator.awaitReady(ipv6Host, readinessTarget(), timeout);
    }

    /** What a ping from the IPv6 host goes to until the translator forwards it. */
    private String readinessTarget() {
        return wellKnownPrefix ? GLOBAL_IPV4_HOST_VIA_WKP : IPV4_HOST_VIA_PREFIX;
    }

    /**
     * Starts {@code type} again on this bed (after {@link #stopTranslator} or {@link #killTranslator}), with
     * the same config lines and a log file of its own, and waits until it forwards a ping.
     */
    public void restartTranslator(Translator type, Duration timeout) throws IOException, InterruptedException {
        if (translator != null && translator.isAlive()) {
            throw new IllegalStateException("translator still running");
        }
        starts++;
        String base = label + "-" + type.name() + "-" + id + "-" + starts;
        Path dir = logDirectory();
        Path config = configFile;
        if (!type.name().equals(translatorType.name())) {
            config = dir.resolve(base + ".conf").toAbsolutePath();
            writeConfig(config, type, extraConfigLines);
        }
        logFile = dir.resolve(base + ".log").toAbsolutePath();
        translator = TranslatorProcess.start(translatorNs, type, config, logFile);
        translator.awaitReady(ipv6Host, readinessTarget(), timeout);
    }

    /** SIGTERM; returns whether the translator ended within {@link #STOP_GRACE} (else it was killed). */
    public boolean stopTranslator() {
        return translator.stop(STOP_GRACE);
    }

    /** SIGKILL (kill -9), and waits until the process is gone. */
    public void killTranslator() throws InterruptedException {
        translator.kill();
    }

    /**
     * Adds IPv6 addresses (no DAD) to the IPv6 host, so that it can stand for several hosts. The host's own
     * traffic keeps using {@link #IPV6_HOST}; a socket bound to one of these sends from it.
     */
    public void addIpv6HostAddresses(List<String> addresses) throws IOException {
        Path batch = Files.createTempFile("e2e-addrs", ".ip");
        try {
            List<String> lines = new ArrayList<>();
            for (String a : addresses) {
                // Deprecated (preferred_lft 0): used only when a socket binds to it, never picked as a source.
                lines.add("addr add " + a + "/64 dev eth0 nodad preferred_lft 0");
            }
            Files.write(batch, lines, StandardCharsets.US_ASCII);
            ipv6Host.ip("-batch", batch.toString());
        } finally {
            Files.deleteIfExists(batch);
        }
    }

    // ---- accessors --------------------------------------------------------------------------

    /** The IPv6-only host (2001:db8:6::2). */
    public Netns ipv6Host() {
        return ipv6Host;
    }

    /** The namespace the translator runs in. */
    public Netns translatorNs() {
        return translatorNs;
    }

    /** The IPv4-only host (203.0.113.2). */
    public Netns ipv4Host() {
        return ipv4Host;
    }

    /** The IPv4 router between the translator namespace and the IPv4 host, or null without {@link Builder#ipv4Router()}. */
    public Netns ipv4Router() {
        return ipv4Router;
    }

    /** The namespaces in path order: IPv6 host, translator, [router,] IPv4 host. */
    public List<Netns> namespaces() {
        return List.copyOf(namespaces);
    }

    /** The running translator (null before it is started). */
    public TranslatorProcess translator() {
        return translator;
    }

    public Path configFile() {
        return configFile;
    }

    /** The translator's stdout and stderr. */
    public Path logFile() {
        return logFile;
    }

    /** The last {@code lines} lines of the translator's log, or a note if there is none. */
    public String logTail(int lines) {
        return translator != null ? translator.logTail(lines) : "(translator not started)";
    }

    public List<String> namespaceNames() {
        return namespaces.stream().map(Netns::name).toList();
    }

    // ---- teardown ---------------------------------------------------------------------------

    /**
     * Stops the translator (SIGTERM, then SIGKILL after {@link #STOP_GRACE}), deletes the
     * namespaces, then fails if the translator needed SIGKILL or a namespace is still listed.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean stoppedInTime = stopAndDelete(translator, namespaces);
        OPEN.remove(this);
        List<String> left = leftoverNamespaces();
        if (!stoppedInTime) {
            throw new AssertionError(translatorType.name() + " did not exit within " + STOP_GRACE.toMillis()
                    + " ms of SIGTERM (killed); log tail:\n" + translator.logTail(40));
        }
        if (!left.isEmpty()) {
            throw new AssertionError("namespaces left behind: " + left);
        }
    }

    private List<String> leftoverNamespaces() {
        String list = Cmd.exec(Duration.ofSeconds(5), List.of("ip", "netns", "list")).output();
        return list.lines().map(l -> l.split(" ")[0]).filter(namespaceNames()::contains).toList();
    }

    /**
     * Stops {@code translator} (null: none; SIGTERM, then SIGKILL after {@link #STOP_GRACE}) and deletes the
     * namespaces, the last made first; whether the translator stopped in time. NptBed's teardown too.
     */
    static boolean stopAndDelete(TranslatorProcess translator, List<Netns> namespaces) {
        boolean stoppedInTime = translator == null || translator.stop(STOP_GRACE);
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            namespaces.get(i).close();
        }
        return stoppedInTime;
    }

    /** Closes a bed from a shutdown hook or a failed start: what goes wrong is printed, not thrown. */
    static void closeQuietly(AutoCloseable bed) {
        try {
            bed.close();
        } catch (Exception | Error e) {
            System.err.println("[e2e] " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "TestBed[" + id + ", " + translatorType.name() + "]";
    }
}
