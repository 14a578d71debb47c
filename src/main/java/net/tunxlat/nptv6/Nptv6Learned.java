package net.tunxlat.nptv6;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * When several inside prefixes share one outside prefix, which inside prefix owns an outside address is
 * learned from outbound packets, so that replies go back to the right LAN. Bounded (a fixed table,
 * probing at most {@link #PROBES} slots, the oldest entry in reach replaced when all are taken),
 * expiring ({@code timeoutSeconds} after the last outbound packet) and counted. Lock free: entries are
 * immutable but for their last-seen time and replaced with a CAS; an entry is created only for a new
 * outside address.
 */
public final class Nptv6Learned {
    static final int PROBES = 8;

    static final class Entry {
        final long hi;
        final long lo;
        final int mapping;
        volatile long lastSeen;

        Entry(long hi, long lo, int mapping, long lastSeen) {
            this.hi = hi;
            this.lo = lo;
            this.mapping = mapping;
            this.lastSeen = lastSeen;
        }
    }

    private final AtomicReferenceArray<Entry> table;
    private final int mask;
    private final long timeoutSeconds;
    private final AtomicLong learned = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();

    public Nptv6Learned(int capacity, long timeoutSeconds) {
        int cap = Integer.highestOneBit(Math.max(PROBES, capacity - 1)) << 1;
        this.table = new AtomicReferenceArray<>(cap);
        this.mask = cap - 1;
        this.timeoutSeconds = timeoutSeconds;
    }

    private static int hash(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 31;
        return (int) (h ^ (h >>> 29));
    }

    /** Records that outside address {@code hi:lo} belongs to mapping {@code index}, at {@code now} (seconds). */
    public void record(long hi, long lo, int index, long now) {
        int start = hash(hi, lo) & mask;
        int victim = -1;
        long victimSeen = Long.MAX_VALUE;
        for (int n = 0; n < PROBES; n++) {
            int slot = (start + n) & mask;
            Entry e = table.get(slot);
            if (e == null) {
                if (table.compareAndSet(slot, null, new Entry(hi, lo, index, now))) {
                    learned.incrementAndGet();
                    return;
                }
                e = table.get(slot);
                if (e == null) {
                    continue;
                }
            }
            if (e.hi == hi && e.lo == lo) {
                if (e.mapping == index) {
                    if (e.lastSeen != now) {
                        e.lastSeen = now;
                    }
                } else if (table.compareAndSet(slot, e, new Entry(hi, lo, index, now))) {
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
        Entry old = table.get(victim);
        if (old != null && table.compareAndSet(victim, old, new Entry(hi, lo, index, now))) {
            learned.incrementAndGet();
            if (old.lastSeen + timeoutSeconds >= now) {
                evicted.incrementAndGet(); // a live entry had to go: the table is too small
            }
        }
    }

    /** The mapping that owns outside address {@code hi:lo}, or -1 if unknown or expired. */
    public int lookup(long hi, long lo, long now) {
        int start = hash(hi, lo) & mask;
        for (int n = 0; n < PROBES; n++) {
            Entry e = table.get((start + n) & mask);
            if (e == null) {
                return -1;
            }
            if (e.hi == hi && e.lo == lo) {
                return e.lastSeen + timeoutSeconds >= now ? e.mapping : -1;
            }
        }
        return -1;
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
    public int size(long now) {
        int n = 0;
        for (int i = 0; i <= mask; i++) {
            Entry e = table.get(i);
            if (e != null && e.lastSeen + timeoutSeconds >= now) {
                n++;
            }
        }
        return n;
    }
}
