// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import net.tunxlat.ExternalTool;

/**
 * Stateless scale-out (issue 18 item 3): two identical translators behind an upstream router that runs BIRD with
 * ECMP, each translator with its own BIRD announcing kernel table 200, all in network namespaces.
 *
 * <pre>
 *   client6  eth0 2001:db8:c::1..40 ── to-c6 2001:db8:c::ffff/64
 *                                            core (BIRD or FRR, packaging/examples/*-upstream.conf)
 *   server4  eth0 198.51.100.2/24 ──── to-s4 198.51.100.1/24
 *                                            br0 203.0.113.1/24, 2001:db8:ff::1/64 (ports to-xa, to-xb)
 *                                              │                          │
 *                          xa eth0 203.0.113.10, 2001:db8:ff::a    xb eth0 203.0.113.11, 2001:db8:ff::b
 *                          tunxlat + BIRD (bird-translator.conf)   the same
 * </pre>
 *
 * One link per translator carries both families: a shared segment (the bridge in core, as a top-of-rack switch),
 * so the translators' BIRD configuration is the same file and the upstream's accepts any translator of the link
 * (dynamic BGP); the bridge ports {@code to-xa} and {@code to-xb} count each translator's packets.
 *
 * <p>Both translators run the same stateless configuration ({@link #tunxlatConfig}): the NAT64 prefix {@value
 * #PREFIX} and an RFC 7757 explicit address mapping of the clients' {@value #CLIENTS_V6} to {@value #CLIENTS_V4},
 * so a flow is translated identically by either and can move between them. Each keeps the routes of both
 * prefixes {@code dev nat64} in its main table (as the service does) and, while tunxlat is ready, in table
 * {@value #TABLE}: that is the hook's job ({@code announce-standin.sh}, TEMPORARY until packaging/tunxlat-announce
 * is on main). BIRD learns table 200 and announces it; core installs one route per prefix with a next hop per
 * translator, and hashes flows on layer 4 ({@code fib_multipath_hash_policy=1}, both families).
 *
 * <p>The routing daemons run the shipped example files themselves: BIRD {@code include}s them after a {@code log
 * stderr} line; FRR ({@link Speaker#FRR}: zebra and bgpd, in core instead of BIRD or on xa) reads a copy. So this bed
 * is their test too. xb always runs BIRD; an FRR 8.4 on xa announces only the IPv4 prefix (it has no {@code ipv6
 * import-table}), and the bed expects exactly that.
 */
final class EcmpBed implements AutoCloseable {
    static final String PREFIX = "64:ff9b::/96";
    static final String CLIENTS_V4 = "192.0.2.0/24";
    static final String CLIENTS_V6 = "2001:db8:c::/120";
    static final String CORE_C6 = "2001:db8:c::ffff";
    static final String SERVER4 = "198.51.100.2";
    /** {@link #SERVER4} as the clients reach it: in {@link #PREFIX}. */
    static final String SERVER4_VIA_PREFIX = "64:ff9b::c633:6402";
    static final String CORE_S4 = "198.51.100.1";
    static final String CORE_V4 = "203.0.113.1";
    static final String CORE_V6 = "2001:db8:ff::1";
    static final String TUN = "nat64";
    static final int TABLE = 200;
    static final String METRICS = "127.0.0.1:9464";
    static final Path EXAMPLES = Path.of("packaging", "examples");

    private static final Pattern GATEWAY = Pattern.compile("\"gateway\":\"([^\"]+)\"");
    private static final Pattern TRANSLATED = Pattern.compile(
            "^tunxlat_translated_packets_total\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);

    /**
     * A routing daemon, run on its shipped example: in core ({@code *-upstream.conf}) or on a translator
     * ({@code *-translator.conf}). FRR 8.4 announces only IPv4 from a translator (no {@code ipv6 import-table}).
     */
    enum Speaker {
        BIRD, FRR;

        String example(boolean upstream) {
            return name().toLowerCase(Locale.ROOT) + (upstream ? "-upstream.conf" : "-translator.conf");
        }
    }

    /** One translator namespace: its addresses on the shared link and what runs in it. */
    final class Xlat {
        final String name;
        final String v4;
        final String v6;
        final Netns ns;
        /** Its routing daemon. */
        final Speaker speaker;
        /** Its link-local address on the shared link: FRR's BGP sends it as the IPv6 next hop. */
        private String linkLocal;
        private int starts;
        private TranslatorProcess tunxlat;

        private Xlat(String name, String v4, String v6, Speaker speaker) {
            this.name = name;
            this.speaker = speaker;
            this.v4 = v4;
            this.v6 = v6;
            this.ns = add(name);
        }

        /** Starts tunxlat and waits until it forwards (its log says so); the hook then announces it. */
        void start() throws IOException, InterruptedException {
            launch();
            awaitForwarding();
        }

        private void launch() throws IOException {
            starts++;
            Path log = dir.resolve(label + "-" + id + "-" + name + "-tunxlat-" + starts + ".log");
            tunxlat = TranslatorProcess.start(ns, Translator.tunxlat(Translator.jar()), config(this), log);
        }

        private void awaitForwarding() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!tunxlat.output().contains("tunxlat: forwarding on " + TUN)) {
                if (!tunxlat.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + ": tunxlat never logged 'forwarding on " + TUN + "'; log tail:\n"
                            + tunxlat.logTail(30));
                }
                Thread.sleep(50);
            }
        }

        /** SIGKILL, waiting until the process is gone. */
        void kill() throws InterruptedException {
            tunxlat.kill();
        }

        /** SIGSTOP: tunxlat hangs (its sockets stay open, nothing answers). */
        void stop() {
            signal("STOP");
        }

        /** SIGCONT after {@link #stop()}. */
        void resume() {
            signal("CONT");
        }

        private void signal(String signal) {
            Cmd.run("kill", "-" + signal, Long.toString(tunxlat.pid()));
        }

        /** Packets of {@code protocol} ({@code udp}, {@code tcp}, ...) tunxlat translated, both directions, from its /metrics. */
        long translated(String protocol) {
            ExecResult r = ns.exec(Duration.ofSeconds(5), "curl", "-sS", "--max-time", "2", "http://" + METRICS + "/metrics");
            if (!r.ok()) {
                throw new IllegalStateException(name + ": cannot scrape tunxlat's metrics: " + r.describe());
            }
            long sum = 0;
            Matcher m = TRANSLATED.matcher(r.output());
            while (m.find()) {
                if (m.group(1).contains("protocol=\"" + protocol + "\"")) {
                    sum += (long) Double.parseDouble(m.group(2));
                }
            }
            return sum;
        }

        TranslatorProcess tunxlat() {
            return tunxlat;
        }

        /** Whether it announces the IPv6 prefix (FRR 8.4 on a translator cannot: see frr-translator.conf). */
        boolean announcesIpv6() {
            return speaker == Speaker.BIRD;
        }

        /** What this namespace's routing daemon says about its sessions and routes, for failure messages. */
        String speakerState() {
            return state(ns, speaker);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final String id;
    private final String label;
    private final Path dir;
    private final List<Netns> namespaces = new ArrayList<>();
    private final Speaker upstream;
    private final Speaker xaSpeaker;
    private Netns client6;
    private Netns core;
    private Netns server4;
    private Xlat xa;
    private Xlat xb;
    private boolean closed;

    private EcmpBed(String label, Speaker upstream, Speaker xaSpeaker) throws IOException {
        this.upstream = upstream;
        this.xaSpeaker = xaSpeaker;
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        this.id = HexFormat.of().formatHex(random);
        this.label = label.replaceAll("[^A-Za-z0-9_.-]", "_");
        this.dir = Files.createDirectories(TestBed.logDirectory().toAbsolutePath());
    }

    /**
     * Builds the namespaces with {@code clients} client addresses, starts the routing daemons ({@code upstream} in
     * core, {@code xaSpeaker} on xa, BIRD on xb), the hooks and both translators, and waits until core has both
     * translators as next hops of the prefixes they announce.
     */
    static EcmpBed start(String label, int clients, Speaker upstream, Speaker xaSpeaker)
            throws IOException, InterruptedException {
        EcmpBed bed = new EcmpBed(label, upstream, xaSpeaker);
        try {
            bed.setUp(clients);
            bed.xa.launch();
            bed.xb.launch();
            bed.xa.awaitForwarding();
            bed.xb.awaitForwarding();
            bed.awaitNextHops(Set.of(bed.xa, bed.xb), System.nanoTime(), Duration.ofSeconds(30));
            return bed;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            TestBed.closeQuietly(bed);
            throw e;
        }
    }

    /** Client {@code i} (0-based): 2001:db8:c::(i+1), which the IPv4 server sees as 192.0.2.(i+1) through the mapping. */
    static String client(int i) {
        if (i < 0 || i >= 254) {
            throw new IllegalArgumentException("client " + i);
        }
        return "2001:db8:c::" + Integer.toHexString(i + 1);
    }

    // ---- setup ------------------------------------------------------------------------------

    private Netns add(String suffix) {
        Netns ns = Netns.create("txm" + id + "-" + suffix);
        namespaces.add(ns);
        ns.sysctl("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        return ns;
    }

    private void setUp(int clients) throws IOException, InterruptedException {
        client6 = add("c6");
        core = add("core");
        server4 = add("s4");
        xa = new Xlat("xa", "203.0.113.10", "2001:db8:ff::a", xaSpeaker);
        xb = new Xlat("xb", "203.0.113.11", "2001:db8:ff::b", Speaker.BIRD);

        client6.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-c6", "netns", core.name());
        server4.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-s4", "netns", core.name());
        server4.sysctl("net.ipv6.conf.eth0.disable_ipv6=1");
        List<String> c = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            // the first is the namespace's own address; the others are sources only for sockets bound to them
            c.add("addr add " + client(i) + (i == 0 ? "/64 dev eth0 nodad" : "/128 dev eth0 nodad preferred_lft 0"));
        }
        c.addAll(List.of("link set eth0 up", "route add default via " + CORE_C6));
        batch(client6, c);
        batch(server4, List.of("addr add " + SERVER4 + "/24 dev eth0", "link set eth0 up",
                "route add default via " + CORE_S4));

        core.sysctl("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                // flows spread by their ports too (layer 4), as bird-upstream.conf tells operators to set
                "net.ipv4.fib_multipath_hash_policy=1", "net.ipv6.fib_multipath_hash_policy=1");
        List<String> r = new ArrayList<>(List.of(
                "addr add " + CORE_C6 + "/64 dev to-c6 nodad",
                "addr add " + CORE_S4 + "/24 dev to-s4",
                "link set to-c6 up", "link set to-s4 up",
                "link add br0 type bridge",
                "addr add " + CORE_V4 + "/24 dev br0",
                "addr add " + CORE_V6 + "/64 dev br0 nodad",
                "link set br0 up"));
        for (Xlat x : List.of(xa, xb)) {
            core.ip("link", "add", "to-" + x.name, "type", "veth", "peer", "name", "eth0", "netns", x.ns.name());
            r.add("link set to-" + x.name + " master br0 up");
        }
        batch(core, r);
        for (Xlat x : List.of(xa, xb)) {
            x.ns.sysctl("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
            List<String> commands = new ArrayList<>(List.of(
                    "addr add " + x.v4 + "/24 dev eth0",
                    "addr add " + x.v6 + "/64 dev eth0 nodad",
                    "link set eth0 up",
                    "route add default via " + CORE_V4,
                    "route add default via " + CORE_V6,
                    // the TUN device and its routes stay when tunxlat dies (as with the packaged service)
                    "tuntap add dev " + TUN + " mode tun",
                    "link set " + TUN + " up",
                    "route add " + PREFIX + " dev " + TUN));
            if (x.speaker == Speaker.BIRD) {
                // with FRR, zebra puts the route it imports from table 200 into the main table itself, and a
                // route of the same prefix already there would win over it (see frr-translator.conf)
                commands.add("route add " + CLIENTS_V4 + " dev " + TUN);
            }
            batch(x.ns, commands);
        }
        TestBed.awaitUsable(client6, "eth0");
        TestBed.awaitUsable(server4, "eth0");
        TestBed.awaitUsable(core, "br0");
        for (Xlat x : List.of(xa, xb)) {
            TestBed.awaitUsable(x.ns, "eth0");
        }

        for (Xlat x : List.of(xa, xb)) {
            x.linkLocal = linkLocal(x.ns.ip("-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"));
        }
        startSpeaker(core, upstream, true);
        for (Xlat x : List.of(xa, xb)) {
            Files.write(config(x), tunxlatConfig(controlSocket(x)), StandardCharsets.UTF_8);
            startSpeaker(x.ns, x.speaker, false);
            startHook(x);
        }
    }

    /**
     * The stateless configuration both translators run: the same lines but the control socket (a file path,
     * which namespaces do not separate). The server's 198.51.100.2 is a documentation address, not global, so
     * the Well-Known Prefix needs {@code wkpf-strict no} here (RFC 6052 §3.1); a real network leaves it on.
     */
    static List<String> tunxlatConfig(Path controlSocket) {
        return List.of(
                "# written by the tunxlat scale-out bed (EcmpBed): the same on every translator",
                "tun-device " + TUN,
                "ipv4-addr 192.168.255.1",
                "prefix " + PREFIX,
                "wkpf-strict no",
                "map " + CLIENTS_V4 + " " + CLIENTS_V6,
                "metrics-listen " + METRICS,
                "control-socket " + controlSocket);
    }

    private Path config(Xlat x) {
        return dir.resolve(label + "-" + id + "-" + x.name + ".conf");
    }

    private Path controlSocket(Xlat x) {
        Path p = dir.resolve("ctl-" + id + "-" + x.name + ".sock");
        return p.toString().length() < 100 ? p : Path.of("/tmp", "tunxlat-e2e-ctl-" + id + "-" + x.name + ".sock");
    }

    /** BIRD's control socket in {@code ns} (short: Unix socket paths are at most 107 bytes). */
    private static Path birdSocket(Netns ns) {
        Path p = TestBed.logDirectory().toAbsolutePath().resolve("bird-" + ns.name() + ".sock");
        return p.toString().length() < 100 ? p : Path.of("/tmp", "tunxlat-e2e-bird-" + ns.name() + ".sock");
    }

    private void startSpeaker(Netns ns, Speaker speaker, boolean upstream) throws IOException {
        Path example = EXAMPLES.resolve(speaker.example(upstream));
        if (speaker == Speaker.BIRD) {
            startBird(ns, example);
        } else {
            startFrr(ns, example);
        }
    }

    /** BIRD in the foreground on the shipped {@code example}, its log (stderr) in the bed's directory. */
    private void startBird(Netns ns, Path example) throws IOException {
        ExternalTool.require("bird", "apt-get install bird2");
        Path conf = dir.resolve(label + "-" + id + "-" + ns.name() + "-bird.conf");
        Files.writeString(conf, "# the shipped example, its log on stderr (the bed's log file)\nlog stderr all;\ninclude \""
                + example.toAbsolutePath() + "\";\n", StandardCharsets.UTF_8);
        Path log = dir.resolve(label + "-" + id + "-" + ns.name() + "-bird.log");
        ns.spawn(log, List.of("bird", "-f", "-c", conf.toString(), "-s", birdSocket(ns).toString(),
                "-P", dir.resolve("bird-" + ns.name() + ".pid").toString()));
    }

    /**
     * FRR's zebra and bgpd in the foreground on the shipped {@code example}, as the frr user (FRR's daemons insist
     * on their vty group), with their pid files, vty sockets and zebra's API socket in a directory of their own.
     */
    private void startFrr(Netns ns, Path example) throws IOException {
        Path zebra = Path.of("/usr/lib/frr/zebra");
        if (!Files.isExecutable(zebra)) {
            ExternalTool.unavailable("FRR is not installed (apt-get install frr)");
        }
        Path run = frrDirectory(ns);
        Files.createDirectories(run);
        Path conf = run.resolve("frr.conf");
        Files.copy(example, conf, StandardCopyOption.REPLACE_EXISTING);
        Cmd.run("chown", "-R", "frr:frr", run.toString());
        for (String daemon : List.of("zebra", "bgpd")) {
            Path log = dir.resolve(label + "-" + id + "-" + ns.name() + "-" + daemon + ".log");
            ns.spawn(log, List.of("/usr/lib/frr/" + daemon, "-f", conf.toString(), "-i", run.resolve(daemon + ".pid").toString(),
                    "-z", run.resolve("zserv.api").toString(), "--vty_socket", run.toString()));
        }
    }

    /** FRR's run directory for {@code ns} (short: it holds Unix sockets). */
    private static Path frrDirectory(Netns ns) {
        Path p = TestBed.logDirectory().toAbsolutePath().resolve("frr-" + ns.name());
        return p.toString().length() < 80 ? p : Path.of("/tmp", "tunxlat-e2e-frr-" + ns.name());
    }

    private static String linkLocal(String addr) {
        Matcher m = Pattern.compile("inet6 (fe80::[0-9a-f:]+)/64").matcher(addr);
        if (!m.find()) {
            throw new IllegalStateException("no link-local address: " + addr);
        }
        return m.group(1);
    }

    /**
     * TEMPORARY: the stand-in for packaging/tunxlat-announce (announce-standin.sh), until the real hook is on main;
     * then this runs {@code tunxlat-announce} with the same device and table instead.
     */
    private void startHook(Xlat x) throws IOException {
        Path script = Path.of("src", "test", "resources", "net", "tunxlat", "e2e", "announce-standin.sh").toAbsolutePath();
        Path log = dir.resolve(label + "-" + id + "-" + x.name + "-announce.log");
        x.ns.spawn(log, List.of("sh", script.toString(), "http://" + METRICS, TUN, Integer.toString(TABLE),
                PREFIX, CLIENTS_V4));
    }

    private static void batch(Netns ns, List<String> commands) throws IOException {
        Path file = Files.createTempFile("ecmpbed", ".ip");
        try {
            Files.write(file, commands, StandardCharsets.US_ASCII);
            ns.ip("-batch", file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    // ---- observing core -----------------------------------------------------------------------

    /** The next hops (gateways) core's kernel has for {@code prefix} (empty: no route). */
    Set<String> nextHops(String prefix) {
        String family = prefix.contains(":") ? "-6" : "-4";
        String json = core.ip("-j", family, "route", "show", prefix);
        Set<String> hops = new TreeSet<>();
        Matcher m = GATEWAY.matcher(json);
        while (m.find()) {
            hops.add(m.group(1));
        }
        return hops;
    }

    /**
     * Whether core routes the IPv4 prefix to exactly the translators {@code xlats} and the IPv6 prefix to those of
     * them that announce it ({@link Xlat#announcesIpv6()}): one next hop per translator (its address on the shared
     * link, or for IPv6 its link-local address, which FRR's BGP prefers), and no other.
     */
    boolean routesTo(Set<Xlat> xlats) {
        Set<Xlat> v6 = new HashSet<>();
        for (Xlat x : xlats) {
            if (x.announcesIpv6()) {
                v6.add(x);
            }
        }
        return routesTo(PREFIX, v6) && routesTo(CLIENTS_V4, xlats);
    }

    private boolean routesTo(String prefix, Set<Xlat> xlats) {
        Set<String> hops = nextHops(prefix);
        Set<Xlat> to = new HashSet<>();
        for (String hop : hops) {
            Xlat x = xlatAt(hop);
            if (x == null) {
                return false;
            }
            to.add(x);
        }
        return hops.size() == xlats.size() && to.equals(xlats);
    }

    /** The translator with the address {@code hop} on the shared link, or null. */
    private Xlat xlatAt(String hop) {
        for (Xlat x : List.of(xa, xb)) {
            if (hop.equals(x.v4) || hop.equals(x.v6) || hop.equals(x.linkLocal)) {
                return x;
            }
        }
        return null;
    }

    /**
     * Polls core's routes every 50 ms until both prefixes go to exactly {@code xlats}; returns how long that took
     * from {@code sinceNanos} ({@link System#nanoTime()}, say when a translator was killed). Fails when that is
     * more than {@code timeout} after {@code sinceNanos}, with BIRD's view of it.
     */
    Duration awaitNextHops(Set<Xlat> xlats, long sinceNanos, Duration timeout) throws InterruptedException {
        long deadline = sinceNanos + timeout.toNanos();
        while (!routesTo(xlats)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("core does not route " + PREFIX + " and " + CLIENTS_V4 + " to " + xlats + " "
                        + timeout.toMillis() + " ms later: " + PREFIX + " via " + nextHops(PREFIX) + ", " + CLIENTS_V4
                        + " via " + nextHops(CLIENTS_V4) + "\ncore's " + upstream + ":\n" + state(core, upstream)
                        + "\nxa's " + xa.speaker + ":\n" + xa.speakerState() + "\nxb's " + xb.speaker + ":\n"
                        + xb.speakerState()
                        + "\nlogs: " + logs());
            }
            Thread.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - sinceNanos);
    }

    /** Packets core's bridge sent to {@code x} (its port's transmit counter). */
    long packetsTo(Xlat x) {
        String json = core.ip("-j", "-s", "link", "show", "to-" + x.name);
        Matcher m = Pattern.compile("\"tx\":\\{\"bytes\":\\d+,\"packets\":(\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no tx counter for to-" + x.name + ": " + json);
        }
        return Long.parseLong(m.group(1));
    }

    /** What the routing daemon in {@code ns} says about its sessions and routes, for failure messages. */
    private static String state(Netns ns, Speaker speaker) {
        if (speaker == Speaker.BIRD) {
            return birdc(ns, "show protocols") + birdc(ns, "show route");
        }
        return ns.exec(Duration.ofSeconds(5), "vtysh", "--vty_socket", frrDirectory(ns).toString(),
                "-c", "show bgp summary", "-c", "show ip route", "-c", "show ipv6 route").output();
    }

    static String birdc(Netns ns, String command) {
        return ns.exec(Duration.ofSeconds(5), "birdc", "-s", birdSocket(ns).toString(), command).output();
    }

    // ---- accessors ----------------------------------------------------------------------------

    Netns client6() {
        return client6;
    }

    Netns server4() {
        return server4;
    }

    Netns core() {
        return core;
    }

    Xlat xa() {
        return xa;
    }

    Xlat xb() {
        return xb;
    }

    /** Where the logs of this bed are (tunxlat, BIRD and the hook of each namespace). */
    String logs() {
        return dir + "/" + label + "-" + id + "-*";
    }

    // ---- teardown -----------------------------------------------------------------------------

    /** Resumes a stopped translator, stops both (SIGTERM) and deletes the namespaces (BIRD and the hooks with them). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Xlat x : new Xlat[] {xa, xb}) {
            if (x != null && x.tunxlat != null && x.tunxlat.isAlive()) {
                Cmd.exec(Duration.ofSeconds(5), List.of("kill", "-CONT", Long.toString(x.tunxlat.pid())));
                x.tunxlat.stop(Duration.ofSeconds(5));
            }
        }
        TestBed.stopAndDelete(null, namespaces);
    }

    @Override
    public String toString() {
        return "EcmpBed[" + id + ", upstream " + upstream + ", xa " + xaSpeaker + "]";
    }
}
