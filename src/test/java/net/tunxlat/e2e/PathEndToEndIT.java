// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static net.tunxlat.e2e.TestBed.IPV6_HOST_MAPPED;
import static net.tunxlat.e2e.TestBed.TRANSLATOR_IPV4;
import static net.tunxlat.e2e.TestBed.TRANSLATOR_IPV6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The path through tunxlat as applications see it (issue 3): traceroute across the translator in
 * both directions, path MTU discovery over a 1400-byte IPv4 link, and UDP datagrams that need
 * fragmenting in both directions. tunxlat only; needs root, and {@code traceroute} for the traceroute
 * tests ({@code apt-get install traceroute}).
 *
 * <p>Beds with an IPv4 router ({@link TestBed.Builder#ipv4Router()}):
 *
 * <pre>
 *   IPv6 host ── 2001:db8:6::1 [translator ns, tunxlat 192.168.255.1 / 2001:db8:64::c0a8:ff01] 198.51.100.1
 *       ── 198.51.100.2 [IPv4 router] 203.0.113.1 ── 203.0.113.2 IPv4 host
 * </pre>
 */
class PathEndToEndIT {
    private static final int PORT = 5002;
    /** 198.51.100.1, the translator namespace's own IPv4 address, as the IPv6 host sees it. */
    private static final String TRANSLATOR_NS_VIA_PREFIX = "2001:db8:64::c633:6401";
    /** 198.51.100.2, the IPv4 router, as the IPv6 host sees it. */
    private static final String ROUTER_VIA_PREFIX = "2001:db8:64::c633:6402";
    private static final Pattern HOP = Pattern.compile("^\\s*(\\d+)\\s+(\\S+)(.*)$");
    private static final Pattern PACKET_TOO_BIG = Pattern.compile("From (\\S+?):? icmp_seq=\\d+ Packet too big: mtu=(\\d+)");

    @RegisterExtension
    final BedPerTest env = new BedPerTest();

    @BeforeEach
    void needRoot() {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
    }

    // ---- traceroute -------------------------------------------------------------------------------

    /**
     * traceroute -6 to the IPv4 host: the translator namespace's kernel (hop 1), tunxlat's own Time
     * Exceeded (hop 2, from its IPv6 address), then ICMPv4 Time Exceeded from the IPv4 routers beyond
     * it, translated to ICMPv6 with their addresses in the prefix (hops 3 and 4), and the IPv4 host's
     * Port Unreachable, translated, at the end.
     */
    @Test
    void traceroute6ThroughTranslatorAndIpv4Router() throws Exception {
        needTraceroute();
        TestBed bed = env.start("traceroute6", b -> b.ipv4Router());
        noIcmpRateLimits(bed);
        ExecResult r = bed.ipv6Host().exec(Duration.ofSeconds(60), "traceroute", "-6", "-n", "-q", "1", "-w", "2",
                "-N", "1", "-m", "10", IPV4_HOST_VIA_PREFIX);
        List<String> hops = hops(r);
        System.err.println("[e2e] traceroute -6 " + IPV4_HOST_VIA_PREFIX + ": " + hops);
        assertEquals(List.of(TestBed.IPV6_GATEWAY, TRANSLATOR_IPV6, TRANSLATOR_NS_VIA_PREFIX, ROUTER_VIA_PREFIX,
                IPV4_HOST_VIA_PREFIX), hops, "hops of " + r.describe());
    }

    /**
     * traceroute from the IPv4 host to the IPv6 host's mapped address: the router, the translator
     * namespace's kernel, tunxlat's own Time Exceeded (192.168.255.1), the IPv6 side's router (the
     * translator namespace's kernel, 2001:db8:6::1, which has no IPv4 mapping: RFC 6791 gives it the
     * translator's address), and the IPv6 host, whose ICMPv6 Port Unreachable comes back as ICMPv4.
     */
    @Test
    void tracerouteFromIpv4HostThroughStaticMap() throws Exception {
        needTraceroute();
        TestBed bed = env.start("traceroute4", b -> b.ipv4Router());
        noIcmpRateLimits(bed);
        ExecResult r = bed.ipv4Host().exec(Duration.ofSeconds(60), "traceroute", "-n", "-q", "1", "-w", "2",
                "-N", "1", "-m", "10", IPV6_HOST_MAPPED);
        List<String> hops = hops(r);
        System.err.println("[e2e] traceroute " + IPV6_HOST_MAPPED + ": " + hops);
        assertEquals(List.of(TestBed.IPV4_GATEWAY, TestBed.TRANSLATOR_NS_ROUTER_LINK, TRANSLATOR_IPV4, TRANSLATOR_IPV4,
                IPV6_HOST_MAPPED), hops, "hops of " + r.describe());
    }

    private static void needTraceroute() {
        Assumptions.assumeTrue(Cmd.exec(Duration.ofSeconds(5), List.of("sh", "-c", "command -v traceroute")).ok(),
                "traceroute is not installed (apt-get install traceroute); skipped");
    }

    /** The address of each hop, in order; fails on a hop that did not answer or answered with an error flag. */
    private static List<String> hops(ExecResult r) {
        assertTrue(r.ok(), r.describe());
        List<String> hops = new ArrayList<>();
        for (String line : r.output().lines().skip(1).toList()) {
            Matcher m = HOP.matcher(line);
            if (!m.matches()) {
                continue;
            }
            assertEquals(hops.size() + 1, Integer.parseInt(m.group(1)), "hop number in " + r.describe());
            assertTrue(!m.group(2).equals("*") && !m.group(3).contains("!"), "hop " + m.group(1) + " in " + r.describe());
            hops.add(m.group(2));
        }
        return hops;
    }

    private static void noIcmpRateLimits(TestBed bed) {
        // The kernels' per-destination ICMP rate limits would turn fast consecutive probes into "*".
        bed.translatorNs().sysctl("net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0");
        bed.ipv4Router().sysctl("net.ipv4.icmp_ratelimit=0");
        bed.ipv4Host().sysctl("net.ipv4.icmp_ratelimit=0");
        bed.ipv6Host().sysctl("net.ipv6.icmp.ratelimit=0");
    }

    // ---- path MTU discovery ---------------------------------------------------------------------

    /**
     * The translator's IPv4 link has MTU 1400. A 1500-byte IPv6 packet with DF becomes a 1480-byte
     * IPv4 packet the translator namespace's kernel cannot forward: it sends ICMPv4 Fragmentation
     * Needed (MTU 1400) to the translated source, and tunxlat turns it into ICMPv6 Packet Too Big with
     * MTU 1420 (RFC 7915 §4.2: MTU + 20), from the kernel's address in the prefix. Then TCP finds the
     * path MTU by itself in both directions (1 MiB each way, content checked).
     */
    @Test
    void pathMtuDiscoveryOver1400ByteIpv4Link() throws Exception {
        TestBed bed = env.start("pmtu", b -> b.ipv4Router().ipv4LinkMtu(1400));
        assertPacketTooBig(bed, TRANSLATOR_NS_VIA_PREFIX);
        tcpBothWays(bed);
    }

    /**
     * With {@code ipv4-egress-mtu 1400} tunxlat knows the IPv4 MTU itself: the same oversized packet
     * is answered by tunxlat with ICMPv6 Packet Too Big, MTU 1420, from its own IPv6 address, before
     * the kernel sees it; TCP then works both ways.
     */
    @Test
    void pathMtuWithIpv4EgressMtuConfigured() throws Exception {
        TestBed bed = env.start("pmtu-egress", b -> b.ipv4Router().ipv4LinkMtu(1400).configLine("ipv4-egress-mtu 1400"));
        assertPacketTooBig(bed, TRANSLATOR_IPV6);
        tcpBothWays(bed);
    }

    private static void assertPacketTooBig(TestBed bed, String expectedFrom) {
        Netns v6 = bed.ipv6Host();
        ExecResult r = v6.exec("ping", "-6", "-n", "-c", "1", "-W", "2", "-M", "do", "-s", "1452", IPV4_HOST_VIA_PREFIX);
        Matcher m = PACKET_TOO_BIG.matcher(r.output());
        assertTrue(m.find(), "expected Packet too big: " + r.describe());
        System.err.println("[e2e] ping -M do -s 1452: Packet too big from " + m.group(1) + ", mtu " + m.group(2));
        assertEquals("1420", m.group(2), "Packet Too Big MTU (1400 + 20): " + r.describe());
        assertEquals(expectedFrom, m.group(1), "Packet Too Big source: " + r.describe());
        assertTrue(v6.ip("-6", "route", "get", IPV4_HOST_VIA_PREFIX).contains("mtu 1420"),
                "the IPv6 host caches path MTU 1420: " + v6.ip("-6", "route", "get", IPV4_HOST_VIA_PREFIX));
        ExecResult fits = v6.exec("ping", "-6", "-n", "-c", "1", "-W", "2", "-M", "do", "-s", "1372", IPV4_HOST_VIA_PREFIX);
        assertTrue(fits.ok(), "a 1420-byte packet (1400 as IPv4) must get through: " + fits.describe());
        // Forget the learnt MTU so that the TCP transfers discover it themselves.
        v6.ip("-6", "route", "flush", "cache");
        assertTrue(!v6.ip("-6", "route", "get", IPV4_HOST_VIA_PREFIX).contains("mtu"),
                "path MTU forgotten: " + v6.ip("-6", "route", "get", IPV4_HOST_VIA_PREFIX));
    }

    private void tcpBothWays(TestBed bed) throws Exception {
        try (Traffic traffic = new Traffic()) {
            traffic.tcpEcho(bed.ipv4Host(), new InetSocketAddress("0.0.0.0", PORT),
                    bed.ipv6Host(), new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT), IPV6_HOST_MAPPED, 1 << 20);
            assertTrue(bed.ipv6Host().ip("-6", "route", "get", IPV4_HOST_VIA_PREFIX).contains("mtu 1420"),
                    "TCP from the IPv6 host found path MTU 1420");
            traffic.tcpEcho(bed.ipv6Host(), new InetSocketAddress("::", PORT + 1),
                    bed.ipv4Host(), new InetSocketAddress(IPV6_HOST_MAPPED, PORT + 1), IPV4_HOST_VIA_PREFIX, 1 << 20);
            assertTrue(bed.ipv4Host().ip("route", "get", IPV6_HOST_MAPPED).contains("mtu 1400"),
                    "TCP from the IPv4 host found path MTU 1400: " + bed.ipv4Host().ip("route", "get", IPV6_HOST_MAPPED));
        }
    }

    // ---- fragmented UDP -------------------------------------------------------------------------

    /**
     * 3000- and 9000-byte UDP datagrams both ways. From the IPv6 host they leave as IPv6 fragments and
     * become IPv4 fragments (RFC 7915 §5.1.1); from the IPv4 host they leave as 1500-byte IPv4
     * fragments without DF, which tunxlat must cut again to fit 1280-byte IPv6 packets (§4.1). The
     * server checks the size and content of what it receives, the client those of the echo.
     */
    @Test
    void fragmentedUdpBothWays() throws Exception {
        TestBed bed = env.start("fragmented-udp", b -> b);
        try (Traffic traffic = new Traffic()) {
            traffic.udpEcho(bed.ipv4Host(), new InetSocketAddress("0.0.0.0", PORT), bed.ipv6Host(),
                    new InetSocketAddress("::", 0), new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT), IPV6_HOST_MAPPED,
                    3000, 9000);
            traffic.udpEcho(bed.ipv6Host(), new InetSocketAddress("::", PORT + 1), bed.ipv4Host(),
                    new InetSocketAddress("0.0.0.0", 0), new InetSocketAddress(IPV6_HOST_MAPPED, PORT + 1),
                    IPV4_HOST_VIA_PREFIX, 3000, 9000);
        }
        String v6 = bed.ipv6Host().exec("nstat", "-az", "Ip6ReasmOKs").output();
        String v4 = bed.ipv4Host().exec("nstat", "-az", "IpReasmOKs").output();
        assertTrue(reassembled(v6) >= 4 && reassembled(v4) >= 4,
                "both hosts reassembled fragmented datagrams:\n" + v6 + v4);
    }

    private static long reassembled(String nstat) {
        Matcher m = Pattern.compile("Reasm\\w*OKs\\s+(\\d+)").matcher(nstat);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    // ---- a bed per test ---------------------------------------------------------------------------

    /** Starts a tunxlat bed for the current test and closes it afterwards, printing the log tail on failure. */
    static final class BedPerTest implements AfterEachCallback {
        private TestBed bed;

        TestBed start(String label, UnaryOperator<TestBed.Builder> options) throws Exception {
            Translator tunxlat = Translator.tunxlat(Path.of(System.getProperty("tunxlat.jar", "target/tunxlat.jar")));
            bed = options.apply(TestBed.builder(tunxlat).label(label)).start();
            System.err.printf("[e2e] %s: tunxlat in %s, log %s%n", label, bed.namespaceNames(), bed.logFile());
            return bed;
        }

        @Override
        public void afterEach(ExtensionContext context) {
            if (bed == null) {
                return;
            }
            TestBed current = bed;
            bed = null;
            AssertionError closeFailure = null;
            try {
                current.close();
            } catch (AssertionError e) {
                closeFailure = e;
            }
            if (context.getExecutionException().isPresent() || closeFailure != null) {
                System.err.printf("[e2e] %s failed; tunxlat log tail (%s):%n%s%n", context.getDisplayName(),
                        current.logFile(), current.logTail(40));
            }
            if (closeFailure != null) {
                throw closeFailure;
            }
        }
    }
}
