// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * TAYGA's {@code map-file}, as the maintained TAYGA's tayga.conf(5) documents it, read at start and on SIGHUP:
 * <ul>
 * <li>"Mapping entries loaded from the map-file cannot modify mapping entries created from tayga.conf, or
 *     non-static map types": an entry whose IPv4 or IPv6 prefix overlaps a {@code map} of the configuration
 *     file, whose IPv6 prefix overlaps the NAT64 {@code prefix}, or which holds the translator's own
 *     {@code ipv4-addr} as its IPv4 side or its {@code ipv6-addr} on its IPv6 side, is ignored with a note
 *     naming both places;</li>
 * <li>within the map file a later entry with the IPv4 or IPv6 prefix of an earlier one replaces it (noted,
 *     by {@link ConfigParser#readMapFile});</li>
 * <li>a map file that does not parse is an error: at start tunxlat does not start, on SIGHUP the running
 *     maps stay ({@code Reloader}).</li>
 * </ul>
 * Entries that did not change translate through a reload without a gap: the new maps are published with
 * the rest of the snapshot in one volatile write.
 */
public final class MapFile {
    private MapFile() {}

    /**
     * A map file's entries in file order.
     *
     * @param maps  the entries that stand (a replaced one is gone)
     * @param notes one {@code FILE:LINE: text} per replaced entry
     */
    public record Entries(List<MapEntry> maps, List<String> notes) {
        public Entries {
            maps = List.copyOf(maps);
            notes = List.copyOf(notes);
        }
    }

    /**
     * A configuration with its map file's entries added.
     *
     * @param config the configuration with the map-file maps after its own
     * @param notes  every replaced or ignored map-file entry, {@code FILE:LINE: text}, in file order
     */
    public record Loaded(TunxlatConfig config, List<String> notes) {
        public Loaded {
            Objects.requireNonNull(config, "config");
            notes = List.copyOf(notes);
        }
    }

    /** {@code config} with the entries of its {@code map-file} added (unchanged when it names none). */
    public static Loaded load(TunxlatConfig config) throws ConfigException, IOException {
        Path file = config.mapFile();
        if (file == null) {
            return new Loaded(config, List.of());
        }
        Entries read;
        try {
            read = ConfigParser.readMapFile(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, "no such file (the 'map-file' of "
                    + (config.source() == null ? "the configuration" : config.source()) + ")");
        }
        return merge(config, read);
    }

    /** {@code config} with {@code read}'s entries added, those that would modify the configuration's ignored. */
    public static Loaded merge(TunxlatConfig config, Entries read) {
        List<String> notes = new ArrayList<>(read.notes());
        List<MapEntry> all = new ArrayList<>(config.maps());
        for (MapEntry m : read.maps()) {
            String conflict = conflict(config, m);
            if (conflict != null) {
                notes.add(m.origin() + ": 'map " + m.v4() + " " + m.v6() + "' ignored: " + conflict
                        + " (map-file entries cannot modify the configuration file's, tayga.conf(5))");
            } else {
                all.add(m);
            }
        }
        return new Loaded(config.withMaps(all), notes);
    }

    /** What in {@code config} the map-file entry {@code m} would modify, or null. */
    private static String conflict(TunxlatConfig config, MapEntry m) {
        String from = config.source() == null ? "the configuration" : config.source().toString();
        for (MapEntry c : config.maps()) {
            if (c.v4().overlaps(m.v4())) {
                return "its IPv4 side overlaps 'map " + c.v4() + " " + c.v6() + "' of " + c.origin();
            }
            if (c.v6().overlaps(m.v6())) {
                return "its IPv6 side overlaps 'map " + c.v4() + " " + c.v6() + "' of " + c.origin();
            }
        }
        if (config.prefix() != null && config.prefix().overlaps(m.v6())) {
            return "its IPv6 side overlaps 'prefix " + config.prefix() + "' of " + from;
        }
        if (config.hasNat64() && m.v4().equals(new Ipv4Prefix(config.ipv4Addr(), 32))) {
            return "its IPv4 side is 'ipv4-addr " + Addresses.formatIpv4(config.ipv4Addr()) + "' of " + from;
        }
        Ipv6Prefix own6 = config.effectiveIpv6Addr();
        if (own6 != null && m.v6().contains(own6.hi(), own6.lo())) {
            return "its IPv6 side holds the translator's own address " + Addresses.formatIpv6(own6.hi(), own6.lo())
                    + " ('ipv6-addr' of " + from + ")";
        }
        return null;
    }
}
