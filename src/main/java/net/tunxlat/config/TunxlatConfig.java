// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;
import net.tunxlat.nat64.Nat64Settings;

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
 * @param strictFragHdr {@code strict-frag-hdr} (accepted for compatibility; see the README's "Switching from TAYGA")
 * @param udpCksumMode  {@code udp-cksum-mode} (default DROP)
 * @param offlinkMtu    {@code offlink-mtu} (default 1280)
 * @param log           {@code log} options (default none)
 * @param workers       {@code workers}, 0 meaning one per core
 * @param tunUp         {@code tun-up} (default false: the administrator configures the device)
 * @param tunIps        {@code tun-ip} entries ("addr/len" strings, validated)
 * @param tunRoutes     {@code tun-route} entries ("prefix/len" strings, validated)
 * @param rfc6791Pool   {@code rfc6791-pool}: IPv4 sources for ICMPv6 errors whose IPv6 source cannot be
 *                      mapped (RFC 6791); null means the translator's {@code ipv4-addr}
 * @param ipv4EgressMtu {@code ipv4-egress-mtu}: MTU of the IPv4 links beyond the translator, 0 when
 *                      unknown (then the kernel's own forwarding enforces it)
 * @param ipv6EgressMtu {@code ipv6-egress-mtu}: likewise for IPv6
 * @param icmpRateLimit {@code icmp-rate-limit}: ICMP errors each worker may send per second (RFC 4443
 *                      §2.4(f)); 0 sends none
 * @param dynamicPoolAllow {@code dynamic-pool-allow}: IPv6 prefixes whose hosts may use the dynamic pool;
 *                      empty means any
 * @param nptv6         {@code nptv6} prefix pairs (RFC 6296)
 * @param nat64 stateful NAT64 (RFC 6146: {@code pool4}, {@code bib}, {@code nat64-*}), or null without {@code pool4}
 * @param nptv6LearnMax {@code nptv6-learn-max}: owners of shared outside addresses remembered at most
 * @param nptv6LearnTimeout {@code nptv6-learn-timeout}: seconds a learned owner is kept after its last
 *                      outbound packet
 * @param tunOffload    {@code tun-offload}: IFF_VNET_HDR with TSO/USO, GSO super-packets translated whole
 * @param metricsListen {@code metrics-listen}: where the Prometheus endpoint {@code /metrics} listens,
 *                      or null for {@code off} (default {@link #DEFAULT_METRICS_LISTEN})
 * @param controlSocket {@code control-socket}: the Unix socket {@code tunxlat map} talks to, or null when
 *                      off (the parser's default is {@code /run/tunxlat/<tun-device>.sock}; the builder's is off)
 * @param dynamicPoolRate {@code dynamic-pool-rate}: new dynamic-pool bindings per second per source /64
 *                      (0: no limit; default {@link #DEFAULT_DYNAMIC_POOL_RATE})
 * @param metricsListenDefaulted true when {@code metricsListen} is tunxlat's default, asked for neither by the
 *                      configuration nor on the command line: failing to bind it then only warns (issue 14)
 * @param controlSocketDefaulted true when {@code controlSocket} is the default path, not configured: failing to
 *                      bind it then only warns
 * @param nat64BlockLog {@code nat64-block-log}: a file that port block allocations and releases are also appended
 *                      to, or null (they go to the journal only)
 * @param zeroizeTrafficClass {@code zeroize-traffic-class}: IPv4 to IPv6 packets get Traffic Class 0 instead of
 *                      the TOS (RFC 7915 §4.1's configurable option; default false: the TOS is copied)
 * @param instanceName  {@code instance-name}: this instance's name in /readyz and on every metric (label
 *                      {@code instance_name}), or null for the host name ({@link #instanceNameOrHost})
 * @param tunIo         {@code tun-io}: how the workers read and write the TUN queues (default {@link TunIo#AUTO})
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
        List<String> tunRoutes,
        Ipv4Prefix rfc6791Pool,
        int ipv4EgressMtu,
        int ipv6EgressMtu,
        int icmpRateLimit,
        List<Ipv6Prefix> dynamicPoolAllow,
        List<Nptv6Entry> nptv6,
        int nptv6LearnMax,
        long nptv6LearnTimeout,
        boolean tunOffload,
        ListenAddress metricsListen,
        Path controlSocket,
        int dynamicPoolRate,
        boolean metricsListenDefaulted,
        boolean controlSocketDefaulted,
        Nat64Settings nat64,
        Path nat64BlockLog,
        boolean zeroizeTrafficClass,
        String instanceName,
        TunIo tunIo) {

    public static final int DEFAULT_OFFLINK_MTU = 1280;
    public static final int DEFAULT_ICMP_RATE_LIMIT = 100;
    /** {@code dynamic-pool-rate} by default: new bindings per second per source /64. */
    public static final int DEFAULT_DYNAMIC_POOL_RATE = 100;
    public static final int MAX_DYNAMIC_POOL_RATE = 1_000_000;
    /** {@code metrics-listen} by default: local only, on the port registered for this kind of exporter. */
    public static final ListenAddress DEFAULT_METRICS_LISTEN = ListenAddress.parseOrOff("127.0.0.1:9464");

    public TunxlatConfig {
        maps = List.copyOf(maps);
        log = Set.copyOf(log);
        tunIps = List.copyOf(tunIps);
        tunRoutes = List.copyOf(tunRoutes);
        dynamicPoolAllow = List.copyOf(dynamicPoolAllow);
        nptv6 = List.copyOf(nptv6);
    }

    public static final int DEFAULT_NPTV6_LEARN_MAX = 65536;
    public static final long DEFAULT_NPTV6_LEARN_TIMEOUT = 2 * 3600 + 4 * 60;

    /** True if NAT64/SIIT is configured (a prefix, maps, a map-file or a dynamic pool), not only NPTv6. */
    public boolean hasNat64() {
        return prefix != null || !maps.isEmpty() || mapFile != null || dynamicPool != null;
    }

    /** A builder with the defaults of an empty file; for code and tests (files go through ConfigParser). */
    public static Builder builder() {
        return new Builder();
    }

    /** This configuration with other static maps (e.g. tayga.conf's plus the map-file's). */
    public TunxlatConfig withMaps(List<MapEntry> newMaps) {
        return toBuilder().maps(newMaps).build();
    }

    /** Fluent construction with defaults; {@link #build} validates nothing beyond the records' own checks. */
    public static final class Builder {
        private Path source;
        private String tunDevice = "nat64";
        private int ipv4Addr;
        private Ipv6Prefix ipv6Addr;
        private Ipv6Prefix prefix;
        private boolean wkpfStrict = true;
        private Ipv4Prefix dynamicPool;
        private Path dataDir;
        private Path mapFile;
        private List<MapEntry> maps = List.of();
        private boolean strictFragHdr;
        private UdpCksumMode udpCksumMode = UdpCksumMode.DROP;
        private int offlinkMtu = DEFAULT_OFFLINK_MTU;
        private Set<LogOption> log = Set.of();
        private int workers;
        private boolean tunUp;
        private List<String> tunIps = List.of();
        private List<String> tunRoutes = List.of();
        private Ipv4Prefix rfc6791Pool;
        private int ipv4EgressMtu;
        private int ipv6EgressMtu;
        private int icmpRateLimit = DEFAULT_ICMP_RATE_LIMIT;
        private List<Ipv6Prefix> dynamicPoolAllow = List.of();
        private List<Nptv6Entry> nptv6 = List.of();
        private int nptv6LearnMax = DEFAULT_NPTV6_LEARN_MAX;
        private long nptv6LearnTimeout = DEFAULT_NPTV6_LEARN_TIMEOUT;
        private boolean tunOffload = true;
        private ListenAddress metricsListen = DEFAULT_METRICS_LISTEN;
        private Path controlSocket;
        private int dynamicPoolRate = DEFAULT_DYNAMIC_POOL_RATE;
        private boolean metricsListenDefaulted = true;
        private boolean controlSocketDefaulted;
        private Nat64Settings nat64;
        private Path nat64BlockLog;
        private boolean zeroizeTrafficClass;
        private String instanceName;
        private TunIo tunIo = TunIo.AUTO;

        public Builder source(Path v) { source = v; return this; }
        public Builder tunDevice(String v) { tunDevice = v; return this; }
        public Builder ipv4Addr(int v) { ipv4Addr = v; return this; }
        public Builder ipv6Addr(Ipv6Prefix v) { ipv6Addr = v; return this; }
        public Builder prefix(Ipv6Prefix v) { prefix = v; return this; }
        public Builder wkpfStrict(boolean v) { wkpfStrict = v; return this; }
        public Builder dynamicPool(Ipv4Prefix v) { dynamicPool = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder mapFile(Path v) { mapFile = v; return this; }
        public Builder maps(List<MapEntry> v) { maps = v; return this; }
        public Builder strictFragHdr(boolean v) { strictFragHdr = v; return this; }
        public Builder udpCksumMode(UdpCksumMode v) { udpCksumMode = v; return this; }
        public Builder offlinkMtu(int v) { offlinkMtu = v; return this; }
        public Builder log(Set<LogOption> v) { log = v; return this; }
        public Builder workers(int v) { workers = v; return this; }
        public Builder tunUp(boolean v) { tunUp = v; return this; }
        public Builder tunIps(List<String> v) { tunIps = v; return this; }
        public Builder tunRoutes(List<String> v) { tunRoutes = v; return this; }
        public Builder rfc6791Pool(Ipv4Prefix v) { rfc6791Pool = v; return this; }
        public Builder ipv4EgressMtu(int v) { ipv4EgressMtu = v; return this; }
        public Builder ipv6EgressMtu(int v) { ipv6EgressMtu = v; return this; }
        public Builder icmpRateLimit(int v) { icmpRateLimit = v; return this; }
        public Builder dynamicPoolAllow(List<Ipv6Prefix> v) { dynamicPoolAllow = v; return this; }
        public Builder nptv6(List<Nptv6Entry> v) { nptv6 = v; return this; }
        public Builder nptv6LearnMax(int v) { nptv6LearnMax = v; return this; }
        public Builder nptv6LearnTimeout(long v) { nptv6LearnTimeout = v; return this; }
        public Builder tunOffload(boolean v) { tunOffload = v; return this; }
        /** Null for {@code off}; a value set here counts as asked for (see {@link #metricsListenDefaulted}). */
        public Builder metricsListen(ListenAddress v) { metricsListen = v; metricsListenDefaulted = false; return this; }
        /** A path set here counts as configured (see {@link #controlSocketDefaulted}). */
        public Builder controlSocket(Path v) { controlSocket = v; controlSocketDefaulted = false; return this; }
        public Builder metricsListenDefaulted(boolean v) { metricsListenDefaulted = v; return this; }
        public Builder controlSocketDefaulted(boolean v) { controlSocketDefaulted = v; return this; }
        public Builder dynamicPoolRate(int v) { dynamicPoolRate = v; return this; }
        public Builder nat64(Nat64Settings v) { nat64 = v; return this; }
        public Builder nat64BlockLog(Path v) { nat64BlockLog = v; return this; }
        public Builder zeroizeTrafficClass(boolean v) { zeroizeTrafficClass = v; return this; }
        public Builder instanceName(String v) { instanceName = v; return this; }
        public Builder tunIo(TunIo v) { tunIo = v; return this; }

        public TunxlatConfig build() {
            return new TunxlatConfig(source, tunDevice, ipv4Addr, ipv6Addr, prefix, wkpfStrict, dynamicPool, dataDir,
                    mapFile, maps, strictFragHdr, udpCksumMode, offlinkMtu, log, workers, tunUp, tunIps, tunRoutes,
                    rfc6791Pool, ipv4EgressMtu, ipv6EgressMtu, icmpRateLimit, dynamicPoolAllow, nptv6, nptv6LearnMax,
                    nptv6LearnTimeout, tunOffload, metricsListen, controlSocket, dynamicPoolRate, metricsListenDefaulted,
                    controlSocketDefaulted, nat64, nat64BlockLog, zeroizeTrafficClass, instanceName, tunIo);
        }
    }

    /** A builder holding this configuration's values, to derive a changed copy (command-line overrides). */
    public Builder toBuilder() {
        return new Builder().source(source).tunDevice(tunDevice).ipv4Addr(ipv4Addr).ipv6Addr(ipv6Addr).prefix(prefix)
                .wkpfStrict(wkpfStrict).dynamicPool(dynamicPool).dataDir(dataDir).mapFile(mapFile).maps(maps)
                .strictFragHdr(strictFragHdr).udpCksumMode(udpCksumMode).offlinkMtu(offlinkMtu).log(log)
                .workers(workers).tunUp(tunUp).tunIps(tunIps).tunRoutes(tunRoutes).rfc6791Pool(rfc6791Pool)
                .ipv4EgressMtu(ipv4EgressMtu).ipv6EgressMtu(ipv6EgressMtu).icmpRateLimit(icmpRateLimit)
                .dynamicPoolAllow(dynamicPoolAllow).nptv6(nptv6).nptv6LearnMax(nptv6LearnMax)
                .nptv6LearnTimeout(nptv6LearnTimeout).tunOffload(tunOffload).metricsListen(metricsListen)
                .controlSocket(controlSocket).dynamicPoolRate(dynamicPoolRate)
                .metricsListenDefaulted(metricsListenDefaulted).controlSocketDefaulted(controlSocketDefaulted)
                .nat64(nat64).nat64BlockLog(nat64BlockLog).zeroizeTrafficClass(zeroizeTrafficClass)
                .instanceName(instanceName).tunIo(tunIo);
    }

    /** {@code instance-name}, else the host name (the UTS namespace's, as {@code hostname} prints it). */
    public String instanceNameOrHost() {
        return instanceName != null ? instanceName : hostName();
    }

    /** The host name from /proc/sys/kernel/hostname, else $HOSTNAME, else "localhost". */
    public static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc hidden: below
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env.trim() : "localhost";
    }

    /**
     * The translator's IPv6 address: {@code ipv6-addr}, else {@code ipv4-addr} embedded in {@code prefix};
     * null when neither is configured (an NPTv6-only translator).
     */
    public Ipv6Prefix effectiveIpv6Addr() {
        if (ipv6Addr != null) {
            return ipv6Addr;
        }
        if (prefix == null) {
            return null;
        }
        Rfc6052 r = new Rfc6052(prefix);
        return new Ipv6Prefix(r.embedHi(ipv4Addr), r.embedLo(ipv4Addr), 128);
    }
}
