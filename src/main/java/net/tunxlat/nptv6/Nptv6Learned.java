// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nptv6;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * When several inside prefixes share one outside prefix, which inside prefix owns an outside address is
 * learned from outbound packets, so that replies go back to the right LAN. Bounded (a fixed
 * table, probing at most {@link #PROBES} slots, the oldest entry in reach replaced when all are taken),
 * expiring ({@code timeoutSeconds} after the last outbound packet) and counted. Lock free: entries are
 * immutable but for their last-seen time and replaced with a CAS; an entry is created only for a new
 * outside address.
 *
 * <p>State, not configuration: the table outlives the snapshots that read it. An owner is therefore named by
 * its inside prefix, not by a position in one configuration's list of {@code nptv6} lines, so a reload that
 * adds, removes or reorders lines keeps the owners of the pairs that remain; {@link #retain} forgets the
 * others. The timeout is configuration ({@code nptv6-learn-timeout}), passed in at each use; the capacity
 * ({@code nptv6-learn-max}) is fixed. The slots are allocated on the first owner learned, so a translator
 * whose {@code nptv6} lines never share an outside prefix pays nothing.
 */
public final class Nptv6Learned {
    static final int PROBES = 8;

    static final class Entry {
        final long hi;
        final long lo;
        final Ipv6Prefix owner;
        volatile long lastSeen;

        Entry(long hi, long lo, Ipv6Prefix owner, long lastSeen) {
            this.hi = hi;
            this.lo = lo;
            this.owner = owner;
            this.lastSeen = lastSeen;
        }
    }

    /** Whether an owner stays (see {@link #retain}). */
    @FunctionalInterface
    public interface OwnerFilter {
        boolean keep(long hi, long lo, Ipv6Prefix owner);
    }

    private static final VarHandle TABLE;

    static {
        try {
            TABLE = MethodHandles.lookup().findVarHandle(Nptv6Learned.class, "table", AtomicReferenceArray.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Null until the first owner is learned. */
    private volatile AtomicReferenceArray<Entry> table;
    private final int capacity;
    private final int mask;
    private final AtomicLong learned = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();

    /** @param capacity {@code nptv6-learn-max}: the table holds this many owners (rounded up to a power of two) */
    public Nptv6Learned(int capacity) {
        this.capacity = Integer.highestOneBit(Math.max(PROBES, capacity - 1)) << 1;
        this.mask = this.capacity - 1;
    }

    private static int hash(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 31;
        return (int) (h ^ (h >>> 29));
    }

    /** The slots, made on first use (once: whoever loses the CAS takes the winner's). */
    private AtomicReferenceArray<Entry> slots() {
        AtomicReferenceArray<Entry> t = table;
        if (t != null) {
            return t;
        }
        AtomicReferenceArray<Entry> fresh = new AtomicReferenceArray<>(capacity);
        return TABLE.compareAndSet(this, null, fresh) ? fresh : table;
    }

    /**
     * Records that outside address {@code hi:lo} belongs to the inside prefix {@code owner}, at {@code now}
     * (seconds); an owner last seen more than {@code timeoutSeconds} ago counts as expired.
     */
    public void record(long hi, long lo, Ipv6Prefix owner, long now, long timeoutSeconds) {
        AtomicReferenceArray<Entry> t = slots();
        int start = hash(hi, lo) & mask;
        int victim = -1;
        long victimSeen = Long.MAX_VALUE;
        for (int n = 0; n < PROBES; n++) {
            int slot = (start + n) & mask;
            Entry e = t.get(slot);
            if (e == null) {
                if (t.compareAndSet(slot, null, new Entry(hi, lo, owner, now))) {
                    learned.incrementAndGet();
                    return;
                }
                e = t.get(slot);
                if (e == null) {
                    continue;
                }
            }
            if (e.hi == hi && e.lo == lo) {
                if (e.owner == owner || e.owner.equals(owner)) {
                    if (e.lastSeen != now) {
                        e.lastSeen = now;
                    }
                } else if (t.compareAndSet(slot, e, new Entry(hi, lo, owner, now))) {
                    learned.incrementAndGet(); // the address moved to another LAN
                }
                return;
            }
            long seen = e.lastSeen;
            if (seen < victimSeen) {
                victimSeen = seen;
                victim = slot;
            }
        }
        Entry old = t.get(victim);
        if (old != null && t.compareAndSet(victim, old, new Entry(hi, lo, owner, now))) {
            learned.incrementAndGet();
            if (old.lastSeen + timeoutSeconds >= now) {
                evicted.incrementAndGet(); // a live entry had to go: the table is too small
            }
        }
    }

    /** The inside prefix that owns outside address {@code hi:lo}, or null if unknown or expired. */
    public Ipv6Prefix lookup(long hi, long lo, long now, long timeoutSeconds) {
        AtomicReferenceArray<Entry> t = table;
        if (t == null) {
            return null;
        }
        int start = hash(hi, lo) & mask;
        for (int n = 0; n < PROBES; n++) {
            Entry e = t.get((start + n) & mask);
            if (e == null) {
                return null;
            }
            if (e.hi == hi && e.lo == lo) {
                return e.lastSeen + timeoutSeconds >= now ? e.owner : null;
            }
        }
        return null;
    }

    /**
     * Forgets the owners {@code filter} does not keep (a reload: the pairs that are gone); returns how many.
     * A scan, from the thread that installs a configuration, never the hot path. A removed slot would cut
     * the probe sequence of the entries after it, so a forgotten owner leaves its entry with the time set to
     * the epoch: expired, and the first to be replaced.
     */
    public int retain(OwnerFilter filter) {
        AtomicReferenceArray<Entry> t = table;
        if (t == null) {
            return 0;
        }
        int forgotten = 0;
        for (int i = 0; i <= mask; i++) {
            Entry e = t.get(i);
            if (e != null && e.lastSeen != Long.MIN_VALUE / 2 && !filter.keep(e.hi, e.lo, e.owner)) {
                e.lastSeen = Long.MIN_VALUE / 2;
                forgotten++;
            }
        }
        return forgotten;
    }

    /** Forgets every owner (a reload without {@code nptv6} lines). */
    public void clear() {
        retain((hi, lo, owner) -> false);
    }

    /** Entries learned (including replacements) since start. */
    public long learnedTotal() {
        return learned.get();
    }

    /** Live entries pushed out because the table was full. */
    public long evictedTotal() {
        return evicted.get();
    }

    /** Entries currently not expired (a scan: for metrics and inspection, not the hot path). */
    public int size(long now, long timeoutSeconds) {
        AtomicReferenceArray<Entry> t = table;
        if (t == null) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i <= mask; i++) {
            Entry e = t.get(i);
            if (e != null && e.lastSeen + timeoutSeconds >= now) {
                n++;
            }
        }
        return n;
    }
}
