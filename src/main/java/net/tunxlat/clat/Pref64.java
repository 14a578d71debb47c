// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;

/**
 * One NAT64 prefix (PREF64) the CLAT learned, where it learned it and for how long it may use it.
 *
 * <p>The prefix is always one an RFC 6052 §2.2 translator can use: length 32, 40, 48, 56, 64 or 96 and,
 * for /96, bits 64-71 (the "u" octet) zero ({@link Rfc6052#validatePrefix}); the constructor refuses
 * anything else, so a {@code Pref64} can go straight into a generated {@code prefix} line.
 *
 * <h2>Sources</h2>
 * <ul>
 *   <li>{@link Source#CONFIGURED}: the operator's own prefix; it overrides the others (issue 17) and
 *       never expires ({@link #NO_LIFETIME}). {@link #origin} names where it was configured.</li>
 *   <li>{@link Source#RA}: a PREF64 option (RFC 8781 §4) in a router advertisement, read through
 *       {@link NdUserOptListener}. {@link #origin} is the router's link-local address with its zone
 *       ({@code fe80::1%eth0}); {@link #lifetimeSeconds} is the option's Scaled Lifetime times 8
 *       (RFC 8781 §4.1).</li>
 *   <li>{@link Source#RFC7050}: synthesized AAAA records of {@code ipv4only.arpa} ({@link Rfc7050});
 *       {@link #origin} names the resolver. The system resolver does not tell its TTL, so such a prefix
 *       has {@link #NO_LIFETIME} and holds until the next query says otherwise.</li>
 * </ul>
 * RFC 8781 §5.1 recommends one source only when several give prefixes, with router advertisements before
 * RFC 7050; choosing is the controller's job, not this record's.
 *
 * <h2>Withdrawn and expired</h2>
 * <ul>
 *   <li><b>Withdrawn</b> ({@link #withdrawn()}): a router advertised the prefix with lifetime 0. RFC 8781
 *       §4.1: "A lifetime of 0 indicates that the prefix SHOULD NOT be used anymore." The prefix is to be
 *       dropped at once, whatever lifetime an earlier advertisement gave it.</li>
 *   <li><b>Expired</b> ({@link #expired(long)}): {@link #lifetimeSeconds} have passed since
 *       {@link #receivedNanos} (a {@link System#nanoTime()} reading) without a newer advertisement of the
 *       same prefix from the same router ({@link #sameAdvertisement}), which replaces this one and restarts
 *       the clock, as RFC 4861 §6.3.4 does for the other RA options. Only RA prefixes expire; a withdrawn one
 *       is expired from the moment it arrives.</li>
 * </ul>
 *
 * @param prefix          the NAT64 prefix, host bits zero
 * @param source          where it came from
 * @param origin          the router (RA), resolver (RFC 7050) or configuration (CONFIGURED) it came from
 * @param lifetimeSeconds seconds it may be used from {@code receivedNanos}: 0..65528 for RA (0 = withdrawn),
 *                        {@link #NO_LIFETIME} for the sources that give none
 * @param receivedNanos   {@link System#nanoTime()} when it was learned
 */
public record Pref64(Ipv6Prefix prefix, Source source, String origin, int lifetimeSeconds, long receivedNanos) {
    /** No lifetime given by the source: configured, or RFC 7050 through a resolver that hides the TTL. */
    public static final int NO_LIFETIME = -1;
    /** RFC 8781 §4.1: "The maximum lifetime of the NAT64 prefix is thus 65528 seconds." */
    public static final int MAX_RA_LIFETIME = 65528;

    /** Where a PREF64 came from. */
    public enum Source {
        /** The operator's configuration (overrides the others). */
        CONFIGURED,
        /** RFC 8781 PREF64 option in a router advertisement. */
        RA,
        /** RFC 7050 AAAA query of {@code ipv4only.arpa}. */
        RFC7050
    }

    public Pref64 {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(origin, "origin");
        Rfc6052.validatePrefix(prefix);
        if (source == Source.RA) {
            if (lifetimeSeconds < 0 || lifetimeSeconds > MAX_RA_LIFETIME) {
                throw new IllegalArgumentException("an RA PREF64 lifetime is 0.." + MAX_RA_LIFETIME + " s, not " + lifetimeSeconds);
            }
        } else if (lifetimeSeconds != NO_LIFETIME) {
            throw new IllegalArgumentException(source + " prefixes carry no lifetime (NO_LIFETIME), not " + lifetimeSeconds);
        }
    }

    /** The operator's prefix, learned now. */
    public static Pref64 configured(Ipv6Prefix prefix, String origin) {
        return new Pref64(prefix, Source.CONFIGURED, origin, NO_LIFETIME, System.nanoTime());
    }

    /** RFC 8781 §4.1: lifetime 0, "SHOULD NOT be used anymore". */
    public boolean withdrawn() {
        return source == Source.RA && lifetimeSeconds == 0;
    }

    /** True once the lifetime has run out at {@code nowNanos} ({@link System#nanoTime()}); never for no lifetime. */
    public boolean expired(long nowNanos) {
        if (lifetimeSeconds == NO_LIFETIME) {
            return false;
        }
        return nowNanos - receivedNanos >= TimeUnit.SECONDS.toNanos(lifetimeSeconds);
    }

    /** Nanoseconds of use left at {@code nowNanos}: 0 once expired, {@link Long#MAX_VALUE} with no lifetime. */
    public long remainingNanos(long nowNanos) {
        if (lifetimeSeconds == NO_LIFETIME) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, TimeUnit.SECONDS.toNanos(lifetimeSeconds) - (nowNanos - receivedNanos));
    }

    /**
     * True if {@code newer} is the same prefix from the same source and origin (the same router on the same
     * interface for RA): it then replaces this one, lifetime and clock included (a lifetime 0 withdraws it).
     */
    public boolean sameAdvertisement(Pref64 newer) {
        return prefix.equals(newer.prefix) && source == newer.source && origin.equals(newer.origin);
    }

    @Override
    public String toString() {
        String life = lifetimeSeconds == NO_LIFETIME ? "no lifetime" : withdrawn() ? "withdrawn" : "lifetime " + lifetimeSeconds + " s";
        return prefix + " (" + source + " from " + origin + ", " + life + ")";
    }
}
