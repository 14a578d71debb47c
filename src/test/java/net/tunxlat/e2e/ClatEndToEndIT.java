// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@code tunxlat clat} on {@link ClatBed} (issue 17's Done-when): an IPv6-only client namespace whose only
 * configuration comes from router advertisements (SLAAC, a default route, the RFC 8781 PREF64 option), a router
 * running tunxlat as the network's stateful NAT64 and unbound's DNS64, and an IPv4 server. Unmodified IPv4
 * programs (curl, ping, a UDP socket bound to 192.0.0.1) reach the server; the CLAT follows a new PREF64, goes down
 * when it is withdrawn, finds the prefix through RFC 7050 without one, and stays down beside native IPv4.
 */
@Execution(ExecutionMode.CONCURRENT)
class ClatEndToEndIT {
    private static final Duration UP = ClatProcess.UP;
    private String label;

    @BeforeEach
    void name(TestInfo info) {
        String reason = ClatBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        label = "clat-e2e-" + info.getTestMethod().orElseThrow().getName();
    }

    /** A UDP echo server on the IPv4 server, port {@code port}. */
    private static void udpEcho(ClatBed bed, int port) throws IOException {
        bed.server().spawn(bed.directory().resolve("udp-echo-" + port + ".log"), List.of(ClatBed.python(), "-c",
                "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('0.0.0.0'," + port + "))\n"
                        + "while True:\n d,a=s.recvfrom(65535)\n s.sendto(d,a)\n"));
    }

    /**
     * The Done-when: RAs only, then {@code tunxlat clat}; curl of an IPv4 literal, ping, and a UDP program bound to
     * 192.0.0.1 reach the server (which sees the NAT64's pool4); on SIGTERM the client is as it was.
     */
    @Test
    void unmodifiedIpv4ProgramsReachTheServerThroughTheClatAndTheNat64() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).start()) {
            String before = ClatHostIT.snapshot(bed.client());
            try (ClatProcess clat = new ClatProcess(bed)) {
                clat.awaitUp();
                // up with the first source that answers (RFC 7050 after 2 s if no RA came yet), on the RA's when it comes
                Map<String, String> s = clat.await(m -> "ra".equals(m.get("prefix-source")), Duration.ofSeconds(10),
                        "the PREF64 of an RA");
                assertEquals("up", s.get("state"));
                assertEquals(ClatBed.NAT64_PREFIX, s.get("prefix"));
                assertEquals(ClatBed.UPLINK, s.get("uplink"));
                String address = s.get("clat-address");
                assertTrue(address.startsWith("2001:db8:1:"), "in the uplink's /64: " + address);

                ExecResult curl = ClatProcess.curl(bed.client());
                assertTrue(curl.ok() && curl.output().contains(ClatBed.PAGE), curl.describe() + "\n" + bed.logTails(20));
                assertTrue(Files.readString(bed.directory().resolve("http.log")).contains(ClatBed.POOL4 + " - -"),
                        "the server saw the NAT64's pool4 address");
                ExecResult ping = bed.client().exec(Duration.ofSeconds(15), "ping", "-n", "-c", "3", "-i", "0.3", "-W",
                        "2", ClatBed.SERVER4);
                assertTrue(ping.ok() && ping.output().contains("3 received"), ping.describe());

                // a UDP program bound to 192.0.0.1 (RFC 7335) and a DNS-less IPv4 literal: the server's echo answers
                udpEcho(bed, 7007);
                ExecResult udp = bed.client().exec(Duration.ofSeconds(20), ClatBed.python(), "-c", String.join("\n",
                        "import socket",
                        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                        "s.bind(('192.0.0.1', 0))",
                        "s.settimeout(1)",
                        "for i in range(15):",
                        "    s.sendto(b'hello clat', ('" + ClatBed.SERVER4 + "', 7007))",
                        "    try:",
                        "        print(s.recvfrom(100)[0].decode()); break",
                        "    except socket.timeout:",
                        "        pass"));
                assertTrue(udp.ok() && udp.output().contains("hello clat"), udp.describe());
                assertTrue(bed.client().ip("route", "show", "default").contains("dev clat"),
                        "the IPv4 default route goes into the CLAT");
                ExecResult doctor = clat.doctor();
                assertTrue(doctor.ok() && doctor.output().contains("CLAT up since")
                        && doctor.output().contains("IPv6 forwarding is on") && doctor.output().contains("0 problems"),
                        "tunxlat doctor --clat explains an up CLAT: " + doctor.describe());
            }
            assertEquals(before, ClatHostIT.snapshot(bed.client()), "everything the CLAT added is gone");
        }
    }

    /**
     * What the BPF CLATs cannot do (issue 17 item 2): an IPv4 UDP datagram of 3000 bytes without DF, larger than
     * the IPv6 path, crosses as fragments both ways (RFC 7915 §4.1 and §5.1.1, and the NAT64's fragment handling),
     * a datagram sent with a zero UDP checksum (SO_NO_CHECK) gets one computed (RFC 7915 §4.5): the server's echo
     * brings each back intact; and a fragmented ping is answered (RFC 7915 §4.2, §5.2).
     */
    @Test
    void largeDatagramsZeroChecksumUdpAndFragmentedPingCross() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).start();
             ClatProcess clat = new ClatProcess(bed)) {
            clat.awaitUp();
            udpEcho(bed, 7008);
            ExecResult udp = bed.client().exec(Duration.ofSeconds(30), ClatBed.python(), "-c", String.join("\n",
                    "import socket",
                    "def echo(payload, nocheck):",
                    "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                    "    s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: DF clear",
                    "    if nocheck:",
                    "        s.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK: UDP checksum 0",
                    "    s.settimeout(1)",
                    "    for i in range(15):",
                    "        s.sendto(payload, ('" + ClatBed.SERVER4 + "', 7008))",
                    "        try:",
                    "            d = s.recvfrom(65535)[0]",
                    "            return 'intact' if d == payload else 'changed'",
                    "        except socket.timeout:",
                    "            pass",
                    "    return 'lost'",
                    "print('large', echo(bytes(i * 7 % 251 for i in range(3000)), False))",
                    "print('zero-checksum', echo(b'no checksum, please' * 5, True))"));
            assertTrue(udp.ok(), udp.describe());
            assertTrue(udp.output().contains("large intact"), "3000 bytes without DF, fragmented both ways: "
                    + udp.output() + "\n" + clat.process.logTail(20) + bed.logTails(10));
            assertTrue(udp.output().contains("zero-checksum intact"), "a zero UDP checksum computed: " + udp.output());
            // fragmented ICMP: a 3000-byte ping, cut by the client's kernel, translated fragment by fragment by the
            // CLAT and the NAT64 (each first fragment waiting for its last's length), both ways
            ExecResult ping = bed.client().exec(Duration.ofSeconds(20), "ping", "-n", "-c", "3", "-i", "0.3", "-W", "2",
                    "-M", "dont", "-s", "3000", ClatBed.SERVER4);
            assertTrue(ping.ok() && ping.output().contains("3 received"), ping.describe() + "\n" + clat.process.logTail(10));
        }
    }

    /**
     * RFC 8781: a new PREF64 in the RAs is followed within one RA interval (the translator reloaded, the CLAT
     * address kept); a lifetime of zero withdraws it and the CLAT goes down, its device and routes gone; the
     * prefix back, it comes up again.
     */
    @Test
    void aNewPref64IsFollowedAndAWithdrawnOneTakesTheClatDown() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).raInterval(2).start();
             ClatProcess clat = new ClatProcess(bed)) {
            Map<String, String> up = clat.awaitUp();
            String address = up.get("clat-address");
            String other = "2001:db8:6464::/96";
            long t0 = System.nanoTime();
            bed.advertise(bed.ra().withPref64(other, 600), false); // the next periodic RA carries it
            Map<String, String> s = clat.await(m -> other.equals(m.get("prefix")), Duration.ofSeconds(10),
                    "the new PREF64");
            double took = (System.nanoTime() - t0) / 1e9;
            assertTrue(took <= 2 + 1.5, "followed within one RA interval (2 s): " + took + " s");
            assertEquals("up", s.get("state"));
            assertEquals(address, s.get("clat-address"), "the same CLAT address");
            assertTrue(Files.readString(clat.run.resolve("clat.conf")).contains("prefix " + other));

            bed.advertise(bed.ra().withPref64(other, 0), true);
            s = clat.await(m -> "down".equals(m.get("state")), Duration.ofSeconds(10), "CLAT down after lifetime 0");
            assertTrue(s.get("reason").contains("no NAT64 prefix"), s.toString());
            assertFalse(bed.client().ip("link", "show").contains("clat:"), "the TUN device is gone");
            assertFalse(bed.client().ip("route", "show", "default").contains("clat"), "so is the IPv4 default route");

            bed.advertise(bed.ra().withPref64(ClatBed.NAT64_PREFIX, 600), true);
            clat.awaitUp();
            ExecResult curl = ClatProcess.curl(bed.client());
            assertTrue(curl.ok() && curl.output().contains(ClatBed.PAGE), curl.describe());
        }
    }

    /** RFC 7050: without a PREF64 option in the RAs, the prefix comes from ipv4only.arpa through unbound's DNS64. */
    @Test
    void withoutPref64InTheRasTheResolverGivesThePrefix() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).ra(ClatBed.Ra.initial().withPref64("", 0)).start();
             ClatProcess clat = new ClatProcess(bed)) {
            Map<String, String> s = clat.awaitUp();
            assertEquals("rfc7050", s.get("prefix-source"), s.toString());
            assertEquals(ClatBed.NAT64_PREFIX, s.get("prefix"));
            ExecResult curl = ClatProcess.curl(bed.client());
            assertTrue(curl.ok() && curl.output().contains(ClatBed.PAGE), curl.describe());
        }
    }

    /** Native IPv4 present: the CLAT stays down and says why; native IPv4 gone, it comes up. */
    @Test
    void nativeIpv4KeepsTheClatDown() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).nativeIpv4().start();
             ClatProcess clat = new ClatProcess(bed)) {
            Map<String, String> s = clat.await(m -> "down".equals(m.get("state")), UP, "CLAT down");
            assertTrue(s.get("reason").contains("native IPv4"), s.toString());
            TimeUnit.SECONDS.sleep(3);
            assertEquals("down", clat.status().get("state"), "still down");
            assertFalse(bed.client().ip("link", "show").contains("clat:"));
            ExecResult doctor = clat.doctor();
            assertTrue(doctor.ok() && doctor.output().contains("CLAT down, as it should be: native IPv4"),
                    "doctor --clat: down beside native IPv4 is right: " + doctor.describe());
            bed.client().ip("route", "del", "default");
            clat.awaitUp();
        }
    }
}
