// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TAYGA's dynamic pool: an IPv6 host without a static mapping gets an IPv4 address from
 * {@code dynamic-pool} on its first IPv6 → IPv4 packet. A binding stays <em>active</em> for
 * {@link #ACTIVE_SECONDS} (2 h 4 min) after its last use; then it is <em>dormant</em>: the host gets
 * the same address back if it returns, but the address may be handed to another host, least recently
 * used first, once no address is free. Dormant bindings are forgotten after {@link #MAX_DORMANT_SECONDS}.
 *
 * <p>Concurrency: lookups (both directions) take no lock and allocate nothing: one array indexed by
 * IPv4 address and one open-addressing hash table keyed by IPv6 address, both of immutable
 * {@link Binding}s whose only mutable field is the last-use time. A new binding claims its address with
 * a CAS on the address array and then its hash slot with a CAS; a worker that loses a race to another
 * worker binding the same host gives its address back and uses the winner's. A binding is live only
 * while the address array points at it, so a stale hash entry is never used.
 */
public final class DynamicPool {
    /** TAYGA's {@code dyn_min_lease}: 2 hours and 4 minutes (RFC 6146's TCP established idle timeout). */
    public static final long ACTIVE_SECONDS = 2 * 3600 + 4 * 60;
    /** TAYGA's {@code dyn_max_lease}: dormant bindings are forgotten after two weeks. */
    public static final long MAX_DORMANT_SECONDS = 14 * 86400L;

    /** One host's address. Immutable but for the last-use time. */
    public static final class Binding {
        final long hi;
        final long lo;
        final int index;
        final int address;
        volatile long lastUse;

        Binding(long hi, long lo, int index, int address, long lastUse) {
            this.hi = hi;
            this.lo = lo;
            this.index = index;
            this.address = address;
            this.lastUse = lastUse;
        }

        public long hi() {
            return hi;
        }

        public long lo() {
            return lo;
        }

        public int address() {
            return address;
        }

        public long lastUse() {
            return lastUse;
        }

        /** Records a use at {@code now} (seconds); writes only when the second changed. */
        public void touch(long now) {
            if (lastUse != now) {
                lastUse = now;
            }
        }
    }

    private static final Object TOMBSTONE = new Object();

    private final Ipv4Prefix prefix;
    private final int size;
    private final AtomicReferenceArray<Binding> byIndex;
    private final AtomicReferenceArray<Object> table;
    private final int tableMask;
    private final boolean[] excluded;
    private final Ipv6Prefix[] allow;
    private final LongSupplier clock;
    private final AtomicInteger free;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final AtomicLong allocations = new AtomicLong();
    /** The current static map: addresses it covers are not handed out (swapped on reload). */
    private volatile StaticMap staticMap = StaticMap.EMPTY;
    /** Dormant bindings, oldest first, rebuilt by {@link #maintain}; consumed through {@link #dormantCursor}. */
    private volatile Binding[] dormant = new Binding[0];
    private final AtomicInteger dormantCursor = new AtomicInteger();

    /**
     * @param prefix   the pool ({@code dynamic-pool}, length 31 or less); its first address is reserved
     * @param exclude  addresses not to hand out (the translator's own, statically mapped ones)
     * @param allow    IPv6 prefixes whose hosts may get an address; empty means any
     * @param clock    seconds since the epoch
     */
    public DynamicPool(Ipv4Prefix prefix, IntPredicate exclude, List<Ipv6Prefix> allow, LongSupplier clock) {
        if (prefix.length() > 31 || prefix.length() < 8) {
            throw new IllegalArgumentException("dynamic-pool length must be 8..31: " + prefix);
        }
        this.prefix = prefix;
        this.size = 1 << (32 - prefix.length());
        this.byIndex = new AtomicReferenceArray<>(size);
        int cap = Integer.highestOneBit(Math.max(16, size * 2 - 1)) << 1;
        this.table = new AtomicReferenceArray<>(cap);
        this.tableMask = cap - 1;
        this.excluded = new boolean[size];
        int usable = 0;
        for (int i = 0; i < size; i++) {
            excluded[i] = i == 0 || exclude.test(prefix.address() | i);
            if (!excluded[i]) {
                usable++;
            }
        }
        this.free = new AtomicInteger(usable);
        this.allow = allow.toArray(new Ipv6Prefix[0]);
        this.clock = clock;
    }

    public Ipv4Prefix prefix() {
        return prefix;
    }

    /** True if {@code a} lies in the pool's prefix (packets to it are answered only through a binding). */
    public boolean contains(int a) {
        return prefix.contains(a);
    }

    public long now() {
        return clock.getAsLong();
    }

    /** Hot path, IPv4 side: the active binding of pool address {@code a}, or null. */
    public Binding lookup4(int a, long now) {
        Binding b = byIndex.get(a & (size - 1));
        if (b == null || b.lastUse + ACTIVE_SECONDS < now) {
            return null;
        }
        b.touch(now);
        return b;
    }

    /** The binding of pool address {@code a}, active or dormant, or null; for inspection (does not touch it). */
    public Binding binding4(int a) {
        return prefix.contains(a) ? byIndex.get(a & (size - 1)) : null;
    }

    /** Whether a binding is active at {@code now} (used within {@link #ACTIVE_SECONDS}), else dormant. */
    public static boolean isActive(Binding b, long now) {
        return b.lastUse + ACTIVE_SECONDS >= now;
    }

    /** Hot path, IPv6 side: the binding of an IPv6 host (active or dormant), or null. Does not touch it. */
    public Binding lookup6(long hi, long lo) {
        int slot = hash(hi, lo) & tableMask;
        for (int n = 0; n <= tableMask; n++, slot = (slot + 1) & tableMask) {
            Object o = table.get(slot);
            if (o == null) {
                return null;
            }
            if (o != TOMBSTONE) {
                Binding b = (Binding) o;
                if (b.hi == hi && b.lo == lo && byIndex.get(b.index) == b) {
                    return b;
                }
            }
        }
        return null;
    }

    /** Whether an IPv6 host may use the pool (the allow-list; empty allows any). */
    public boolean allowed(long hi, long lo) {
        if (allow.length == 0) {
            return true;
        }
        for (Ipv6Prefix p : allow) {
            if (p.contains(hi, lo)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The IPv6 source's binding, creating one if needed: reactivates a dormant one, else claims a free
     * address (starting from {@link #poolSlot}, TAYGA's fold of the IPv6 address, so a host tends to get the same
     * address, also after a restart that lost its binding), else
     * takes over the least recently used dormant binding. Returns null when the pool is exhausted. The
     * caller checks {@link #allowed} first. Allocation happens only here, on a host's first packet.
     */
    public Binding assign(long hi, long lo, long now) {
        Binding b = lookup6(hi, lo);
        if (b != null) {
            b.touch(now);
            return b;
        }
        if (free.get() > 0) {
            int start = poolSlot(hi, lo, 32 - prefix.length());
            for (int n = 0; n < size; n++) {
                int i = (start + n) & (size - 1);
                if (excluded[i] || byIndex.get(i) != null || staticMap.lookup4(prefix.address() | i) >= 0) {
                    continue;
                }
                Binding nb = new Binding(hi, lo, i, prefix.address() | i, now);
                if (!byIndex.compareAndSet(i, null, nb)) {
                    continue;
                }
                free.decrementAndGet();
                Binding winner = insert(nb);
                if (winner != nb) { // another worker bound the same host meanwhile
                    byIndex.set(i, null);
                    free.incrementAndGet();
                    winner.touch(now);
                    return winner;
                }
                dirty.set(true);
                allocations.incrementAndGet();
                return nb;
            }
        }
        Binding[] queue = dormant;
        for (int k = dormantCursor.getAndIncrement(); k < queue.length; k = dormantCursor.getAndIncrement()) {
            Binding old = queue[k];
            if (old.lastUse + ACTIVE_SECONDS >= now) {
                continue; // became active again since the queue was built
            }
            Binding nb = new Binding(hi, lo, old.index, old.address, now);
            if (!byIndex.compareAndSet(old.index, old, nb)) {
                continue;
            }
            removeFromTable(old);
            Binding winner = insert(nb);
            if (winner != nb) {
                byIndex.set(old.index, old); // give the address back to its former host
                insert(old);
                winner.touch(now);
                return winner;
            }
            dirty.set(true);
            allocations.incrementAndGet();
            return nb;
        }
        refusals.incrementAndGet();
        return null;
    }

    private final AtomicLong refusals = new AtomicLong();

    /** New hosts refused because no address was free or dormant, since start. */
    public long refusals() {
        return refusals.get();
    }

    /** Addresses bound to a new host since start (a reactivated dormant binding is not new). */
    public long allocations() {
        return allocations.get();
    }

    /** Active and dormant bindings now: {@code [active, dormant]} (a scan, for metrics and inspection). */
    public long[] countByState(long now) {
        long active = 0;
        long dormantCount = 0;
        for (int i = 0; i < size; i++) {
            Binding b = byIndex.get(i);
            if (b != null) {
                if (b.lastUse + ACTIVE_SECONDS >= now) {
                    active++;
                } else {
                    dormantCount++;
                }
            }
        }
        return new long[] {active, dormantCount};
    }

    /** Inserts into the hash table, reusing tombstones; returns {@code b}, or a live binding of the same host. */
    private Binding insert(Binding b) {
        retry:
        while (true) {
            int slot = hash(b.hi, b.lo) & tableMask;
            int firstTombstone = -1;
            for (int n = 0; n <= tableMask; n++, slot = (slot + 1) & tableMask) {
                Object o = table.get(slot);
                if (o == null) {
                    int target = firstTombstone >= 0 ? firstTombstone : slot;
                    if (table.compareAndSet(target, firstTombstone >= 0 ? TOMBSTONE : null, b)) {
                        return b;
                    }
                    continue retry;
                }
                if (o == TOMBSTONE) {
                    if (firstTombstone < 0) {
                        firstTombstone = slot;
                    }
                    continue;
                }
                Binding e = (Binding) o;
                if (e.hi == b.hi && e.lo == b.lo && e != b && byIndex.get(e.index) == e) {
                    return e;
                }
            }
            if (firstTombstone >= 0 && table.compareAndSet(firstTombstone, TOMBSTONE, b)) {
                return b;
            }
            throw new IllegalStateException("dynamic pool hash table full");
        }
    }

    private void removeFromTable(Binding b) {
        int slot = hash(b.hi, b.lo) & tableMask;
        for (int n = 0; n <= tableMask; n++, slot = (slot + 1) & tableMask) {
            Object o = table.get(slot);
            if (o == null) {
                return;
            }
            if (o == b) {
                table.compareAndSet(slot, b, TOMBSTONE);
                return;
            }
        }
    }

    /**
     * The offset in the pool where the search for a new host's address starts: the same arithmetic as
     * the maintained TAYGA's {@code assign_dynamic} on a little-endian machine (x86, arm64), so a host
     * gets the address TAYGA would give it, again after its binding was lost, and an operator can
     * predict it. The IPv6 address is read as four 32-bit words, each word's four bytes in
     * little-endian order (the bytes on the wire {@code a b c d} make {@code d<<24 | c<<16 | b<<8 | a});
     * the words are added with 32-bit wrap-around into a running sum that is folded to the pool's
     * {@code hostBits} after every word by adding the part above the low bits back in (an end-around
     * carry, so the sum is taken modulo {@code 2^hostBits - 1}). For a /24 pool this is the sum of the
     * sixteen address bytes modulo 255 ({@code 2001:db8::1} starts at offset 231). When the slot is taken,
     * reserved or statically mapped, the search moves up one address at a time, wrapping at the pool's end.
     */
    static int poolSlot(long hi, long lo, int hostBits) {
        long base = foldWord(0, (int) (hi >>> 32), hostBits);
        base = foldWord(base, (int) hi, hostBits);
        base = foldWord(base, (int) (lo >>> 32), hostBits);
        return (int) foldWord(base, (int) lo, hostBits);
    }

    /** One step of {@link #poolSlot}: adds a wire-order word read little-endian (32-bit wrap), then folds. */
    private static long foldWord(long base, int wireWord, int hostBits) {
        long max = (1L << hostBits) - 1;
        long sum = (base + (Integer.reverseBytes(wireWord) & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL;
        while ((sum & ~max) != 0) {
            sum = (sum & max) + (sum >>> hostBits);
        }
        return sum;
    }

    private static int hash(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(lo * 0xC2B2AE3D27D4EB4FL, 31);
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    /**
     * Housekeeping, from one maintenance thread: forgets bindings dormant for longer than
     * {@link #MAX_DORMANT_SECONDS} and rebuilds the queue of dormant bindings, oldest first.
     */
    public void maintain(long now) {
        List<Binding> sleeping = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Binding b = byIndex.get(i);
            if (b == null) {
                continue;
            }
            long idle = now - b.lastUse;
            if (idle > ACTIVE_SECONDS + MAX_DORMANT_SECONDS) {
                if (byIndex.compareAndSet(i, b, null)) {
                    removeFromTable(b);
                    free.incrementAndGet();
                    dirty.set(true);
                }
            } else if (idle > ACTIVE_SECONDS) {
                sleeping.add(b);
            }
        }
        Binding[] q = sleeping.toArray(new Binding[0]);
        Arrays.sort(q, Comparator.comparingLong(b -> b.lastUse));
        dormant = q;
        dormantCursor.set(0);
    }

    /**
     * Addresses the given static map covers are no longer handed out, and bindings that conflict with it (their
     * address, or their host, is statically mapped now) are dropped: the host gets another address on its next
     * packet, as TAYGA drops such bindings when it loads dynamic.map. Called when a new snapshot is installed, before
     * it is published (at start and on reload: {@code XlatState.install}); returns the number of bindings dropped.
     */
    public int useStaticMap(StaticMap map) {
        this.staticMap = map;
        if (map.size() == 0) {
            return 0;
        }
        int dropped = 0;
        for (int i = 0; i < size; i++) {
            Binding b = byIndex.get(i);
            if (b != null && (map.lookup4(b.address) >= 0 || map.lookup6(b.hi, b.lo) >= 0)
                    && byIndex.compareAndSet(i, b, null)) {
                removeFromTable(b);
                free.incrementAndGet();
                dirty.set(true);
                dropped++;
            }
        }
        return dropped;
    }

    /** Seconds since the epoch from the system clock. */
    public static long systemSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    /** Restores a binding read from the state file (startup only, before any worker runs). */
    public boolean restore(int address, long hi, long lo, long lastUse) {
        if (!prefix.contains(address)) {
            return false;
        }
        int i = address & (size - 1);
        if (excluded[i] || byIndex.get(i) != null || lookup6(hi, lo) != null
                || staticMap.lookup4(address) >= 0 || staticMap.lookup6(hi, lo) >= 0) {
            return false;
        }
        Binding b = new Binding(hi, lo, i, address, lastUse);
        byIndex.set(i, b);
        insert(b);
        free.decrementAndGet();
        return true;
    }

    /** All bindings (a copy), for persistence and inspection. */
    public List<Binding> bindings() {
        List<Binding> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Binding b = byIndex.get(i);
            if (b != null) {
                all.add(b);
            }
        }
        return all;
    }

    /** True once since the last call if a binding was created, taken over or forgotten. */
    public boolean takeDirty() {
        return dirty.getAndSet(false);
    }

    /** Addresses the pool can hand out (excluding the reserved, own and statically mapped ones). */
    public int capacity() {
        int n = 0;
        for (boolean x : excluded) {
            if (!x) {
                n++;
            }
        }
        return n;
    }

    public int freeAddresses() {
        return free.get();
    }

    /** Addresses a new host could get now: the free ones and the dormant bindings not yet taken over (no scan). */
    public int available() {
        return free.get() + Math.max(0, dormant.length - dormantCursor.get());
    }
}
