// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code tunxlat clat} following the uplink (issue 17: "the uplink going down and up", "a new SLAAC prefix"), end to
 * end on one {@link ClatBed} for the class, RAs every {@value #RA_INTERVAL} s. Each test measures how long the CLAT
 * took and prints it ({@code [clat-link]} lines; docs/clat.md has the figures). The controller looks at the host once
 * a second ({@code ip -j}); the bed's RA sender sends periodically and does not answer router solicitations, so a
 * link coming back waits for the next periodic RA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClatLinkChangesIT {
    static final int RA_INTERVAL = 2;
    private ClatBed bed;

    @BeforeAll
    void start() throws IOException, InterruptedException {
        String reason = ClatBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        bed = ClatBed.builder().label("clat-link").raInterval(RA_INTERVAL).start();
    }

    @AfterAll
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void assertCurl(ClatBed bed, ClatProcess clat) {
        ExecResult curl = ClatProcess.curl(bed.client());
        assertTrue(curl.ok() && curl.output().contains(ClatBed.PAGE), curl.describe() + "\n" + clat.process.logTail(20)
                + bed.logTails(10));
    }

    /**
     * {@code ip link set eth0 down}: the kernel takes the uplink's addresses and routes away, the CLAT goes down
     * (device and IPv4 default route gone) and says why in the status file and through {@code doctor}; {@code up}:
     * after the next RA and DAD it comes back with the same (stable) address, and curl works again.
     */
    @Test
    void theUplinkGoingDownTakesTheClatDownAndItComesBackWithTheLink() throws Exception {
        Netns client = bed.client();
        try (ClatProcess clat = new ClatProcess(bed)) {
            Map<String, String> up = clat.awaitUp();
            assertCurl(bed, clat);

            long t0 = System.nanoTime();
            client.ip("link", "set", ClatBed.UPLINK, "down");
            Map<String, String> down = clat.await(s -> "down".equals(s.get("state")), Duration.ofSeconds(10),
                    "CLAT down after the uplink went down");
            double downSeconds = secondsSince(t0);
            String reason = down.get("reason");
            assertTrue(reason.startsWith("no IPv6 route towards the NAT64 prefix " + ClatBed.NAT64_PREFIX)
                    && reason.contains("the uplink down"), "the reason says what is missing: " + down);
            assertFalse(client.ip("link", "show").contains("clat:"), "the TUN device is gone");
            assertFalse(client.ip("route", "show", "default").contains("clat"), "so is the IPv4 default route");
            assertEquals("", client.ip("-6", "neigh", "show", "proxy").strip(), "and the proxy-ND entry");
            ExecResult doctor = clat.doctor();
            assertTrue(doctor.output().contains("CLAT down: " + reason), "doctor --clat says why: " + doctor.describe());

            long t1 = System.nanoTime();
            client.ip("link", "set", ClatBed.UPLINK, "up");
            Map<String, String> back = clat.awaitUp();
            double upSeconds = secondsSince(t1);
            assertEquals(up.get("clat-address"), back.get("clat-address"), "the same stable CLAT address on the same /64");
            assertCurl(bed, clat);
            double curlSeconds = secondsSince(t1);
            System.out.printf(Locale.ROOT, "[clat-link] uplink down: CLAT down after %.1f s; uplink up: CLAT up after"
                    + " %.1f s, curl answered after %.1f s (RAs every %d s)%n", downSeconds, upSeconds, curlSeconds,
                    RA_INTERVAL);
            assertTrue(downSeconds < 3, "down within the controller's 1 s poll (and a tick's work): " + downSeconds);
            assertTrue(upSeconds < RA_INTERVAL + 8, "up within an RA interval, two DADs and a start: " + upSeconds);
        } finally {
            client.ip("link", "set", ClatBed.UPLINK, "up");
        }
    }

    /**
     * A new SLAAC prefix, the old one sent on with preferred lifetime 0 (and valid lifetime 60 s): the old address is
     * deprecated at once, the CLAT address moves to the new /64 (its proxy-ND entry with it), and traffic flows from
     * it. The bed's router numbers itself in the new prefix, as a renumbering router would.
     */
    @Test
    void aNewSlaacPrefixMovesTheClatAddressToIt() throws Exception {
        Netns client = bed.client();
        try (ClatProcess clat = new ClatProcess(bed)) {
            Map<String, String> up = clat.awaitUp();
            String oldAddress = up.get("clat-address");
            String next = "2001:db8:2::/64".equals(up.get("uplink-prefix")) ? "2001:db8:3::/64" : "2001:db8:2::/64";
            Ipv6Prefix nextPrefix = Ipv6Prefix.parse(next, -1);

            long t0 = System.nanoTime();
            bed.advertise(bed.ra().renumbered(next), true);
            Map<String, String> moved = clat.await(s -> "up".equals(s.get("state")) && next.equals(s.get("uplink-prefix")),
                    Duration.ofSeconds(20), "the CLAT up in the new prefix " + next);
            double seconds = secondsSince(t0);
            String address = moved.get("clat-address");
            long[] a = Addresses.parseIpv6(address);
            assertTrue(nextPrefix.contains(a[0], a[1]), "the CLAT address is in the new /64: " + moved);
            String proxies = client.ip("-6", "neigh", "show", "proxy");
            assertTrue(proxies.contains(address) && !proxies.contains(oldAddress), "the proxy entry moved: " + proxies);
            assertCurl(bed, clat);
            double curlSeconds = secondsSince(t0);
            System.out.printf(Locale.ROOT, "[clat-link] renumbered to %s: CLAT up in it after %.1f s, curl answered"
                    + " after %.1f s%n", next, seconds, curlSeconds);
            assertTrue(seconds < 10, "within the poll, the new address's DAD (twice: the kernel's, the CLAT's) and a"
                    + " start: " + seconds);
        }
    }
}
