// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import net.tunxlat.mapping.BindingRateLimiter;
import net.tunxlat.mapping.DynamicPool;
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
    /**
     * Which rule the last successful mapping used, the static map entry index for {@link AddressRule#STATIC_MAP}
     * and the binding for the binding rules: plain field writes, read by {@link AddressRules} for
     * {@code translate --explain}.
     */
    AddressRule rule = AddressRule.NONE;
    int ruleIndex;
    DynamicPool.Binding ruleBinding;

    /** Records the rule that mapped the last address; stored only when it changes (a reference store costs a GC write barrier). */
    private void rule(AddressRule r) {
        if (rule != r) {
            rule = r;
        }
    }

    private void ruleBinding(DynamicPool.Binding b) {
        if (ruleBinding != b) {
            ruleBinding = b;
        }
    }

    void use(XlatSnapshot snapshot) {
        this.snap = snapshot;
    }

    /**
     * Maps an IPv4 address to IPv6 into {@link #hi}/{@link #lo}: the static map, then the dynamic pool's
     * active bindings (an unbound pool address is unmappable, as in TAYGA), then the RFC 6052 prefix.
     * Null on success, else why not.
     */
    DropReason map4to6(int a, DropReason unmappable, DropReason wkpf) {
        StaticMap m = snap.staticMap;
        int i = m.lookup4(a);
        if (i >= 0) {
            hi = m.translate4to6Hi(i, a);
            lo = m.translate4to6Lo(i, a);
            viaStaticMap = true;
            rule(AddressRule.STATIC_MAP);
            ruleIndex = i;
            return null;
        }
        DynamicPool pool = snap.pool;
        if (pool != null && pool.contains(a)) {
            DynamicPool.Binding b = pool.lookup4(a, pool.now());
            if (b == null) {
                // No host holds it: TAYGA answers Host Unreachable for an outer destination (Xlat46).
                return unmappable == DropReason.DST_UNMAPPABLE_46 ? DropReason.POOL_UNBOUND_46 : unmappable;
            }
            hi = b.hi();
            lo = b.lo();
            viaStaticMap = true;
            rule(AddressRule.BINDING);
            ruleBinding(b);
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
        rule(AddressRule.RFC6052);
        return null;
    }

    /**
     * Maps the IPv6 source of a packet to translate: like {@link #map6to4}, but a host without a mapping
     * gets an address from the dynamic pool (TAYGA's semantics; the only place a binding is created), if
     * {@code dynamic-pool-allow} lets it and its /64 is within {@code dynamic-pool-rate}.
     */
    DropReason mapSource6to4(long aHi, long aLo) {
        DropReason why = map6to4(aHi, aLo, DropReason.SRC_UNMAPPABLE_64, DropReason.WKPF_NON_GLOBAL_64);
        DynamicPool pool = snap.pool;
        if (why != DropReason.SRC_UNMAPPABLE_64 || pool == null) {
            return why;
        }
        if (!pool.allowed(aHi, aLo)) {
            return DropReason.SRC_NOT_ALLOWED_64;
        }
        long now = pool.now();
        BindingRateLimiter limit = snap.poolRate;
        DynamicPool.Binding dormant = pool.lookup6(aHi, aLo); // a dormant binding comes back unlimited
        boolean limited = limit != null && dormant == null;
        if (limited) {
            int verdict = limit.tryAcquire(aHi, now, pool.available(), snap.poolRatePerSecond);
            if (verdict != BindingRateLimiter.OK) {
                return verdict == BindingRateLimiter.RATE ? DropReason.POOL_RATE_LIMITED_64 : DropReason.POOL_SHARE_64;
            }
        }
        DynamicPool.Binding b = pool.assign(aHi, aLo, now);
        if (b == null) {
            return DropReason.POOL_EXHAUSTED_64;
        }
        if (limited) {
            limit.bound(aHi, now);
        }
        v4 = b.address();
        viaStaticMap = true;
        rule(b == dormant ? AddressRule.REACTIVATED_BINDING : AddressRule.NEW_BINDING);
        ruleBinding(b);
        return null;
    }

    /**
     * Maps an IPv6 address to IPv4 into {@link #v4}: the static map, the dynamic pool's active bindings
     * (never creating one), then the RFC 6052 prefix. Null on success, else why not. Through the prefix, an
     * address standing for a forbidden IPv4 address ({@link AddressFilter#martian4}, or the translator's own
     * as a source) is refused: {@code FORBIDDEN_SRC_64} / {@code FORBIDDEN_DST_64} when {@code unmappable} is
     * {@code SRC_UNMAPPABLE_64} / {@code DST_UNMAPPABLE_64}, else {@code unmappable} (an inner packet).
     */
    DropReason map6to4(long aHi, long aLo, DropReason unmappable, DropReason wkpf) {
        StaticMap m = snap.staticMap;
        int i = m.lookup6(aHi, aLo);
        if (i >= 0) {
            v4 = m.translate6to4(i, aHi, aLo);
            viaStaticMap = true;
            rule(AddressRule.STATIC_MAP);
            ruleIndex = i;
            return null;
        }
        Rfc6052 p = snap.rfc6052;
        if (p != null && p.matchesExceptUOctet(aHi, aLo)) {
            return uOctetSet(unmappable);
        }
        if (p == null || !p.matches(aHi, aLo)) {
            return mapThroughBinding(aHi, aLo, unmappable);
        }
        int a = p.extract(aHi, aLo);
        if (p.isWellKnown() && snap.wkpfStrict && Rfc6052.isNonGlobalIpv4(a)) {
            return wkpf; // RFC 6052 §3.1
        }
        if (AddressFilter.martian4(a) || (a == snap.ownIpv4 && unmappable == DropReason.SRC_UNMAPPABLE_64)) {
            return forbidden(unmappable);
        }
        v4 = a;
        viaStaticMap = false;
        rule(AddressRule.RFC6052);
        return null;
    }

    // The rare outcomes of map6to4 are methods of their own, which keeps map6to4 small enough for the JIT to inline
    // it into the RFC 7915 steps (HotSpot inlines a hot method of at most 325 bytes of bytecode).

    /**
     * RFC 6052 §2.2: bits 64-71 "MUST be set to zero"; with them set it is no IPv4-embedded address (dropped
     * silently as the maintained TAYGA does; inside an ICMP error, the error is untranslatable).
     */
    private static DropReason uOctetSet(DropReason unmappable) {
        boolean outer = unmappable == DropReason.SRC_UNMAPPABLE_64 || unmappable == DropReason.DST_UNMAPPABLE_64;
        return outer ? DropReason.RFC6052_U_OCTET_64 : unmappable;
    }

    /** An IPv6 address standing for 127.0.0.1, 224.0.0.1, ... or, as a source, for the translator itself. */
    private static DropReason forbidden(DropReason unmappable) {
        return unmappable == DropReason.SRC_UNMAPPABLE_64 ? DropReason.FORBIDDEN_SRC_64
                : unmappable == DropReason.DST_UNMAPPABLE_64 ? DropReason.FORBIDDEN_DST_64 : unmappable;
    }

    /** Outside the RFC 6052 prefix: an active dynamic-pool binding maps it, else {@code unmappable}. */
    private DropReason mapThroughBinding(long aHi, long aLo, DropReason unmappable) {
        DynamicPool pool = snap.pool;
        if (pool != null) {
            DynamicPool.Binding b = pool.lookup6(aHi, aLo);
            long now = pool.now();
            if (b != null && b.lastUse() + DynamicPool.ACTIVE_SECONDS >= now) {
                b.touch(now);
                v4 = b.address();
                viaStaticMap = true;
                rule(AddressRule.BINDING);
                ruleBinding(b);
                return null;
            }
        }
        return unmappable;
    }

    /**
     * True if the IPv4 address belongs to an IPv6 host through the static map or an active dynamic
     * binding (hairpinning, RFC 7757 §4.2).
     */
    boolean isIpv6Host4(int a) {
        if (snap.staticMap.lookup4(a) >= 0) {
            return true;
        }
        DynamicPool pool = snap.pool;
        return pool != null && pool.contains(a) && pool.lookup4(a, pool.now()) != null;
    }

    /**
     * RFC 6791: the IPv4 source for a translated ICMPv6 error whose IPv6 source has no mapping: an
     * address of {@code rfc6791-pool} chosen by a hash of that source (stable per router), or the
     * translator's own IPv4 address.
     */
    int rfc6791Source(long srcHi, long srcLo) {
        Ipv4Prefix pool = snap.rfc6791Pool;
        if (pool == null) {
            rule(AddressRule.OWN_ADDRESS);
            return snap.ownIpv4;
        }
        rule(AddressRule.RFC6791_POOL);
        if (pool.length() == 32) {
            return pool.address();
        }
        long h = (srcHi * 0x9E3779B97F4A7C15L) ^ (srcLo * 0xC2B2AE3D27D4EB4FL);
        int host = (int) ((h ^ (h >>> 29)) & ~(long) pool.mask() & 0xffffffffL);
        return pool.address() | host;
    }
}
