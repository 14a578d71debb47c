package net.tunxlat.nptv6;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * The configured NPTv6 mappings, with the learned owners of shared outside prefixes. Immutable apart
 * from the learned state, which survives configuration reloads only when the mappings are unchanged.
 */
public final class Nptv6Table {
    public static final int DEFAULT_LEARN_CAPACITY = 65536;
    public static final long DEFAULT_LEARN_TIMEOUT_SECONDS = 2 * 3600 + 4 * 60;

    private final Nptv6Mapping[] mappings;
    private final boolean[] sharedOutside;
    private final Nptv6Learned learned;
    private final LongSupplier clock;

    public Nptv6Table(List<Nptv6Mapping> mappings, Nptv6Learned learned, LongSupplier clockSeconds) {
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
        int owner = learned.lookup(hi, lo, clock.getAsLong());
        return owner >= 0 && mappings[owner].translatesInbound() ? owner : -2;
    }

    /** Whether outbound translations through mapping {@code i} must be learned (shared outside prefix). */
    public boolean learns(int i) {
        return sharedOutside[i];
    }
}
