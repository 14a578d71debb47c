// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import net.tunxlat.mapping.Addresses;

/**
 * The stateful NAT64 bed (issue 16, "Done when"): many IPv6 hosts behind ONE IPv4 address, with a router
 * namespace that holds nothing but the translator.
 *
 * <pre>
 *   clients                       router (tunxlat alone)                    servers
 *   eth0 2001:db8:6::2/64 ─────── to-v6 2001:db8:6::1/64                    eth0 203.0.113.2/24, 203.0.113.3/24
 *     + 2001:db8:6:1::1..N /128   to-v4 203.0.113.1/24 ──────────────────── (IPv4 only, default via .1)
 *     + 2001:db8:6:3::1 /128      TUN nat64: 2001:db8:64::/96, 198.51.100.1/32 (pool4), 192.168.255.1/32
 *     + 2001:db8:6:4::80 /128     2001:db8:6::/48 via 2001:db8:6::2 (one neighbour entry for every host)
 * </pre>
 *
 * The N hosts ({@link #host(int)}) are N source addresses of the client namespace: a socket bound to one
 * sends from it. Every host of 2001:db8:6:1::/64 is one subscriber at the default subscriber prefix (/128);
 * {@link #OTHER_SUBSCRIBER} is in another /64, {@link #SPOOFED} is a /64 no host holds (floods), and
 * {@link #WEB6} is the IPv6 server a static BIB entry publishes.
 *
 * <p>Two kinds: {@link Kind#TUNXLAT} runs {@code tunxlat run} with {@code pool4} {@value #POOL4} and the
 * test's lines; {@link Kind#TAYGA_NAT44} is the classic composition, TAYGA with a dynamic pool
 * ({@value #TAYGA_POOL}) plus the rule of {@code packaging/nat44.nft} in the router, translating that pool
 * to the same single address (see {@link #classicNat44Rules}).
 *
 * <p>Namespaces carry a random id (parallel-safe); addresses are added with one {@code ip -batch}.
 */
final class Nat64Bed implements AutoCloseable {
    static final String PREFIX = "2001:db8:64::/96";
    static final String POOL4 = "198.51.100.1";
    static final String SERVER1 = "203.0.113.2";
    static final String SERVER2 = "203.0.113.3";
    static final String ROUTER_V4 = "203.0.113.1";
    static final String CLIENT_MAIN = "2001:db8:6::2";
    static final String ROUTER_V6 = "2001:db8:6::1";
    static final String OTHER_SUBSCRIBER = "2001:db8:6:3::1";
    static final String SPOOFED = "2001:db8:6:2::/64";
    static final String WEB6 = "2001:db8:6:4::80";
    static final String TRANSLATOR_IPV4 = "192.168.255.1";
    static final String TUN = "nat64";
    /** Where tunxlat's Prometheus endpoint listens, in the router namespace. */
    static final String METRICS = "127.0.0.1:9464";
    /** The classic composition: TAYGA's dynamic pool, masqueraded to {@link #POOL4}. */
    static final String TAYGA_POOL = "10.64.0.0/20";
    /** The classic composition: TAYGA's static map of {@link #WEB6}, the target of the port forwarding. */
    static final String TAYGA_WEB4 = "192.168.254.80";

    private static final Pattern DROPPED = Pattern.compile(
            "^tunxlat_dropped_packets_total\\{(?:[^}]*,)?reason=\"([a-z0-9_]+)\"[^}]*\\} (\\S+)$", Pattern.MULTILINE);

    /** Which translator stack the router runs. */
    enum Kind {
        TUNXLAT("tunxlat"), TAYGA_NAT44("tayga+nat44");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private final String id;
    private final String label;
    private final Kind kind;
    private final int hosts;
    private final List<String> lines;
    private final List<Netns> namespaces = new ArrayList<>();
    private Netns clients;
    private Netns router;
    private Netns servers;
    private Path config;
    private Path log;
    private Path dataDir;
    private int starts;
    private TranslatorProcess translator;
    private boolean closed;

    private Nat64Bed(String label, Kind kind, int hosts, List<String> lines) {
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        this.id = HexFormat.of().formatHex(random);
        this.label = label.replaceAll("[^A-Za-z0-9_.-]", "_");
        this.kind = kind;
        this.hosts = hosts;
        this.lines = List.copyOf(lines);
    }

    /**
     * Sets up the namespaces with {@code hosts} IPv6 hosts and starts the translator of {@code kind}; {@code lines}
     * are added to tunxlat's configuration (ignored for TAYGA, whose configuration is fixed).
     */
    static Nat64Bed start(String label, Kind kind, int hosts, List<String> lines) throws IOException, InterruptedException {
        Nat64Bed bed = new Nat64Bed(label, kind, hosts, lines);
        try {
            bed.setUp();
            bed.startTranslator();
            return bed;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            TestBed.closeQuietly(bed);
            throw e;
        }
    }

    /** Host {@code i} (0-based): 2001:db8:6:1::(i+1). */
    static String host(int i) {
        return "2001:db8:6:1::" + Integer.toHexString(i + 1);
    }

    /** An IPv4 address as the IPv6 hosts reach it: in {@link #PREFIX} (RFC 6052 §2.2, /96). */
    static String viaPrefix(String ipv4) {
        byte[] b;
        try {
            b = InetAddress.getByName(ipv4).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ipv4, e);
        }
        return String.format("2001:db8:64::%x:%x", (b[0] & 0xff) << 8 | (b[1] & 0xff), (b[2] & 0xff) << 8 | (b[3] & 0xff));
    }

    /** The text of an IPv4 or IPv6 address as RFC 5952 writes it (what {@link Nat64Traffic.Endpoint} reports). */
    static String canonical(String address) {
        try {
            return canonical(InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    static String canonical(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        return Addresses.formatIpv6(bb.getLong(), bb.getLong());
    }

    // ---- setup ------------------------------------------------------------------------------

    private Netns add(String suffix) {
        Netns ns = Netns.create("txn" + id + "-" + suffix);
        namespaces.add(ns);
        ns.sysctl("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        return ns;
    }

    private void setUp() throws IOException, InterruptedException {
        clients = add("c6");
        router = add("rt");
        servers = add("s4");
        clients.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-v6", "netns", router.name());
        servers.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-v4", "netns", router.name());
        servers.sysctl("net.ipv6.conf.eth0.disable_ipv6=1");
        // ping sockets (SOCK_DGRAM, IPPROTO_ICMPV6) for root: the hosts choose their own echo identifiers
        clients.sysctl("net.ipv4.ping_group_range=0 2147483647");
        // the servers answer every probe (closed ports with Port Unreachable) without the kernel's rate limit
        servers.sysctl("net.ipv4.icmp_ratelimit=0");

        List<String> c = new ArrayList<>();
        c.add("addr add " + CLIENT_MAIN + "/64 dev eth0 nodad");
        for (int i = 0; i < hosts; i++) {
            // deprecated (preferred_lft 0): a source only for sockets bound to it
            c.add("addr add " + host(i) + "/128 dev eth0 nodad preferred_lft 0");
        }
        c.add("addr add " + OTHER_SUBSCRIBER + "/128 dev eth0 nodad preferred_lft 0");
        c.add("addr add " + WEB6 + "/128 dev eth0 nodad preferred_lft 0");
        c.add("link set eth0 up");
        c.add("route add default via " + ROUTER_V6);
        batch(clients, c);

        batch(servers, List.of("addr add " + SERVER1 + "/24 dev eth0", "addr add " + SERVER2 + "/24 dev eth0",
                "link set eth0 up", "route add default via " + ROUTER_V4));

        router.sysctl("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        List<String> r = new ArrayList<>(List.of(
                "addr add " + ROUTER_V6 + "/64 dev to-v6 nodad",
                "addr add " + ROUTER_V4 + "/24 dev to-v4",
                "link set to-v6 up", "link set to-v4 up",
                "route add 2001:db8:6::/48 via " + CLIENT_MAIN + " dev to-v6",
                "tuntap add dev " + TUN + " mode tun",
                "link set " + TUN + " up",
                "route add " + PREFIX + " dev " + TUN,
                "route add " + TRANSLATOR_IPV4 + "/32 dev " + TUN));
        if (kind == Kind.TUNXLAT) {
            r.add("route add " + POOL4 + "/32 dev " + TUN);
        } else {
            r.add("route add " + TAYGA_POOL + " dev " + TUN);
            r.add("route add " + TAYGA_WEB4 + "/32 dev " + TUN);
        }
        batch(router, r);

        TestBed.awaitUsable(clients, "eth0");
        TestBed.awaitUsable(router, "to-v6");
        TestBed.awaitUsable(router, "to-v4");
        TestBed.awaitUsable(servers, "eth0");

        Path dir = TestBed.logDirectory().toAbsolutePath();
        Files.createDirectories(dir);
        String base = label + "-" + kind.label.replace('+', '-') + "-" + id;
        config = dir.resolve(base + ".conf");
        dataDir = Files.createDirectories(dir.resolve(base + "-data"));
        Files.write(config, configLines(), StandardCharsets.UTF_8);
        if (kind == Kind.TAYGA_NAT44) {
            Path rules = dir.resolve(base + ".nft");
            Files.writeString(rules, classicNat44Rules(), StandardCharsets.UTF_8);
            ExecResult nft = router.exec("nft", "-f", rules.toString());
            if (!nft.ok()) {
                throw new IllegalStateException("cannot load the NAT44 rules: " + nft.describe());
            }
        }
    }

    private static void batch(Netns ns, List<String> commands) throws IOException {
        Path file = Files.createTempFile("nat64bed", ".ip");
        try {
            Files.write(file, commands, StandardCharsets.US_ASCII);
            ns.ip("-batch", file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private List<String> configLines() {
        List<String> c = new ArrayList<>(List.of(
                "# written by the tunxlat stateful NAT64 end-to-end bed (" + kind.label + ")",
                "tun-device " + TUN,
                "ipv4-addr " + TRANSLATOR_IPV4,
                "prefix " + PREFIX));
        if (kind == Kind.TUNXLAT) {
            c.add("control-socket " + controlSocket());
            c.add("metrics-listen " + METRICS);
            c.add("data-dir " + dataDir);
            c.addAll(lines);
        } else {
            c.add("dynamic-pool " + TAYGA_POOL);
            c.add("map " + TAYGA_WEB4 + " " + WEB6);
            c.add("data-dir " + dataDir);
        }
        return c;
    }

    /**
     * The classic composition's NAT44: the rule {@code packaging/nat44.nft} loads for TAYGA's pool, with
     * {@code masquerade} written as {@code snat to} {@value #POOL4} (masquerade takes the address of the outgoing
     * interface; the single public address here is not an interface address of the router, as pool4 must not
     * be for a TUN translator), plus the port forwarding an operator adds for a published IPv6 server: DNAT
     * of {@value #POOL4} port 10080 to TAYGA's static map of {@link #WEB6}.
     */
    static String classicNat44Rules() {
        return """
                table ip tunxlat_nat
                delete table ip tunxlat_nat
                table ip tunxlat_nat {
                    chain prerouting {
                        type nat hook prerouting priority dstnat; policy accept;
                        ip daddr %s tcp dport 10080 dnat to %s:80
                    }
                    chain postrouting {
                        type nat hook postrouting priority srcnat; policy accept;
                        ip saddr %s snat to %s
                    }
                }
                """.formatted(POOL4, TAYGA_WEB4, TAYGA_POOL, POOL4);
    }

    private Translator translatorProgram() {
        return kind == Kind.TUNXLAT ? Translator.tunxlat(Translator.jar()) : Translator.tayga();
    }

    private void startTranslator() throws IOException, InterruptedException {
        starts++;
        log = TestBed.logDirectory().toAbsolutePath().resolve(label + "-" + kind.label.replace('+', '-') + "-" + id
                + "-" + starts + ".log");
        translator = TranslatorProcess.start(router, translatorProgram(), config, log);
        Duration timeout = Duration.ofSeconds(Long.getLong("tunxlat.e2e.startTimeoutSeconds", 30));
        long deadline = System.nanoTime() + timeout.toNanos();
        // The translator's own IPv6 address answers an echo on the stateless path, whatever pool4 allows.
        translator.awaitReady(clients, viaPrefix(TRANSLATOR_IPV4), timeout);
        if (kind == Kind.TUNXLAT) {
            // Workers forward before the start is over; the tests (a restart above all) begin when it is.
            while (!translator.output().contains("tunxlat: forwarding on " + TUN)) {
                if (!translator.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("tunxlat never logged 'forwarding on " + TUN + "'; log tail:\n"
                            + translator.logTail(20));
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * SIGTERM, then a new start on the same configuration and data directory, ready when it forwards an echo. The
     * stop may take up to 10 s here (SIGKILL after that), so that what a slow stop writes is not lost; returns how
     * long it took, which callers compare with {@link TestBed#STOP_GRACE}.
     */
    Duration restart() throws IOException, InterruptedException {
        long start = System.nanoTime();
        translator.stop(Duration.ofSeconds(10));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        startTranslator();
        return took;
    }

    // ---- accessors ----------------------------------------------------------------------------

    Kind kind() {
        return kind;
    }

    Netns clients() {
        return clients;
    }

    Netns router() {
        return router;
    }

    Netns servers() {
        return servers;
    }

    Path dataDir() {
        return dataDir;
    }

    TranslatorProcess translator() {
        return translator;
    }

    String logTail(int n) {
        return translator != null ? translator.logTail(n) : "(not started)";
    }

    Path controlSocket() {
        Path p = TestBed.logDirectory().toAbsolutePath().resolve("ctl-" + id + ".sock");
        return p.toString().length() < 100 ? p : Path.of("/tmp", "tunxlat-e2e-ctl-" + id + ".sock");
    }

    /**
     * tunxlat's drop counter for {@code reason} (the DropReason label, say {@code nat64_no_binding}), read from
     * its {@code /metrics} in the router namespace; 0 when the counter is not exported (yet).
     */
    long dropped(String reason) {
        ExecResult r = router.exec(Duration.ofSeconds(10), "curl", "-sS", "--max-time", "5", "http://" + METRICS + "/metrics");
        if (!r.ok()) {
            throw new IllegalStateException("cannot scrape tunxlat's metrics: " + r.describe());
        }
        Matcher m = DROPPED.matcher(r.output());
        while (m.find()) {
            if (m.group(1).equals(reason)) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    /** Every non-zero drop counter, for assertion messages. */
    String drops() {
        ExecResult r = router.exec(Duration.ofSeconds(10), "curl", "-sS", "--max-time", "5", "http://" + METRICS + "/metrics");
        StringBuilder b = new StringBuilder();
        Matcher m = DROPPED.matcher(r.output());
        while (m.find()) {
            if (Double.parseDouble(m.group(2)) != 0) {
                b.append(b.length() == 0 ? "" : ", ").append(m.group(1)).append('=').append(m.group(2));
            }
        }
        return b.length() == 0 ? "(no drops)" : b.toString();
    }

    // ---- teardown -----------------------------------------------------------------------------

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean stopped = TestBed.stopAndDelete(translator, namespaces);
        if (!stopped) {
            throw new AssertionError(kind.label + " did not exit within " + TestBed.STOP_GRACE.toMillis()
                    + " ms of SIGTERM (killed); log tail:\n" + translator.logTail(40));
        }
    }

    @Override
    public String toString() {
        return "Nat64Bed[" + id + ", " + kind.label + "]";
    }
}
