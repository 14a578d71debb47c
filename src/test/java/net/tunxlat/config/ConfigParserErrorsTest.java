// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;

/**
 * The parser reports every error of a file (issue 15 item 5), up to {@link ConfigException#MAX_ERRORS}, in file
 * order, each with its line; a check that depends on a directive whose own line was wrong is not reported again.
 */
class ConfigParserErrorsTest {
    private static final Path NAME = Path.of("t.conf");

    private static List<String> errors(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(text, NAME));
        assertEquals(e.getMessage(), e.errors().get(0).getMessage(), "the exception is the first error");
        return e.errors().stream().map(ConfigException::getMessage).toList();
    }

    @Test
    void everyBadLineAndEveryWholeFileProblemIsReportedInOrder() {
        List<String> e = errors("""
                ipv4-addr 127.0.0.1
                prefix 2001:db8::/80
                offlink-mtu 9
                bogus yes
                map 10.0.0.1 2001:db8:1::1
                map 10.0.0.1 2001:db8:1::2
                """);
        assertEquals(List.of(
                "t.conf:1: 'ipv4-addr' 127.0.0.1 is a loopback address; the translator needs a unicast address",
                "t.conf:2: 'prefix' length must be 32, 40, 48, 56, 64 or 96, got 80",
                "t.conf:3: 'offlink-mtu' must be an integer from 1280 to 65535, got 9",
                "t.conf:4: unknown directive 'bogus'; expected one of " + ConfigParserErrorsTest.directiveNames(),
                "t.conf:6: 'map' IPv4 side 10.0.0.1/32 is already mapped on line 5 (each IPv4 prefix may appear in only"
                        + " one 'map')",
                "t.conf: missing mandatory directive 'tun-device' (the TUN interface name, e.g. 'tun-device nat64')"),
                e);
    }

    /** The list of directive names the parser prints after an unknown one. */
    static String directiveNames() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("x\n", NAME));
        return e.getMessage().substring(e.getMessage().indexOf("one of ") + 7);
    }

    @Test
    void aWrongValueIsNotAlsoReportedAsMissingOrAsTheCauseOfLaterChecks() {
        // The bad prefix is the only error: not also "nothing to translate" nor "missing ipv6-addr".
        assertEquals(1, errors("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8::/80\n").size());
        // A bad ipv4-addr is not also "missing ipv4-addr", nor the Well-Known Prefix check on address 0.
        assertEquals(1, errors("tun-device nat64\nipv4-addr 300.1.1.1\nprefix 64:ff9b::/96\n").size());
        // A bad tun-device is not also "missing tun-device".
        assertEquals(1, errors("tun-device a/b\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n").size());
        // A bad data-dir is not also "relative map-file without data-dir".
        assertEquals(1, errors("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "data-dir relative\nmap-file hosts.map\n").size());
        // A bad map (the only thing to translate) is not also "nothing to translate".
        assertEquals(1, errors("tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8::1\n"
                + "map 10.0.0.0/24 2001:db8:6::/124\n").size());
    }

    @Test
    void independentWholeFileProblemsAreAllReported() {
        List<String> e = errors("ipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 10.0.0.1 2001:db8:64::1\nmap 10.0.0.2 2001:db8:64::2\n");
        assertEquals(3, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("t.conf: missing mandatory directive 'tun-device'"), e.get(0));
        assertTrue(e.get(1).startsWith("t.conf:3: 'map' IPv6 side 2001:db8:64::1/128 overlaps 'prefix'"), e.get(1));
        assertTrue(e.get(2).startsWith("t.conf:4: 'map' IPv6 side 2001:db8:64::2/128 overlaps 'prefix'"), e.get(2));
    }

    @Test
    void collectionStopsAtTheLimitAndSaysSo() {
        StringBuilder text = new StringBuilder("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 64:ff9b::/96\n");
        for (int i = 0; i < ConfigException.MAX_ERRORS + 5; i++) {
            text.append("frob ").append(i).append('\n');
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(text.toString(), NAME));
        assertEquals(ConfigException.MAX_ERRORS, e.errors().size());
        assertTrue(e.truncated());
        assertEquals(4, e.errors().get(0).line());
        assertEquals(3 + ConfigException.MAX_ERRORS, e.errors().get(ConfigException.MAX_ERRORS - 1).line());

        ConfigException few = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("tun-device nat64\nfrob\nfrob\n", NAME));
        assertFalse(few.truncated());
    }

    @Test
    void aMapFileReportsEveryBadLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parseMapFile(
                "map 10.0.0.1 2001:db8::1\nprefix 64:ff9b::/96\nmap 10.0.0.1 2001:db8::2\nmap 10.0.0.300 2001:db8::3\n"
                        + "map 10.0.0.5 2001:db8::5 extra\n",
                Path.of("m")));
        // Line 3 is no error: within a map-file a later conflicting entry replaces the earlier (tayga.conf(5)).
        assertEquals(List.of(2, 4, 5), e.errors().stream().map(ConfigException::line).toList());
        assertEquals("m:2: only 'map' lines may appear in a map-file, got 'prefix'", e.errors().get(0).getMessage());
    }

    @Test
    void everyMapFileEntryThatClashesWithTheConfigurationIsReported() throws Exception {
        // tayga.conf(5): map-file entries cannot modify the configuration file's; each one ignored is reported.
        TunxlatConfig c = ConfigParser.parse("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 10.0.0.1 2001:db8:6::1\n", NAME);
        List<MapEntry> extra = List.of(
                new MapEntry(Ipv4Prefix.parse("10.0.0.1", 32), Ipv6Prefix.parse("2001:db8:6::9", 128), "hosts.map:1"),
                new MapEntry(Ipv4Prefix.parse("10.0.0.2", 32), Ipv6Prefix.parse("2001:db8:6::1", 128), "hosts.map:2"),
                new MapEntry(Ipv4Prefix.parse("10.0.0.3", 32), Ipv6Prefix.parse("2001:db8:64::3", 128), "hosts.map:3"),
                new MapEntry(Ipv4Prefix.parse("10.0.0.4", 32), Ipv6Prefix.parse("2001:db8:6::4", 128), "hosts.map:4"));
        MapFile.Loaded loaded = MapFile.merge(c, new MapFile.Entries(extra, List.of()));
        assertEquals(3, loaded.notes().size(), loaded.notes().toString());
        assertTrue(loaded.notes().get(0).startsWith("hosts.map:1: 'map 10.0.0.1/32 2001:db8:6::9/128' ignored: its IPv4"
                + " side overlaps 'map 10.0.0.1/32 2001:db8:6::1/128' of t.conf:4"), loaded.notes().get(0));
        assertTrue(loaded.notes().get(1).startsWith("hosts.map:2:") && loaded.notes().get(1).contains("IPv6 side"));
        assertTrue(loaded.notes().get(2).startsWith("hosts.map:3:")
                && loaded.notes().get(2).contains("overlaps 'prefix 2001:db8:64::/96'"), loaded.notes().get(2));
        assertEquals(List.of("10.0.0.1/32", "10.0.0.4/32"), loaded.config().maps().stream().map(m -> m.v4().toString()).toList());
    }
}
