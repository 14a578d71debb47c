package net.tunxlat.xlat;

import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Rfc6052;
import net.tunxlat.mapping.StaticMap;

/**
 * Address mapping for one worker (RFC 7915 §6): the static map first (RFC 7757 §3.2, longest
 * match), then the RFC 6052 prefix. Results come back through fields, so a lookup allocates nothing.
 */
final class AddressMapper {
    private XlatSnapshot snap;
    /** The IPv6 address produced by {@link #map4to6}. */
    long hi;
    long lo;
    /** The IPv4 address produced by {@link #map6to4}. */
    int v4;
    /** Whether the last successful mapping came from the static map (as opposed to the RFC 6052 prefix). */
    boolean viaStaticMap;

    void use(XlatSnapshot snapshot) {
        this.snap = snapshot;
    }

    /** Maps an IPv4 address to IPv6 into {@link #hi}/{@link #lo}; null on success, else why not. */
    DropReason map4to6(int a, DropReason unmappable, DropReason wkpf) {
        StaticMap m = snap.staticMap;
        int i = m.lookup4(a);
        if (i >= 0) {
            hi = m.translate4to6Hi(i, a);
            lo = m.translate4to6Lo(i, a);
            viaStaticMap = true;
            return null;
        }
        return embed(a, unmappable, wkpf);
    }

    /** RFC 6052 §2.2 only, bypassing the static map (RFC 7757 §4.2.2 hairpinning). */
    DropReason embed(int a, DropReason unmappable, DropReason wkpf) {
        Rfc6052 p = snap.rfc6052;
        if (p == null) {
            return unmappable;
        }
        if (p.isWellKnown() && snap.wkpfStrict && Rfc6052.isNonGlobalIpv4(a)) {
            return wkpf; // RFC 6052 §3.1: MUST NOT translate, MUST drop
        }
        hi = p.embedHi(a);
        lo = p.embedLo(a);
        viaStaticMap = false;
        return null;
    }

    /** Maps an IPv6 address to IPv4 into {@link #v4}; null on success, else why not. */
    DropReason map6to4(long aHi, long aLo, DropReason unmappable, DropReason wkpf) {
        StaticMap m = snap.staticMap;
        int i = m.lookup6(aHi, aLo);
        if (i >= 0) {
            v4 = m.translate6to4(i, aHi, aLo);
            viaStaticMap = true;
            return null;
        }
        Rfc6052 p = snap.rfc6052;
        if (p == null || !p.matches(aHi, aLo)) {
            return unmappable;
        }
        int a = p.extract(aHi, aLo);
        if (p.isWellKnown() && snap.wkpfStrict && Rfc6052.isNonGlobalIpv4(a)) {
            return wkpf; // RFC 6052 §3.1
        }
        v4 = a;
        viaStaticMap = false;
        return null;
    }

    /** True if the IPv4 address belongs to an IPv6 host through the static map (hairpinning, RFC 7757 §4.2). */
    boolean isStaticallyMapped4(int a) {
        return snap.staticMap.lookup4(a) >= 0;
    }

    /**
     * RFC 6791: the IPv4 source for a translated ICMPv6 error whose IPv6 source has no mapping: an
     * address of {@code rfc6791-pool} chosen by a hash of that source (stable per router), or the
     * translator's own IPv4 address.
     */
    int rfc6791Source(long srcHi, long srcLo) {
        Ipv4Prefix pool = snap.rfc6791Pool;
        if (pool == null) {
            return snap.ownIpv4;
        }
        if (pool.length() == 32) {
            return pool.address();
        }
        long h = (srcHi * 0x9E3779B97F4A7C15L) ^ (srcLo * 0xC2B2AE3D27D4EB4FL);
        int host = (int) ((h ^ (h >>> 29)) & ~(long) pool.mask() & 0xffffffffL);
        return pool.address() | host;
    }
}
