// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.NptBed.INSIDE_HOST;
import static net.tunxlat.e2e.NptBed.OUTSIDE_HOST;
import static net.tunxlat.e2e.NptBed.ROUTER_LAN;
import static net.tunxlat.e2e.NptBed.ROUTER_WAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import java.nio.ByteBuffer;

/**
 * NPTv6 through tunxlat between network namespaces (see {@link NptBed}): a LAN host whose only address
 * is a ULA reaches an outside IPv6 host; replies, connections from outside and ICMPv6 errors come back;
 * traceroute works; {@code tunxlat doctor} passes on the configured router, finds a deleted rule and
 * prints the command that fixes it. Needs root; skipped otherwise.
 *
 * <pre>
 *   mvn verify -Dit.test=Nptv6EndToEndIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class Nptv6EndToEndIT {
    static final String IN48 = "fd01:203:405::/48";
    static final String OUT48 = "2001:db8:1::/48";
    static final String IN64 = "fd01:203:405:1::/64";
    static final String OUT64 = "2001:db8:2::/64";
    private static final int PORT = 5001;

    /** TCP echoes with content checks (shared with the other end-to-end tests). */
    private final Traffic traffic = new Traffic();
    private final List<NptBed> beds = new ArrayList<>();
    private String testName;

    /** Prints the translator's log tail when a test fails. */
    @RegisterExtension
    final TestWatcher logOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            for (NptBed b : beds) {
                System.err.printf("[e2e] %s failed; %s, log %s:%n%s%n", context.getDisplayName(), b, b.logFile(),
                        b.logTail(40));
            }
        }
    };

    @BeforeEach
    void requireRoot(TestInfo info) {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(System.getProperty(Translator.PROPERTY, "tunxlat").equals("tunxlat"),
                "NPTv6 is tunxlat's own: TAYGA has none; skipped with -D" + Translator.PROPERTY + "=tayga");
        testName = info.getTestMethod().map(m -> m.getName()).orElse("nptv6");
    }

    @AfterEach
    void tearDown() {
        traffic.close();
        // The watcher runs after this and reads the logs from disk, where they stay.
        AssertionError first = null;
        for (NptBed b : beds) {
            try {
                b.close();
            } catch (AssertionError e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private NptBed start(String inside, String outside, String... extraConfig) throws IOException, InterruptedException {
        NptBed bed = NptBed.start(testName, NptBed.Mode.TUNXLAT, inside, outside, List.of(extraConfig));
        beds.add(bed);
        System.err.printf("[e2e] %s: %s, log %s%n", testName, bed, bed.logFile());
        return bed;
    }

    // ---- ping, TCP, both directions ----------------------------------------------------------------

    @Test
    void ulaOnlyHostPingsTheOutsideHost() throws Exception {
        NptBed bed = start(IN48, OUT48);
        String global = bed.insideHost().ip("-6", "-o", "addr", "show", "dev", "eth0", "scope", "global");
        assertEquals(1, global.lines().count(), "the inside host has one global-scope address: " + global);
        assertTrue(global.contains(INSIDE_HOST + "/64"), global);
        ExecResult r = bed.insideHost().exec("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", OUTSIDE_HOST);
        assertTrue(r.ok() && r.output().contains("3 packets transmitted, 3 received"), r.describe());
    }

    @Test
    void tcpFromInsideArrivesFromTheRfc6296Address() throws Exception {
        NptBed bed = start(IN48, OUT48);
        String expected = new Rfc6296Reference(IN48, OUT48).outbound(INSIDE_HOST);
        assertEquals("2001:db8:1:d550::1234", expected, "RFC 6296 §3.6's own example");
        tcpEcho(bed.outsideHost(), new InetSocketAddress("::", PORT), bed.insideHost(),
                new InetSocketAddress(OUTSIDE_HOST, PORT), expected);
    }

    @Test
    void tcpFromOutsideReachesTheInsideHostAtItsOutsideAddress() throws Exception {
        NptBed bed = start(IN48, OUT48);
        String outsideForm = new Rfc6296Reference(IN48, OUT48).outbound(INSIDE_HOST);
        tcpEcho(bed.insideHost(), new InetSocketAddress("::", PORT), bed.outsideHost(),
                new InetSocketAddress(outsideForm, PORT), OUTSIDE_HOST);
    }

    @Test
    void slash64MappingAdjustsTheInterfaceIdentifier() throws Exception {
        NptBed bed = start(IN64, OUT64);
        String expected = new Rfc6296Reference(IN64, OUT64).outbound(INSIDE_HOST);
        assertEquals("2001:db8:2:0:d54f::1234", expected, "§3.5: the first IID word takes the adjustment");
        ExecResult r = bed.insideHost().exec("ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", OUTSIDE_HOST);
        assertTrue(r.ok(), r.describe());
        tcpEcho(bed.outsideHost(), new InetSocketAddress("::", PORT), bed.insideHost(),
                new InetSocketAddress(OUTSIDE_HOST, PORT), expected);
        tcpEcho(bed.insideHost(), new InetSocketAddress("::", PORT + 1), bed.outsideHost(),
                new InetSocketAddress(expected, PORT + 1), OUTSIDE_HOST);
    }

    /**
     * Sends 1 MiB from {@code clientNs} to an echo server in {@code serverNs}; checks the echo, the
     * server's SHA-256 and the client address the server saw.
     */
    private void tcpEcho(Netns serverNs, InetSocketAddress bind, Netns clientNs, InetSocketAddress target,
                         String expectedPeer) throws Exception {
        traffic.tcpEcho(serverNs, bind, clientNs, target, expectedPeer, 1 << 20);
    }

    // ---- ICMPv6 errors and hop limits --------------------------------------------------------------

    @Test
    void portUnreachableComesBackWithTheEmbeddedPacketTranslated() throws Exception {
        NptBed bed = start(IN48, OUT48);
        try (RawSockets.Capture cap = RawSockets.Capture.start(bed.insideHost(), "eth0")) {
            DatagramChannel ch = bed.insideHost().openUdp(new InetSocketAddress("::", 0));
            ch.connect(new InetSocketAddress(OUTSIDE_HOST, 9)); // nothing listens on the outside host's port 9
            ch.socket().setSoTimeout(5000);
            String tag = "NPTV6-UDP-PROBE";
            ch.write(ByteBuffer.wrap(tag.getBytes(StandardCharsets.US_ASCII)));
            // The kernel hands the error to this socket only if the embedded packet is the one it sent,
            // that is, if its source was translated back to the inside address.
            assertThrows(PortUnreachableException.class,
                    () -> ch.socket().receive(new DatagramPacket(new byte[100], 100)),
                    "the inside socket must see ICMPv6 port unreachable");
            byte[] err = cap.await(tag, 3000);
            assertNotNull(err, "no ICMPv6 error arrived at the inside host");
            assertTrue(V6Packet.isIcmpError(err), V6Packet.describe(err));
            assertEquals(1, err[40] & 0xff, "type: destination unreachable");
            assertEquals(4, err[41] & 0xff, "code: port unreachable");
            assertEquals(OUTSIDE_HOST, V6Packet.src(err));
            assertEquals(INSIDE_HOST, V6Packet.dst(err));
            assertEquals(INSIDE_HOST, V6Packet.innerSrc(err), "embedded source translated back: " + V6Packet.describe(err));
            assertEquals(OUTSIDE_HOST, V6Packet.innerDst(err));
            assertTrue(V6Packet.l4ChecksumOk(err), "ICMPv6 checksum still valid (checksum-neutral rewrite)");
            // The inside host's kernel leaves the UDP checksum partial (veth checksum offload) and tunxlat keeps
            // it partial, as Linux's own forwarding does, so the outside host quotes either a complete checksum
            // or that partial sum; either way it must be exactly right for the inside source (checksum-neutral).
            byte[] embedded = V6Packet.inner(err);
            assertTrue(V6Packet.l4ChecksumOk(embedded) || V6Packet.l4ChecksumPartialOk(embedded),
                    "embedded UDP checksum valid (complete or partial) for the inside source: " + V6Packet.describe(err));
        }
    }

    @Test
    void tracerouteThroughTheTranslator() throws Exception {
        NptBed bed = start(IN48, OUT48);
        Assumptions.assumeTrue(Cmd.exec(Duration.ofSeconds(5), List.of("sh", "-c", "command -v traceroute")).ok(),
                "traceroute is not installed (apt-get install traceroute); skipped");
        ExecResult r = bed.insideHost().exec(Duration.ofSeconds(60), "traceroute", "-6", "-n", "-q", "1", "-w", "2",
                "-m", "8", OUTSIDE_HOST);
        assertTrue(r.ok(), r.describe());
        List<String> hops = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*(\\d+)\\s+(\\S+)").matcher(r.output());
        while (m.find()) {
            hops.add(m.group(2));
        }
        Files.writeString(TestBed.logDirectory().resolve("nptv6-traceroute.txt"), r.output());
        // The router forwards each packet twice (LAN -> TUN, TUN -> WAN), so it is two hops: first with
        // its LAN address, then (the Time Exceeded going back through tunxlat, embedded packet translated)
        // with its WAN address. tunxlat itself leaves the hop limit alone (RFC 6296 is not a router).
        assertEquals(List.of(ROUTER_LAN, ROUTER_WAN, OUTSIDE_HOST), hops, r.output());
    }

    @Test
    void hopLimitIsDecrementedOnlyByTheKernel() throws Exception {
        NptBed bed = start(IN48, OUT48);
        try (RawSockets.Capture cap = RawSockets.Capture.start(bed.outsideHost(), "eth0")) {
            String tag = "NPTV6-HLIM";
            RawSockets.send(bed.insideHost(), V6Packet.ipv6(INSIDE_HOST, NptBed.FAR_SINK, V6Packet.UDP, 64,
                    V6Packet.udp(4000, 4001, tag)));
            byte[] p = cap.await(tag, 3000);
            assertNotNull(p, "the packet did not arrive");
            assertEquals("2001:db8:1:d550::1234", V6Packet.src(p));
            assertEquals(62, V6Packet.hopLimit(p), "64 minus the kernel's two forwarding passes, none by tunxlat");
            assertTrue(V6Packet.l4ChecksumOk(p), "UDP checksum unchanged and still valid");
        }
    }

    @Test
    void pathMtuDiscoveryWorksThroughTheTranslator() throws Exception {
        NptBed bed = start(IN48, OUT48);
        // A narrower path beyond the router (a route MTU, so the outside host still offers a 1440-byte MSS):
        // the router's Packet Too Big goes to the translated source, back into the TUN device, and must
        // reach the inside host with its embedded packet translated, or the transfer stalls.
        bed.router().ip("-6", "route", "add", OUTSIDE_HOST + "/128", "dev", "wan", "mtu", "1400");
        tcpEcho(bed.outsideHost(), new InetSocketAddress("::", PORT), bed.insideHost(),
                new InetSocketAddress(OUTSIDE_HOST, PORT), new Rfc6296Reference(IN48, OUT48).outbound(INSIDE_HOST));
        String route = bed.insideHost().ip("-6", "route", "get", OUTSIDE_HOST);
        assertTrue(route.contains("mtu 1400"), "the inside host learned the path MTU: " + route);
    }

    @Test
    void hairpinningToTheSitesOwnOutsideAddress() throws Exception {
        NptBed bed = start(IN48, OUT48);
        // RFC 6296 §4.3: an inside host reaching an inside host through the site's outside address.
        String outsideForm = new Rfc6296Reference(IN48, OUT48).outbound(INSIDE_HOST);
        ExecResult r = bed.insideHost().exec("ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", outsideForm);
        assertTrue(r.ok() && r.output().contains("2 received"), r.describe());
        tcpEcho(bed.insideHost(), new InetSocketAddress("::", PORT), bed.insideHost(),
                new InetSocketAddress(outsideForm, PORT), outsideForm);
    }

    @Test
    void untranslatableSubnetIsAnsweredWithDestinationUnreachable() throws Exception {
        NptBed bed = start(IN48, OUT48, "ipv6-addr 2001:db8:ff::1");
        try (RawSockets.Capture inside = RawSockets.Capture.start(bed.insideHost(), "eth0");
             RawSockets.Capture outside = RawSockets.Capture.start(bed.outsideHost(), "eth0")) {
            String tag = "NPTV6-SUBNET-FFFF";
            String src = "fd01:203:405:ffff::1"; // RFC 6296 §4.2: a /48 site MUST NOT use subnet 0xFFFF
            RawSockets.send(bed.insideHost(), V6Packet.ipv6(src, NptBed.FAR_SINK, V6Packet.UDP, 64,
                    V6Packet.udp(4000, 4001, tag)));
            byte[] err = inside.await(tag, 3000);
            assertNotNull(err, "no ICMPv6 error came back");
            assertEquals("2001:db8:ff::1 -> " + src + " hlim 63 ICMPv6 1/3 [" + src + " -> " + NptBed.FAR_SINK + "]",
                    V6Packet.describe(err), "§3.2: Destination Unreachable (address unreachable) from ipv6-addr");
            assertTrue(V6Packet.l4ChecksumOk(err));
            assertEquals(null, outside.await(tag, 300), "nothing left the site");
        }
    }

    // ---- tunxlat doctor ----------------------------------------------------------------------------

    @Test
    void doctorPassesFindsADeletedRuleAndItsFixWorks() throws Exception {
        NptBed bed = start(IN48, OUT48);
        ExecResult ok = bed.doctor();
        Path dir = TestBed.logDirectory();
        Files.writeString(dir.resolve("nptv6-doctor-ok.txt"), ok.output());
        assertEquals(0, ok.exitCode(), ok.describe());
        assertTrue(ok.output().contains(" 0 problems"), ok.output());
        assertFalse(ok.output().contains("PROBLEM"), ok.output());

        bed.router().ip("-6", "rule", "del", "from", IN48, "lookup", NptBed.TABLE);
        ExecResult broken = bed.insideHost().exec("ping", "-n", "-c", "1", "-W", "1", OUTSIDE_HOST);
        assertFalse(broken.ok(), "without the rule, packets leave untranslated and no reply finds the way back");

        ExecResult bad = bed.doctor();
        Files.writeString(dir.resolve("nptv6-doctor-problem.txt"), bad.output());
        assertEquals(1, bad.exitCode(), bad.describe());
        String fixLine = "fix: ip -6 rule add from " + IN48 + " lookup " + NptBed.TABLE;
        assertTrue(bad.output().contains("PROBLEM  nptv6 " + IN48
                + ": no policy rule sends packets from the inside prefix to a table of their own\n         " + fixLine),
                bad.output());
        assertTrue(bad.output().contains(" 1 problem\n"), bad.output());

        String fix = bad.output().lines().filter(l -> l.strip().startsWith("fix: ")).findFirst().orElseThrow()
                .strip().substring("fix: ".length());
        ExecResult applied = bed.router().exec("sh", "-c", fix);
        assertTrue(applied.ok(), applied.describe());
        ExecResult again = bed.doctor();
        assertEquals(0, again.exitCode(), again.describe());
        ExecResult ping = bed.insideHost().exec("ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", OUTSIDE_HOST);
        assertTrue(ping.ok(), "the printed fix restores the path: " + ping.describe());
    }
}
