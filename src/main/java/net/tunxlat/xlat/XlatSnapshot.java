package net.tunxlat.xlat;

import java.util.ArrayList;
import java.util.List;

import net.tunxlat.config.LogOption;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.config.Nptv6Entry;
import net.tunxlat.mapping.BindingRateLimiter;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;
import net.tunxlat.mapping.StaticMap;
import net.tunxlat.nptv6.Nptv6Learned;
import net.tunxlat.nptv6.Nptv6Mapping;
import net.tunxlat.nptv6.Nptv6Table;

/**
 * Everything a worker needs to translate, frozen: the translator's addresses, the RFC 6052 prefix, the
 * static map and the options. Published to workers through one volatile reference, so a packet sees
 * either the old or the new snapshot, never a mix.
 */
public final class XlatSnapshot {
    final int ownIpv4;
    final long ownIpv6Hi;
    final long ownIpv6Lo;
    /** Null when no {@code prefix} is configured. */
    final Rfc6052 rfc6052;
    final boolean wkpfStrict;
    final StaticMap staticMap;
    final UdpCksumMode udpCksumMode;
    final int offlinkMtu;
    final boolean logDrop;
    final boolean logReject;
    final boolean logIcmp;
    final boolean logSelf;
    /** ICMP errors each worker may send per second (RFC 4443 §2.4(f)), and the burst. */
    final int icmpErrorsPerSecond;
    /** {@code rfc6791-pool}, or null. */
    final Ipv4Prefix rfc6791Pool;
    /** MTUs of the links beyond the translator, 0 when unknown (RFC 7915 §1.4: it acts as a router). */
    final int ipv4EgressMtu;
    final int ipv6EgressMtu;
    /** The TUN device's MTU (0: unknown), the next-hop MTU when the egress MTUs are not configured. */
    final int linkMtu;
    final TunxlatConfig config;
    /** The dynamic pool (outlives snapshots: a reload keeps it), or null. */
    final DynamicPool pool;
    /** {@code dynamic-pool-rate}: new bindings per second per source /64; null without a pool or limit. */
    final BindingRateLimiter poolRate;
    /** NPTv6 prefix pairs (RFC 6296), or null. */
    final Nptv6Table nptv6;
    /** Whether NAT64/SIIT is configured (not an NPTv6-only translator). */
    final boolean nat64;

    /** A snapshot with a fresh dynamic pool (if the configuration has one) on the system clock. */
    public XlatSnapshot(TunxlatConfig config) {
        this(config, DynamicPool.forConfig(config, DynamicPool::systemSeconds));
    }

    public XlatSnapshot(TunxlatConfig config, DynamicPool pool) {
        this(config, pool, 0);
    }

    /**
     * @param linkMtu the TUN device's MTU, standing for the next-hop MTU on either side when
     *                {@code ipv4-egress-mtu} / {@code ipv6-egress-mtu} are not configured (0: unknown)
     */
    public XlatSnapshot(TunxlatConfig config, DynamicPool pool, int linkMtu) {
        this.pool = pool;
        this.poolRate = pool == null || config.dynamicPoolRate() == 0 ? null
                : new BindingRateLimiter(config.dynamicPoolRate());
        this.linkMtu = linkMtu;
        this.nat64 = config.hasNat64();
        this.config = config;
        this.ownIpv4 = config.ipv4Addr();
        Ipv6Prefix own6 = config.effectiveIpv6Addr();
        this.ownIpv6Hi = own6 == null ? 0 : own6.hi(); // :: means "none" (an NPTv6-only translator)
        this.ownIpv6Lo = own6 == null ? 0 : own6.lo();
        this.rfc6052 = config.prefix() == null ? null : new Rfc6052(config.prefix());
        this.wkpfStrict = config.wkpfStrict();
        List<Ipv4Prefix> v4 = new ArrayList<>();
        List<Ipv6Prefix> v6 = new ArrayList<>();
        for (MapEntry e : config.maps()) {
            v4.add(e.v4());
            v6.add(e.v6());
        }
        this.staticMap = new StaticMap(v4, v6);
        if (pool != null) {
            pool.useStaticMap(staticMap);
        }
        if (config.nptv6().isEmpty()) {
            this.nptv6 = null;
        } else {
            List<Nptv6Mapping> pairs = new ArrayList<>();
            for (Nptv6Entry e : config.nptv6()) {
                pairs.add(new Nptv6Mapping(e.inside(), e.outside(),
                        Nptv6Mapping.Direction.valueOf(e.direction().name()), e.origin()));
            }
            this.nptv6 = new Nptv6Table(pairs, new Nptv6Learned(config.nptv6LearnMax(), config.nptv6LearnTimeout()),
                    DynamicPool::systemSeconds);
        }
        this.udpCksumMode = config.udpCksumMode();
        this.offlinkMtu = config.offlinkMtu();
        this.logDrop = config.log().contains(LogOption.DROP);
        this.logReject = config.log().contains(LogOption.REJECT);
        this.logIcmp = config.log().contains(LogOption.ICMP);
        this.logSelf = config.log().contains(LogOption.SELF);
        this.icmpErrorsPerSecond = config.icmpRateLimit();
        this.rfc6791Pool = config.rfc6791Pool();
        this.ipv4EgressMtu = config.ipv4EgressMtu();
        this.ipv6EgressMtu = config.ipv6EgressMtu();
    }

    public TunxlatConfig config() {
        return config;
    }

    public DynamicPool pool() {
        return pool;
    }

    public int linkMtu() {
        return linkMtu;
    }

    /** RFC 7915's "MTU of the IPv6 next hop": {@code ipv6-egress-mtu}, else the TUN MTU, else 0 (unknown). */
    int ipv6NextHopMtu() {
        return ipv6EgressMtu > 0 ? ipv6EgressMtu : linkMtu;
    }

    /** RFC 7915's "MTU of the IPv4 next hop": {@code ipv4-egress-mtu}, else the TUN MTU, else 0 (unknown). */
    int ipv4NextHopMtu() {
        return ipv4EgressMtu > 0 ? ipv4EgressMtu : linkMtu;
    }

    public Nptv6Table nptv6() {
        return nptv6;
    }

    /** The static map built from {@code config().maps()} (same order, so index i is {@code maps().get(i)}). */
    public StaticMap staticMap() {
        return staticMap;
    }
}
