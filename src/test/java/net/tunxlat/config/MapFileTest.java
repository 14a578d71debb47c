// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code map-file} (read at start and on SIGHUP) and {@code control-socket}. */
class MapFileTest {
    static final String BASE = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n";

    @Test
    void readsMapLinesCommentsAndBlankLines() throws Exception {
        List<MapEntry> maps = ConfigParser.parseMapFile("# hosts\n\nmap 192.168.255.10 2001:db8:6::10  # one\r\n"
                + "\tmap 10.1.0.0/24 2001:db8:7::/120\n", Path.of("hosts.map"));
        assertEquals(2, maps.size());
        assertEquals(Ipv4Prefix.parse("192.168.255.10", 32), maps.get(0).v4());
        assertEquals(Ipv6Prefix.parse("2001:db8:6::10", 128), maps.get(0).v6());
        assertEquals("hosts.map:3", maps.get(0).origin());
        assertEquals("hosts.map:4", maps.get(1).origin());
    }

    @Test
    void refusesOtherDirectivesAndBadMapsWithFileAndLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parseMapFile("map 10.0.0.1 2001:db8::1\nprefix 64:ff9b::/96\n", Path.of("m")));
        assertEquals("m:2: only 'map' lines may appear in a map-file, got 'prefix'", e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigParser.parseMapFile("map 10.0.0.0/24 2001:db8::/124\n", Path.of("m")));
        assertTrue(e.getMessage().startsWith("m:1: 'map' IPv6 side 2001:db8::/124 has 4 host bits"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigParser.parseMapFile("map 10.0.0.1\n", Path.of("m")));
        assertTrue(e.getMessage().startsWith("m:1: 'map' expects 2 arguments, got 1"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigParser.parseMapFile("bogus 1\n", Path.of("m")));
        assertTrue(e.getMessage().startsWith("m:1: unknown directive 'bogus'"), e.getMessage());
    }

    @Test
    void mapFileMapsAreAddedAfterTheConfigurationsOwn(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("hosts.map"), "map 192.168.255.10 2001:db8:6::10\n");
        Path conf = dir.resolve("tayga.conf");
        Files.writeString(conf, BASE + "data-dir " + dir + "\nmap-file hosts.map\nmap 192.168.255.2 2001:db8:6::2\n");
        TunxlatConfig c = ConfigParser.parse(conf);
        assertEquals(dir.resolve("hosts.map"), c.mapFile());
        assertEquals(1, c.maps().size(), "parse alone does not read the map-file");
        TunxlatConfig all = ConfigParser.withMapFile(c);
        assertEquals(2, all.maps().size());
        assertEquals(conf + ":6", all.maps().get(0).origin());
        assertEquals(dir.resolve("hosts.map") + ":1", all.maps().get(1).origin());
        assertEquals(c.tunDevice(), all.tunDevice());
        assertEquals(c.controlSocket(), all.controlSocket());
    }

    @Test
    void withinTheMapFileALaterEntryReplacesAnEarlierOneAndSaysSo() throws Exception {
        MapFile.Entries e = ConfigParser.readMapFile("map 10.0.0.1 2001:db8::1\n"
                + "map 10.0.0.2 2001:db8::2\n"
                + "map 10.0.0.1 2001:db8::11\n" // same IPv4 as line 1
                + "map 10.0.0.3 2001:db8::2\n" // same IPv6 as line 2
                + "map 10.0.0.4 2001:db8::4\n", Path.of("m"));
        assertEquals(List.of("m:3", "m:4", "m:5"), e.maps().stream().map(MapEntry::origin).toList());
        assertEquals(List.of(Ipv4Prefix.parse("10.0.0.1", 32), Ipv4Prefix.parse("10.0.0.3", 32),
                Ipv4Prefix.parse("10.0.0.4", 32)), e.maps().stream().map(MapEntry::v4).toList(), "file order of the survivors");
        assertEquals(Ipv6Prefix.parse("2001:db8::11", 128), e.maps().get(0).v6(), "line 3 won over line 1");
        assertEquals(List.of(
                "m:3: 'map 10.0.0.1/32 2001:db8::11/128' replaces 'map 10.0.0.1/32 2001:db8::1/128' of m:1 (a later"
                        + " map-file entry with the same IPv4 or IPv6 prefix wins)",
                "m:4: 'map 10.0.0.3/32 2001:db8::2/128' replaces 'map 10.0.0.2/32 2001:db8::2/128' of m:2 (a later"
                        + " map-file entry with the same IPv4 or IPv6 prefix wins)"), e.notes());
        // One entry that collides with two earlier ones (the IPv4 of one, the IPv6 of the other) replaces both.
        e = ConfigParser.readMapFile("map 10.0.0.1 2001:db8::1\nmap 10.0.0.2 2001:db8::2\nmap 10.0.0.1 2001:db8::2\n",
                Path.of("m"));
        assertEquals(1, e.maps().size());
        assertEquals("m:3", e.maps().get(0).origin());
        assertEquals(2, e.notes().size(), e.notes().toString());
        // tayga.conf itself still refuses a repeated map (TAYGA does too).
        ConfigException x = assertThrows(ConfigException.class, () -> ConfigParser.parse(BASE
                + "map 10.0.0.1 2001:db8::1\nmap 10.0.0.1 2001:db8::2\n", Path.of("t")));
        assertTrue(x.getMessage().startsWith("t:5: 'map' IPv4 side 10.0.0.1/32 is already mapped on line 4"), x.getMessage());
    }

    @Test
    void mapFileEntriesNeverModifyTheConfigurationFilesAndEachIgnoredOneIsNamed(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("tayga.conf");
        Path map = dir.resolve("hosts.map");
        Files.writeString(conf, BASE + "map-file " + map + "\nmap 192.168.255.2 2001:db8:6::2\n"
                + "map 10.9.0.0/24 2001:db8:9::/120\n");
        Files.writeString(map, String.join("\n",
                "map 192.168.255.2 2001:db8:6::3", // 1: same IPv4 as tayga.conf line 5
                "map 192.168.255.3 2001:db8:6::2", // 2: same IPv6 as line 5
                "map 192.168.255.4 2001:db8:64::4", // 3: IPv6 inside the NAT64 prefix
                "map 192.168.255.1 2001:db8:6::1", // 4: the translator's own ipv4-addr
                "map 10.9.0.7 2001:db8:7::7", // 5: IPv4 inside tayga.conf's 10.9.0.0/24
                "map 192.168.255.5 2001:db8:9::5", // 6: IPv6 inside tayga.conf's 2001:db8:9::/120
                "map 192.168.255.6 2001:db8:6::6", // 7: fine
                ""));
        MapFile.Loaded l = MapFile.load(ConfigParser.parse(conf));
        assertEquals(List.of(conf + ":5", conf + ":6", map + ":7"), l.config().maps().stream().map(MapEntry::origin).toList(),
                "the configuration file's maps unchanged, only the one entry that touches none of them added");
        String tail = " (map-file entries cannot modify the configuration file's, tayga.conf(5))";
        assertEquals(List.of(
                map + ":1: 'map 192.168.255.2/32 2001:db8:6::3/128' ignored: its IPv4 side overlaps 'map 192.168.255.2/32"
                        + " 2001:db8:6::2/128' of " + conf + ":5" + tail,
                map + ":2: 'map 192.168.255.3/32 2001:db8:6::2/128' ignored: its IPv6 side overlaps 'map 192.168.255.2/32"
                        + " 2001:db8:6::2/128' of " + conf + ":5" + tail,
                map + ":3: 'map 192.168.255.4/32 2001:db8:64::4/128' ignored: its IPv6 side overlaps 'prefix"
                        + " 2001:db8:64::/96' of " + conf + tail,
                map + ":4: 'map 192.168.255.1/32 2001:db8:6::1/128' ignored: its IPv4 side is 'ipv4-addr 192.168.255.1'"
                        + " of " + conf + tail,
                map + ":5: 'map 10.9.0.7/32 2001:db8:7::7/128' ignored: its IPv4 side overlaps 'map 10.9.0.0/24"
                        + " 2001:db8:9::/120' of " + conf + ":6" + tail,
                map + ":6: 'map 192.168.255.5/32 2001:db8:9::5/128' ignored: its IPv6 side overlaps 'map 10.9.0.0/24"
                        + " 2001:db8:9::/120' of " + conf + ":6" + tail), l.notes());
        assertEquals(l.config().maps(), ConfigParser.withMapFile(ConfigParser.parse(conf)).maps());
    }

    @Test
    void aMapFileThatDoesNotParseOrIsMissingIsAnError(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("tayga.conf");
        Path map = dir.resolve("hosts.map");
        Files.writeString(conf, BASE + "map-file " + map + "\n");
        Files.writeString(map, "map 192.168.255.7 2001:db8:6::7\nmap 192.168.255.8\n");
        ConfigException e = assertThrows(ConfigException.class, () -> MapFile.load(ConfigParser.parse(conf)));
        assertTrue(e.getMessage().startsWith(map + ":2: 'map' expects 2 arguments, got 1"), e.getMessage());
        Files.delete(map);
        e = assertThrows(ConfigException.class, () -> MapFile.load(ConfigParser.parse(conf)));
        assertEquals(map + ": no such file (the 'map-file' of " + conf + ")", e.getMessage());
    }

    @Test
    void controlSocketDefaultsToRunTunxlatAndCanBeTurnedOff() throws Exception {
        assertEquals(Path.of("/run/tunxlat/nat64.sock"), ConfigParser.parse(BASE, Path.of("t")).controlSocket());
        assertEquals(Path.of("/tmp/x.sock"), ConfigParser.parse(BASE + "control-socket /tmp/x.sock\n", Path.of("t")).controlSocket());
        assertNull(ConfigParser.parse(BASE + "control-socket off\n", Path.of("t")).controlSocket());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse(BASE + "control-socket x.sock\n", Path.of("t")));
        assertEquals("t:4: 'control-socket' must be an absolute path or 'off', got 'x.sock'", e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse(BASE + "control-socket /" + "a".repeat(120) + "\n", Path.of("t")));
        assertTrue(e.getMessage().contains("Unix socket paths are at most 107"), e.getMessage());
    }
}
