// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.Nat64Bed.OTHER_SUBSCRIBER;
import static net.tunxlat.e2e.Nat64Bed.POOL4;
import static net.tunxlat.e2e.Nat64Bed.SERVER1;
import static net.tunxlat.e2e.Nat64Bed.SERVER2;
import static net.tunxlat.e2e.Nat64Bed.WEB6;
import static net.tunxlat.e2e.Nat64Bed.host;
import static net.tunxlat.e2e.Nat64Bed.viaPrefix;
import static net.tunxlat.e2e.Nat64Traffic.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import net.tunxlat.e2e.Nat64Traffic.Endpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

/**
 * Stateful NAT64 end to end (issue 16, item 6 and "Done when"): a {@link Nat64Bed} with 500 IPv6 hosts behind
 * the single pool4 address {@value Nat64Bed#POOL4}, tunxlat alone in the router namespace (no NAT44 rule),
 * real sockets on both sides. The tests of the shared bed ({@link #MAIN}: the whole pool4 10000-49999 in
 * blocks of 64, a static BIB entry for an IPv6 web server) use their own hosts and server ports, so their
 * order does not matter; the others start a bed with the configuration they are about.
 *
 * <pre>
 *   mvn -o -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=StatefulNat64EndToEndIT
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatefulNat64EndToEndIT {
    static final int HOSTS = 500;
    static final int FIRST = 10000;
    static final int LAST = 49999;
    /** The port of the static BIB entry: (198.51.100.1, 10080) is (2001:db8:6:4::80, 80). */
    static final int WEB_PORT = 10080;
    static final List<String> MAIN = List.of(
            "pool4 " + POOL4 + " " + FIRST + "-" + LAST,
            "nat64-port-block 64",
            "bib tcp " + WEB6 + " 80 " + POOL4 + " " + WEB_PORT);

    private Nat64Bed main;
    private Nat64Traffic traffic;

    @BeforeAll
    void startMainBed() throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        main = Nat64Bed.start("stateful-main", Nat64Bed.Kind.TUNXLAT, HOSTS, MAIN);
        traffic = new Nat64Traffic(main);
        System.err.printf("[e2e] stateful NAT64 bed %s, log tail on failure%n", main);
    }

    @AfterAll
    void stopMainBed() {
        if (traffic != null) {
            traffic.close();
        }
        if (main != null) {
            main.close();
        }
    }

    private static List<String> hosts(int from, int count) {
        return IntStream.range(from, from + count).mapToObj(Nat64Bed::host).toList();
    }

    private static void assertPool4Port(Endpoint seen, String what) {
        assertEquals(POOL4, seen.address(), what + ": the IPv4 side sees only the pool4 address");
        assertTrue(seen.port() >= FIRST && seen.port() <= LAST, what + ": port " + seen.port() + " outside pool4's "
                + FIRST + "-" + LAST);
    }

    // ---- the shared bed -----------------------------------------------------------------------------

    /**
     * 500 IPv6 hosts open TCP to one IPv4 server at once and each exchanges 4 KiB of random bytes checked end to
     * end; the server sees 500 connections, all from the one pool4 address, 500 different ports, all in range.
     */
    @Test
    void fiveHundredHostsOpenTcpToOneServerAtOnce() throws Exception {
        Nat64Traffic.TcpEcho server = traffic.tcpEcho(SERVER1, 7000);
        List<String> failures = traffic.tcpFromEach(hosts(0, HOSTS), at(viaPrefix(SERVER1), 7000), 4096);
        assertEquals(List.of(), failures, "hosts whose TCP exchange failed; drops: " + main.drops());
        assertEquals(List.of(), server.problems);
        assertEquals(HOSTS, server.peers.size(), "connections the server accepted");
        Set<Integer> ports = new HashSet<>();
        for (Endpoint p : server.peers) {
            assertPool4Port(p, "TCP peer");
            ports.add(p.port());
        }
        assertEquals(HOSTS, ports.size(), "each host has its own pool4 port");
    }

    /**
     * 100 hosts send UDP from the same source port 5555, and ping with the same echo identifier 4242: each gets
     * its own answer (its own payload back), the server sees 100 different pool4 ports.
     */
    @Test
    void udpAndPingFromManyHostsWithTheSameSourcePortAndIdentifier() throws Exception {
        List<String> hosts = hosts(0, 100);
        Nat64Traffic.UdpEcho server = traffic.udpEcho(SERVER1, 7001);
        List<Future<String>> results = new ArrayList<>();
        for (String h : hosts) {
            DatagramSocket s = traffic.udpClient(h, 5555);
            results.add(traffic.background(() ->
                    Nat64Traffic.udpRoundTrip(s, at(viaPrefix(SERVER1), 7001), "udp from " + h) ? null : h));
        }
        List<String> lost = new ArrayList<>();
        for (Future<String> f : results) {
            String r = f.get(30, TimeUnit.SECONDS);
            if (r != null) {
                lost.add(r);
            }
        }
        assertEquals(List.of(), lost, "hosts without their own echo; drops: " + main.drops());
        Set<Endpoint> mappings = new HashSet<>();
        for (String h : hosts) {
            Endpoint seen = server.sourceOf("udp from " + h, Duration.ZERO);
            assertNotNull(seen, h);
            assertPool4Port(seen, "UDP from " + h);
            mappings.add(seen);
        }
        assertEquals(hosts.size(), mappings.size(), "one mapping per host although all use source port 5555");

        List<String> pings = traffic.pingSameIdentifier(hosts, viaPrefix(SERVER1), 4242);
        assertEquals(hosts.size(), pings.size(), "one line per host: " + pings);
        assertEquals(List.of(), pings.stream().filter(l -> !l.startsWith("ok ")).toList(),
                "hosts whose echo (identifier 4242) did not come back to them; drops: " + main.drops());
    }

    /**
     * Endpoint-independent mapping (RFC 4787 REQ-1, RFC 6146 §3.5.1): two hosts use the same source port; each
     * host's (X', x) gets one (T, t) whichever server it sends to, seen by two IPv4 servers. Endpoint-independent
     * filtering (the default, RFC 4787 REQ-8): the second server, which the host never addressed before, reaches it.
     */
    @Test
    void endpointIndependentMappingSeenFromTwoServers() throws Exception {
        Nat64Traffic.UdpEcho s1 = traffic.udpEcho(SERVER1, 7002);
        Nat64Traffic.UdpEcho s2 = traffic.udpEcho(SERVER2, 7002);
        Nat64Traffic.UdpEcho s2other = traffic.udpSink(SERVER2, 7003);
        String a = host(100);
        String b = host(101);
        DatagramSocket sa = traffic.udpClient(a, 6000);
        DatagramSocket sb = traffic.udpClient(b, 6000);
        assertTrue(Nat64Traffic.udpRoundTrip(sa, at(viaPrefix(SERVER1), 7002), "a to s1"));
        assertTrue(Nat64Traffic.udpRoundTrip(sb, at(viaPrefix(SERVER1), 7002), "b to s1"));
        assertTrue(Nat64Traffic.udpRoundTrip(sb, at(viaPrefix(SERVER2), 7002), "b to s2"));
        assertTrue(Nat64Traffic.udpRoundTrip(sa, at(viaPrefix(SERVER2), 7002), "a to s2"));
        Endpoint a1 = s1.sourceOf("a to s1", Duration.ZERO);
        Endpoint a2 = s2.sourceOf("a to s2", Duration.ZERO);
        Endpoint b1 = s1.sourceOf("b to s1", Duration.ZERO);
        Endpoint b2 = s2.sourceOf("b to s2", Duration.ZERO);
        assertEquals(a1, a2, "host a's mapping seen by the two servers");
        assertEquals(b1, b2, "host b's mapping seen by the two servers");
        assertNotEquals(a1, b1, "two hosts with the same source port have different mappings");
        assertPool4Port(a1, "host a");
        assertPool4Port(b1, "host b");

        // endpoint-independent filtering: another port of server 2, never addressed by host a, reaches it
        s2other.sendTo(a1, "from s2, another port");
        assertEquals("received", Nat64Traffic.await(sa, "from s2, another port", Duration.ofSeconds(3)));
    }

    /**
     * Unsolicited inbound traffic to pool4 ports nobody holds is dropped and counted (NAT64_NO_BINDING): UDP to
     * a port of the range no host uses and to one outside the range, and an echo request with an identifier
     * no host uses.
     */
    @Test
    void unsolicitedInboundIsDroppedAndCounted() throws Exception {
        long before = main.dropped("nat64_no_binding");
        Nat64Traffic.UdpEcho sender = traffic.udpSink(SERVER1, 7005);
        sender.sendTo(new Endpoint(POOL4, 9999), "unsolicited, outside the range");
        sender.sendTo(new Endpoint(POOL4, 9998), "unsolicited, outside the range");
        ExecResult ping = main.servers().exec("ping", "-n", "-c", "1", "-W", "1", POOL4);
        assertTrue(ping.output().contains("0 received"), "an unsolicited echo request must not be answered: "
                + ping.describe());
        long after = waitForCount(main, "nat64_no_binding", before + 3);
        assertTrue(after >= before + 3, "nat64_no_binding went from " + before + " to " + after + "; drops: "
                + main.drops());
    }

    /**
     * ICMP errors (RFC 6146 §3.4, §3.5.1, RFC 7915 §4.3): two hosts use source port 6200; host a sends to a
     * closed port of the server, host b to an open one. The server's Port Unreachable, translated with its inner
     * packet's address and port put back to (X', x), reaches host a's connected socket (the kernel matches the
     * inner ports to it); host b gets its echo and no error.
     */
    @Test
    void icmpErrorReachesTheRightHostWithItsOriginalInnerPort() throws Exception {
        traffic.udpEcho(SERVER1, 7006);
        DatagramSocket a = traffic.udpClient(host(110), 6200);
        DatagramSocket b = traffic.udpClient(host(111), 6200);
        a.connect(at(viaPrefix(SERVER1), 7007)); // nobody listens there
        b.connect(at(viaPrefix(SERVER1), 7006));
        Nat64Traffic.send(a, at(viaPrefix(SERVER1), 7007), "to a closed port");
        Nat64Traffic.send(b, at(viaPrefix(SERVER1), 7006), "to the echo");
        assertEquals("port unreachable", Nat64Traffic.await(a, "never", Duration.ofSeconds(3)),
                "host a's socket gets the Port Unreachable; drops: " + main.drops());
        assertEquals("received", Nat64Traffic.await(b, "to the echo", Duration.ofSeconds(3)),
                "host b gets its echo, no error");
    }

    /** A static BIB entry (RFC 6146 §3.1, port forwarding) serves the IPv6 web server to an IPv4 client (curl). */
    @Test
    void staticBibServesAnIpv6WebServerToTheIpv4Side() throws Exception {
        traffic.webServer(WEB6, 80);
        ExecResult r = main.servers().exec(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                "--interface", SERVER2, "http://" + POOL4 + ":" + WEB_PORT + "/");
        assertTrue(r.ok(), r.describe() + "; drops: " + main.drops());
        String peer = r.output().strip();
        assertTrue(peer.startsWith("served to [" + Nat64Bed.canonical(viaPrefix(SERVER2)) + "]:"),
                "the web server sees the IPv4 client in the prefix: " + peer);
    }

    /**
     * Hairpinning (RFC 6146 §3.8): an IPv6 host reaches the IPv6 web server through the pool4 address of its
     * static BIB entry; the web server sees the client as its own pool4 mapping in the prefix, in range.
     */
    @Test
    void hairpinningThroughThePool4AddressOfAStaticBib() throws Exception {
        Nat64Traffic.WebServer web = traffic.webServer(WEB6, 80);
        int served = web.peers.size();
        String client = host(120);
        ExecResult r = main.clients().exec(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                "--interface", client, "-g", "http://[" + viaPrefix(POOL4) + "]:" + WEB_PORT + "/");
        assertTrue(r.ok(), r.describe() + "; drops: " + main.drops());
        assertEquals(served + 1, web.peers.size(), "connections the web server accepted: " + web.peers);
        Endpoint peer = web.peers.get(served);
        assertEquals(Nat64Bed.canonical(viaPrefix(POOL4)), peer.address(),
                "the hairpinned client appears as pool4 in the prefix");
        assertTrue(peer.port() >= FIRST && peer.port() <= LAST, "its port is a pool4 port: " + peer);
        assertEquals("served to " + peer, r.output().strip());
    }

    // ---- beds of their own --------------------------------------------------------------------------

    /**
     * Scaled-down lifetimes ({@code nat64-short-timeouts yes}, UDP 2 s): a mapping still lets the server's
     * datagram in after 1 s, and has expired, inbound dropped as NAT64_NO_BINDING, 4.5 s after the host's only
     * datagram (2 s of lifetime, rounded up to the second, plus one sweeper pass of 1 s and margin).
     */
    @Test
    void shortTimeoutsExpireOnTime(TestInfo info) throws Exception {
        try (Nat64Bed bed = start(info, 4, "pool4 " + POOL4 + " " + FIRST + "-" + LAST, "nat64-short-timeouts yes",
                "nat64-timeout-udp 2");
             Nat64Traffic t = new Nat64Traffic(bed)) {
            Nat64Traffic.UdpEcho server = t.udpSink(SERVER1, 7100);
            DatagramSocket early = t.udpClient(host(0), 6300);
            DatagramSocket late = t.udpClient(host(1), 6300);
            long t0 = System.nanoTime();
            Nat64Traffic.send(early, at(viaPrefix(SERVER1), 7100), "early");
            Nat64Traffic.send(late, at(viaPrefix(SERVER1), 7100), "late");
            Endpoint earlyMapping = server.sourceOf("early", Duration.ofSeconds(2));
            Endpoint lateMapping = server.sourceOf("late", Duration.ofSeconds(2));
            assertNotNull(earlyMapping, "drops: " + bed.drops());
            assertNotNull(lateMapping, "drops: " + bed.drops());
            sleepUntil(t0, Duration.ofMillis(1000));
            server.sendTo(earlyMapping, "within the lifetime");
            assertEquals("received", Nat64Traffic.await(early, "within the lifetime", Duration.ofMillis(700)),
                    "1 s into a 2 s UDP lifetime the mapping lets the server in");
            sleepUntil(t0, Duration.ofMillis(4500));
            long before = bed.dropped("nat64_no_binding");
            server.sendTo(lateMapping, "after the lifetime");
            assertEquals("nothing", Nat64Traffic.await(late, "after the lifetime", Duration.ofMillis(700)),
                    "4.5 s after its only datagram, a 2 s UDP mapping has expired");
            assertTrue(waitForCount(bed, "nat64_no_binding", before + 1) >= before + 1, "drops: " + bed.drops());
        }
    }

    /**
     * A pool of 10 UDP ports without blocks: ten hosts get the ten ports, the eleventh host's datagram is
     * dropped and counted as NAT64_POOL_EXHAUSTED. Host i sends from port 6400 + i, five even and five odd, so
     * that the ten fit whether the allocator keeps the source port's parity (RFC 4787 REQ-4) or not.
     */
    @Test
    void tenPortPoolRefusesTheEleventhFlow(TestInfo info) throws Exception {
        try (Nat64Bed bed = start(info, 11, "pool4 " + POOL4 + " udp 40000-40009", "nat64-port-block 0");
             Nat64Traffic t = new Nat64Traffic(bed)) {
            Nat64Traffic.UdpEcho server = t.udpEcho(SERVER1, 7200);
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                DatagramSocket s = t.udpClient(host(i), 6400 + i);
                assertTrue(Nat64Traffic.udpRoundTrip(s, at(viaPrefix(SERVER1), 7200), "flow " + i),
                        "flow " + i + " of 10; drops: " + bed.drops());
                Endpoint seen = server.sourceOf("flow " + i, Duration.ZERO);
                assertEquals(POOL4, seen.address());
                assertTrue(seen.port() >= 40000 && seen.port() <= 40009, "port " + seen);
                ports.add(seen.port());
            }
            assertEquals(10, ports.size(), "ten flows, ten ports");
            long before = bed.dropped("nat64_pool_exhausted");
            DatagramSocket eleventh = t.udpClient(host(10), 6410);
            assertTrue(!Nat64Traffic.udpRoundTrip(eleventh, at(viaPrefix(SERVER1), 7200), "flow 10"),
                    "the eleventh flow must not get through a full 10-port pool");
            assertNull(server.sourceOf("flow 10", Duration.ZERO), "the server never saw the eleventh flow");
            long after = waitForCount(bed, "nat64_pool_exhausted", before + 1);
            assertTrue(after >= before + 1, "nat64_pool_exhausted went from " + before + " to " + after + "; drops: "
                    + bed.drops());
        }
    }

    /** One TCP port in pool4, no blocks: the IPv4 side knows (T, t) = (198.51.100.1, 40000) before any binding exists. */
    private static final String[] ONE_TCP_PORT = {"pool4 " + POOL4 + " tcp 40000-40000", "nat64-port-block 0"};

    /**
     * Simultaneous open (RFC 6146 §3.5.2.2): an IPv4 SYN to (T, t) without a binding is held; the IPv6 host's own
     * SYN to the same server within 6 s creates the binding (the held SYN is discarded) and reaches the server,
     * whose socket is in SYN-SENT: a connection both sides opened, which carries data both ways. With port blocks
     * (the default, 128 ports): the held port's block is free, and the IPv6 host's subscriber takes it.
     */
    @Test
    void simultaneousOpenFromBothSides(TestInfo info) throws Exception {
        try (Nat64Bed bed = start(info, 1, "pool4 " + POOL4 + " tcp 40000-40999");
             Nat64Traffic t = new Nat64Traffic(bed)) {
            InetSocketAddress binding = at(POOL4, 40321);
            Future<Socket> v4 = t.background(() -> t.connect(bed.servers(), at(SERVER2, 7300), binding));
            Thread.sleep(500); // the IPv4 SYN is held now
            Socket v6 = t.connect(bed.clients(), at(host(0), 5600), at(viaPrefix(SERVER2), 7300));
            Socket s4 = v4.get(30, TimeUnit.SECONDS);
            assertEquals(binding, s4.getRemoteSocketAddress(), "the IPv4 side is connected to the binding");
            v6.getOutputStream().write("from v6\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("from v6\n", new String(s4.getInputStream().readNBytes(8), StandardCharsets.US_ASCII));
            s4.getOutputStream().write("from v4\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("from v4\n", new String(v6.getInputStream().readNBytes(8), StandardCharsets.US_ASCII));
        }
    }

    /**
     * RFC 6146 §3.5.2.2: an IPv4 SYN without a binding that no IPv6 SYN meets is held 6 s, then answered with
     * ICMP Port Unreachable: the IPv4 side's connect is refused after about 6 s, not at once and not by its own
     * SYN retries running out.
     */
    @Test
    void unansweredIpv4SynIsRefusedAfterSixSeconds(TestInfo info) throws Exception {
        try (Nat64Bed bed = start(info, 1, ONE_TCP_PORT);
             Nat64Traffic t = new Nat64Traffic(bed)) {
            long start = System.nanoTime();
            try {
                t.connect(bed.servers(), at(SERVER2, 7301), at(POOL4, 40000)).close();
                throw new AssertionError("an IPv4 SYN nobody answers from the IPv6 side must not open a connection");
            } catch (ConnectException e) {
                double took = (System.nanoTime() - start) / 1e9;
                assertTrue(took >= 5.5 && took <= 10, "the unanswered SYN is held about 6 s, then refused: " + took
                        + " s (" + e.getMessage() + ")");
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no Port Unreachable " + Nat64Traffic.IO.toSeconds() + " s after the held SYN;"
                        + " drops: " + bed.drops(), e);
            }
        }
    }

    /**
     * A flood from random sources of one /64 ({@code nat64-subscriber-prefix 64}: one subscriber, limited to 2
     * blocks and 100 sessions, {@code nat64-max-sessions} bounding the tables) meets its subscriber limit
     * (NAT64_SUBSCRIBER_LIMIT counted) while a host of another /64 connects and exchanges data in the middle of it.
     */
    @Test
    void spoofedSourceFloodLeavesALegitimateSubscriberAbleToConnect(TestInfo info) throws Exception {
        try (Nat64Bed bed = start(info, 1, "pool4 " + POOL4 + " " + FIRST + "-" + LAST, "nat64-port-block 64",
                "nat64-subscriber-prefix 64", "nat64-max-blocks 2", "nat64-max-subscriber-sessions 100",
                "nat64-max-sessions 4096");
             Nat64Traffic t = new Nat64Traffic(bed);
             Flood flood = new Flood(info.getTestMethod().orElseThrow().getName())) {
            t.tcpEcho(SERVER1, 7400);
            flood.start(bed.clients(), "-6", "--src", Nat64Bed.SPOOFED, "--dst", viaPrefix(SERVER1), "--dport", "9",
                    "--rate", "8000", "--seconds", "4");
            Thread.sleep(1500);
            Socket legit = t.connect(bed.clients(), at(OTHER_SUBSCRIBER, 0), at(viaPrefix(SERVER1), 7400));
            byte[] data = new byte[8192];
            new Random().nextBytes(data);
            assertNull(Nat64Traffic.exchange(legit, data), "the legitimate subscriber's exchange during the flood");
            long sent = Flood.sent(flood.await(Duration.ofSeconds(60)));
            long limited = bed.dropped("nat64_subscriber_limit");
            assertTrue(limited > 0, "the flood's subscriber met its limit (" + sent + " sent); drops: " + bed.drops());
            // and the legitimate connection still works after the flood
            assertNull(Nat64Traffic.exchange(legit, data), "after the flood");
        }
    }

    /**
     * A restart (SIGTERM, then a start with the same {@code data-dir}) keeps an established TCP connection: the
     * sessions written at the stop are read back (issue 16 item 4), so the same socket carries data both ways
     * afterwards and the server still sees the same pool4 port.
     */
    @Test
    void restartKeepsATcpConnectionAlive(TestInfo info) throws Exception {
        try (Nat64Bed bed = start(info, 1, "pool4 " + POOL4 + " " + FIRST + "-" + LAST);
             Nat64Traffic t = new Nat64Traffic(bed)) {
            Nat64Traffic.TcpEcho server = t.tcpEcho(SERVER1, 7500);
            Socket s = t.connect(bed.clients(), at(host(0), 0), at(viaPrefix(SERVER1), 7500));
            byte[] before = "before the restart".getBytes(StandardCharsets.US_ASCII);
            assertNull(Nat64Traffic.exchange(s, before));
            Duration stop = bed.restart();
            byte[] after = "after the restart, same socket".getBytes(StandardCharsets.US_ASCII);
            assertNull(Nat64Traffic.exchange(s, after), "the connection survives the restart; log tail:\n"
                    + bed.logTail(20) + "\ndrops: " + bed.drops());
            assertEquals(1, server.peers.size(), "still the one connection");
            assertTrue(stop.compareTo(TestBed.STOP_GRACE) < 0, "the stop that wrote the state took " + stop.toMillis()
                    + " ms, more than " + TestBed.STOP_GRACE.toMillis() + " ms");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static Nat64Bed start(TestInfo info, int hosts, String... lines) throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        return Nat64Bed.start("stateful-" + info.getTestMethod().orElseThrow().getName(), Nat64Bed.Kind.TUNXLAT, hosts,
                List.of(lines));
    }

    private static void sleepUntil(long t0, Duration offset) throws InterruptedException {
        long wait = t0 + offset.toNanos() - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** Polls the drop counter (workers publish their counters every so often) until it reaches {@code want}, 5 s at most. */
    static long waitForCount(Nat64Bed bed, String reason, long want) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long now;
        while ((now = bed.dropped(reason)) < want && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        return now;
    }
}
