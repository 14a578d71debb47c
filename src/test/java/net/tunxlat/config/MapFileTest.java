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
        e = assertThrows(ConfigException.class,
                () -> ConfigParser.parseMapFile("map 10.0.0.1 2001:db8::1\nmap 10.0.0.1 2001:db8::2\n", Path.of("m")));
        assertTrue(e.getMessage().startsWith("m:2: 'map' IPv4 side 10.0.0.1/32 is already mapped on line 1"), e.getMessage());
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
    void aConflictWithTaygaConfNamesBothPlaces(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("tayga.conf");
        Path map = dir.resolve("hosts.map");
        Files.writeString(conf, BASE + "map-file " + map + "\nmap 192.168.255.2 2001:db8:6::2\n");
        Files.writeString(map, "# same IPv4\nmap 192.168.255.2 2001:db8:6::3\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.withMapFile(ConfigParser.parse(conf)));
        assertEquals(map + ":2: 'map' IPv4 side 192.168.255.2/32 is already mapped at " + conf
                + ":5 (each IPv4 prefix may appear in only one 'map')", e.getMessage());
        Files.writeString(map, "map 192.168.255.3 2001:db8:6::2\n");
        e = assertThrows(ConfigException.class, () -> ConfigParser.withMapFile(ConfigParser.parse(conf)));
        assertTrue(e.getMessage().startsWith(map + ":1: 'map' IPv6 side 2001:db8:6::2/128 is already mapped at " + conf + ":5"),
                e.getMessage());
        Files.writeString(map, "map 192.168.255.3 2001:db8:64::3\n");
        e = assertThrows(ConfigException.class, () -> ConfigParser.withMapFile(ConfigParser.parse(conf)));
        assertTrue(e.getMessage().startsWith(map + ":1: 'map' IPv6 side 2001:db8:64::3/128 overlaps 'prefix'"), e.getMessage());
        Files.delete(map);
        e = assertThrows(ConfigException.class, () -> ConfigParser.withMapFile(ConfigParser.parse(conf)));
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
