// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static net.tunxlat.e2e.TestBed.IPV6_HOST_MAPPED;
import static net.tunxlat.e2e.TestBed.TRANSLATOR_IPV4;
import static net.tunxlat.e2e.TestBed.TRANSLATOR_IPV6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.tunxlat.tun.UringPackets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traffic through the translator between an IPv6-only and an IPv4-only namespace (see {@link
 * TestBed}). Needs root; skipped otherwise. Each test gets fresh namespaces and a fresh translator.
 *
 * <pre>
 *   mvn verify                                    # against tunxlat (target/tunxlat.jar)
 *   mvn verify -Dtunxlat.e2e.translator=tayga     # against TAYGA (apt-get install tayga)
 *   mvn verify -Dit.test=TranslatorEndToEndIT#udpFromIpv6HostToIpv4Host
 * </pre>
 *
 * Translator logs and configs are kept in target/e2e/; a failing test prints the log's tail.
 */
class TranslatorEndToEndIT {
    private static final int PORT = 5001;

    @RegisterExtension
    final TestBedExtension env = new TestBedExtension(Translator.fromSystemProperties(), this::configure);

    /** The bed's options: the defaults ({@code tun-io auto}); {@link TranslatorReadWriteEndToEndIT} changes them. */
    TestBed.Builder configure(TestBed.Builder bed) {
        return bed;
    }

    /** What the translator's log says about its workers' reads and writes with {@link #configure}'s options. */
    String expectedTunIo() {
        return UringPackets.unavailable() == null ? "tun-io auto: packets read and written in batches through io_uring"
                : "tun-io auto: one read(2) and one write(2) per packet, because io_uring cannot be used here";
    }

    /** TCP and UDP echoes with content checks (shared with the other end-to-end tests). */
    private final Traffic traffic = new Traffic();

    @AfterEach
    void stopTraffic() {
        traffic.close();
    }

    @Test
    void theLogSaysHowTheWorkersReadAndWrite() {
        assumeTrue(Translator.underTestIsTunxlat(), "tunxlat's own directive");
        String log = env.bed().logTail(200);
        assertTrue(log.contains(expectedTunIo()), "expected '" + expectedTunIo() + "' in:\n" + log);
    }

    // ---- 1. ping through the translator -----------------------------------------------------

    @Test
    void pingFromIpv6HostToIpv4Host() {
        assertAllEchoesAnswered(env.bed().ipv6Host(), IPV4_HOST_VIA_PREFIX);
    }

    @Test
    void pingFromIpv4HostToIpv6HostThroughStaticMap() {
        assertAllEchoesAnswered(env.bed().ipv4Host(), IPV6_HOST_MAPPED);
    }

    // ---- 2. ping the translator itself ------------------------------------------------------

    @Test
    void pingTranslatorIpv4Address() {
        assertAllEchoesAnswered(env.bed().ipv4Host(), TRANSLATOR_IPV4);
    }

    @Test
    void pingTranslatorIpv6Address() {
        assertAllEchoesAnswered(env.bed().ipv6Host(), TRANSLATOR_IPV6);
    }

    private static void assertAllEchoesAnswered(Netns from, String target) {
        ExecResult r = from.exec("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", target);
        assertTrue(r.ok() && r.output().contains("3 packets transmitted, 3 received"),
                "expected 3 answered echoes: " + r.describe());
    }

    // ---- 3. TCP -----------------------------------------------------------------------------

    @Test
    void tcpFromIpv6HostToIpv4Host() throws Exception {
        TestBed bed = env.bed();
        traffic.tcpEcho(bed.ipv4Host(), new InetSocketAddress("0.0.0.0", PORT),
                bed.ipv6Host(), new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT), IPV6_HOST_MAPPED, 1 << 20);
    }

    @Test
    void tcpFromIpv4HostToIpv6HostThroughStaticMap() throws Exception {
        TestBed bed = env.bed();
        traffic.tcpEcho(bed.ipv6Host(), new InetSocketAddress("::", PORT),
                bed.ipv4Host(), new InetSocketAddress(IPV6_HOST_MAPPED, PORT), IPV4_HOST_VIA_PREFIX, 1 << 20);
    }


    // ---- 4. UDP -----------------------------------------------------------------------------

    @Test
    void udpFromIpv6HostToIpv4Host() throws Exception {
        TestBed bed = env.bed();
        traffic.udpEcho(bed.ipv4Host(), new InetSocketAddress("0.0.0.0", PORT),
                bed.ipv6Host(), new InetSocketAddress("::", 0), new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT),
                IPV6_HOST_MAPPED, 1, 100, 1200);
    }

    @Test
    void udpFromIpv4HostToIpv6HostThroughStaticMap() throws Exception {
        TestBed bed = env.bed();
        traffic.udpEcho(bed.ipv6Host(), new InetSocketAddress("::", PORT),
                bed.ipv4Host(), new InetSocketAddress("0.0.0.0", 0), new InetSocketAddress(IPV6_HOST_MAPPED, PORT),
                IPV4_HOST_VIA_PREFIX, 1, 100, 1200);
    }

    // ---- 5. hop limit -----------------------------------------------------------------------

    private static final Pattern TIME_EXCEEDED = Pattern.compile("From (\\S+?):? icmp_seq=\\d+ Time exceeded");

    /**
     * An echo request with hop limit 2 expires at the translator (the translator namespace's
     * kernel forwards it to the TUN device with hop limit 1); an ICMPv6 Time Exceeded must come
     * back, sourced from the translator's own IPv6 address (TAYGA does the same).
     */
    @Test
    void hopLimitExpiryReturnsTimeExceeded(TestReporter reporter) {
        ExecResult r = env.bed().ipv6Host().exec("ping", "-6", "-n", "-c", "2", "-i", "0.3", "-W", "2", "-t", "2",
                IPV4_HOST_VIA_PREFIX);
        Matcher m = TIME_EXCEEDED.matcher(r.output());
        assertTrue(m.find(), "expected an ICMPv6 Time Exceeded: " + r.describe());
        reporter.publishEntry("timeExceededFrom", m.group(1));
        assertEquals(TRANSLATOR_IPV6, m.group(1), "the translator sends the error from its own address");
        System.err.println("[e2e] hop limit 2 to " + IPV4_HOST_VIA_PREFIX + ": Time Exceeded from " + m.group(1)
                + " (" + env.bed().translator().translator().name() + "; translator ns gateway is "
                + TestBed.IPV6_GATEWAY + ", translator address " + TRANSLATOR_IPV6 + ")");
    }
}
