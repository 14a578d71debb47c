// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import net.tunxlat.cli.TunxlatCommand;
import net.tunxlat.config.ShardFile;
import net.tunxlat.mapping.Ipv4Prefix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Stateful NAT64 sharded without state sync (issue 18, item 4): two tunxlat instances, xa and xb, each with its
 * slice of pool4 from one shard file; an IPv6-side router whose policy routing is what {@code tunxlat shard routes}
 * prints for that file; subscribers of both slices with TCP connections and UDP flows to one IPv4 server. Then xa
 * is killed (SIGKILL) and its route deleted (what its withdrawal does): xb's subscribers go on undisturbed, xa's
 * reach the server through xb from xa's standby range, and xb's block log says which instance and which block.
 *
 * <pre>
 *   clients  eth0 2001:db8:a::2 ── rt (IPv6 router: rules + tables 1000/1001) ── xa (tunxlat) ── s4 (IPv4 server
 *   subscribers 2001:db8:100::/60 (xa)               2001:db8:ff:a::/64           203.0.113.0/30   203.0.113.100)
 *               2001:db8:200::/60 (xb)               2001:db8:ff:b::/64 ── xb (tunxlat) ── 203.0.113.4/30
 * </pre>
 *
 * <pre>
 *   mvn -o -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ShardingIT
 * </pre>
 */
class ShardingIT {
    static final String PREFIX = "2001:db8:64::/96";
    static final String SERVER = "203.0.113.100";
    /** The server as the IPv6 subscribers reach it (RFC 6052 §2.2, /96). */
    static final String SERVER6 = "2001:db8:64::cb00:7164";
    static final int TCP_PORT = 7000;
    static final int UDP_PORT = 7001;
    static final int BLOCK = 512;
    static final String BIRD = "/usr/sbin/bird";
    static final String SHARDS = """
            # ShardingIT: two instances standing by for each other
            nat64-prefix %s
            port-block %d
            subscriber-prefix 64
            instance xa
                subscribers 2001:db8:100::/60
                pool4 192.0.2.1 1024-65535
                standby xb
                standby-pool4 198.51.100.1 1024-65535
                next-hop 2001:db8:ff:a::2
            instance xb
                subscribers 2001:db8:200::/60
                pool4 192.0.2.2 1024-65535
                standby xa
                standby-pool4 198.51.100.2 1024-65535
                next-hop 2001:db8:ff:b::2
            """.formatted(PREFIX, BLOCK);
    /** Subscribers: two of xa's (numbers 0 and 1 of its /60), two of xb's. */
    static final String A0 = "2001:db8:100::1";
    static final String A1 = "2001:db8:100:1::1";
    static final String B0 = "2001:db8:200::1";
    static final String B1 = "2001:db8:200:1::1";

    private final List<Netns> namespaces = new ArrayList<>();
    private final Map<String, TranslatorProcess> instances = new LinkedHashMap<>();
    private final Map<String, Process> birds = new LinkedHashMap<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sharding-it");
        t.setDaemon(true);
        return t;
    });
    /** What the server saw: per connection or datagram source, the IPv4 address and port. */
    private final Map<String, String> tcpPeers = new ConcurrentHashMap<>();
    private final List<String> udpPeers = new CopyOnWriteArrayList<>();

    /** The IPv6 router's routes are {@code --format ip}'s; the failure deletes xa's route as its withdrawal would. */
    @Test
    void theSurvivingSliceIsUndisturbedAndTheFailedSliceMovesToItsStandbyRange() throws Exception {
        failover(false);
    }

    /**
     * The IPv6 router runs BIRD with {@code --format bird}'s configuration, each instance a BIRD that announces the
     * NAT64 prefix by BGP (from a static route: the announce hook's table is the health part's); the failure is
     * the whole instance's (tunxlat killed, its BIRD silent as on a dead box), and the router's BGP hold timer
     * (3 s) withdraws the route.
     */
    @Test
    void withBgpTheFailedInstancesRouteIsWithdrawnByTheRouter() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(BIRD)), "bird2 is not installed");
        failover(true);
    }

    private void failover(boolean bgp) throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        long started = System.nanoTime();
        String id = HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
        Path dir = Files.createDirectories(TestBed.logDirectory().toAbsolutePath().resolve("sharding-" + id));
        Path shardFile = Files.writeString(dir.resolve("shards.conf"), SHARDS);
        ShardFile shards = ShardFile.read(shardFile);
        try {
            Netns clients = add("txs" + id + "-c6");
            Netns rt = add("txs" + id + "-rt");
            Netns s4 = add("txs" + id + "-s4");
            Netns xa = add("txs" + id + "-xa");
            Netns xb = add("txs" + id + "-xb");
            wire(clients, rt, s4, Map.of("xa", xa, "xb", xb), shards, bgp ? dir : null);
            for (String name : List.of("xa", "xb")) {
                Netns ns = name.equals("xa") ? xa : xb;
                Path conf = Files.write(dir.resolve(name + ".conf"), List.of(
                        "tun-device nat64", "ipv4-addr 192.168.255.1", "prefix " + PREFIX,
                        "instance-name " + name, "nat64-shard-file " + shardFile,
                        "nat64-block-log " + dir.resolve(name + "-blocks.log"),
                        "control-socket " + Path.of("/tmp", "tunxlat-shard-" + id + "-" + name + ".sock"),
                        "metrics-listen off", "workers 1"), StandardCharsets.UTF_8);
                TranslatorProcess p = TranslatorProcess.start(ns, Translator.tunxlat(Translator.jar()), conf,
                        dir.resolve(name + ".log"));
                instances.put(name, p);
            }
            for (TranslatorProcess p : instances.values()) {
                awaitForwarding(p);
            }
            if (bgp) {
                for (String table : List.of("1000", "1001")) {
                    awaitTable(rt, table, true, Duration.ofSeconds(20), dir);
                }
            }

            ServerSocketChannel tcpServer = s4.listenTcp(new InetSocketAddress(SERVER, TCP_PORT));
            DatagramChannel udpServer = s4.openUdp(new InetSocketAddress(SERVER, UDP_PORT));
            serveTcp(tcpServer);
            serveUdp(udpServer);

            // before: every subscriber through its own instance, from its own slice and its own block
            Map<String, SocketChannel> tcp = new LinkedHashMap<>();
            Map<String, DatagramChannel> udp = new LinkedHashMap<>();
            for (String sub : List.of(A0, A1, B0, B1)) {
                tcp.put(sub, connect(clients, sub));
                assertNull(exchange(tcp.get(sub), "hello from " + sub), sub);
                udp.put(sub, clients.openUdp(new InetSocketAddress(sub, 0)));
                assertNull(udpExchange(udp.get(sub), "udp from " + sub), sub);
            }
            Map<String, String> before = new LinkedHashMap<>();
            for (String sub : List.of(A0, A1, B0, B1)) {
                String seen = tcpPeers.get(local(tcp.get(sub)));
                before.put(sub, seen);
                boolean ofXa = sub.startsWith("2001:db8:100:");
                int index = sub.equals(A1) || sub.equals(B1) ? 1 : 0;
                assertInBlock(seen, ofXa ? "192.0.2.1" : "192.0.2.2", index, sub + " over TCP");
                assertInBlock(udpPeer("udp from " + sub), ofXa ? "192.0.2.1" : "192.0.2.2", index, sub + " over UDP");
            }

            // xa fails: SIGKILL, and its primary route goes as its withdrawal takes it (its IPv4 slice too)
            instances.get("xa").kill();
            long killed = System.nanoTime();
            if (bgp) {
                // its speaker goes silent (a box that died: no FIN, no NOTIFICATION), so only the router's hold
                // timer (3 s) ends the session
                Cmd.run("kill", "-STOP", Long.toString(birds.get("xa").pid()));
                awaitTable(rt, "1000", false, Duration.ofSeconds(10), dir);
                System.err.printf("[e2e] ShardingIT: the router's BGP withdrew xa's route %.2f s after xa's speaker"
                        + " went silent%n", (System.nanoTime() - killed) / 1e9);
            } else {
                rt.ip("-6", "route", "del", PREFIX, "table", "1000");
            }
            long withdrawn = System.nanoTime();
            for (Ipv4Prefix p : shards.announced("xa")) {
                s4.ip("route", "del", p.toString());
            }

            // xb's subscribers: the same TCP connections and UDP flows carry checked data, from the same ports
            for (String sub : List.of(B0, B1)) {
                assertNull(exchange(tcp.get(sub), "still there " + sub), sub + "'s connection after xa failed");
                assertNull(udpExchange(udp.get(sub), "udp again from " + sub), sub + "'s UDP flow after xa failed");
                assertEquals(udpPeer("udp from " + sub), udpPeer("udp again from " + sub),
                        sub + "'s UDP flow kept its mapping");
            }

            // xa's subscribers: new connections and flows work, through xb, from xa's standby range
            for (String sub : List.of(A0, A1)) {
                int index = sub.equals(A1) ? 1 : 0;
                long t = System.nanoTime();
                SocketChannel again = connect(clients, sub);
                System.err.printf("[e2e] ShardingIT: %s's new connection through xb took %.1f ms (%.0f ms after the"
                        + " route went)%n", sub, (System.nanoTime() - t) / 1e6, (System.nanoTime() - withdrawn) / 1e6);
                assertNull(exchange(again, "new after failover " + sub), sub);
                assertInBlock(tcpPeers.get(local(again)), "198.51.100.1", index, sub + " over TCP after failover");
                DatagramChannel u = clients.openUdp(new InetSocketAddress(sub, 0));
                assertNull(udpExchange(u, "udp after failover " + sub), sub);
                assertInBlock(udpPeer("udp after failover " + sub), "198.51.100.1", index,
                        sub + " over UDP after failover");
            }
            // xa's subscribers' old connections: xb has no state for them and answers with a RST, so they end
            // at once (not after TCP's retransmissions)
            for (String sub : List.of(A0, A1)) {
                long t0 = System.nanoTime();
                String old = exchange(tcp.get(sub), "after the failover");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.err.println("[e2e] ShardingIT: " + sub + "'s old connection after the failover: " + old + " after "
                        + ms + " ms");
                assertTrue(old != null && old.toLowerCase(Locale.ROOT).contains("reset"), sub + ": " + old);
                assertTrue(ms < 3000, sub + "'s old connection ended only after " + ms + " ms");
            }

            // xb's block log: which instance, which block, for whose subscriber
            // (the sweeper writes a block's line at its next pass, one a second: wait for both subscribers' lines)
            awaitLog(dir.resolve("xb-blocks.log"), "subscriber=2001:db8:100::/64 protocol=tcp");
            String blocks = awaitLog(dir.resolve("xb-blocks.log"), "subscriber=2001:db8:100:1::/64 protocol=udp");
            assertTrue(blocks.contains("instance=xb time="), blocks);
            assertTrue(blocks.matches("(?s).*instance=xb standby-for=xa time=\\S+ event=allocated subscriber="
                    + "2001:db8:100::/64 protocol=tcp ipv4=198\\.51\\.100\\.1 ports=1024-1535.*"), blocks);
            assertTrue(blocks.matches("(?s).*instance=xb standby-for=xa time=\\S+ event=allocated subscriber="
                    + "2001:db8:100:1::/64 protocol=udp ipv4=198\\.51\\.100\\.1 ports=1536-2047.*"), blocks);
            System.err.printf("[e2e] ShardingIT: failover checks done %.1f s after the SIGKILL, whole test %.1f s%n",
                    (System.nanoTime() - killed) / 1e9, (System.nanoTime() - started) / 1e9);
        } finally {
            pool.shutdownNow();
            birds.values().forEach(Process::destroyForcibly);
            for (TranslatorProcess p : instances.values()) {
                p.stop(TestBed.STOP_GRACE);
            }
            for (int i = namespaces.size() - 1; i >= 0; i--) {
                namespaces.get(i).close();
            }
        }
    }

    private Netns add(String name) {
        Netns ns = Netns.create(name);
        namespaces.add(ns);
        ns.sysctl("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        return ns;
    }

    /** The links, addresses and routes; the IPv6 router's rules and tables from {@code tunxlat shard routes}. */
    private void wire(Netns clients, Netns rt, Netns s4, Map<String, Netns> xs, ShardFile shards, Path birdDir)
            throws Exception {
        clients.ip("link", "add", "eth0", "type", "veth", "peer", "name", "to-c", "netns", rt.name());
        clients.ip("addr", "add", "2001:db8:a::2/64", "dev", "eth0", "nodad");
        for (String a : List.of(A0, A1, B0, B1)) {
            clients.ip("addr", "add", a + "/128", "dev", "eth0", "nodad", "preferred_lft", "0");
        }
        clients.ip("link", "set", "eth0", "up");
        clients.ip("-6", "route", "add", "default", "via", "2001:db8:a::1");
        rt.sysctl("net.ipv6.conf.all.forwarding=1");
        rt.ip("addr", "add", "2001:db8:a::1/64", "dev", "to-c", "nodad");
        rt.ip("link", "set", "to-c", "up");
        s4.ip("addr", "add", SERVER + "/32", "dev", "lo");
        int k = 0;
        for (Map.Entry<String, Netns> e : new TreeMap<>(xs).entrySet()) {
            String name = e.getKey();
            Netns x = e.getValue();
            String six = name.equals("xa") ? "a" : "b";
            String v4rt = "203.0.113." + (4 * k + 1);
            String v4x = "203.0.113." + (4 * k + 2);
            rt.ip("link", "add", "to-" + name, "type", "veth", "peer", "name", "v6", "netns", x.name());
            rt.ip("addr", "add", "2001:db8:ff:" + six + "::1/64", "dev", "to-" + name, "nodad");
            rt.ip("link", "set", "to-" + name, "up");
            s4.ip("link", "add", "to-" + name, "type", "veth", "peer", "name", "v4", "netns", x.name());
            s4.ip("addr", "add", v4rt + "/30", "dev", "to-" + name);
            s4.ip("link", "set", "to-" + name, "up");
            x.sysctl("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
            x.ip("addr", "add", "2001:db8:ff:" + six + "::2/64", "dev", "v6", "nodad");
            x.ip("addr", "add", v4x + "/30", "dev", "v4");
            x.ip("link", "set", "v6", "up");
            x.ip("link", "set", "v4", "up");
            x.ip("-6", "route", "add", "default", "via", "2001:db8:ff:" + six + "::1");
            x.ip("route", "add", "default", "via", v4rt);
            x.ip("tuntap", "add", "dev", "nat64", "mode", "tun");
            x.ip("link", "set", "nat64", "up");
            x.ip("-6", "route", "add", PREFIX, "dev", "nat64");
            x.ip("route", "add", "192.168.255.1/32", "dev", "nat64");
            // the IPv4 side: the instance holds its slice and the standby ranges it serves; the server's side
            // learns them as the instance announces them (here: static routes, removed at the failure)
            for (Ipv4Prefix p : shards.announced(name)) {
                x.ip("route", "add", p.toString(), "dev", "nat64");
                s4.ip("route", "add", p.toString(), "via", v4x);
            }
            TestBed.awaitUsable(x, "v6");
            if (birdDir != null) {
                // the instance's own speaker: announces the NAT64 prefix to the router (eBGP, AS 64513)
                bird(x, name, birdDir, """
                        router id 192.0.2.%d;
                        log stderr all;
                        protocol device {}
                        protocol static announce { ipv6; route %s via "nat64"; }
                        protocol bgp uplink {
                            local 2001:db8:ff:%s::2 as 64513;
                            neighbor 2001:db8:ff:%s::1 as 64512;
                            hold time 3; keepalive time 1; connect retry time 1;
                            ipv6 { import none; export where net = %s; };
                        }
                        """.formatted(10 + k, PREFIX, six, six, PREFIX));
            }
            k++;
        }
        rt.ip("-6", "route", "add", "2001:db8:100::/56", "via", "2001:db8:a::2");
        rt.ip("-6", "route", "add", "2001:db8:200::/56", "via", "2001:db8:a::2");
        if (birdDir == null) {
            for (String line : commands(routes(shards.file(), "ip"))) {
                ip(rt, line);
            }
        } else {
            // BIRD fills the tables; the rules are the commented commands of its configuration
            String conf = routes(shards.file(), "bird");
            for (String line : conf.lines().filter(l -> l.startsWith("#   ip -6 rule")).toList()) {
                ip(rt, line.substring(4));
            }
            bird(rt, "rt", birdDir, "router id 192.0.2.254;\nlog stderr all;\nprotocol device {}\n" + conf);
        }
        TestBed.awaitUsable(clients, "eth0");
        TestBed.awaitUsable(rt, "to-c");
    }

    private static void ip(Netns ns, String line) {
        List<String> args = List.of(line.split(" "));
        assertEquals("ip", args.get(0), line);
        ns.ip(args.subList(1, args.size()).toArray(new String[0]));
    }

    /** Starts BIRD in {@code ns} (foreground, its own socket) with {@code conf}. */
    private void bird(Netns ns, String name, Path dir, String conf) throws IOException {
        Path file = Files.writeString(dir.resolve("bird-" + name + ".conf"), conf);
        birds.put(name, ns.spawn(dir.resolve("bird-" + name + ".log"), List.of(BIRD, "-f", "-c", file.toString(),
                "-s", dir.resolve("bird-" + name + ".ctl").toString(), "-P", dir.resolve("bird-" + name + ".pid")
                        .toString())));
    }

    /** Waits until routing table {@code table} of {@code ns} has a route ({@code present}) or none. */
    private void awaitTable(Netns ns, String table, boolean present, Duration timeout, Path dir) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ns.ip("-6", "route", "show", "table", table).isBlank() == present) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("table " + table + (present ? " never got" : " still has") + " its route after "
                        + timeout.toSeconds() + " s; BIRD's logs in " + dir);
            }
            Thread.sleep(50);
        }
    }

    /** The output of {@code tunxlat shard routes --format FORMAT} for the shard file. */
    private static String routes(Path shardFile, String format) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new TunxlatCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute("shard", "routes", "--shard-file", shardFile.toString(), "--format", format);
        assertEquals(0, status, err.toString());
        return out.toString();
    }

    /** The lines that are not comments. */
    private static List<String> commands(String out) {
        return out.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    }

    private static void awaitForwarding(TranslatorProcess p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!p.output().contains("tunxlat: forwarding on nat64")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("tunxlat did not start; log tail:\n" + p.logTail(30));
            }
            Thread.sleep(50);
        }
    }

    private void serveTcp(ServerSocketChannel server) {
        pool.submit(() -> {
            while (server.isOpen()) {
                SocketChannel c = server.accept();
                InetSocketAddress peer = (InetSocketAddress) c.getRemoteAddress();
                pool.submit(() -> {
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    try (c) {
                        // the first line names the client's own address and port, so each connection is found
                        while (c.read(b) >= 0) {
                            String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
                            int nl = text.indexOf('\n');
                            if (nl >= 0 && text.startsWith("from ")) {
                                tcpPeers.put(text.substring(5, nl), peer.getAddress().getHostAddress() + ":"
                                        + peer.getPort());
                            }
                            b.flip();
                            c.write(b);
                            b.clear();
                        }
                    }
                    return null;
                });
            }
            return null;
        });
    }

    private void serveUdp(DatagramChannel server) {
        pool.submit(() -> {
            ByteBuffer b = ByteBuffer.allocate(2048);
            while (server.isOpen()) {
                b.clear();
                InetSocketAddress peer = (InetSocketAddress) server.receive(b);
                b.flip();
                String text = StandardCharsets.UTF_8.decode(b.duplicate()).toString();
                udpPeers.add(text + " <- " + peer.getAddress().getHostAddress() + ":" + peer.getPort());
                server.send(b, peer);
            }
            return null;
        });
    }

    /** The client's own address and port, as the connection's first line tells the server. */
    private static String local(SocketChannel c) throws IOException {
        InetSocketAddress a = (InetSocketAddress) c.getLocalAddress();
        return Nat64Bed.canonical(a.getAddress()) + "." + a.getPort();
    }

    private SocketChannel connect(Netns clients, String sub) throws Exception {
        SocketChannel c = clients.openTcp(StandardProtocolFamily.INET6);
        c.bind(new InetSocketAddress(sub, 0));
        Future<Boolean> f = pool.submit(() -> c.connect(new InetSocketAddress(SERVER6, TCP_PORT)));
        f.get(10, TimeUnit.SECONDS);
        String first = "from " + local(c) + "\n";
        String problem = exchange(c, first.substring(0, first.length() - 1));
        if (problem != null) {
            throw new IOException(sub + ": " + problem);
        }
        // the server has read the line when its echo came back
        return c;
    }

    /** Sends {@code text} and a newline, reads the echo back within 5 s; the problem, or null. */
    private String exchange(SocketChannel c, String text) throws Exception {
        byte[] data = (text + "\n").getBytes(StandardCharsets.UTF_8);
        Future<String> f = pool.submit(() -> {
            c.write(ByteBuffer.wrap(data));
            ByteBuffer back = ByteBuffer.allocate(data.length);
            while (back.hasRemaining()) {
                if (c.read(back) < 0) {
                    return "closed after " + back.position() + " bytes";
                }
            }
            return new String(back.array(), StandardCharsets.UTF_8).equals(text + "\n") ? null : "echo differs";
        });
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return "no echo within 5 s";
        } catch (ExecutionException e) {
            return e.getCause().toString();
        }
    }

    /** Sends {@code text} to the server and waits (up to 3 tries of 1 s) for its echo; the problem, or null. */
    private String udpExchange(DatagramChannel c, String text) throws Exception {
        c.configureBlocking(true);
        c.socket().setSoTimeout(1000);
        for (int i = 0; i < 3; i++) {
            c.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), new InetSocketAddress(SERVER6, UDP_PORT));
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                c.socket().receive(p);
                if (new String(buf, 0, p.getLength(), StandardCharsets.UTF_8).equals(text)) {
                    return null;
                }
            } catch (SocketTimeoutException e) {
                // once more
            }
        }
        return "no UDP echo of '" + text + "'";
    }

    /** The source the server saw for the datagram {@code text}. */
    private String udpPeer(String text) {
        for (String p : udpPeers) {
            if (p.startsWith(text + " <- ")) {
                return p.substring(text.length() + 4);
            }
        }
        throw new AssertionError("the server saw no datagram '" + text + "': " + udpPeers);
    }

    /** {@code seen} (address:port) is {@code address} with a port of deterministic block {@code index}. */
    private static void assertInBlock(String seen, String address, int index, String what) {
        assertTrue(seen != null && seen.startsWith(address + ":"), what + ": the server saw " + seen + ", not "
                + address);
        int port = Integer.parseInt(seen.substring(seen.indexOf(':') + 1));
        int first = 1024 + index * BLOCK;
        assertTrue(port >= first && port < first + BLOCK, what + ": port " + port + " is not in block " + index + " ("
                + first + "-" + (first + BLOCK - 1) + ")");
    }

    private static String awaitLog(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            String s = Files.exists(file) ? Files.readString(file) : "";
            if (s.contains(text) || System.nanoTime() > deadline) {
                return s;
            }
            Thread.sleep(100);
        }
    }
}
