// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.doctor.Doctor.Check;
import org.junit.jupiter.api.Test;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import net.tunxlat.cli.TunxlatCommand;
import picocli.CommandLine;

/**
 * The doctor's analysis on canned {@code ip -j} output. The JSON objects below were printed by iproute2
 * 6.1 (Debian 12) for a router namespace set up with the README's recipes, then edited per test.
 */
class DoctorTest {
    static final String CONF_NPT = "tun-device npt\nnptv6 fd01:203:405::/48 2001:db8:1::/48\n";
    static final String CONF_NAT64 = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
            + "dynamic-pool 192.168.255.0/24\nmap 198.51.100.0/28 2001:db8:6::/124\n";

    // ---- canned JSON: links --------------------------------------------------------------------------

    static final String LO = """
            {"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue",\
            "operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback",\
            "address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","promiscuity":0,"allmulti":0,\
            "min_mtu":0,"max_mtu":0,"inet6_addr_gen_mode":"eui64","num_tx_queues":1,"num_rx_queues":1}""";
    static final String NPT_UP = """
            {"ifindex":2,"ifname":"npt","flags":["POINTOPOINT","MULTICAST","NOARP","UP","LOWER_UP"],"mtu":1500,\
            "qdisc":"pfifo_fast","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":500,\
            "link_type":"none","promiscuity":0,"allmulti":0,"min_mtu":68,"max_mtu":65535,"linkinfo":\
            {"info_kind":"tun","info_data":{"type":"tun","pi":false,"vnet_hdr":false,"multi_queue":false,\
            "persist":true}},"inet6_addr_gen_mode":"random","num_tx_queues":1,"num_rx_queues":1}""";
    static final String NPT_NO_CARRIER = NPT_UP.replace("\"flags\":[\"POINTOPOINT\",\"MULTICAST\",\"NOARP\",\"UP\",\"LOWER_UP\"]",
            "\"flags\":[\"NO-CARRIER\",\"POINTOPOINT\",\"MULTICAST\",\"NOARP\",\"UP\"]");
    static final String NPT_DOWN = NPT_UP.replace(",\"UP\",\"LOWER_UP\"", "");
    static final String NPT_TAP = NPT_UP.replace("\"type\":\"tun\"", "\"type\":\"tap\"");
    static final String LAN = """
            {"ifindex":4,"link":"wan","ifname":"lan","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,\
            "qdisc":"noqueue","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,\
            "link_type":"ether","address":"06:18:50:dc:07:30","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":0,\
            "allmulti":0,"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"veth"},\
            "inet6_addr_gen_mode":"eui64","num_tx_queues":2,"num_rx_queues":2}""";
    static final String NAT64_UP = NPT_UP.replace("\"npt\"", "\"nat64\"");

    // ---- canned JSON: rules and routes ---------------------------------------------------------------

    static final String RULE_LOCAL = "{\"priority\":0,\"src\":\"all\",\"table\":\"local\"}";
    static final String RULE_NPT = "{\"priority\":32765,\"src\":\"fd01:203:405::\",\"srclen\":48,\"table\":\"100\"}";
    static final String RULE_MAIN = "{\"priority\":32766,\"src\":\"all\",\"table\":\"main\"}";
    static final String RULE_DEFAULT = "{\"priority\":32767,\"src\":\"all\",\"table\":\"default\"}";

    static final String R6_THROW = "{\"type\":\"throw\",\"dst\":\"fd01:203:405::/48\",\"dev\":\"lo\",\"table\":\"100\","
            + "\"metric\":1024,\"flags\":[],\"pref\":\"medium\"}";
    static final String R6_DEFAULT_TUN = "{\"dst\":\"default\",\"dev\":\"npt\",\"table\":\"100\",\"metric\":1024,"
            + "\"flags\":[],\"pref\":\"medium\"}";
    static final String R6_OUTSIDE = "{\"dst\":\"2001:db8:1::/48\",\"dev\":\"npt\",\"metric\":1024,\"flags\":[],"
            + "\"pref\":\"medium\"}";
    static final String R6_WAN = "{\"dst\":\"2001:db8:9::/64\",\"dev\":\"wan\",\"protocol\":\"kernel\",\"metric\":256,"
            + "\"flags\":[],\"pref\":\"medium\"}";
    static final String R6_LAN = "{\"dst\":\"fd01:203:405:1::/64\",\"dev\":\"lan\",\"protocol\":\"kernel\",\"metric\":256,"
            + "\"flags\":[],\"pref\":\"medium\"}";
    static final String R6_LL = "{\"dst\":\"fe80::/64\",\"dev\":\"npt\",\"protocol\":\"kernel\",\"metric\":256,"
            + "\"flags\":[],\"pref\":\"medium\"}";
    static final String R6_DEFAULT_WAN = "{\"dst\":\"default\",\"gateway\":\"2001:db8:9::9\",\"dev\":\"wan\","
            + "\"metric\":1024,\"flags\":[],\"pref\":\"medium\"}";
    static final String R6_LOCAL = "{\"type\":\"local\",\"dst\":\"fd01:203:405:1::1\",\"dev\":\"lan\",\"table\":\"local\","
            + "\"protocol\":\"kernel\",\"metric\":0,\"flags\":[],\"pref\":\"medium\"}";
    static final String R6_MCAST = "{\"type\":\"multicast\",\"dst\":\"ff00::/8\",\"dev\":\"npt\",\"table\":\"local\","
            + "\"protocol\":\"kernel\",\"metric\":256,\"flags\":[],\"pref\":\"medium\"}";

    static final String R4_LOCAL = "{\"type\":\"local\",\"dst\":\"127.0.0.1\",\"dev\":\"lo\",\"table\":\"local\","
            + "\"protocol\":\"kernel\",\"scope\":\"host\",\"prefsrc\":\"127.0.0.1\",\"flags\":[]}";

    static String arr(List<String> objects) {
        return "[" + String.join(",", objects) + "]";
    }

    /** A mutable scenario, good by default. */
    static final class Bed {
        List<String> links = new ArrayList<>(List.of(LO, NPT_UP, LAN));
        List<String> rules = new ArrayList<>(List.of(RULE_LOCAL, RULE_NPT, RULE_MAIN, RULE_DEFAULT));
        List<String> routes6 = new ArrayList<>(List.of(R6_THROW, R6_DEFAULT_TUN, R6_OUTSIDE, R6_WAN, R6_LAN, R6_LL,
                R6_DEFAULT_WAN, R6_LOCAL, R6_MCAST));
        List<String> routes4 = new ArrayList<>(List.of(R4_LOCAL));
        Boolean fwd4 = true;
        Boolean fwd6 = true;

        SystemState state() {
            return SystemState.parse(arr(links), arr(rules), arr(routes6), arr(routes4), fwd4, fwd6);
        }

        List<Check> run(String conf) {
            return Doctor.run(config(conf), "/etc/tunxlat/tunxlat.conf", state());
        }
    }

    static TunxlatConfig config(String text) {
        try {
            return ConfigParser.parse(text, Path.of("test.conf"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String show(List<Check> checks) {
        return checks.stream().map(c -> (c.ok() ? "OK       " : "PROBLEM  ") + c.text()
                + (c.fix() == null ? "" : "\n         fix: " + c.fix())).collect(Collectors.joining("\n"));
    }

    static List<Check> problems(List<Check> checks) {
        return checks.stream().filter(c -> !c.ok()).toList();
    }

    /** The only problem, asserting there is exactly one. */
    static Check onlyProblem(List<Check> checks) {
        List<Check> p = problems(checks);
        assertEquals(1, p.size(), show(checks));
        return p.get(0);
    }

    // ---- NPTv6 ---------------------------------------------------------------------------------------

    @Test
    void nptv6RecipeIsAllOk() {
        List<Check> checks = new Bed().run(CONF_NPT);
        assertTrue(problems(checks).isEmpty(), show(checks));
        String all = show(checks);
        assertTrue(all.contains("TUN device npt exists and is up"), all);
        assertTrue(all.contains("OK       nptv6 fd01:203:405::/48: rule 'from fd01:203:405::/48 lookup 100 (priority"
                + " 32765)' sends packets from the inside prefix to table 100"), all);
        assertTrue(all.contains("table 100 sends everything else into npt (default dev npt table 100)"), all);
        assertTrue(all.contains("(throw fd01:203:405::/48 table 100)"), all);
        assertTrue(all.contains("OK       nptv6 outside prefix 2001:db8:1::/48 is routed into npt (2001:db8:1::/48 dev"
                + " npt)"), all);
        assertTrue(all.contains("IPv6 forwarding is on"), all);
        assertFalse(all.contains("IPv4 forwarding"), "an NPTv6-only config needs no IPv4 forwarding: " + all);
    }

    @Test
    void missingRuleIsFixedWithTheTableThatIsAlreadyPrepared() {
        Bed b = new Bed();
        b.rules.remove(RULE_NPT);
        Check p = onlyProblem(b.run(CONF_NPT));
        assertTrue(p.text().contains("no policy rule sends packets from the inside prefix"), p.text());
        assertEquals("ip -6 rule add from fd01:203:405::/48 lookup 100", p.fix());
    }

    @Test
    void missingRuleAndTableSuggestTheFirstFreeTable() {
        Bed b = new Bed();
        b.rules.remove(RULE_NPT);
        b.routes6.remove(R6_DEFAULT_TUN);
        b.routes6.remove(R6_THROW);
        b.routes6.add("{\"dst\":\"default\",\"dev\":\"wan\",\"table\":\"100\",\"metric\":1024,\"flags\":[]}");
        List<Check> checks = b.run(CONF_NPT);
        List<String> fixes = problems(checks).stream().map(Check::fix).toList();
        assertEquals(List.of("ip -6 rule add from fd01:203:405::/48 lookup 101",
                "ip -6 route add default dev npt table 101",
                "ip -6 route add throw fd01:203:405::/48 table 101"), fixes, show(checks));
    }

    @Test
    void missingDefaultRouteInTheTable() {
        Bed b = new Bed();
        b.routes6.remove(R6_DEFAULT_TUN);
        Check p = onlyProblem(b.run(CONF_NPT));
        assertTrue(p.text().contains("table 100 has no default route into npt"), p.text());
        assertEquals("ip -6 route add default dev npt table 100", p.fix());
    }

    @Test
    void defaultRouteOfTheTableGoingElsewhereIsReplaced() {
        Bed b = new Bed();
        b.routes6.set(b.routes6.indexOf(R6_DEFAULT_TUN), R6_DEFAULT_TUN.replace("\"npt\"", "\"wan\""));
        Check p = onlyProblem(b.run(CONF_NPT));
        assertEquals("ip -6 route replace default dev npt table 100", p.fix());
    }

    @Test
    void missingThrowRouteLetsLanTrafficIntoTheTunnel() {
        Bed b = new Bed();
        b.routes6.remove(R6_THROW);
        Check p = onlyProblem(b.run(CONF_NPT));
        assertTrue(p.text().contains("between inside addresses"), p.text());
        assertEquals("ip -6 route add throw fd01:203:405::/48 table 100", p.fix());
    }

    @Test
    void ruleWithIifNeedsNoThrowRoute() {
        Bed b = new Bed();
        b.rules.set(b.rules.indexOf(RULE_NPT), RULE_NPT.replace("\"table\"", "\"iif\":\"lan\",\"table\""));
        b.routes6.remove(R6_THROW);
        List<Check> checks = b.run(CONF_NPT);
        assertTrue(problems(checks).isEmpty(), show(checks));
        assertTrue(show(checks).contains("from fd01:203:405::/48 iif lan lookup 100"), show(checks));
    }

    @Test
    void ruleWithFwmarkOrAfterMainDoesNotCount() {
        Bed b = new Bed();
        b.rules.set(b.rules.indexOf(RULE_NPT), RULE_NPT.replace("\"table\"", "\"fwmark\":\"0x1\",\"table\""));
        assertEquals("ip -6 rule add from fd01:203:405::/48 lookup 100", onlyProblem(b.run(CONF_NPT)).fix());
        Bed late = new Bed();
        late.rules.set(late.rules.indexOf(RULE_NPT), RULE_NPT.replace("32765", "40000"));
        assertEquals("ip -6 rule add from fd01:203:405::/48 lookup 100", onlyProblem(late.run(CONF_NPT)).fix());
    }

    @Test
    void coveringRuleCounts() {
        Bed b = new Bed();
        b.rules.set(b.rules.indexOf(RULE_NPT), "{\"priority\":1000,\"src\":\"fd00::\",\"srclen\":8,\"table\":\"100\"}");
        b.routes6.set(b.routes6.indexOf(R6_THROW), R6_THROW.replace("fd01:203:405::/48", "fd00::/8"));
        List<Check> checks = b.run(CONF_NPT);
        assertTrue(problems(checks).isEmpty(), show(checks));
    }

    @Test
    void unreachableRuleIsReplaced() {
        Bed b = new Bed();
        b.rules.set(b.rules.indexOf(RULE_NPT),
                "{\"priority\":1000,\"src\":\"fd01:203:405::\",\"srclen\":48,\"action\":\"unreachable\"}");
        Check p = onlyProblem(b.run(CONF_NPT));
        assertTrue(p.text().contains("does not look up a table"), p.text());
        assertEquals("ip -6 rule del from fd01:203:405::/48 priority 1000 && ip -6 rule add from fd01:203:405::/48"
                + " lookup 100", p.fix());
    }

    @Test
    void missingOutsideRoute() {
        Bed b = new Bed();
        b.routes6.remove(R6_OUTSIDE);
        Check p = onlyProblem(b.run(CONF_NPT));
        assertTrue(p.text().contains("2001:db8:1::/48 is routed by 'default dev wan', not into npt"), p.text());
        assertEquals("ip -6 route add 2001:db8:1::/48 dev npt", p.fix());
        b.routes6.remove(R6_DEFAULT_WAN);
        Check q = onlyProblem(b.run(CONF_NPT));
        assertTrue(q.text().contains("no route sends"), q.text());
        assertEquals("ip -6 route add 2001:db8:1::/48 dev npt", q.fix());
    }

    @Test
    void outsideRouteToAnotherDeviceIsReplaced() {
        Bed b = new Bed();
        b.routes6.set(b.routes6.indexOf(R6_OUTSIDE), R6_OUTSIDE.replace("\"npt\"", "\"wan\""));
        assertEquals("ip -6 route replace 2001:db8:1::/48 dev npt", onlyProblem(b.run(CONF_NPT)).fix());
    }

    @Test
    void partOfTheOutsidePrefixRoutedElsewhere() {
        Bed b = new Bed();
        b.routes6.add("{\"dst\":\"2001:db8:1:5::/64\",\"dev\":\"wan\",\"metric\":1024,\"flags\":[]}");
        Check p = onlyProblem(b.run(CONF_NPT));
        assertTrue(p.text().contains("part of"), p.text());
        assertEquals("ip -6 route del 2001:db8:1:5::/64 dev wan", p.fix());
    }

    @Test
    void insidePrefixRoutedIntoTheTunnelWouldLoop() {
        Bed b = new Bed();
        b.routes6.add("{\"dst\":\"fd01:203:405::/48\",\"dev\":\"npt\",\"metric\":1024,\"flags\":[]}");
        Check p = onlyProblem(b.run(CONF_NPT));
        assertTrue(p.text().contains("would loop"), p.text());
        assertEquals("ip -6 route del fd01:203:405::/48 dev npt", p.fix());
    }

    @Test
    void oneWayMappingsCheckOnlyTheirDirection() {
        Bed out = new Bed();
        out.routes6.remove(R6_OUTSIDE);
        List<Check> c1 = out.run("tun-device npt\nnptv6 fd01:203:405::/48 2001:db8:1::/48 outbound\n");
        assertTrue(problems(c1).isEmpty(), show(c1));
        Bed in = new Bed();
        in.rules.remove(RULE_NPT);
        List<Check> c2 = in.run("tun-device npt\nnptv6 fd01:203:405::/48 2001:db8:1::/48 inbound\n");
        assertTrue(problems(c2).isEmpty(), show(c2));
    }

    @Test
    void secondInsidePrefixSharesTheTable() {
        Bed b = new Bed();
        List<Check> checks = b.run(CONF_NPT + "nptv6 fd02::/48 2001:db8:2::/48\n");
        List<String> fixes = problems(checks).stream().map(Check::fix).toList();
        assertEquals(List.of("ip -6 rule add from fd02::/48 lookup 100",
                "ip -6 route add throw fd02::/48 table 100",
                "ip -6 route add 2001:db8:2::/48 dev npt"), fixes, show(checks));
    }

    // ---- the device and forwarding -------------------------------------------------------------------

    @Test
    void tunDeviceProblems() {
        Bed missing = new Bed();
        missing.links.remove(NPT_UP);
        Check p = problems(missing.run(CONF_NPT)).get(0);
        assertEquals("TUN device npt does not exist", p.text());
        assertEquals("tunxlat mktun -c /etc/tunxlat/tunxlat.conf && ip link set npt up", p.fix());

        Bed down = new Bed();
        down.links.set(1, NPT_DOWN);
        Check d = onlyProblem(down.run(CONF_NPT));
        assertEquals("ip link set npt up", d.fix());

        Bed idle = new Bed();
        idle.links.set(1, NPT_NO_CARRIER);
        Check i = onlyProblem(idle.run(CONF_NPT));
        assertTrue(i.text().contains("NO-CARRIER"), i.text());
        assertTrue(i.fix().startsWith("tunxlat run -c /etc/tunxlat/tunxlat.conf"), i.fix());

        Bed tap = new Bed();
        tap.links.set(1, NPT_TAP);
        Check t = onlyProblem(tap.run(CONF_NPT));
        assertTrue(t.text().contains("is not a TUN device (tun tap)"), t.text());
    }

    @Test
    void forwardingOff() {
        Bed b = new Bed();
        b.fwd6 = false;
        Check p = onlyProblem(b.run(CONF_NPT));
        assertEquals("IPv6 forwarding is off (net.ipv6.conf.all.forwarding = 0)", p.text());
        assertTrue(p.fix().startsWith("sysctl -w net.ipv6.conf.all.forwarding=1"), p.fix());
        b.fwd6 = null;
        Check q = onlyProblem(b.run(CONF_NPT));
        assertNull(q.fix());
    }

    @Test
    void unreadableOutputIsAProblem() {
        SystemState s = SystemState.parse("[{\"ifname\":", "[]", "[]", "[]", true, true);
        List<Check> checks = Doctor.run(config(CONF_NPT), "f", s);
        assertTrue(show(checks).contains("cannot inspect the system: ip -j link: JSON: unexpected end"), show(checks));
    }

    // ---- NAT64 ---------------------------------------------------------------------------------------

    static Bed nat64Bed() {
        Bed b = new Bed();
        b.links = new ArrayList<>(List.of(LO, NAT64_UP));
        b.rules = new ArrayList<>(List.of(RULE_LOCAL, RULE_MAIN, RULE_DEFAULT));
        b.routes6 = new ArrayList<>(List.of(
                "{\"dst\":\"2001:db8:64::/96\",\"dev\":\"nat64\",\"metric\":1024,\"flags\":[],\"pref\":\"medium\"}",
                R6_LL.replace("npt", "nat64")));
        b.routes4 = new ArrayList<>(List.of(
                "{\"dst\":\"192.168.255.0/24\",\"dev\":\"nat64\",\"scope\":\"link\",\"flags\":[]}",
                "{\"dst\":\"198.51.100.0/24\",\"dev\":\"nat64\",\"scope\":\"link\",\"flags\":[]}",
                "{\"dst\":\"default\",\"gateway\":\"203.0.113.254\",\"dev\":\"eth0\",\"flags\":[]}",
                R4_LOCAL));
        return b;
    }

    @Test
    void nat64RoutesAllOk() {
        List<Check> checks = nat64Bed().run(CONF_NAT64);
        assertTrue(problems(checks).isEmpty(), show(checks));
        String all = show(checks);
        assertTrue(all.contains("the NAT64 prefix 2001:db8:64::/96 is routed into nat64 (2001:db8:64::/96 dev nat64)"),
                all);
        assertTrue(all.contains("map 198.51.100.0/28 is routed into nat64 (198.51.100.0/24 dev nat64)"), all);
        assertTrue(all.contains("the dynamic pool 192.168.255.0/24 is routed into nat64 (192.168.255.0/24 dev nat64)"),
                all);
        assertFalse(all.contains("ipv4-addr"), "ipv4-addr is inside the pool, checked with it: " + all);
        assertTrue(all.contains("IPv4 forwarding is on"), all);
    }

    @Test
    void nat64MissingRoutes() {
        Bed b = nat64Bed();
        b.routes4.remove(0);
        b.routes6.remove(0);
        b.fwd4 = false;
        List<String> fixes = problems(b.run(CONF_NAT64)).stream().map(Check::fix).toList();
        assertEquals(List.of("sysctl -w net.ipv4.ip_forward=1   # and 'net.ipv4.ip_forward = 1' in /etc/sysctl.d/ to"
                        + " keep it",
                "ip -6 route add 2001:db8:64::/96 dev nat64",
                "ip route add 192.168.255.0/24 dev nat64"), fixes);
    }

    @Test
    void ipv4AddressInsideAnotherRouteIsFlagged() {
        Bed b = nat64Bed();
        b.routes4.add("{\"dst\":\"192.168.255.128/25\",\"dev\":\"eth1\",\"scope\":\"link\",\"flags\":[]}");
        Check p = onlyProblem(b.run(CONF_NAT64));
        assertEquals("ip route del 192.168.255.128/25 dev eth1", p.fix());
    }

    @Test
    void commandReportsAMissingDeviceOnThisSystem(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path conf = dir.resolve("t.conf");
        Files.writeString(conf, "tun-device tx-nodev-9\nnptv6 fd01:203:405::/48 2001:db8:1::/48\n");
        var out = new StringWriter();
        var cl = new CommandLine(new TunxlatCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        assertEquals(1, cl.execute("doctor", "-c", conf.toString()), out.toString());
        assertTrue(out.toString().startsWith("tunxlat doctor: " + conf + "\n"), out.toString());
        assertTrue(out.toString().contains("PROBLEM  TUN device tx-nodev-9 does not exist\n         fix: tunxlat mktun -c "
                + conf + " && ip link set tx-nodev-9 up\n"), out.toString());
        assertTrue(out.toString().matches("(?s).*\\n\\d+ checks: \\d+ OK, \\d+ problems?\\n"), out.toString());
    }

    @Test
    void everyFixIsOneValidShellCommandLine() throws Exception {
        List<Check> all = new ArrayList<>();
        Bed b = new Bed();
        b.links.set(1, NPT_NO_CARRIER);
        b.rules.set(b.rules.indexOf(RULE_NPT),
                "{\"priority\":1000,\"src\":\"fd01:203:405::\",\"srclen\":48,\"action\":\"unreachable\"}");
        b.routes6.clear();
        b.fwd6 = false;
        all.addAll(b.run(CONF_NPT));
        Bed n = nat64Bed();
        n.links.clear();
        n.fwd4 = false;
        n.routes4.add("{\"dst\":\"192.168.255.128/25\",\"dev\":\"eth1\",\"scope\":\"link\",\"flags\":[]}");
        all.addAll(n.run(CONF_NAT64));
        List<String> fixes = all.stream().map(Check::fix).filter(f -> f != null).toList();
        assertTrue(fixes.size() >= 8, show(all));
        for (String fix : fixes) {
            Process p = new ProcessBuilder("sh", "-n", "-c", fix).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), "not valid sh: " + fix + "\n" + out);
            assertFalse(fix.contains("\n"), fix);
        }
    }

    @Test
    void parsesMixedFamilyListingsAndHostRoutes() {
        SystemState s = SystemState.parse("[]", "[]",
                "[{\"dst\":\"2001:db8::1\",\"dev\":\"x\",\"flags\":[]},{\"dst\":\"10.0.0.0/8\",\"dev\":\"y\"}]",
                "[{\"dst\":\"10.1.2.3\",\"dev\":\"y\",\"flags\":[]},{\"dst\":\"::/0\",\"dev\":\"x\"}]", true, true);
        assertEquals(1, s.routes6().size());
        assertEquals(128, s.routes6().get(0).dst().length());
        assertEquals(1, s.routes4().size());
        assertEquals("10.1.2.3/32", s.routes4().get(0).dst().toString());
        assertTrue(s.errors().isEmpty(), s.errors().toString());
    }
}
