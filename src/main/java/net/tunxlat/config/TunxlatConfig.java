package net.tunxlat.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;

/**
 * A parsed, validated configuration (TAYGA's tayga.conf directives plus tunxlat's own). Immutable.
 *
 * @param source        the file it was read from (null when built in code)
 * @param tunDevice     {@code tun-device}
 * @param ipv4Addr      {@code ipv4-addr}, the translator's own IPv4 address
 * @param ipv6Addr      {@code ipv6-addr} as a /128, or null when it is derived from {@code prefix}
 * @param prefix        {@code prefix}, the RFC 6052 prefix, or null
 * @param wkpfStrict    {@code wkpf-strict} (default true)
 * @param dynamicPool   {@code dynamic-pool}, or null
 * @param dataDir       {@code data-dir}, or null
 * @param mapFile       {@code map-file} (resolved against data-dir when relative), or null
 * @param maps          {@code map} entries in file order
 * @param strictFragHdr {@code strict-frag-hdr} (accepted for compatibility; see README)
 * @param udpCksumMode  {@code udp-cksum-mode} (default DROP)
 * @param offlinkMtu    {@code offlink-mtu} (default 1280)
 * @param log           {@code log} options (default none)
 * @param workers       {@code workers}, 0 meaning one per core
 * @param tunUp         {@code tun-up} (default false: the administrator configures the device)
 * @param tunIps        {@code tun-ip} entries ("addr/len" strings, validated)
 * @param tunRoutes     {@code tun-route} entries ("prefix/len" strings, validated)
 */
public record TunxlatConfig(
        Path source,
        String tunDevice,
        int ipv4Addr,
        Ipv6Prefix ipv6Addr,
        Ipv6Prefix prefix,
        boolean wkpfStrict,
        Ipv4Prefix dynamicPool,
        Path dataDir,
        Path mapFile,
        List<MapEntry> maps,
        boolean strictFragHdr,
        UdpCksumMode udpCksumMode,
        int offlinkMtu,
        Set<LogOption> log,
        int workers,
        boolean tunUp,
        List<String> tunIps,
        List<String> tunRoutes) {

    public static final int DEFAULT_OFFLINK_MTU = 1280;

    public TunxlatConfig {
        maps = List.copyOf(maps);
        log = Set.copyOf(log);
        tunIps = List.copyOf(tunIps);
        tunRoutes = List.copyOf(tunRoutes);
    }

    /** The translator's IPv6 address: {@code ipv6-addr}, else {@code ipv4-addr} embedded in {@code prefix}. */
    public Ipv6Prefix effectiveIpv6Addr() {
        if (ipv6Addr != null) {
            return ipv6Addr;
        }
        Rfc6052 r = new Rfc6052(prefix);
        return new Ipv6Prefix(r.embedHi(ipv4Addr), r.embedLo(ipv4Addr), 128);
    }
}
