// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;

/** {@link ClatHost} against {@link FakeIproute}: the order of the steps, DAD retries, the journal, teardown. */
class ClatHostTest {
    private static final Ipv6Prefix WKP = Ipv6Prefix.parse("64:ff9b::/96", -1);

    @TempDir
    Path dataDir;

    private ClatHost host(FakeIproute ip) {
        return new ClatHost(ip, ClatHost.Options.of(dataDir, "clat").withDad(3, Duration.ofSeconds(2)));
    }

    @Test
    void findsTheUplinkByRouteLookupAndItsSlaacPrefixNotTheTemporaryOne() throws IOException {
        FakeIproute ip = new FakeIproute();
        ip.sysctls.put("net.ipv6.conf.eth0.mtu", "1480");
        ClatHostUplink u = host(ip).uplink(WKP);
        assertEquals("eth0", u.name());
        assertEquals("2001:db8:1::/64", u.prefix().toString());
        assertEquals(1480, u.mtu());
        assertEquals(ip.slaac, u.source());
        assertTrue(ip.commands.contains("ip -j -6 route get 64:ff9b::"), ip.commands.toString());
        // without a prefix: the default route's device
        assertEquals("eth0", host(ip).uplink(null).name());
        assertTrue(ip.commands.contains("ip -j -6 route show default"), ip.commands.toString());
    }

    @Test
    void setUpThenTeardownLeavesTheHostAsItWas() throws IOException {
        FakeIproute ip = new FakeIproute();
        Map<String, String> sysctlsBefore = new HashMap<>(ip.sysctls);
        ClatHost host = host(ip);
        ClatHost.Setup s = host.setUp(WKP);

        assertTrue(Ipv6Prefix.parse("2001:db8:1::/64", -1).contains(
                Addresses.parseIpv6(s.address())[0],
                Addresses.parseIpv6(s.address())[1]), s.address());
        assertNotEquals(ip.slaac, s.address());
        assertEquals(1480, s.tunMtu());
        // the probe address is gone again; proxy entry, /128 route, TUN address, MTU, up, default route are there
        assertEquals(Set.of(
                "ip -6 neigh proxy " + s.address() + " dev eth0",
                "ip -6 route " + s.address() + "/128 dev clat",
                "ip addr 192.0.0.1/29 dev clat",
                "mtu 1480",
                "addrgenmode none",
                "multicast off",
                "ip link set dev clat ",
                "ip -4 route default dev clat metric 10000"), ip.state);
        // no link-local address (so no MLD reports or router solicitations into the CLAT): set while still down
        assertTrue(ip.commands.indexOf("ip link set dev clat addrgenmode none")
                < ip.commands.indexOf("ip link set dev clat up"), ip.commands.toString());
        assertTrue(ip.commands.indexOf("ip link set dev clat multicast off")
                < ip.commands.indexOf("ip link set dev clat up"), ip.commands.toString());
        assertFalse(ip.commands.contains("sysctl net.ipv6.conf.clat.force_mld_version=1"),
                "a device made without forwarding joined no all-routers group: nothing to leave");
        assertTrue(ip.commands.contains("ip -4 route add default dev clat metric 10000 advmss 1440"), ip.commands.toString());
        assertEquals("1", ip.sysctls.get("net.ipv6.conf.all.forwarding"));
        assertEquals("1", ip.sysctls.get("net.ipv6.conf.eth0.proxy_ndp"));
        assertEquals("2", ip.sysctls.get("net.ipv6.conf.eth0.accept_ra"));
        assertEquals("2", ip.sysctls.get("net.ipv6.conf.default.accept_ra"));
        assertEquals("1", ip.sysctls.get("net.ipv6.conf.clat.accept_ra"), "the TUN device's own sysctl is not ours to change");
        // accept_ra=2 comes before forwarding, or the host would drop its RAs in between
        assertTrue(ip.commands.indexOf("sysctl net.ipv6.conf.eth0.accept_ra=2")
                < ip.commands.indexOf("sysctl net.ipv6.conf.all.forwarding=1"), ip.commands.toString());

        assertEquals(List.of(), host.teardown());
        assertEquals(Set.of(), ip.state);
        assertEquals(sysctlsBefore, ip.sysctls);
        assertEquals(List.of(), host.added());
        int commands = ip.commands.size();
        assertEquals(List.of(), host.teardown(), "a second teardown has nothing to do");
        assertEquals(commands, ip.commands.size());
    }

    @Test
    void aTunDeviceWithoutLinkLocalAddressesIsLeftSoAndPutBackOtherwise() throws IOException {
        FakeIproute ip = new FakeIproute();
        ip.tunAddrGenMode = "none"; // already none (made so by someone else): nothing to do, nothing to undo
        ClatHost host = host(ip);
        host.setUp(WKP);
        assertFalse(ip.commands.stream().anyMatch(c -> c.contains("addrgenmode")), ip.commands.toString());
        assertEquals(List.of(), host.teardown());

        FakeIproute random = new FakeIproute();
        random.tunAddrGenMode = "random";
        ClatHost other = host(random);
        other.setUp(WKP);
        assertTrue(random.state.contains("addrgenmode none"), random.state.toString());
        assertEquals(List.of(), other.teardown());
        assertTrue(random.commands.contains("ip link set dev clat addrgenmode random"), "put back as it was: "
                + random.commands);
        assertEquals(Set.of(), random.state);
    }

    @Test
    void onAForwardingHostTheTunDeviceLeavesTheAllRoutersGroupsSilentlyBeforeItGoesUp() throws IOException {
        FakeIproute ip = new FakeIproute();
        ip.sysctls.put("net.ipv6.conf.all.forwarding", "1");
        ip.sysctls.put("net.ipv6.conf.eth0.forwarding", "1");
        ip.sysctls.put("net.ipv6.conf.clat.forwarding", "1"); // made while forwarding was on: joined ff02::2
        Map<String, String> before = new HashMap<>(ip.sysctls);
        ClatHost host = host(ip);
        host.setUp(WKP);
        // MLDv1 (a leave of a group never reported sends nothing), leave while multicast is still on, then no
        // multicast (forwarding back on joins nothing), all before the device goes up
        List<String> order = List.of("sysctl net.ipv6.conf.clat.force_mld_version=1",
                "sysctl net.ipv6.conf.clat.forwarding=0", "ip link set dev clat multicast off",
                "sysctl net.ipv6.conf.clat.forwarding=1", "sysctl net.ipv6.conf.clat.force_mld_version=0",
                "ip link set dev clat up");
        int last = -1;
        for (String c : order) {
            int at = ip.commands.indexOf(c);
            assertTrue(at > last, c + " in order " + order + ": " + ip.commands);
            last = at;
        }
        assertEquals("1", ip.sysctls.get("net.ipv6.conf.clat.forwarding"), "the device forwards as before");
        assertEquals("0", ip.sysctls.get("net.ipv6.conf.clat.force_mld_version"), "its MLD version as before");
        assertEquals(List.of(), host.teardown());
        assertEquals(before, ip.sysctls);
        assertEquals(Set.of(), ip.state);
    }

    @Test
    void noRouteTowardsThePrefixIsSaidSoNotAsIpsExitStatus() {
        FakeIproute ip = new FakeIproute();
        ip.failing = "ip -j -6 route get"; // what ip answers once the uplink is down
        ip.failure = "RTNETLINK answers: Network is unreachable";
        IOException e = assertThrows(IOException.class, () -> host(ip).uplink(WKP));
        assertEquals("no IPv6 route towards the NAT64 prefix 64:ff9b::/96 (the uplink down, or no router advertisement"
                + " yet?): RTNETLINK answers: Network is unreachable", e.getMessage());
    }

    @Test
    void aHostThatForwardsAlreadyKeepsItsSysctls() throws IOException {
        FakeIproute ip = new FakeIproute();
        ip.sysctls.put("net.ipv6.conf.all.forwarding", "1");
        ip.sysctls.put("net.ipv6.conf.eth0.forwarding", "1");
        ip.sysctls.put("net.ipv6.conf.eth0.proxy_ndp", "1");
        Map<String, String> before = new HashMap<>(ip.sysctls);
        ClatHost host = host(ip);
        host.setUp(WKP);
        assertEquals(before, ip.sysctls, "a router keeps accept_ra as it is: it forwarded before the CLAT");
        assertFalse(host.added().stream().anyMatch(a -> a.startsWith("net.ipv6")), host.added().toString());
        assertEquals(List.of(), host.teardown());
        assertEquals(before, ip.sysctls);
    }

    @Test
    void theAddressIsStableAcrossRestartsAndDifferentOnAnotherUplink() throws IOException {
        FakeIproute ip = new FakeIproute();
        String first = host(ip).claimAddress(host(ip).uplink(WKP));
        String again = host(ip).claimAddress(host(ip).uplink(WKP));
        assertEquals(first, again);
        FakeIproute other = new FakeIproute();
        other.uplink = "wlan0";
        other.sysctls.put("net.ipv6.conf.wlan0.mtu", "1500");
        other.sysctls.put("net.ipv6.conf.wlan0.accept_dad", "1");
        assertNotEquals(first, host(other).claimAddress(host(other).uplink(WKP)));
    }

    @Test
    void aDuplicateMovesOnToTheNextCounterAndTheProbeIsRemoved() throws IOException {
        FakeIproute ip = new FakeIproute();
        String firstChoice = host(ip).claimAddress(host(ip).uplink(WKP));
        ip.commands.clear();
        ip.duplicates.add(firstChoice);
        String chosen = host(ip).claimAddress(host(ip).uplink(WKP));
        assertNotEquals(firstChoice, chosen);
        assertTrue(ip.commands.contains("ip -6 addr add " + firstChoice + "/128 dev eth0 noprefixroute preferred_lft 0"),
                ip.commands.toString());
        assertTrue(ip.commands.contains("ip -6 addr del " + firstChoice + "/128 dev eth0"), ip.commands.toString());
        assertEquals(Set.of(), ip.state, "no probe address stays on the uplink");
    }

    @Test
    void everyCandidateDuplicateIsADadFailureAfterTheBoundedTries() throws IOException {
        FakeIproute ip = new FakeIproute();
        ClatHost host = host(ip);
        ClatHostUplink u = host.uplink(WKP);
        byte[] secret = ClatHostAddress.secret(dataDir);
        for (int c = 0; c < 10; c++) {
            long[] a = ClatHostAddress.candidate(secret, "eth0", u.prefix(), c);
            if (a != null) {
                ip.duplicates.add(ClatHostAddress.format(a));
            }
        }
        ClatHost.DadFailedException e = assertThrows(ClatHost.DadFailedException.class, () -> host.claimAddress(u));
        assertEquals(3, e.tried().size(), e.tried().toString());
        assertEquals(Set.of(), ip.state);
        assertEquals(List.of(), host.added());
    }

    @Test
    void aFailedStepLeavesWhatWasDoneForTeardown() throws IOException {
        FakeIproute ip = new FakeIproute();
        Map<String, String> sysctlsBefore = new HashMap<>(ip.sysctls);
        ip.failing = "ip -6 route add";
        ClatHost host = host(ip);
        IOException e = assertThrows(IOException.class, () -> host.setUp(WKP));
        assertTrue(e.getMessage().contains("Operation not permitted"), e.getMessage());
        assertEquals(7, ip.state.size(), "the TUN side (addrgenmode and multicast too) and the proxy entry were added before the"
                + " route failed: " + ip.state);
        assertFalse(host.added().isEmpty());
        assertEquals(List.of(), host.teardown());
        assertEquals(Set.of(), ip.state);
        assertEquals(sysctlsBefore, ip.sysctls);
    }

    @Test
    void somethingAlreadyGoneCountsAsUndoneAndARealFailureIsKeptForTheNextTeardown() throws IOException {
        FakeIproute ip = new FakeIproute();
        ClatHost host = host(ip);
        ClatHost.Setup s = host.setUp(WKP);
        ip.state.remove("ip -4 route default dev clat metric 10000"); // gone with the TUN device, say
        ip.failing = "ip -6 neigh del";
        List<String> problems = host.teardown();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("proxy-ND entry for " + s.address()), problems.toString());
        assertEquals(List.of("proxy-ND entry for " + s.address() + " on eth0"), host.added());
        ip.failing = null;
        assertEquals(List.of(), host.teardown());
        assertEquals(Set.of(), ip.state);
    }

    @Test
    void routedPrefixModeNeedsNoDadNorProxy() throws IOException {
        FakeIproute ip = new FakeIproute();
        Ipv6Prefix pd = Ipv6Prefix.parse("2001:db8:99::/56", -1);
        ClatHost host = new ClatHost(ip, ClatHost.Options.of(dataDir, "clat").withRoutedPrefix(pd));
        ClatHost.Setup s = host.setUp(WKP);
        long[] a = Addresses.parseIpv6(s.address());
        assertTrue(pd.contains(a[0], a[1]), s.address());
        assertFalse(ip.commands.stream().anyMatch(c -> c.contains("addr add") && c.contains("/128")), ip.commands.toString());
        assertFalse(ip.state.stream().anyMatch(x -> x.contains("neigh")), ip.state.toString());
        assertTrue(ip.state.contains("ip -6 route " + s.address() + "/128 dev clat"), ip.state.toString());
        assertEquals("0", ip.sysctls.get("net.ipv6.conf.eth0.proxy_ndp"));
        host.teardown();
        assertEquals(Set.of(), ip.state);
    }

    @Test
    void anUplinkWithoutSlaacAddressIsAClearError() {
        FakeIproute none = new FakeIproute() {
            @Override
            public String run(String... command) throws IOException {
                String line = String.join(" ", command);
                if (line.equals("ip -j -6 addr show dev eth0")) {
                    return "[{\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet6\",\"local\":\"fe80::1\","
                            + "\"prefixlen\":64,\"scope\":\"link\"}]}]";
                }
                return super.run(command);
            }
        };
        IOException e = assertThrows(IOException.class, () -> host(none).uplink(WKP));
        assertTrue(e.getMessage().contains("no global SLAAC /64"), e.getMessage());
    }

    @Test
    void anMtuTooSmallForIpv4IsRefused() throws IOException {
        FakeIproute ip = new FakeIproute();
        ClatHost host = host(ip);
        IOException e = assertThrows(IOException.class,
                () -> host.setUpTun(new ClatHostUplink("eth0", Ipv6Prefix.parse("2001:db8:1::/64", -1), 80, "x")));
        assertTrue(e.getMessage().contains("below IPv4's minimum 68"), e.getMessage());
        assertEquals(Set.of(), ip.state);
    }
}
