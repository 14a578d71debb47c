// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nptv6;

import java.util.List;
import java.util.function.LongSupplier;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * The configured NPTv6 mappings (part of a snapshot: immutable), reading and feeding the learned owners of
 * shared outside prefixes (part of the translator's state: the same {@link Nptv6Learned} for every snapshot,
 * so a reload keeps the owners of the pairs it keeps).
 */
public final class Nptv6Table {
    public static final int DEFAULT_LEARN_CAPACITY = 65536;
    public static final long DEFAULT_LEARN_TIMEOUT_SECONDS = 2 * 3600 + 4 * 60;

    private final Nptv6Mapping[] mappings;
    private final boolean[] sharedOutside;
    private final Nptv6Learned learned;
    private final long learnTimeout;
    private final LongSupplier clock;

    /**
     * @param learned      the learned owners (the translator's state, shared with other snapshots' tables)
     * @param learnTimeout {@code nptv6-learn-timeout}: seconds an owner lives after its last outbound packet
     */
    public Nptv6Table(List<Nptv6Mapping> mappings, Nptv6Learned learned, long learnTimeout, LongSupplier clockSeconds) {
        this.mappings = mappings.toArray(new Nptv6Mapping[0]);
        this.sharedOutside = new boolean[this.mappings.length];
        for (int i = 0; i < this.mappings.length; i++) {
            for (int j = 0; j < this.mappings.length; j++) {
                if (i != j && this.mappings[i].outside().equals(this.mappings[j].outside())) {
                    sharedOutside[i] = true;
                }
            }
        }
        this.learned = learned;
        this.learnTimeout = learnTimeout;
        this.clock = clockSeconds;
    }

    public int size() {
        return mappings.length;
    }

    public Nptv6Mapping mapping(int i) {
        return mappings[i];
    }

    public Nptv6Learned learned() {
        return learned;
    }

    /** Learned owners not expired at {@code now} (a scan: for inspection, not the hot path). */
    public int learnedOwners(long now) {
        return learned.size(now, learnTimeout);
    }

    /**
     * Records that outside address {@code hi:lo}, just translated outbound through mapping {@code i} (one
     * that {@link #learns}), belongs to that mapping's inside prefix.
     */
    public void learn(long hi, long lo, int i) {
        learned.record(hi, lo, mappings[i].inside(), clock.getAsLong(), learnTimeout);
    }

    /**
     * Whether this table still has the pair that a learned owner names: a mapping with inside prefix
     * {@code owner} whose outside prefix covers {@code hi:lo}. For {@link Nptv6Learned#retain} on reload.
     */
    public boolean hasOwner(long hi, long lo, Ipv6Prefix owner) {
        return owner(hi, lo, owner) >= 0;
    }

    /** The index of the mapping with inside prefix {@code owner} whose outside prefix covers {@code hi:lo}, or -1. */
    private int owner(long hi, long lo, Ipv6Prefix owner) {
        for (int i = 0; i < mappings.length; i++) {
            Nptv6Mapping m = mappings[i];
            if ((m.inside() == owner || m.inside().equals(owner)) && m.outsideCovers(hi, lo)) {
                return i;
            }
        }
        return -1;
    }

    public long now() {
        return clock.getAsLong();
    }

    /** The mapping whose inside prefix covers {@code hi:lo} and translates outbound, or -1. */
    public int findOutbound(long hi, long lo) {
        for (int i = 0; i < mappings.length; i++) {
            Nptv6Mapping m = mappings[i];
            if (m.translatesOutbound() && m.insideCovers(hi, lo)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The mapping that owns outside address {@code hi:lo} and translates inbound: the only one with that
     * outside prefix, or the learned owner when several share it; -1 if none covers it, -2 if the prefix
     * is shared and the owner is unknown.
     */
    public int findInbound(long hi, long lo) {
        int candidate = -1;
        for (int i = 0; i < mappings.length; i++) {
            Nptv6Mapping m = mappings[i];
            if (m.translatesInbound() && m.outsideCovers(hi, lo)) {
                if (!sharedOutside[i]) {
                    return i;
                }
                candidate = i;
            }
        }
        if (candidate < 0) {
            return -1;
        }
        Ipv6Prefix inside = learned.lookup(hi, lo, clock.getAsLong(), learnTimeout);
        int owner = inside == null ? -1 : owner(hi, lo, inside);
        return owner >= 0 && mappings[owner].translatesInbound() ? owner : -2;
    }

    /** Whether outbound translations through mapping {@code i} must be learned (shared outside prefix). */
    public boolean learns(int i) {
        return sharedOutside[i];
    }
}
