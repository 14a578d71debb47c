// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import java.util.ArrayList;
import java.util.Map;

/** Warnings about configurations that load but cannot carry some traffic (issue 15 item 5). */
class ConfigLintTest {
    private static final Path NAME = Path.of("t.conf");
    static final String BASE = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n";

    private static List<String> lint(String text) throws ConfigException {
        ConfigParser.Parsed p = ConfigParser.parseWithWarnings(text, NAME);
        return ConfigLint.warnings(p.config(), p.lines());
    }

    private static String only(String text) throws ConfigException {
        List<String> w = lint(text);
        assertEquals(1, w.size(), w.toString());
        return w.get(0);
    }

    /** {@code w} has one warning per {@code starts}, each beginning with it, in order. */
    private static void assertWarnings(List<String> w, String... starts) {
        assertEquals(starts.length, w.size(), w.toString());
        for (int i = 0; i < starts.length; i++) {
            assertTrue(w.get(i).startsWith(starts[i]), w.get(i));
        }
    }

    @Test
    void taygasExampleAndATidyRoutedConfigurationHaveNoWarnings() throws ConfigException {
        // ipv4-addr inside the dynamic pool is TAYGA's own example: the pool never hands it out.
        assertEquals(List.of(), lint(BASE + "dynamic-pool 192.168.255.0/24\ndata-dir /var/spool/tayga\n"));
        assertEquals(List.of(), lint(BASE + "dynamic-pool 192.168.255.0/24\nmap 198.51.100.0/28 2001:db8:6::/124\n"
                + "map 198.51.100.16 2001:db8:7::1\nrfc6791-pool 203.0.113.0/30\ntun-up yes\n"
                + "tun-route 192.168.255.0/24\ntun-route 2001:db8:64::/96\ntun-route 198.51.100.0/27\n"));
    }

    @Test
    void aMapContainingTheTranslatorsOwnAddresses() throws ConfigException {
        assertTrue(only(BASE + "map 192.168.255.0/30 2001:db8:6::/126\n").startsWith("t.conf:4: 'map' IPv4 side"
                + " 192.168.255.0/30 contains 'ipv4-addr' 192.168.255.1: the translator answers packets to"
                + " 192.168.255.1 itself"));
        assertTrue(only("tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:6::1\n"
                + "map 10.0.0.0/30 2001:db8:6::/126\n").startsWith("t.conf:4: 'map' IPv6 side 2001:db8:6::/126 contains"
                + " 'ipv6-addr' 2001:db8:6::1"));
    }

    @Test
    void anRfc6791PoolOverlappingHostsAddresses() throws ConfigException {
        // The translator's own address is the default source of those errors: a pool containing it is fine.
        assertEquals(List.of(), lint(BASE + "rfc6791-pool 192.168.255.0/30\n"));
        assertWarnings(lint(BASE + "dynamic-pool 10.9.0.0/16\nmap 10.8.0.1 2001:db8:6::1\nrfc6791-pool 10.8.0.0/15\n"),
                "t.conf:6: 'rfc6791-pool' 10.8.0.0/15 overlaps 'dynamic-pool' 10.9.0.0/16 (line 4)",
                "t.conf:6: 'rfc6791-pool' 10.8.0.0/15 overlaps the 'map' 10.8.0.1/32 of t.conf:5");
    }

    @Test
    void nestedMapsOnEitherSide() throws ConfigException {
        assertWarnings(lint(BASE + "map 10.0.0.0/24 2001:db8:6::/120\nmap 10.0.0.5 2001:db8:7::5\n"
                + "map 10.1.0.1 2001:db8:6::9\n"),
                "t.conf:5: 'map' IPv4 side 10.0.0.5/32 overlaps the map 10.0.0.0/24 of t.conf:4: the longer one wins",
                "t.conf:6: 'map' IPv6 side 2001:db8:6::9/128 overlaps the map 2001:db8:6::/120 of t.conf:4");
    }

    @Test
    void aMapFileMapIsNamedByItsOwnFileAndLine() throws ConfigException {
        // Built by hand: MapFile.merge ignores a map-file entry nested in a configuration-file map (tayga.conf(5)).
        TunxlatConfig base = ConfigParser.parse(BASE + "map 10.0.0.0/24 2001:db8:6::/120\n", NAME);
        List<MapEntry> maps = new ArrayList<>(base.maps());
        maps.add(new MapEntry(Ipv4Prefix.parse("10.0.0.7", 32), Ipv6Prefix.parse("2001:db8:9::7", 128), "hosts.map:3"));
        TunxlatConfig c = base.withMaps(maps);
        assertWarnings(ConfigLint.warnings(c, Map.of()),
                "hosts.map:3: 'map' IPv4 side 10.0.0.7/32 overlaps the map 10.0.0.0/24 of t.conf:4");
    }

    @Test
    void nptv6PairsOverlappingNat64Addresses() throws ConfigException {
        assertWarnings(lint(BASE + "map 10.0.0.1 2001:db8:5:1::1\nnptv6 fd00:1::/48 2001:db8::/32\n"),
                "t.conf:5: 'nptv6' prefix 2001:db8::/32 overlaps the NAT64 'prefix' 2001:db8:64::/96",
                "t.conf:5: 'nptv6' prefix 2001:db8::/32 overlaps the 'map' IPv6 side 2001:db8:5:1::1/128 of t.conf:4");
    }

    @Test
    void tunRoutesThatLeaveTranslatedAddressesUnrouted() throws ConfigException {
        List<String> w = lint("tun-device nat64\nipv4-addr 192.168.0.1\nipv6-addr 2001:db8:1::1\n"
                + "prefix 2001:db8:64::/96\ndynamic-pool 192.168.255.0/24\nmap 198.51.100.1 2001:db8:6::1\n"
                + "nptv6 fd00:1::/48 2001:db8:2::/48\ntun-up yes\ntun-route 192.168.255.0/25\n");
        assertEquals(List.of(
                "t.conf:4: no 'tun-route' covers the NAT64 'prefix' 2001:db8:64::/96: packets to it are not routed into"
                        + " nat64; add 'tun-route 2001:db8:64::/96' (or route it yourself)",
                "t.conf:5: no 'tun-route' covers the 'dynamic-pool' 192.168.255.0/24: packets to it are not routed into"
                        + " nat64; add 'tun-route 192.168.255.0/24' (or route it yourself)",
                "t.conf:2: no 'tun-route' covers 'ipv4-addr' 192.168.0.1 (the translator's own address, which answers"
                        + " pings and sources ICMP errors): packets to it are not routed into nat64; add 'tun-route"
                        + " 192.168.0.1/32' (or route it yourself)",
                "t.conf:3: no 'tun-route' covers 'ipv6-addr' 2001:db8:1::1 (the translator's own address): packets to"
                        + " it are not routed into nat64; add 'tun-route 2001:db8:1::1/128' (or route it yourself)",
                "t.conf:6: no 'tun-route' covers the 'map' IPv4 side 198.51.100.1/32: packets to it are not routed into"
                        + " nat64; add 'tun-route 198.51.100.1/32' (or route it yourself)",
                "t.conf:7: no 'tun-route' covers the 'nptv6' outside prefix 2001:db8:2::/48: packets to it are not"
                        + " routed into nat64; add 'tun-route 2001:db8:2::/48' (or route it yourself)"), w);
        // An NPTv6-only translator: only its outside prefixes need routes into the device.
        assertEquals(List.of("t.conf:2: no 'tun-route' covers the 'nptv6' outside prefix 2001:db8:2::/48: packets to"
                + " it are not routed into npt; add 'tun-route 2001:db8:2::/48' (or route it yourself)"),
                lint("tun-device npt\nnptv6 fd00:1::/48 2001:db8:2::/48\nnptv6 fd00:2::/48 2001:db8:3::/48 outbound\n"
                        + "ipv6-addr 2001:db8:9::1\ntun-up yes\ntun-route 2001:db8:4::/48\n"));
        // Without tun-route lines the administrator routes: nothing to say (tunxlat doctor checks the system).
        assertEquals(List.of(), lint("tun-device nat64\nipv4-addr 192.168.0.1\nipv6-addr 2001:db8:1::1\n"
                + "prefix 2001:db8:64::/96\ndynamic-pool 192.168.255.0/24\n"));
    }

    @Test
    void dynamicPoolAllowWithoutAPool() throws ConfigException {
        assertEquals("t.conf:4: 'dynamic-pool-allow' has no effect without 'dynamic-pool'",
                only(BASE + "dynamic-pool-allow 2001:db8:1::/48\n"));
    }
    // ---- stateful NAT64 ---------------------------------------------------------------------------------

    @Test
    void aTidyStatefulConfigurationHasNoWarnings() throws ConfigException {
        assertEquals(List.of(), lint(BASE + "pool4 192.0.2.0/30\nbib tcp 2001:db8:6::80 80 192.0.2.1 80\n"
                + "map 198.51.100.2 2001:db8:7::2\ntun-up yes\ntun-route 2001:db8:64::/96\ntun-route 192.0.2.0/30\n"
                + "tun-route 192.168.255.1\ntun-route 198.51.100.2\n"));
    }

    @Test
    void pool4AddressesThatOtherDirectivesClaim() throws ConfigException {
        assertEquals("t.conf:4: 'pool4' contains 'ipv4-addr' 192.168.255.1: the translator answers packets to its own"
                + " address itself, so IPv4 replies to the bindings on it never reach the IPv6 hosts; give 'ipv4-addr'"
                + " an address outside pool4", only(BASE + "pool4 192.168.255.0/30\n"));
        assertEquals("t.conf:5: 'map' IPv4 side 192.0.2.0/31 contains the 'pool4' address 192.0.2.1 (line 4): IPv4"
                + " packets to it cannot reach both the mapped host and pool4's bindings; take the address out of one"
                + " of them", only(BASE + "pool4 192.0.2.1\nmap 192.0.2.0/31 2001:db8:7::/127\n"));
        assertWarnings(lint(BASE + "pool4 192.0.2.1\nrfc6791-pool 192.0.2.0/30\n"),
                "t.conf:5: 'rfc6791-pool' 192.0.2.0/30 contains the 'pool4' address 192.0.2.1: ICMP errors would come"
                        + " from an address that IPv6 hosts share");
    }

    @Test
    void aStaticBindingOfAStaticallyMappedHost() throws ConfigException {
        assertTrue(only(BASE + "pool4 192.0.2.1\nbib udp 2001:db8:7::5 53 192.0.2.1 53\nmap 198.51.100.0/29"
                + " 2001:db8:7::/125\n").startsWith("t.conf:5: 'bib' IPv6 address 2001:db8:7::5 is in the 'map' IPv6 side"
                        + " 2001:db8:7::/125 of t.conf:6: that host is translated statelessly (a static map wins over"
                        + " pool4)"));
    }

    @Test
    void pool4AddressesNoTunRouteCovers() throws ConfigException {
        assertWarnings(lint(BASE + "pool4 192.0.2.0/31\ntun-up yes\ntun-route 2001:db8:64::/96\n"
                + "tun-route 192.168.255.1\ntun-route 192.0.2.0\n"),
                "t.conf:4: no 'tun-route' covers the 'pool4' address 192.0.2.1: packets to it are not routed into nat64;"
                        + " add 'tun-route 192.0.2.1/32'");
    }

    @Test
    void tablesLargerThanThePackagedHeapAreNamedWithTheirSize() throws ConfigException {
        assertEquals(List.of(), lint(BASE + "pool4 192.0.2.1\n"), "the default (about 90 MiB) fits");
        assertEquals("t.conf:5: the stateful NAT64 tables take about 360 MiB of heap at start (about 120 bytes per"
                + " session and protocol for 1048576 sessions of each protocol); the packaged /etc/default/tunxlat"
                + " limits the heap to 256 MiB with -Xmx256m: raise -Xmx there or lower 'nat64-max-sessions'",
                only(BASE + "pool4 192.0.2.1\nnat64-max-sessions 1048576\n"));
    }
}
