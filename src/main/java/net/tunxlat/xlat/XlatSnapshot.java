// SPDX-License-Identifier: Apache-2.0
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
import net.tunxlat.nptv6.Nptv6Mapping;
import net.tunxlat.nptv6.Nptv6Table;

/**
 * Everything a worker needs to translate, frozen: the translator's addresses, the RFC 6052 prefix, the
 * static map and the options. Published to workers through one volatile reference, so a packet sees
 * either the old or the new snapshot, never a mix.
 *
 * <p>A snapshot is configuration only. What the translator learns while it runs (dynamic-pool bindings,
 * NPTv6 learned owners, rate limiters) is the {@link XlatState} it is built over, the same for every
 * snapshot of a daemon: a reload builds a new snapshot over the running state. Building one reads the state
 * and changes nothing; {@link XlatState#install} applies what the new configuration means for the state.
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
    /** {@code zeroize-traffic-class}: IPv6 Traffic Class 0 instead of the IPv4 TOS (RFC 7915 §4.1). */
    final boolean zeroizeTrafficClass;
    /** The TUN device's MTU (0: unknown), the next-hop MTU when the egress MTUs are not configured. */
    final int linkMtu;
    final TunxlatConfig config;
    /** What the translator learns while it runs: shared with the snapshots before and after this one. */
    final XlatState state;
    /** The state's dynamic pool (outlives snapshots: a reload keeps it), or null. */
    final DynamicPool pool;
    /** The state's per-/64 binding limiter; null without a pool or with {@code dynamic-pool-rate 0}. */
    final BindingRateLimiter poolRate;
    /** {@code dynamic-pool-rate}: new bindings per second per source /64 (with {@link #poolRate}). */
    final int poolRatePerSecond;
    /** NPTv6 prefix pairs (RFC 6296) over the state's learned owners, or null. */
    final Nptv6Table nptv6;
    /** Whether NAT64/SIIT is configured (not an NPTv6-only translator). */
    final boolean nat64;

    /**
     * A snapshot with a state of its own (a fresh dynamic pool, if the configuration has one, on the system
     * clock), already {@linkplain XlatState#install installed} in it: for tests and offline translation,
     * where nothing else shares the state.
     */
    public XlatSnapshot(TunxlatConfig config) {
        this(config, XlatState.forConfig(config), 0);
        state.install(this);
    }

    public XlatSnapshot(TunxlatConfig config, XlatState state) {
        this(config, state, 0);
    }

    /**
     * Builds the snapshot of {@code config} over {@code state}. Reads the state and changes nothing in it:
     * what the new configuration does to the state is {@link XlatState#install}'s, called before the
     * snapshot is published.
     *
     * @param linkMtu the TUN device's MTU, standing for the next-hop MTU on either side when
     *                {@code ipv4-egress-mtu} / {@code ipv6-egress-mtu} are not configured (0: unknown)
     */
    public XlatSnapshot(TunxlatConfig config, XlatState state, int linkMtu) {
        this.state = state;
        this.pool = state.pool();
        this.poolRate = pool == null || config.dynamicPoolRate() == 0 ? null : state.poolRate();
        this.poolRatePerSecond = config.dynamicPoolRate();
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
        if (config.nptv6().isEmpty()) {
            this.nptv6 = null;
        } else {
            List<Nptv6Mapping> pairs = new ArrayList<>();
            for (Nptv6Entry e : config.nptv6()) {
                pairs.add(new Nptv6Mapping(e.inside(), e.outside(),
                        Nptv6Mapping.Direction.valueOf(e.direction().name()), e.origin()));
            }
            this.nptv6 = new Nptv6Table(pairs, state.nptv6Owners(), config.nptv6LearnTimeout(), state.clockSeconds());
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
        this.zeroizeTrafficClass = config.zeroizeTrafficClass();
    }

    public TunxlatConfig config() {
        return config;
    }

    public DynamicPool pool() {
        return pool;
    }

    /** The state this snapshot reads (the same before and after a reload). */
    public XlatState state() {
        return state;
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
