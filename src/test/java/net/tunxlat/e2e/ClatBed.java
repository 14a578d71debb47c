// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.util.Json;

/**
 * The CLAT's world (issue 17, item 4): an IPv6-only client whose only configuration comes from router
 * advertisements, a router that advertises the NAT64 prefix (RFC 8781 PREF64), resolves with DNS64 and runs the
 * NAT64, and an IPv4 server. Reusable: {@code ClatHostIT} tests the host plumbing on it, the CLAT controller's
 * tests run {@code tunxlat clat} in {@link #client()}.
 *
 * <pre>
 *   client (IPv6 only)               router                                            server (IPv4 only)
 *   eth0  SLAAC in 2001:db8:1::/64 ─ to-client fe80::1, 2001:db8:1::1/64               eth0 198.51.100.2/24
 *         accept_ra=2, DAD on          RAs (scapy, every 3 s): PIO 2001:db8:1::/64,      default via .1
 *         default via fe80::1          PREF64 2001:db8:64::/96, router lifetime 1800         python3 http.server :80
 *         resolv.conf -> 2001:db8:1::1 unbound + dns64 on 2001:db8:1::1 (RFC 7050: ipv4only.arpa)
 *                                      tunxlat run, stateful NAT64: TUN nat64,
 *                                    2001:db8:64::/96, pool4 203.0.113.1 ─ to-server 198.51.100.1/24
 * </pre>
 *
 * The NAT64's pool4 is "the router's public IPv4 address", 203.0.113.1: an address the router owns by routing it
 * into its TUN device, not an interface address (the kernel would deliver packets for an interface address
 * locally and never to the translator). The server reaches it through its default route. The prefix is the
 * Network-Specific Prefix (RFC 6052 §2.2, in the documentation range): behind the Well-Known Prefix, RFC 6052 §3.1
 * forbids the documentation IPv4 addresses the bed uses, and a CLAT as well as the NAT64 keeps that rule.
 *
 * <p>The RAs are changed while the bed runs with {@link #advertise} (a new PREF64, its lifetime, a new SLAAC
 * prefix); the sender re-reads its control file every {@link Builder#raInterval} and at once when poked.
 * {@link Builder#nativeIpv4()} gives the client native IPv4 as well (10.0.0.2/24 on eth0, default via the router's
 * 10.0.0.1, routed to the server without NAT): the case where a CLAT must stay down. {@link Builder#lan()} puts an
 * IPv4-only LAN behind the client, which then plays the router of docs/clat.md's "Where it runs":
 *
 * <pre>
 *   lan (IPv4 only)                         client, now the LAN's router
 *   eth0 192.168.1.2/24, default via .1 ─── lan0 192.168.1.1/24 (ip_forward and the masquerade are the test's)
 * </pre>
 *
 * <p>Needs root, {@code python3} with scapy ({@code python3-scapy}), {@code unbound}, {@code curl} (in .ci/run).
 * {@link #close()} stops everything and deletes the namespaces and {@code /etc/netns/CLIENT}.
 */
public final class ClatBed implements AutoCloseable {
    public static final String UPLINK = "eth0";
    public static final String LAN_PREFIX = "2001:db8:1::/64";
    /** The router's address on the client's link: the DNS64 resolver listens here. */
    public static final String ROUTER_LAN = "2001:db8:1::1";
    /** The router's link-local address, the RAs' source and so the client's default gateway. */
    public static final String ROUTER_LINK_LOCAL = "fe80::1";
    public static final String NAT64_PREFIX = "2001:db8:64::/96";
    public static final String ROUTER_WAN4 = "198.51.100.1";
    public static final String SERVER4 = "198.51.100.2";
    /** The server as the client's DNS64 synthesizes it (and as the NAT64 reaches it): 2001:db8:64::198.51.100.2. */
    public static final String SERVER4_VIA_NAT64 = "2001:db8:64::c633:6402";
    /** A name for the server in the resolver (an A record only, so DNS64 synthesizes the AAAA). */
    public static final String SERVER_NAME = "server.clat.test";
    public static final String POOL4 = "203.0.113.1";
    /** The NAT64's own IPv4 address (and 2001:db8:64::192.168.255.1 its IPv6 one). */
    public static final String NAT64_IPV4 = "192.168.255.1";
    public static final String NAT64_IPV6 = "2001:db8:64::c0a8:ff01";
    public static final String NAT64_TUN = "nat64";
    /** With {@link Builder#nativeIpv4()}: the client's and the router's native IPv4 addresses. */
    public static final String CLIENT_NATIVE4 = "10.0.0.2";
    public static final String ROUTER_NATIVE4 = "10.0.0.1";
    /** With {@link Builder#lan()}: the client's LAN interface (the client is then a router, the CLAT's). */
    public static final String LAN_DEV = "lan0";
    /** With {@link Builder#lan()}: the client's address on its LAN, the LAN host's default gateway. */
    public static final String LAN_ROUTER4 = "192.168.1.1";
    /** With {@link Builder#lan()}: the IPv4-only LAN host (static, no DHCP). */
    public static final String LAN_HOST4 = "192.168.1.2";
    /** What the server's web page says: {@code curl http://198.51.100.2/} prints it. */
    public static final String PAGE = "hello from the IPv4 server of the CLAT bed";

    /**
     * What the RAs carry.
     *
     * @param lanPrefix      the SLAAC prefix
     * @param oldLanPrefix   a prefix being withdrawn (sent with preferred lifetime 0), or null
     * @param pref64         the NAT64 prefix, or null for RAs without PREF64 (the RFC 7050 case)
     * @param pref64Lifetime its lifetime in seconds (0: withdrawn)
     * @param routerLifetime the default router lifetime (0: not a default router)
     */
    public record Ra(String lanPrefix, String oldLanPrefix, String pref64, int pref64Lifetime, int routerLifetime) {
        public static Ra initial() {
            return new Ra(LAN_PREFIX, null, NAT64_PREFIX, 600, 1800);
        }

        public Ra withPref64(String prefix, int lifetime) {
            return new Ra(lanPrefix, oldLanPrefix, prefix, lifetime, routerLifetime);
        }

        /** A new SLAAC prefix; the current one is sent on as going away. */
        public Ra renumbered(String newPrefix) {
            return new Ra(newPrefix, lanPrefix, pref64, pref64Lifetime, routerLifetime);
        }
    }

    private static final Set<ClatBed> OPEN = ConcurrentHashMap.newKeySet();

    static {
        // beds a dying test run leaves open: their namespaces and /etc/netns entry go anyway
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(TestBed::closeQuietly), "clatbed-cleanup"));
    }

    private final String id;
    private final String label;
    private final Builder options;
    private final List<Netns> namespaces = new ArrayList<>();
    private final Path dir;
    private Netns client;
    private Netns router;
    private Netns server;
    private Netns lan;
    private Path raControl;
    private Process raSender;
    private Ra ra;
    private TranslatorProcess nat64;
    private Path etcNetns;
    private boolean closed;

    /** Options; {@link #start()} builds the bed. */
    public static final class Builder {
        private String label = "clat";
        private boolean nativeIpv4;
        private Ra ra = Ra.initial();
        private int raInterval = 3;
        private boolean nat64 = true;
        private boolean lan;

        private Builder() {
        }

        /** Names the logs (the test method, say). */
        public Builder label(String label) {
            this.label = label.replaceAll("[^A-Za-z0-9_.-]", "_");
            return this;
        }

        /** Gives the client native IPv4 too (10.0.0.2/24, default route via the router). */
        public Builder nativeIpv4() {
            this.nativeIpv4 = true;
            return this;
        }

        /**
         * An IPv4-only LAN behind the client ({@link #lan()}): {@value #LAN_HOST4}/24 with a default route via the
         * client's {@value #LAN_ROUTER4} on {@value #LAN_DEV}. No forwarding or NAT is set up on the client: that is
         * the recipe under test.
         */
        public Builder lan() {
            this.lan = true;
            return this;
        }

        /** The first RAs (default {@link Ra#initial()}). */
        public Builder ra(Ra first) {
            this.ra = first;
            return this;
        }

        /** Seconds between RAs (default 3). */
        public Builder raInterval(int seconds) {
            this.raInterval = seconds;
            return this;
        }

        /** Whether the router runs the NAT64 (default true; the host plumbing's tests need none). */
        public Builder nat64(boolean run) {
            this.nat64 = run;
            return this;
        }

        public ClatBed start() throws IOException, InterruptedException {
            ClatBed bed = new ClatBed(this);
            try {
                bed.setUp();
                return bed;
            } catch (IOException | InterruptedException | RuntimeException | Error e) {
                TestBed.closeQuietly(bed);
                throw e;
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Why the bed cannot run here, or null: root, iproute2, python3 with scapy, unbound, curl. */
    public static String unavailableReason() {
        String base = TestBed.unavailableReason();
        if (base != null) {
            return base;
        }
        if (!Cmd.exec(Duration.ofSeconds(20), List.of(python(), "-c", "import scapy.all")).ok()) {
            return "needs python3 with scapy (apt-get install python3-scapy); skipped";
        }
        for (String tool : List.of("unbound", "curl")) {
            if (!Cmd.exec(Duration.ofSeconds(5), List.of("sh", "-c", "command -v " + tool)).ok()) {
                return "needs " + tool + " (apt-get install " + tool + "); skipped";
            }
        }
        return null;
    }

    private ClatBed(Builder options) throws IOException {
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        this.id = HexFormat.of().formatHex(random);
        this.options = options;
        this.label = options.label;
        this.ra = options.ra;
        this.dir = TestBed.logDirectory().toAbsolutePath().resolve(label + "-clatbed-" + id);
        Files.createDirectories(dir);
        OPEN.add(this);
    }

    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    // ---- setup ------------------------------------------------------------------------------------------

    private Netns add(String suffix) {
        Netns ns = Netns.create("txc" + id + "-" + suffix);
        namespaces.add(ns);
        return ns;
    }

    private void setUp() throws IOException, InterruptedException {
        client = add("cl");
        router = add("rt");
        server = add("s4");
        if (options.lan) {
            lan = add("ln");
        }
        // the client's resolver, bind-mounted over /etc/resolv.conf by `ip netns exec`
        etcNetns = Path.of("/etc/netns", client.name());
        Files.createDirectories(etcNetns);
        Files.writeString(etcNetns.resolve("resolv.conf"), "nameserver " + ROUTER_LAN + "\n");

        client.ip("link", "add", UPLINK, "type", "veth", "peer", "name", "to-client", "netns", router.name());
        server.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-server", "netns", router.name());

        // client: IPv6 from RAs only; accept_ra=2 keeps taking them when a CLAT turns forwarding on
        client.sysctl("net.ipv6.conf." + UPLINK + ".accept_ra=2", "net.ipv6.conf." + UPLINK + ".autoconf=1",
                "net.ipv6.conf." + UPLINK + ".accept_dad=1", "net.ipv4.ping_group_range=0 2147483647");
        if (options.nativeIpv4) {
            client.ip("addr", "add", CLIENT_NATIVE4 + "/24", "dev", UPLINK);
        }
        client.ip("link", "set", UPLINK, "up");
        if (options.nativeIpv4) {
            client.ip("route", "add", "default", "via", ROUTER_NATIVE4);
        }

        if (options.lan) {
            lan.ip("link", "add", "eth0", "type", "veth", "peer", "name", LAN_DEV, "netns", client.name());
            lan.sysctl("net.ipv6.conf.eth0.disable_ipv6=1", "net.ipv4.ping_group_range=0 2147483647");
            lan.ip("addr", "add", LAN_HOST4 + "/24", "dev", "eth0");
            lan.ip("link", "set", "eth0", "up");
            lan.ip("route", "add", "default", "via", LAN_ROUTER4);
            client.ip("addr", "add", LAN_ROUTER4 + "/24", "dev", LAN_DEV);
            client.ip("link", "set", LAN_DEV, "up");
        }

        server.sysctl("net.ipv6.conf.eth0.disable_ipv6=1", "net.ipv4.icmp_ratelimit=0");
        server.ip("addr", "add", SERVER4 + "/24", "dev", "eth0");
        server.ip("link", "set", "eth0", "up");
        server.ip("route", "add", "default", "via", ROUTER_WAN4);

        router.sysctl("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                "net.ipv6.conf.to-client.accept_dad=0");
        router.ip("addr", "add", ROUTER_LINK_LOCAL + "/64", "dev", "to-client", "nodad");
        router.ip("addr", "add", ROUTER_LAN + "/64", "dev", "to-client", "nodad");
        router.ip("addr", "add", ROUTER_WAN4 + "/24", "dev", "to-server");
        if (options.nativeIpv4) {
            router.ip("addr", "add", ROUTER_NATIVE4 + "/24", "dev", "to-client");
        }
        router.ip("link", "set", "to-client", "up");
        router.ip("link", "set", "to-server", "up");
        TestBed.awaitUsable(router, "to-client");
        TestBed.awaitUsable(server, "eth0");

        startWebServer();
        startResolver();
        startRaSender();
        awaitSlaac(Duration.ofSeconds(20));
        TestBed.awaitUsable(client, UPLINK); // the link-local's DAD may end after the SLAAC address's
        awaitResolver(Duration.ofSeconds(20));
        if (options.nat64) {
            startNat64();
        }
    }

    private void startWebServer() throws IOException {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("index.html"), PAGE + "\n", StandardCharsets.UTF_8);
        server.spawn(dir.resolve("http.log"), List.of(python(), "-m", "http.server", "80", "--bind", SERVER4,
                "--directory", www.toString()));
    }

    /**
     * unbound with its dns64 module (RFC 6147) on {@link #ROUTER_LAN}: the iterator reads two zones of its own as
     * upstream ({@code for-upstream}, so the answers pass through dns64): {@code ipv4only.arpa} with RFC 7050's
     * 192.0.0.170 and .171, and {@code clat.test} with {@link #SERVER_NAME}. Neither has AAAA records: dns64
     * synthesizes them in {@link #NAT64_PREFIX}.
     */
    private void startResolver() throws IOException {
        Files.writeString(dir.resolve("ipv4only.arpa.zone"), zone("ipv4only.arpa.",
                "@ IN A 192.0.0.170\n@ IN A 192.0.0.171\n"));
        Files.writeString(dir.resolve("clat.test.zone"), zone("clat.test.", "server IN A " + SERVER4 + "\n"));
        String conf = """
                server:
                    interface: %s
                    port: 53
                    do-ip4: no
                    access-control: ::/0 allow
                    username: ""
                    chroot: ""
                    directory: "%s"
                    pidfile: ""
                    use-syslog: no
                    logfile: ""
                    verbosity: 1
                    do-daemonize: no
                    module-config: "dns64 iterator"
                    dns64-prefix: %s
                    local-zone: "test." nodefault
                """.formatted(ROUTER_LAN, dir, NAT64_PREFIX) + upstreamZone("ipv4only.arpa.") + upstreamZone("clat.test.");
        Path file = dir.resolve("unbound.conf");
        Files.writeString(file, conf);
        router.spawn(dir.resolve("unbound.log"), List.of("unbound", "-d", "-c", file.toString()));
    }

    /** An auth-zone the iterator reads as its upstream (so dns64 sees the answers), never answered directly. */
    private String upstreamZone(String name) {
        return """
                auth-zone:
                    name: "%s"
                    zonefile: "%s"
                    for-downstream: no
                    for-upstream: yes
                    fallback-enabled: no
                """.formatted(name, dir.resolve(name + "zone"));
    }

    private static String zone(String origin, String records) {
        return "$ORIGIN " + origin + "\n$TTL 60\n@ IN SOA localhost. nobody.invalid. 1 3600 600 86400 60\n"
                + "@ IN NS localhost.\n" + records;
    }

    private void startRaSender() throws IOException {
        Path script = dir.resolve("ra_pref64.py");
        URL url = ClatBed.class.getResource("ra_pref64.py");
        if (url == null) {
            throw new IllegalStateException("ra_pref64.py is not on the test class path (src/test/resources/net/tunxlat/e2e)");
        }
        try {
            Files.copy(Path.of(url.toURI()), script, StandardCopyOption.REPLACE_EXISTING);
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        raControl = dir.resolve("ra.control");
        writeRaControl();
        raSender = router.spawn(dir.resolve("ra.log"), List.of(python(), script.toString(), "to-client",
                raControl.toString()));
    }

    private void writeRaControl() throws IOException {
        StringBuilder c = new StringBuilder();
        c.append("source=").append(ROUTER_LINK_LOCAL).append('\n');
        c.append("prefix=").append(ra.lanPrefix()).append('\n');
        if (ra.oldLanPrefix() != null) {
            c.append("old_prefix=").append(ra.oldLanPrefix()).append('\n');
        }
        c.append("pref64=").append(ra.pref64() == null ? "" : ra.pref64()).append('\n');
        c.append("pref64_lifetime=").append(ra.pref64Lifetime()).append('\n');
        c.append("router_lifetime=").append(ra.routerLifetime()).append('\n');
        c.append("interval=").append(options.raInterval).append('\n');
        Path temp = raControl.resolveSibling("ra.control.tmp");
        Files.writeString(temp, c.toString());
        Files.move(temp, raControl, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Changes what the RAs carry. With {@code now}, the sender is poked (SIGHUP) and sends one at once; without,
     * the next periodic RA (within {@link Builder#raInterval} seconds) carries it, as on a real network.
     */
    public synchronized void advertise(Ra next, boolean now) throws IOException {
        if (!next.lanPrefix().equals(ra.lanPrefix()) && !routerAddresses().contains(routerAddress(next.lanPrefix()))) {
            // a router renumbering its LAN numbers itself too: it reaches the hosts' new addresses on-link
            router.ip("addr", "add", routerAddress(next.lanPrefix()) + "/64", "dev", "to-client", "nodad");
        }
        this.ra = next;
        writeRaControl();
        if (now) {
            Cmd.run("kill", "-HUP", Long.toString(raSender.pid()));
        }
    }

    /** The router's ::1 in {@code prefix} (a /64), as {@link #ROUTER_LAN} is in {@link #LAN_PREFIX}. */
    static String routerAddress(String prefix) {
        long[] p = Addresses.parseIpv6(prefix.substring(0, prefix.indexOf('/')));
        return Addresses.formatIpv6(p[0], p[1] | 1);
    }

    private List<String> routerAddresses() {
        List<String> out = new ArrayList<>();
        for (Map<?, ?> a : addresses(router, "to-client")) {
            long[] v = Addresses.parseIpv6((String) a.get("local"));
            out.add(Addresses.formatIpv6(v[0], v[1]));
        }
        return out;
    }

    public synchronized Ra ra() {
        return ra;
    }

    /** The RA sender's log: one line per RA sent, with what it carried. */
    public String raLog() throws IOException {
        return Files.readString(dir.resolve("ra.log"));
    }

    private void awaitSlaac(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (clientAddress() != null && !client.ip("-6", "route", "show", "default").isBlank()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the client got no SLAAC address and default route from the RAs within "
                        + timeout.toSeconds() + " s: " + client.ip("-6", "addr") + client.ip("-6", "route")
                        + "\nRA log:\n" + readQuietly(dir.resolve("ra.log")));
            }
            Thread.sleep(100);
        }
    }

    private void awaitResolver(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ExecResult r;
        while (!(r = client.exec("getent", "ahostsv6", "ipv4only.arpa")).ok() || !r.output().contains("2001:db8:64::c000:aa")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the DNS64 resolver does not answer ipv4only.arpa: " + r.describe()
                        + "\nunbound log:\n" + readQuietly(dir.resolve("unbound.log")));
            }
            Thread.sleep(200);
        }
    }

    private void startNat64() throws IOException, InterruptedException {
        router.ip("tuntap", "add", "dev", NAT64_TUN, "mode", "tun");
        router.ip("link", "set", NAT64_TUN, "up");
        router.ip("route", "add", NAT64_PREFIX, "dev", NAT64_TUN);
        router.ip("route", "add", NAT64_IPV4 + "/32", "dev", NAT64_TUN);
        router.ip("route", "add", POOL4 + "/32", "dev", NAT64_TUN);
        Path data = Files.createDirectories(dir.resolve("nat64-data"));
        Path config = dir.resolve("nat64.conf");
        Files.write(config, List.of(
                "# the CLAT bed's NAT64 (router namespace)",
                "tun-device " + NAT64_TUN,
                "ipv4-addr " + NAT64_IPV4,
                "prefix " + NAT64_PREFIX,
                "wkpf-strict no",
                "pool4 " + POOL4,
                "control-socket " + controlSocket(NAT64_TUN),
                "data-dir " + data), StandardCharsets.UTF_8);
        nat64 = TranslatorProcess.start(router, Translator.tunxlat(Translator.jar()), config, dir.resolve("nat64.log"));
        nat64.awaitReady(client, NAT64_IPV6, Duration.ofSeconds(Long.getLong("tunxlat.e2e.startTimeoutSeconds", 30)));
    }

    // ---- what the tests use ---------------------------------------------------------------------------

    public Netns client() {
        return client;
    }

    public Netns router() {
        return router;
    }

    public Netns server() {
        return server;
    }

    /** The IPv4-only LAN host behind the client (null without {@link Builder#lan()}). */
    public Netns lan() {
        return lan;
    }

    /** The NAT64 (null when the bed runs without). */
    public TranslatorProcess nat64() {
        return nat64;
    }

    /**
     * A control socket path of this bed for a tunxlat on device {@code name}: the default,
     * {@code /run/tunxlat/NAME.sock}, is one file for every namespace, where parallel beds would collide. In the bed's
     * directory, or under /tmp when that path is too long for a socket address.
     */
    public Path controlSocket(String name) {
        Path p = dir.resolve(name + ".sock");
        return p.toString().length() < 100 ? p : Path.of("/tmp", "tunxlat-e2e-" + id + "-" + name + ".sock");
    }

    /** The directory of this bed's logs and files. */
    public Path directory() {
        return dir;
    }

    /** The client's SLAAC address on {@link #UPLINK} (dynamic, global, not tentative), or null. */
    public String clientAddress() {
        for (Map<?, ?> a : addresses(client, UPLINK)) {
            if ("global".equals(a.get("scope")) && Boolean.TRUE.equals(a.get("dynamic"))
                    && !Boolean.TRUE.equals(a.get("tentative")) && !Boolean.TRUE.equals(a.get("temporary"))) {
                return (String) a.get("local");
            }
        }
        return null;
    }

    /** The client's link-local address on {@link #UPLINK} (the next hop a router routes a delegated prefix to). */
    public String clientLinkLocal() {
        for (Map<?, ?> a : addresses(client, UPLINK)) {
            if ("link".equals(a.get("scope")) && "inet6".equals(a.get("family"))) {
                return (String) a.get("local");
            }
        }
        throw new IllegalStateException("the client has no link-local address on " + UPLINK + ": " + client.ip("-6", "addr"));
    }

    /** The {@code addr_info} entries of {@code dev} in {@code ns} ({@code ip -j addr show dev}). */
    public static List<Map<?, ?>> addresses(Netns ns, String dev) {
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object link : (List<?>) Json.parse(ns.ip("-j", "addr", "show", "dev", dev))) {
            for (Object a : (List<?>) ((Map<?, ?>) link).get("addr_info")) {
                out.add((Map<?, ?>) a);
            }
        }
        return out;
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /** The last {@code n} lines of every log of the bed, for assertion messages. */
    public String logTails(int n) {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".log")).sorted(Comparator.naturalOrder()).toList()) {
                List<String> lines = readQuietly(p).lines().toList();
                b.append("--- ").append(p.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - n), lines.size()).forEach(l -> b.append(l).append('\n'));
            }
        } catch (IOException e) {
            b.append("(cannot list ").append(dir).append(": ").append(e).append(")");
        }
        return b.toString();
    }

    // ---- teardown ---------------------------------------------------------------------------------------

    /**
     * Stops the NAT64 (SIGTERM; the bed fails if it needed SIGKILL), the RA sender, unbound and the web server,
     * deletes the namespaces and the client's {@code /etc/netns} directory.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        OPEN.remove(this);
        boolean stopped = TestBed.stopAndDelete(nat64, namespaces);
        if (etcNetns != null) {
            try {
                Files.deleteIfExists(etcNetns.resolve("resolv.conf"));
                Files.deleteIfExists(etcNetns);
            } catch (IOException e) {
                System.err.println("[e2e] cannot remove " + etcNetns + ": " + e);
            }
        }
        if (!stopped) {
            throw new AssertionError("the NAT64 did not exit within " + TestBed.STOP_GRACE.toMillis()
                    + " ms of SIGTERM (killed); log tail:\n" + nat64.logTail(40));
        }
    }

    @Override
    public String toString() {
        return "ClatBed[" + id + "]";
    }
}
