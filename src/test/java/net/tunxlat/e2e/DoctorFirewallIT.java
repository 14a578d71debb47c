// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.util.ArrayList;

/**
 * {@code tunxlat doctor} on a real router namespace (issue 15 item 6): the packet filter (nftables, iptables-nft
 * and iptables-legacy) and the sysctls are set up the way that breaks a routed NAT64, the doctor names each
 * problem, its fix commands are run as printed, and the doctor then finds them fixed.
 *
 * <p>The namespace: a persistent TUN device {@code nat64} (up, routed; no translator has it open, which the
 * doctor reports too and these tests ignore), an uplink {@code wan} (a veth pair within the namespace) with the IPv4 default route
 * and an IPv6 default route marked as learned from router advertisements ({@code proto ra}).
 */
class DoctorFirewallIT {
    private static final String CONF = """
            tun-device nat64
            ipv4-addr 192.168.255.1
            prefix 64:ff9b::/96
            ipv6-addr 2001:db8:1::2
            dynamic-pool 192.168.255.0/24
            """;

    private Netns router;
    private Path config;

    @BeforeEach
    void setUp() throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Cmd.exec(Duration.ofSeconds(10), List.of("nft", "--version")).ok(),
                "nftables is not installed (apt-get install nftables)");
        Assumptions.assumeTrue(Cmd.exec(Duration.ofSeconds(10), List.of("iptables-legacy", "--version")).ok(),
                "iptables is not installed");
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        router = Netns.create("txdr" + HexFormat.of().formatHex(random));
        router.ip("tuntap", "add", "dev", "nat64", "mode", "tun");
        router.ip("link", "set", "nat64", "up");
        router.ip("link", "add", "wan", "type", "veth", "peer", "name", "wan-peer");
        router.ip("link", "set", "wan-peer", "up");
        router.ip("link", "set", "wan", "up");
        router.ip("addr", "add", "203.0.113.2/24", "dev", "wan");
        router.ip("route", "add", "default", "via", "203.0.113.1", "dev", "wan");
        router.ip("route", "add", "192.168.255.0/24", "dev", "nat64");
        router.ip("-6", "route", "add", "64:ff9b::/96", "dev", "nat64");
        router.ip("-6", "route", "add", "2001:db8:1::2", "dev", "nat64");
        sysctl("net.ipv4.ip_forward=1");
        sysctl("net.ipv6.conf.all.forwarding=1");
        sysctl("net.ipv6.conf.wan.accept_ra=1");
        router.ip("-6", "route", "add", "default", "via", "fe80::1", "dev", "wan", "proto", "ra");
        Files.createDirectories(TestBed.logDirectory());
        config = Files.createTempFile("tunxlat-doctor", ".conf");
        Files.writeString(config, CONF);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (router != null) {
            router.close();
        }
        if (config != null) {
            Files.deleteIfExists(config);
        }
    }

    private void sysctl(String setting) {
        ExecResult r = router.exec("sysctl", "-w", setting);
        assertTrue(r.ok(), r.describe());
    }

    private void sh(String script) {
        ExecResult r = router.exec("sh", "-ec", script);
        assertTrue(r.ok(), r.describe());
    }

    private ExecResult doctor() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return router.exec(Duration.ofSeconds(60), java.toString(), "-jar",
                Translator.jar().toAbsolutePath().toString(), "doctor", "-c", config.toString());
    }

    /** The PROBLEM lines of a doctor report whose text contains {@code text}, each with its fix. */
    private static List<String[]> problems(ExecResult r, String text) {
        List<String> lines = r.output().lines().toList();
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("PROBLEM  ") && lines.get(i).contains(text)) {
                String fix = i + 1 < lines.size() && lines.get(i + 1).startsWith("         fix: ")
                        ? lines.get(i + 1).substring("         fix: ".length()) : null;
                out.add(new String[] {lines.get(i), fix});
            }
        }
        return out;
    }

    private static String[] onlyProblem(ExecResult r, String text) {
        List<String[]> p = problems(r, text);
        assertEquals(1, p.size(), r.output());
        return p.get(0);
    }

    /** Runs a fix as the doctor printed it (a shell command line, perhaps with a # comment). */
    private void applyFix(String[] problem) {
        assertTrue(problem[1] != null && !problem[1].startsWith("("), "no command: " + problem[0]);
        sh(problem[1]);
    }

    @Test
    void nftablesDropPolicyNoNat44AndAcceptRaAreFoundAndTheirFixesWork() throws Exception {
        sh("nft add table inet filter; nft 'add chain inet filter forward { type filter hook forward priority 0;"
                + " policy drop; }'; nft add rule inet filter forward ct state established,related accept");
        ExecResult before = doctor();
        Files.writeString(TestBed.logDirectory().resolve("doctor-firewall-nft-before.txt"), before.output());
        assertEquals(1, before.exitCode(), before.output());
        String[] nat = onlyProblem(before, "no NAT44");
        assertTrue(nat[0].contains("the dynamic pool 192.168.255.0/24: its addresses are private (192.168.0.0/16)"),
                nat[0]);
        assertTrue(nat[1].contains("oifname wan masquerade"), nat[1]);
        String[] fwd = onlyProblem(before, "nftables chain inet filter forward has policy drop");
        assertTrue(fwd[0].contains("no accept rule for packets from nat64 or packets into nat64"), fwd[0]);
        String[] ra = onlyProblem(before, "accept_ra");
        assertTrue(ra[0].contains("IPv6 forwarding is on for wan and net.ipv6.conf.wan.accept_ra = 1"), ra[0]);

        applyFix(nat);
        applyFix(fwd);
        applyFix(ra);
        ExecResult after = doctor();
        Files.writeString(TestBed.logDirectory().resolve("doctor-firewall-nft-after.txt"), after.output());
        assertEquals(List.of(), problems(after, "NAT44"), after.output());
        assertEquals(List.of(), problems(after, "policy drop"), after.output());
        assertEquals(List.of(), problems(after, "accept_ra"), after.output());
        assertTrue(after.output().contains("OK       NAT44: the dynamic pool 192.168.255.0/24 (private) is"
                + " source-translated by nftables ip nat postrouting: ip saddr 192.168.255.0/24 oifname wan"
                + " masquerade"), after.output());
        assertTrue(after.output().contains("OK       nftables chain inet filter forward has policy drop and accepts the"
                + " translated packets of nat64"), after.output());
        assertTrue(after.output().contains("net.ipv6.conf.wan.accept_ra = 2 keeps taking them"), after.output());
        // The only problem left: no translator has the device open.
        List<String> left = after.output().lines().filter(l -> l.startsWith("PROBLEM")).toList();
        assertEquals(1, left.size(), after.output());
        assertTrue(left.get(0).contains("NO-CARRIER"), left.get(0));
    }

    @Test
    void iptablesNftAndLegacyForwardPoliciesAndMasqueradeAreSeen() throws Exception {
        // iptables (the nf_tables back end, Debian's default) and iptables-legacy both drop forwarded packets.
        sh("iptables -P FORWARD DROP; ip6tables -P FORWARD DROP; iptables-legacy -P FORWARD DROP;"
                + " iptables-legacy -A FORWARD -i nat64 -j ACCEPT;"
                + " iptables-legacy -t nat -A POSTROUTING -s 192.168.0.0/16 -o wan -j MASQUERADE");
        ExecResult before = doctor();
        Files.writeString(TestBed.logDirectory().resolve("doctor-firewall-iptables-before.txt"), before.output());
        assertEquals(1, before.exitCode(), before.output());
        assertEquals(List.of(), problems(before, "NAT44"), "the legacy MASQUERADE covers the pool: " + before.output());
        assertTrue(before.output().contains("OK       NAT44: the dynamic pool 192.168.255.0/24 (private) is"
                + " source-translated by iptables-legacy -t nat -A POSTROUTING -s 192.168.0.0/16 -o wan -j MASQUERADE"),
                before.output());
        assertTrue(before.output().contains("OK       iptables-legacy FORWARD chain has policy drop and accepts the"
                + " translated packets of nat64"), before.output());
        // iptables-nft's chains, seen through nftables and fixed with iptables.
        String[] v4 = onlyProblem(before, "nftables chain ip filter FORWARD has policy drop");
        assertTrue(v4[0].contains("no accept rule for packets from nat64:"), v4[0]);
        assertEquals("iptables -I FORWARD -i nat64 -j ACCEPT", v4[1]);
        String[] v6 = onlyProblem(before, "nftables chain ip6 filter FORWARD has policy drop");
        assertTrue(v6[0].contains("no accept rule for packets into nat64:"), v6[0]);
        assertEquals("ip6tables -I FORWARD -o nat64 -j ACCEPT", v6[1]);

        applyFix(v4);
        applyFix(v6);
        ExecResult after = doctor();
        Files.writeString(TestBed.logDirectory().resolve("doctor-firewall-iptables-after.txt"), after.output());
        assertEquals(List.of(), problems(after, "policy drop"), after.output());
        assertTrue(after.output().contains("OK       nftables chain ip filter FORWARD has policy drop and accepts"),
                after.output());
        assertFalse(after.output().contains("cannot inspect"), after.output());
        ExecResult save = router.exec("iptables-save");
        assertTrue(save.ok() && save.output().contains("-A FORWARD -i nat64 -j ACCEPT"), save.describe());
    }
}
