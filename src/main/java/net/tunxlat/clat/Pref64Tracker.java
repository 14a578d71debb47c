// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.util.ArrayList;
import java.util.List;

/**
 * Which NAT64 prefix the CLAT uses now, from what it has heard: a configured prefix overrides everything; else
 * the PREF64 options of router advertisements (RFC 8781) on the uplink, the most recently received one that is
 * neither withdrawn (lifetime 0, RFC 8781 §4.1 "SHOULD NOT be used anymore") nor expired; else what RFC 7050
 * found through the resolver, asked when no RA carries a PREF64 and again every {@link #RFC7050_INTERVAL_NANOS}
 * while none does (RFC 9872 recommends the RA's prefix over RFC 7050's when both are there). Control plane, one
 * thread.
 */
public final class Pref64Tracker {
    /**
     * How often RFC 7050 is asked again while no RA carries a PREF64: the answer's TTL says how long it holds, and
     * the system resolver does not tell it.
     */
    public static final long RFC7050_INTERVAL_NANOS = 60_000_000_000L;

    private final Pref64 configured;
    /** The latest advertisement per (router, prefix), in order of arrival. */
    private final List<Pref64> advertised = new ArrayList<>();
    private final List<Integer> advertisedOn = new ArrayList<>();
    private Pref64 discovered;
    private long discoveredAt = Long.MIN_VALUE;
    private boolean asked;

    /** @param configured the operator's prefix, or null */
    public Pref64Tracker(Pref64 configured) {
        this.configured = configured;
    }

    /** An RA's PREF64 option heard on interface {@code ifIndex}: replaces the same router's same prefix. */
    public void heard(Pref64 p, int ifIndex) {
        for (int i = 0; i < advertised.size(); i++) {
            if (advertised.get(i).sameAdvertisement(p)) {
                advertised.remove(i);
                advertisedOn.remove(i);
                break;
            }
        }
        advertised.add(p);
        advertisedOn.add(ifIndex);
    }

    /** The prefix to use on uplink {@code ifIndex} (0: any) at {@code nowNanos}, or null. */
    public Pref64 current(int ifIndex, long nowNanos) {
        if (configured != null) {
            return configured;
        }
        Pref64 ra = fromAdvertisements(ifIndex, nowNanos);
        return ra != null ? ra : discovered;
    }

    /** The newest usable RA PREF64 on {@code ifIndex}, forgetting expired and withdrawn ones. */
    Pref64 fromAdvertisements(int ifIndex, long nowNanos) {
        for (int i = advertised.size() - 1; i >= 0; i--) {
            Pref64 p = advertised.get(i);
            if (p.withdrawn() || p.expired(nowNanos)) {
                advertised.remove(i);
                advertisedOn.remove(i);
            }
        }
        for (int i = advertised.size() - 1; i >= 0; i--) {
            if (ifIndex == 0 || advertisedOn.get(i) == ifIndex) {
                return advertised.get(i);
            }
        }
        return null;
    }

    /** Whether RFC 7050 should be asked now: no configured or RA prefix, and not asked lately. */
    public boolean wantsRfc7050(int ifIndex, long nowNanos) {
        if (configured != null || fromAdvertisements(ifIndex, nowNanos) != null) {
            return false;
        }
        return !asked || nowNanos - discoveredAt >= RFC7050_INTERVAL_NANOS;
    }

    /** What RFC 7050 found at {@code nowNanos} (the first prefix of the answer), or null for none. */
    public void discovered(Pref64 p, long nowNanos) {
        discovered = p;
        discoveredAt = nowNanos;
        asked = true;
    }
}
