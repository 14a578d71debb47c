// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.tunxlat.clat.NdUserOptListener;
import net.tunxlat.clat.NdUserOptListener.Pref64Report;
import net.tunxlat.clat.Pref64;
import net.tunxlat.clat.Pref64Option;
import net.tunxlat.clat.RouterSolicitor;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PREF64 discovery against the real kernel: two namespaces on a veth, a host and a router. The router sends
 * router advertisements with PREF64 options (RFC 8781) built by {@code
 * src/test/resources/net/tunxlat/clat/pref64_ra.py} (scapy; the option bytes are made there from the RFC's
 * figure, not by the Java encoder), the host's {@link NdUserOptListener} must report each with the right
 * prefix, lifetime, interface and router; the kernel's sysctl conditions for passing the options on are
 * checked; the host's {@link RouterSolicitor} solicitation must reach the router as RFC 4861 §4.1 and
 * §6.1.1 want it.
 *
 * <pre>
 *   host ns   eth0 (accept_ra 1, forwarding 0, router_solicitations 0) ── eth0   router ns (scapy)
 * </pre>
 *
 * Needs root and python3-scapy; skipped otherwise (CI installs both).
 */
class Pref64DiscoveryIT {
    private static final Duration ARRIVAL = Duration.ofSeconds(10);
    /** How long "nothing arrives" is waited for: RAs cross a veth in well under a millisecond. */
    private static final Duration SILENCE = Duration.ofSeconds(2);
    private static final Pattern IFINDEX = Pattern.compile("^(\\d+):");

    private Netns host;
    private Netns router;
    private String python;
    private Path script;
    private String routerLinkLocal;
    private String hostLinkLocal;
    private int hostIfIndex;

    @BeforeEach
    void beds() throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        python = Probe.python();
        Assumptions.assumeTrue(python != null, "needs python3 with scapy (apt-get install python3-scapy)");
        script = script();
        String id = HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
        host = Netns.create("p64h-" + id);
        router = Netns.create("p64r-" + id);
        host.ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", router.name());
        // The kernel's own solicitations off, so the one the router sees is RouterSolicitor's; no DAD, so the
        // link-local addresses are usable at once.
        host.sysctl("net.ipv6.conf.eth0.router_solicitations=0", "net.ipv6.conf.eth0.accept_dad=0");
        router.sysctl("net.ipv6.conf.eth0.accept_dad=0");
        host.ip("link", "set", "eth0", "up");
        router.ip("link", "set", "eth0", "up");
        hostLinkLocal = linkLocal(host);
        routerLinkLocal = linkLocal(router);
        Matcher m = IFINDEX.matcher(host.ip("-o", "link", "show", "dev", "eth0"));
        assertTrue(m.find());
        hostIfIndex = Integer.parseInt(m.group(1));
    }

    @AfterEach
    void teardown() {
        if (host != null) {
            host.close();
        }
        if (router != null) {
            router.close();
        }
    }

    @Test
    void pref64OptionsReachTheListenerWithPrefixLifetimeAndRouter() throws Exception {
        try (NdUserOptListener listener = host.inside(NdUserOptListener::open)) {
            // With an RDNSS option first: the kernel passes it on too, the listener passes it over.
            sendRa(List.of("--rdnss", "2001:db8::53"), "2001:db8:64::/96,1800");
            Pref64 first = onlyValid(await(listener, 1));
            assertEquals(1, listener.otherOptions(), "the RDNSS option");
            assertEquals(Ipv6Prefix.parse("2001:db8:64::/96", -1), first.prefix());
            assertEquals(1800, first.lifetimeSeconds());
            assertEquals(Pref64.Source.RA, first.source());
            assertEquals(canonical(routerLinkLocal) + "%" + hostIfIndex, first.origin());
            assertFalse(first.withdrawn());

            // Another prefix (a /56, a lifetime that is no multiple of 8: the sender rounds up to 608).
            sendRa("64:ff9b:1:ab00::/56,601");
            Pref64 second = onlyValid(await(listener, 1));
            assertEquals(Ipv6Prefix.parse("64:ff9b:1:ab00::/56", -1), second.prefix());
            assertEquals(608, second.lifetimeSeconds());
            assertTrue(first.sameAdvertisement(first));
            assertFalse(first.sameAdvertisement(second));

            // Lifetime 0 withdraws the first one (RFC 8781 §4.1).
            sendRa("2001:db8:64::/96,0");
            Pref64 withdrawal = onlyValid(await(listener, 1));
            assertTrue(withdrawal.withdrawn());
            assertTrue(first.sameAdvertisement(withdrawal), "the withdrawal replaces the first advertisement");

            // Renumbering in one RA (RFC 8781 §5: the option may appear more than once): old withdrawn, new added;
            // the kernel passes each option on in its own message, in order.
            sendRa("2001:db8:64::/96,0", "2001:db8:46::/64,1200");
            List<Pref64Report> both = await(listener, 2);
            assertEquals(List.of("2001:db8:64::/96", "2001:db8:46::/64"),
                    both.stream().map(r -> r.pref64().prefix().toString()).toList());
            assertEquals(List.of(0, 1200), both.stream().map(r -> r.pref64().lifetimeSeconds()).toList());

            // The kernel does not look inside the option: an invalid PLC arrives and is reported as ignored.
            sendRa("2001:db8:64::/96,1800,7");
            List<Pref64Report> bad = await(listener, 1);
            assertEquals(Pref64Option.Reason.BAD_PLC, bad.get(0).parsed().reason());
            assertNull(bad.get(0).pref64());
            assertEquals(0, listener.malformed());
            assertEquals(0, listener.overruns());
        }
    }

    /**
     * The conditions NdUserOptListener documents: the kernel passes RA options on only when the interface
     * accepts RAs ({@code ipv6_accept_ra()}: accept_ra 1 and forwarding 0, or accept_ra 2).
     */
    @Test
    void theKernelPassesOptionsOnOnlyWhenTheInterfaceAcceptsRouterAdvertisements() throws Exception {
        try (NdUserOptListener listener = host.inside(NdUserOptListener::open)) {
            host.sysctl("net.ipv6.conf.eth0.accept_ra=0");
            sendRa("2001:db8:a0::/96,600");
            assertEquals(List.of(), listener.poll(SILENCE), "accept_ra 0");

            host.sysctl("net.ipv6.conf.eth0.accept_ra=1", "net.ipv6.conf.eth0.forwarding=1");
            sendRa("2001:db8:a1::/96,600");
            assertEquals(List.of(), listener.poll(SILENCE), "accept_ra 1 on a forwarding interface");

            host.sysctl("net.ipv6.conf.eth0.accept_ra=2");
            sendRa("2001:db8:a2::/96,600");
            assertEquals(Ipv6Prefix.parse("2001:db8:a2::/96", -1), onlyValid(await(listener, 1)).prefix(),
                    "accept_ra 2 on a forwarding interface");

            host.sysctl("net.ipv6.conf.eth0.forwarding=0", "net.ipv6.conf.eth0.accept_ra=1",
                    "net.ipv6.conf.eth0.accept_ra_defrtr=0", "net.ipv6.conf.eth0.accept_ra_pinfo=0");
            sendRa("2001:db8:a3::/96,600");
            assertEquals(Ipv6Prefix.parse("2001:db8:a3::/96", -1), onlyValid(await(listener, 1)).prefix(),
                    "accept_ra_defrtr and accept_ra_pinfo do not gate user options");
        }
    }

    @Test
    void theRouterSolicitationReachesTheRouter() throws Exception {
        Path log = TestBed.logDirectory().resolve("pref64-sniff-" + router.name() + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        Process sniffer = router.spawn(log, List.of(python, script.toString(), "sniff-rs", "--iface", "eth0", "--timeout", "20"));
        waitForLine(log, "READY", sniffer);

        RouterSolicitor.Sent sent = host.inside(() -> RouterSolicitor.solicit("eth0"));
        assertEquals(hostIfIndex, sent.ifIndex());
        assertTrue(sent.linkLayerOption(), "a veth has an Ethernet address");

        String json = waitForLine(log, "{", sniffer);
        String mac = Probe.mac(host, "eth0").replace(":", "");
        assertTrue(json.contains("\"eth_dst\": \"33:33:00:00:00:02\""), json);
        assertTrue(json.contains("\"src\": \"" + canonical(hostLinkLocal) + "\""), json);
        assertTrue(json.contains("\"dst\": \"ff02::2\""), json);
        assertTrue(json.contains("\"hlim\": 255"), json);
        assertTrue(json.contains("\"type\": 133, \"code\": 0"), json);
        assertTrue(json.contains("\"cksum_ok\": true"), json);
        assertTrue(json.contains("\"options\": \"0101" + mac + "\""), "a Source Link-Layer Address option: " + json);
        assertTrue(sniffer.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, sniffer.exitValue());
    }

    @Test
    void closeUnblocksAPollingThread() throws Exception {
        NdUserOptListener listener = host.inside(NdUserOptListener::open);
        CompletableFuture<List<Pref64Report>> polled = CompletableFuture.supplyAsync(() -> {
            try {
                return listener.poll(Duration.ofSeconds(60));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertFalse(polled.isDone(), "poll returned before anything arrived or close");
        long start = System.nanoTime();
        listener.close();
        assertEquals(List.of(), polled.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "close woke the poller at once");
        assertFalse(listener.isOpen());
        assertEquals(List.of(), listener.poll(Duration.ofSeconds(5)), "a closed listener returns at once");
    }

    // ---- helpers ----------------------------------------------------------------------------

    private void sendRa(String... pref64) {
        sendRa(List.of(), pref64);
    }

    private void sendRa(List<String> extra, String... pref64) {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "ra", "--iface", "eth0", "--src", routerLinkLocal));
        cmd.addAll(extra);
        for (String p : pref64) {
            cmd.add("--pref64");
            cmd.add(p);
        }
        ExecResult r = router.exec(Duration.ofSeconds(60), cmd.toArray(String[]::new));
        if (!r.ok()) {
            fail("the router's RA sender failed: " + r.describe());
        }
    }

    /** Exactly {@code n} reports (waits up to {@link #ARRIVAL} for them, then {@link #SILENCE}-free of more). */
    private static List<Pref64Report> await(NdUserOptListener listener, int n) throws IOException {
        List<Pref64Report> got = new ArrayList<>();
        long deadline = System.nanoTime() + ARRIVAL.toNanos();
        while (got.size() < n && System.nanoTime() < deadline) {
            got.addAll(listener.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))));
        }
        assertEquals(n, got.size(), "PREF64 reports: " + got);
        return got;
    }

    private static Pref64 onlyValid(List<Pref64Report> reports) {
        assertEquals(1, reports.size(), reports.toString());
        assertTrue(reports.get(0).parsed().valid(), reports.toString());
        return reports.get(0).pref64();
    }

    /** The interface's link-local address once it is not tentative. */
    private static String linkLocal(Netns ns) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String out = ns.ip("-6", "-o", "addr", "show", "dev", "eth0", "scope", "link");
            Matcher m = Pattern.compile("inet6 (fe80::[0-9a-f:]+)/64").matcher(out);
            if (m.find() && !out.contains("tentative")) {
                return m.group(1);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no usable link-local address in " + ns);
    }

    private static String canonical(String ipv6) {
        long[] a = Addresses.parseIpv6(ipv6);
        return Addresses.formatIpv6(a[0], a[1]);
    }

    private static String waitForLine(Path log, String prefix, Process p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (line.startsWith(prefix)) {
                        return line;
                    }
                }
            }
            if (!p.isAlive() && p.exitValue() != 0) {
                fail("the sniffer ended with " + p.exitValue() + ": " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line starting with " + prefix + " in " + log);
    }

    private static Path script() throws URISyntaxException {
        return Path.of(Pref64DiscoveryIT.class.getResource("/net/tunxlat/clat/pref64_ra.py").toURI());
    }
}
