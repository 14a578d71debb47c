// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code tunxlat clat} on a router (docs/clat.md, "Where it runs"): the {@link ClatBed} client is the router of an
 * IPv4-only LAN ({@link ClatBed.Builder#lan()}), and the tests run what the documentation says, on one bed for the
 * class (each test puts the router back as it found it).
 *
 * <ul>
 *   <li>The masquerade recipe, read from docs/clat.md itself and run as it stands: the LAN host (192.168.1.2, no
 *       IPv6 at all) reaches the IPv4 server by curl and ping through the router's CLAT and the bed's NAT64. The
 *       CLAT's TUN device has no link-local address, and its translator dropped nothing as {@code forbidden_dst_64}
 *       (no MLD report, no router solicitation went into it).</li>
 *   <li>{@code --routed-prefix}: the bed's router routes a /64 to the client's link-local address (what DHCPv6-PD
 *       would install); the CLAT address comes from it, no proxy-ND entry is made ({@code ip -6 neigh show proxy}
 *       empty, {@code proxy_ndp} off) and the traffic crosses.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClatRouterIT {
    /** The prefix the bed's router delegates (routes) to the client, as DHCPv6-PD would. */
    static final String ROUTED = "2001:db8:ff::/64";
    /** The CLAT's metrics, on the client namespace's own loopback. */
    private static final String METRICS = "127.0.0.1:9465";
    private static final Pattern STOPPED = Pattern.compile("stopped: translated (\\d+) packets 4->6 and (\\d+) packets"
            + " 6->4, dropped (\\d+)(.*)");

    private ClatBed bed;

    @BeforeAll
    void start() throws IOException, InterruptedException {
        String reason = ClatBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Cmd.exec(Duration.ofSeconds(5), List.of("sh", "-c", "command -v nft")).ok(),
                "needs nft (apt-get install nftables); skipped");
        bed = ClatBed.builder().label("clat-router").lan().start();
    }

    @AfterAll
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    /** docs/clat.md's router recipe: the {@code sh} block after "A router serving IPv4", as it is written. */
    static String routerRecipe() throws IOException {
        String doc = Files.readString(Path.of("docs", "clat.md"));
        int at = doc.indexOf("**A router serving IPv4");
        assertTrue(at >= 0, "docs/clat.md has the router paragraph");
        int start = doc.indexOf("```sh\n", at);
        int end = doc.indexOf("```", start + 6);
        assertTrue(start > 0 && end > start, "docs/clat.md's router recipe is an sh block");
        return doc.substring(start + 6, end);
    }

    @Test
    void anIpv4OnlyLanReachesTheIpv4ServerThroughTheRoutersClatWithTheDocumentedMasquerade() throws Exception {
        Netns router = bed.client();
        String recipe = routerRecipe();
        assertTrue(recipe.contains("masquerade") && recipe.contains("ip_forward"), recipe);
        try {
            // a router forwards IPv6 already (its accept_ra is 2, as the bed set it): the CLAT's TUN device is made
            // on a forwarding host, the case where the kernel joins it to the all-routers groups at once
            router.sysctl("net.ipv6.conf.all.forwarding=1");
            ExecResult applied = router.exec(Duration.ofSeconds(20), "sh", "-ec", recipe);
            assertTrue(applied.ok(), "the recipe runs as written: " + applied.describe());
            // before the CLAT: the LAN host has nowhere to go
            assertFalse(ClatProcess.curl(bed.lan()).ok(), "no IPv4 path without the CLAT");
            long logFrom = Files.exists(clatLog()) ? Files.size(clatLog()) : 0;
            try (ClatProcess clat = new ClatProcess(bed, "--metrics-listen", METRICS)) {
                Map<String, String> s = clat.awaitUp();
                long upAt = System.nanoTime();
                ExecResult curl = ClatProcess.curl(bed.lan());
                assertTrue(curl.ok() && curl.output().contains(ClatBed.PAGE), "the LAN host's curl: " + curl.describe()
                        + "\n" + clat.process.logTail(20) + bed.logTails(10));
                ExecResult ping = bed.lan().exec(Duration.ofSeconds(15), "ping", "-n", "-c", "3", "-i", "0.3", "-W",
                        "2", ClatBed.SERVER4);
                assertTrue(ping.ok() && ping.output().contains("3 received"), ping.describe());
                assertTrue(Files.readString(bed.directory().resolve("http.log")).contains(ClatBed.POOL4 + " - -"),
                        "the server saw the NAT64's pool4 address");
                // (the translator maps 192.0.0.1 only: 192.168.1.2 got through because the masquerade made it that)
                assertTrue(s.get("clat-address").startsWith("2001:db8:1:"), s.toString());

                // up long enough for what the kernel would send: MLD reports at once and again within 1 s
                // (mldv2_unsolicited_report_interval), a router solicitation after the link-local's DAD (about 1 s)
                long wait = Duration.ofSeconds(4).toMillis() - (System.nanoTime() - upAt) / 1_000_000;
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                ExecResult scrape = router.exec(Duration.ofSeconds(10), "curl", "-sS", "--max-time", "5",
                        "http://" + METRICS + "/metrics");
                assertTrue(scrape.ok(), scrape.describe());
                assertTrue(scrape.output().contains(
                        "tunxlat_clat_dropped_packets_total{reason=\"forbidden_dst_64\",} 0.0"),
                        "the CLAT's translator dropped nothing of the TUN device's own: " + scrape.output().lines()
                                .filter(l -> l.startsWith("tunxlat_clat_")).toList());
                assertFalse(scrape.output().contains("tunxlat_clat_translated_packets_total{direction=\"46\",} 0.0"),
                        "the counters count (the LAN host's packets went through)");
                // RFC 4862 / RFC 3810: no link-local address on the TUN device, so nothing of its own goes into it
                List<Map<?, ?>> tunAddresses = ClatBed.addresses(router, "clat");
                assertTrue(tunAddresses.stream().noneMatch(a -> "inet6".equals(a.get("family"))),
                        "no IPv6 address on the TUN device: " + tunAddresses);
                assertEquals("1", router.exec("cat", "/proc/sys/net/ipv6/conf/clat/addr_gen_mode").output().strip(),
                        "addr_gen_mode none");
                assertEquals("0", router.exec("cat", "/proc/sys/net/ipv6/conf/clat/disable_ipv6").output().strip(),
                        "IPv6 stays enabled on the device (the CLAT address is routed into it)");
            }
            // the translator's own counters, as it logs them when it stops
            String log = Files.readString(clatLog()).substring((int) logFrom);
            Matcher m = STOPPED.matcher(log);
            assertTrue(m.find(), "the translator logged its totals on stop:\n" + log);
            assertTrue(Long.parseLong(m.group(1)) > 0 && Long.parseLong(m.group(2)) > 0, m.group());
            assertFalse(m.group().contains("forbidden_dst_64"), "nothing of the TUN device's own went into the"
                    + " translator: " + m.group());
        } finally {
            router.exec("nft", "delete", "table", "ip", "clat_nat");
            router.sysctl("net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0");
        }
    }

    /** Where {@link ClatProcess} logs (appended to by each test's CLAT). */
    private Path clatLog() {
        return bed.directory().resolve("clat.log");
    }

    @Test
    void aRoutedPrefixGivesTheClatAddressWithoutProxyNd() throws Exception {
        Netns client = bed.client();
        Ipv6Prefix routed = Ipv6Prefix.parse(ROUTED, -1);
        // what a DHCPv6-PD server's relay/router installs: the delegated prefix via the requesting router's link-local
        bed.router().ip("-6", "route", "add", ROUTED, "via", bed.clientLinkLocal(), "dev", "to-client");
        try (ClatProcess clat = new ClatProcess(bed, "--routed-prefix", ROUTED)) {
            Map<String, String> s = clat.awaitUp();
            String address = s.get("clat-address");
            long[] a = Addresses.parseIpv6(address);
            assertTrue(routed.contains(a[0], a[1]), "the CLAT address is in the routed prefix: " + s);
            assertEquals(ROUTED, s.get("uplink-prefix"), s.toString());
            assertEquals("", client.ip("-6", "neigh", "show", "proxy").strip(), "no proxy-ND entry");
            assertEquals("0", client.exec("cat", "/proc/sys/net/ipv6/conf/" + ClatBed.UPLINK + "/proxy_ndp").output()
                    .strip(), "proxy_ndp stays off");
            assertTrue(client.ip("-6", "route", "show", address).contains("dev clat"), "routed into the TUN device");
            assertFalse(client.ip("-6", "addr").contains(address), "the address is nobody's on the host");

            ExecResult curl = ClatProcess.curl(client);
            assertTrue(curl.ok() && curl.output().contains(ClatBed.PAGE), curl.describe() + "\n"
                    + clat.process.logTail(20) + bed.logTails(10));
            ExecResult ping = client.exec(Duration.ofSeconds(15), "ping", "-n", "-c", "3", "-i", "0.3", "-W", "2",
                    ClatBed.SERVER4);
            assertTrue(ping.ok() && ping.output().contains("3 received"), ping.describe());
            // the router reached the CLAT address by its route, not by neighbour discovery of the address itself
            assertFalse(bed.router().ip("-6", "neigh", "show").contains(address), bed.router().ip("-6", "neigh", "show"));
            ExecResult doctor = clat.doctor();
            assertTrue(doctor.ok() && doctor.output().contains("right with --routed-prefix")
                    && doctor.output().contains("is routed into clat"), doctor.describe());
        } finally {
            bed.router().ip("-6", "route", "del", ROUTED);
        }
        assertEquals("", client.ip("-6", "route", "show", ROUTED).strip(), "nothing of the prefix left on the client");
    }
}
