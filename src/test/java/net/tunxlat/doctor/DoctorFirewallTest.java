// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.doctor;

import static net.tunxlat.doctor.DoctorTest.CONF_NAT64;
import static net.tunxlat.doctor.DoctorTest.CONF_NPT;
import static net.tunxlat.doctor.DoctorTest.nat64Bed;
import static net.tunxlat.doctor.DoctorTest.onlyProblem;
import static net.tunxlat.doctor.DoctorTest.problems;
import static net.tunxlat.doctor.DoctorTest.show;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.tunxlat.doctor.Doctor.Check;
import net.tunxlat.doctor.Firewall.DropChain;
import net.tunxlat.doctor.Firewall.Nat44;
import net.tunxlat.doctor.SystemState.Prefix;
import org.junit.jupiter.api.Test;

/**
 * The doctor's checks of the packet filter and of router advertisements (issue 15 item 6): NAT44 for private
 * pool and map addresses, forward chains with policy drop, accept_ra on a forwarding uplink. The nftables JSON
 * and iptables-save text were printed by nftables 1.0.6 and iptables 1.8.9 (Debian 12) in a namespace set up
 * with the rules the test names.
 */
class DoctorFirewallTest {
    static String resource(String name) {
        try (InputStream in = DoctorFirewallTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Prefix v4(String s) {
        return SystemState.parse4(s);
    }

    static List<Check> run(DoctorTest.Bed bed, String conf, Firewall fw, Map<String, String> sysctls) {
        return Doctor.run(DoctorTest.config(conf), "/etc/tunxlat/tunxlat.conf", bed.state().with(fw, sysctls));
    }

    // ---- parsing ------------------------------------------------------------------------------------

    @Test
    void readsNftablesIncludingTheRulesIptablesNftMade() {
        List<String> errors = new ArrayList<>();
        Firewall fw = Firewall.parseNft(resource("nft-ruleset.json"), errors);
        assertEquals(List.of(), errors);
        assertEquals(List.of("nft"), fw.tools());
        List<Nat44> nat = fw.nat44();
        assertEquals(4, nat.size(), nat.toString());
        assertEquals(new Nat44(v4("192.168.255.0/24"), false,
                "nftables ip nat postrouting: ip saddr 192.168.255.0/24 oifname wan masquerade"), nat.get(0));
        assertEquals(v4("10.1.2.3"), nat.get(1).src());
        // iptables-nft's rules: xt targets MASQUERADE and SNAT, one with a negated source.
        Nat44 cgn = nat.stream().filter(n -> n.describe().contains("100.64.0.0/10")).findFirst().orElseThrow();
        assertEquals(v4("100.64.0.0/10"), cgn.src());
        assertTrue(cgn.describe().endsWith("MASQUERADE"), cgn.describe());
        Nat44 not10 = nat.stream().filter(Nat44::negated).findFirst().orElseThrow();
        assertEquals(v4("10.0.0.0/8"), not10.src());
        assertTrue(not10.covers(v4("192.168.0.0/16")));
        assertFalse(not10.covers(v4("10.9.0.0/16")));
        assertFalse(not10.covers(v4("0.0.0.0/0")), "a negated match does not cover a prefix that contains it");

        assertEquals(List.of("inet filter forward", "ip filter FORWARD", "ip6 filter FORWARD"),
                fw.forward().stream().map(DropChain::name).toList());
        DropChain inet = fw.forward().get(0);
        assertEquals(Set.of("nat64"), inet.acceptIif());
        assertEquals(Set.of("nat64", "lan"), inet.acceptOif());
        assertTrue(inet.carriesIpv4() && inet.carriesIpv6() && inet.nftables());
        DropChain ip6 = fw.forward().get(2);
        assertFalse(ip6.carriesIpv4());
        assertFalse(ip6.acceptsTo("nat64"));
    }

    @Test
    void readsNftablesSourceSetsAndLeavesRangesAlone() {
        List<String> errors = new ArrayList<>();
        Firewall fw = Firewall.parseNft(resource("nft-nat-sets.json"), errors);
        assertEquals(List.of(), errors);
        assertEquals(3, fw.nat44().size(), fw.nat44().toString());
        assertEquals(v4("10.0.0.0/8"), fw.nat44().get(0).src());
        assertEquals(v4("100.64.0.0/10"), fw.nat44().get(1).src());
        assertEquals("nftables ip nat postrouting: ip saddr { 10.0.0.0/8, 100.64.0.0/10 } masquerade",
                fw.nat44().get(0).describe());
        // A range is not understood: it vouches for no address, so the doctor still reports the pool.
        Nat44 range = fw.nat44().get(2);
        assertEquals("nftables ip nat postrouting: ip saddr 192.168.1.0-192.168.1.20 masquerade (source match not"
                + " understood)", range.describe());
        assertFalse(range.covers(v4("192.168.1.0/28")));
        assertTrue(fw.nat44().get(1).covers(v4("100.64.7.0/24")));
    }

    @Test
    void readsIptablesSave() {
        Firewall fw = Firewall.parseIptablesSave(resource("iptables-save.txt"), false, "iptables");
        assertEquals(2, fw.nat44().size());
        assertEquals(v4("100.64.0.0/10"), fw.nat44().get(0).src());
        assertFalse(fw.nat44().get(0).negated());
        assertTrue(fw.nat44().get(1).negated());
        assertEquals(1, fw.forward().size());
        DropChain c = fw.forward().get(0);
        assertEquals("iptables", c.name());
        assertTrue(c.acceptsFrom("nat64"));
        assertFalse(c.acceptsTo("nat64"));
        assertFalse(c.nftables());

        Firewall open = Firewall.parseIptablesSave("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\nCOMMIT\n", true, "ip6tables");
        assertEquals(List.of(), open.forward());
        Firewall wild = Firewall.parseIptablesSave("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -o nat+ -j ACCEPT\n"
                + "-A FORWARD ! -i nat64 -j ACCEPT\nCOMMIT\n", true, "ip6tables");
        assertTrue(wild.forward().get(0).acceptsTo("nat64"), "iptables' + wildcard");
        assertFalse(wild.forward().get(0).acceptsFrom("nat64"), "a negated -i accepts other interfaces only");
    }

    // ---- NAT44 --------------------------------------------------------------------------------------

    @Test
    void privatePoolWithoutNat44IsAProblemWithTheNftCommandForTheUplink() {
        Check p = onlyProblem(run(nat64Bed(), CONF_NAT64, Firewall.empty("nft"), Map.of()));
        assertEquals("no NAT44 (masquerade or snat) for the dynamic pool 192.168.255.0/24: its addresses are private"
                + " (192.168.0.0/16), so hosts on the IPv4 Internet cannot answer them", p.text());
        assertEquals("nft add table ip nat && nft 'add chain ip nat postrouting { type nat hook postrouting priority"
                + " srcnat; }' && nft add rule ip nat postrouting ip saddr 192.168.255.0/24 oifname eth0 masquerade"
                + "   # keep it in /etc/nftables.conf", p.fix());
    }

    @Test
    void iptablesOnlyGetsAnIptablesCommandAndNoToolAtAllGetsNftablesInstalled() {
        Check p = onlyProblem(run(nat64Bed(), CONF_NAT64, Firewall.empty("iptables", "ip6tables"), Map.of()));
        assertEquals("iptables -t nat -A POSTROUTING -s 192.168.255.0/24 -o eth0 -j MASQUERADE   # keep it with"
                + " iptables-persistent", p.fix());
        Check q = onlyProblem(run(nat64Bed(), CONF_NAT64, Firewall.empty(), Map.of()));
        assertTrue(q.fix().startsWith("apt-get install nftables && nft add table ip nat"), q.fix());
    }

    @Test
    void nat44CoveringThePoolIsOkAndPublicMapsNeedNone() {
        Firewall fw = new Firewall(List.of(new Nat44(v4("192.168.0.0/16"), false, "nftables ip nat postrouting: x")),
                List.of(), List.of("nft"));
        List<Check> checks = run(nat64Bed(), CONF_NAT64, fw, Map.of());
        assertTrue(problems(checks).isEmpty(), show(checks));
        assertTrue(show(checks).contains("OK       NAT44: the dynamic pool 192.168.255.0/24 (private) is"
                + " source-translated by nftables ip nat postrouting: x"), show(checks));
        assertFalse(show(checks).contains("NAT44: map"), "198.51.100.0/28 is public: " + show(checks));

        // A masquerade of every source covers everything; one of another prefix does not.
        Firewall any = new Firewall(List.of(new Nat44(null, false, "all")), List.of(), List.of("nft"));
        assertTrue(problems(run(nat64Bed(), CONF_NAT64, any, Map.of())).isEmpty());
        Firewall other = new Firewall(List.of(new Nat44(v4("10.0.0.0/8"), false, "ten")), List.of(), List.of("nft"));
        assertEquals(1, problems(run(nat64Bed(), CONF_NAT64, other, Map.of())).size());
    }

    @Test
    void privateMapsAreCheckedOnceEachAndNotInsideThePool() {
        String conf = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "dynamic-pool 192.168.255.0/24\nmap 192.168.255.7 2001:db8:6::7\nmap 100.64.1.0/24 2001:db8:7::/120\n";
        DoctorTest.Bed b = nat64Bed();
        b.routes4.add("{\"dst\":\"100.64.1.0/24\",\"dev\":\"nat64\",\"scope\":\"link\",\"flags\":[]}");
        List<Check> p = problems(run(b, conf, Firewall.empty("nft"), Map.of()));
        assertEquals(2, p.size(), show(p));
        assertTrue(p.get(0).text().contains("the dynamic pool 192.168.255.0/24"), p.get(0).text());
        assertTrue(p.get(1).text().startsWith("no NAT44 (masquerade or snat) for map test.conf:6 100.64.1.0/24: its"
                + " addresses are private (100.64.0.0/10)"), p.get(1).text());
    }

    @Test
    void aFirewallThatWasNotInspectedIsNotJudged() {
        // The canned states of DoctorTest have no firewall: no NAT44 or forward check is made.
        List<Check> checks = nat64Bed().run(CONF_NAT64);
        assertFalse(show(checks).contains("NAT44"), show(checks));
        assertNull(nat64Bed().state().firewall());
    }

    // ---- forward policy -----------------------------------------------------------------------------

    @Test
    void forwardChainsThatDropTranslatedTraffic() {
        Firewall nat = new Firewall(List.of(new Nat44(null, false, "all")), List.of(), List.of("nft"));
        List<String> errors = new ArrayList<>();
        Firewall fw = nat.plus(Firewall.parseNft(resource("nft-ruleset.json"), errors));
        List<Check> checks = run(nat64Bed(), CONF_NAT64, fw, Map.of());
        String all = show(checks);
        assertTrue(all.contains("OK       nftables chain inet filter forward has policy drop and accepts the translated"
                + " packets of nat64"), all);
        assertTrue(all.contains("OK       nftables chain ip filter FORWARD has policy drop and accepts the translated"
                + " packets of nat64"), all);
        Check p = onlyProblem(checks);
        assertEquals("nftables chain ip6 filter FORWARD has policy drop and no accept rule for packets into nat64:"
                + " translated traffic is dropped", p.text());
        // iptables-nft's chain: fixed with ip6tables, so that ip6tables-save can still read it.
        assertEquals("ip6tables -I FORWARD -o nat64 -j ACCEPT", p.fix());
    }

    @Test
    void iptablesForwardDropWithoutAcceptsGetsBothCommandsForNptv6() {
        Firewall fw = Firewall.parseIptablesSave("*filter\n:FORWARD DROP [0:0]\nCOMMIT\n", true, "ip6tables");
        Check p = onlyProblem(run(new DoctorTest.Bed(), CONF_NPT, fw, Map.of()));
        assertEquals("ip6tables FORWARD chain has policy drop and no accept rule for packets from npt or packets into"
                + " npt: translated traffic is dropped", p.text());
        assertEquals("ip6tables -I FORWARD -i npt -j ACCEPT && ip6tables -I FORWARD -o npt -j ACCEPT", p.fix());
        // An IPv4-only chain does not carry NPTv6 traffic.
        Firewall v4 = Firewall.parseIptablesSave("*filter\n:FORWARD DROP [0:0]\nCOMMIT\n", false, "iptables");
        assertTrue(problems(run(new DoctorTest.Bed(), CONF_NPT, v4, Map.of())).isEmpty());
    }

    // ---- accept_ra ----------------------------------------------------------------------------------

    static final String R6_DEFAULT_RA = "{\"dst\":\"default\",\"gateway\":\"fe80::1\",\"dev\":\"wan\",\"protocol\":\"ra\","
            + "\"metric\":1024,\"flags\":[],\"expires\":1795,\"pref\":\"medium\"}";

    @Test
    void forwardingUplinkWithARouteFromRouterAdvertisementsNeedsAcceptRa2() {
        DoctorTest.Bed b = new DoctorTest.Bed();
        b.routes6.remove(DoctorTest.R6_DEFAULT_WAN);
        b.routes6.add(R6_DEFAULT_RA);
        Check p = onlyProblem(run(b, CONF_NPT, null,
                Map.of("net.ipv6.conf.wan.accept_ra", "1", "net.ipv6.conf.wan.forwarding", "1")));
        assertEquals("IPv6 forwarding is on for wan and net.ipv6.conf.wan.accept_ra = 1: the kernel ignores router"
                + " advertisements on a forwarding interface unless accept_ra = 2, so the default route learned from"
                + " them ('default dev wan') expires and is not renewed", p.text());
        assertEquals("sysctl -w net.ipv6.conf.wan.accept_ra=2   # and 'net.ipv6.conf.wan.accept_ra = 2' in"
                + " /etc/sysctl.d/ to keep it", p.fix());

        Check off = onlyProblem(run(b, CONF_NPT, null,
                Map.of("net.ipv6.conf.wan.accept_ra", "1", "net.ipv6.conf.wan.forwarding", "0")));
        assertTrue(off.text().startsWith("IPv6 forwarding, which the translator needs, will be on for wan"), off.text());

        List<Check> ok = run(b, CONF_NPT, null, Map.of("net.ipv6.conf.wan.accept_ra", "2",
                "net.ipv6.conf.wan.forwarding", "1"));
        assertTrue(problems(ok).isEmpty(), show(ok));
        assertTrue(show(ok).contains("OK       the IPv6 default route via wan comes from router advertisements, and"
                + " net.ipv6.conf.wan.accept_ra = 2 keeps taking them while forwarding"), show(ok));

        Check unread = onlyProblem(run(b, CONF_NPT, null, Map.of()));
        assertNull(unread.fix());
    }

    @Test
    void aStaticDefaultRouteNeedsNoRouterAdvertisements() {
        // DoctorTest's uplink has a static default route: accept_ra does not matter.
        List<Check> checks = run(new DoctorTest.Bed(), CONF_NPT, null, Map.of("net.ipv6.conf.wan.accept_ra", "1"));
        assertTrue(problems(checks).isEmpty(), show(checks));
        assertFalse(show(checks).contains("accept_ra"), show(checks));
    }
}
