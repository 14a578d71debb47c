// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import net.tunxlat.util.Json;

/** {@link ClatHostScan} on {@code ip -j} output as iproute2 6.1 prints it. */
class ClatHostScanTest {

    private static List<Object> json(String s) {
        return new ArrayList<>((List<?>) Json.parse(s));
    }

    private static List<ClatHostScan.Addr> addrs(String s) {
        return ClatHostScan.addresses(json(s));
    }

    private static final String LO4 = "{\"ifname\":\"lo\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\","
            + "\"prefixlen\":8,\"scope\":\"host\"}]}";

    @Test
    void anIpv6OnlyHostHasNoNativeIpv4AndNoOtherClat() {
        List<ClatHostScan.Addr> a = addrs("[" + LO4 + "]");
        assertEquals(Optional.empty(), ClatHostScan.nativeIpv4(json("[]"), "clat"));
        assertEquals(Optional.empty(), ClatHostScan.otherClat(a, json("[]"), List.of("1 systemd", "77 sshd"), "clat"));
    }

    @Test
    void aDefaultRouteIsNativeIpv4ButOursAndABareAddressAreNot() {
        String dhcp = "[{\"dst\":\"default\",\"gateway\":\"192.168.1.1\",\"dev\":\"eth0\",\"protocol\":\"dhcp\","
                + "\"metric\":100,\"flags\":[]}]";
        assertEquals(Optional.of("native IPv4: a default route via 192.168.1.1 dev eth0"),
                ClatHostScan.nativeIpv4(json(dhcp), "clat"));
        String ours = "[{\"dst\":\"default\",\"dev\":\"clat\",\"metric\":10000,\"flags\":[]}]";
        String oursAddr = "[" + LO4 + ",{\"ifname\":\"clat\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"192.0.0.1\","
                + "\"prefixlen\":29,\"scope\":\"global\"}]}]";
        assertEquals(Optional.empty(), ClatHostScan.nativeIpv4(json(ours), "clat"));
        assertEquals(Optional.empty(), ClatHostScan.otherClat(addrs(oursAddr), json(ours), List.of(), "clat"));
        String lan = "[{\"ifname\":\"eth1\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.1.2.3\",\"prefixlen\":24,"
                + "\"scope\":\"global\"}]}]";
        assertEquals(Optional.empty(), ClatHostScan.nativeIpv4(json("[]"), "clat"),
                "an address without a default route (docker0, a LAN without gateway) is no native IPv4: " + lan);
        String unreachable = "[{\"type\":\"unreachable\",\"dst\":\"default\",\"table\":\"vrf1\",\"flags\":[]}]";
        assertEquals(Optional.empty(), ClatHostScan.nativeIpv4(json(unreachable), "clat"));
    }

    @Test
    void networkManagersClatIsFoundByItsAddressAndByItsRouteViaInet6() {
        // NetworkManager 1.52+: 192.0.0.5/32 on the uplink, IPv4 default route via an IPv6 gateway
        String nmAddr = "[{\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"192.0.0.5\",\"prefixlen\":32,"
                + "\"scope\":\"global\"}]}]";
        String nmRoute = "[{\"dst\":\"default\",\"via\":{\"family\":\"inet6\",\"host\":\"fe80::1\"},\"dev\":\"eth0\","
                + "\"flags\":[]}]";
        Optional<String> byAddress = ClatHostScan.otherClat(addrs(nmAddr), json("[]"), List.of(), "clat");
        assertTrue(byAddress.orElseThrow().contains("192.0.0.5/32 (RFC 7335) on eth0")
                && byAddress.get().contains("NetworkManager"), byAddress.toString());
        Optional<String> byRoute = ClatHostScan.otherClat(addrs("[]"), json(nmRoute), List.of(), "clat");
        assertTrue(byRoute.orElseThrow().contains("via inet6 fe80::1 dev eth0"), byRoute.toString());
        // neither is native IPv4: the CLAT address is no native address, the route via inet6 no native route
        assertEquals(Optional.empty(), ClatHostScan.nativeIpv4(json(nmRoute), "clat"));
    }

    @Test
    void clatdNetworkdAndAndroidDevicesAndAClatdProcessAreOtherClats() {
        for (String[] c : new String[][] {{"clat", "clatd"}, {"clat4", "clatd"}, {"cl-eth0", "systemd-networkd"},
                {"v4-wlan0", "Android"}}) {
            String a = "[{\"ifname\":\"" + c[0] + "\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"192.0.0.4\","
                    + "\"prefixlen\":29,\"scope\":\"global\"}]}]";
            Optional<String> r = ClatHostScan.otherClat(addrs(a), json("[]"), List.of(), "tunxlat-clat");
            assertTrue(r.isPresent() && r.get().contains(" on " + c[0]) && r.get().contains(c[1]), c[0] + ": " + r);
            assertEquals(Optional.empty(), ClatHostScan.otherClat(addrs(a), json("[]"), List.of(), c[0]),
                    "our own device " + c[0] + " is no other CLAT");
        }
        assertEquals(Optional.of("another CLAT: clatd runs (pid 4242)"),
                ClatHostScan.otherClat(addrs("[]"), json("[]"), List.of("1 init", "4242 clatd"), "clat"));
    }

    @Test
    void theSlaacAddressIsTheStableDynamicOneNotTemporaryDeprecatedOrTentative() {
        String s = "[{\"ifname\":\"eth0\",\"addr_info\":["
                + "{\"family\":\"inet6\",\"local\":\"2001:db8:1::aa\",\"prefixlen\":64,\"scope\":\"global\",\"temporary\":true,"
                + "\"dynamic\":true},"
                + "{\"family\":\"inet6\",\"local\":\"2001:db8:2::bb\",\"prefixlen\":64,\"scope\":\"global\",\"dynamic\":true,"
                + "\"deprecated\":true,\"preferred_life_time\":0},"
                + "{\"family\":\"inet6\",\"local\":\"2001:db8:3::cc\",\"prefixlen\":64,\"scope\":\"global\",\"tentative\":true},"
                + "{\"family\":\"inet6\",\"local\":\"2001:db8:4::dd\",\"prefixlen\":64,\"scope\":\"global\"},"
                + "{\"family\":\"inet6\",\"local\":\"2001:db8:5::ee\",\"prefixlen\":64,\"scope\":\"global\",\"dynamic\":true,"
                + "\"mngtmpaddr\":true},"
                + "{\"family\":\"inet6\",\"local\":\"fe80::ee\",\"prefixlen\":64,\"scope\":\"link\"}]}]";
        assertEquals("2001:db8:5::ee", ClatHostScan.slaacAddress(addrs(s), "eth0").local());
        assertNull(ClatHostScan.slaacAddress(addrs(s), "eth1"));
        String staticOnly = s.replace(",\"dynamic\":true,\"mngtmpaddr\":true", "");
        assertEquals("2001:db8:4::dd", ClatHostScan.slaacAddress(addrs(staticOnly), "eth0").local());
        assertEquals("2001:db8:5::/64", ClatHostScan.slash64("2001:db8:5::ee").toString());
    }

    @Test
    void theBestDefaultRouteHasTheLowestMetricAndMultipathGivesItsFirstHop() {
        String routes = "[{\"dst\":\"default\",\"gateway\":\"fe80::2\",\"dev\":\"wlan0\",\"metric\":600},"
                + "{\"dst\":\"default\",\"gateway\":\"fe80::1\",\"dev\":\"eth0\",\"metric\":100}]";
        assertEquals("eth0", ClatHostScan.deviceOf(ClatHostScan.bestDefault(json(routes))));
        String ecmp = "[{\"dst\":\"default\",\"metric\":1024,\"nexthops\":[{\"gateway\":\"fe80::1\",\"dev\":\"eth1\"},"
                + "{\"gateway\":\"fe80::2\",\"dev\":\"eth2\"}]}]";
        assertEquals("eth1", ClatHostScan.deviceOf(ClatHostScan.bestDefault(json(ecmp))));
        assertNull(ClatHostScan.bestDefault(json("[]")));
        assertNull(ClatHostScan.deviceOf(Map.of()));
    }
}
