// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import java.util.function.LongSupplier;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.BindingRateLimiter;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.nat64.Nat64Listener;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nptv6.Nptv6Learned;
import net.tunxlat.nptv6.Nptv6Table;

/**
 * What the translator learns while it runs, apart from what it is configured to do ({@link XlatSnapshot}):
 * the dynamic pool's bindings and their rate limiter, the NPTv6 learned owners of shared outside prefixes,
 * and each worker's ICMP error rate limiter and IPv4 Identification source. The daemon makes one state at
 * start and hands it to every snapshot it builds; a reload swaps the snapshot and keeps the state.
 *
 * <p>Building a snapshot reads the state and changes nothing. What a new configuration does to the state
 * happens in {@link #install}, which the daemon calls before it publishes the snapshot (at start and on
 * each reload): the pool stops handing out addresses the new static map covers and drops the bindings it
 * conflicts with, and learned NPTv6 owners of prefix pairs that are gone are forgotten. Until then, the
 * workers still translate with the old snapshot, and the state follows the old configuration.
 *
 * <p>What is configuration in the state's tables comes from the snapshot at each use, so it changes live:
 * {@code dynamic-pool-rate} (the limiter keeps its counts, the snapshot says the rate) and
 * {@code nptv6-learn-timeout} (the table keeps its entries, the snapshot says how long they live). The
 * sizes of the tables ({@code dynamic-pool}, {@code dynamic-pool-allow}, {@code nptv6-learn-max}) are
 * fixed at start: changing them needs a restart.
 */
public final class XlatState {
    /** The dynamic pool, or null without {@code dynamic-pool}. */
    private final DynamicPool pool;
    /** The pool's per-/64 binding limiter (null without a pool); its rate is the snapshot's. */
    private final BindingRateLimiter poolRate;
    /** Outside address → inside prefix that owns it, for {@code nptv6} lines sharing an outside prefix. */
    private final Nptv6Learned nptv6Owners;
    /** Seconds since the epoch: the pool's and the NPTv6 owners' clock. */
    private final LongSupplier clockSeconds;
    /** Stateful NAT64's tables (RFC 6146: BIB, sessions, port blocks), or null without {@code pool4}. */
    private final Nat64Tables nat64;
    /** The packets of the SYNs those tables hold for a simultaneous open (null without them, or when not built here). */
    private HeldSyns heldSyns;

    /**
     * One worker's own state (one per translator, never shared between threads, so no atomics): its ICMP
     * error rate limiter (RFC 4443 §2.4(f), RFC 7915 §1.3) and its IPv4 Identification source (RFC 7915
     * §5.1).
     */
    public record PerWorker(IcmpRateLimiter icmpErrors, Ipv4Identification identification) {
        /** A fresh worker state on {@code nanoClock} ({@link System#nanoTime}, or a test clock), which seeds both. */
        public static PerWorker fresh(LongSupplier nanoClock) {
            return new PerWorker(new IcmpRateLimiter(nanoClock), new Ipv4Identification(nanoClock.getAsLong()));
        }
    }

    /**
     * @param pool           the dynamic pool, or null
     * @param nptv6LearnMax  {@code nptv6-learn-max}: how many learned NPTv6 owners the table holds
     * @param clockSeconds   seconds since the epoch
     */
    public XlatState(DynamicPool pool, int nptv6LearnMax, LongSupplier clockSeconds) {
        this(pool, nptv6LearnMax, clockSeconds, null);
    }

    /**
     * @param nat64 stateful NAT64's tables, or null
     */
    public XlatState(DynamicPool pool, int nptv6LearnMax, LongSupplier clockSeconds, Nat64Tables nat64) {
        this.pool = pool;
        this.poolRate = pool == null ? null : new BindingRateLimiter();
        this.nptv6Owners = new Nptv6Learned(nptv6LearnMax);
        this.clockSeconds = clockSeconds;
        this.nat64 = nat64;
    }

    /**
     * The state a configuration starts with: an empty dynamic pool if it has {@code dynamic-pool}, where the
     * translator's own IPv4 address (and, once a snapshot is {@linkplain #install installed}, statically
     * mapped IPv4 addresses) are never handed out, as TAYGA does; no learned NPTv6 owner.
     */
    public static XlatState forConfig(TunxlatConfig config, LongSupplier clockSeconds) {
        return forConfig(config, clockSeconds, Nat64Listener.NONE);
    }

    /**
     * As {@link #forConfig(TunxlatConfig, LongSupplier)}, with empty stateful NAT64 tables if the configuration
     * has {@code pool4}, whose block events and SYN timeouts go to {@code nat64Listener}. The tables admit as
     * many workers as the machine has processors or the configuration asks for, and two more (the offline
     * translator, the control socket's readers).
     */
    public static XlatState forConfig(TunxlatConfig config, LongSupplier clockSeconds, Nat64Listener nat64Listener) {
        HeldSyns held = config.nat64() == null ? null : new HeldSyns(config.nat64().maxSynHeld());
        Nat64Tables nat64 = config.nat64() == null ? null
                : new Nat64Tables(config.nat64(), Math.max(config.workers(), Runtime.getRuntime().availableProcessors())
                        + 2, held.listener(nat64Listener), clockSeconds);
        XlatState state = new XlatState(poolFor(config, clockSeconds), config.nptv6LearnMax(), clockSeconds, nat64);
        state.heldSyns = held;
        return state;
    }

    /** A fresh state for {@code config} on the system clock (tests, the offline translator). */
    public static XlatState forConfig(TunxlatConfig config) {
        return forConfig(config, DynamicPool::systemSeconds);
    }

    /** The dynamic pool {@code config} describes, or null without {@code dynamic-pool}. */
    private static DynamicPool poolFor(TunxlatConfig config, LongSupplier clockSeconds) {
        if (config.dynamicPool() == null) {
            return null;
        }
        int own = config.ipv4Addr();
        return new DynamicPool(config.dynamicPool(), a -> a == own, config.dynamicPoolAllow(), clockSeconds);
    }

    /**
     * Makes the state follow {@code next}'s configuration, before {@code next} is published: the dynamic pool
     * takes the new static map ({@link DynamicPool#useStaticMap}: its addresses are no longer handed out,
     * conflicting bindings are dropped) and NPTv6 owners whose prefix pair {@code next} no longer has are
     * forgotten (those of unchanged pairs stay). Called by the daemon only, one at a time (at start and on
     * each reload); idempotent. Returns {@code next}.
     *
     * <p>The pool keeps the static map it is given here rather than its callers passing the snapshot's on each
     * call: {@code PoolKeeper} restores {@code dynamic.map} against it at start, before any packet, and
     * {@link DynamicPool#assign} and the persistence code stay as they were. A worker still on the old
     * snapshot meanwhile sees the new exclusions, which only makes it skip addresses the new map takes.
     *
     * @return {@code next}
     */
    public XlatSnapshot install(XlatSnapshot next) {
        if (next.state != this) {
            throw new IllegalArgumentException("a snapshot of another state");
        }
        if (pool != null) {
            pool.useStaticMap(next.staticMap);
        }
        Nptv6Table t = next.nptv6;
        if (t == null) {
            nptv6Owners.clear();
        } else {
            nptv6Owners.retain(t::hasOwner);
        }
        return next;
    }

    /** The dynamic pool, or null. */
    public DynamicPool pool() {
        return pool;
    }

    BindingRateLimiter poolRate() {
        return poolRate;
    }

    /** Stateful NAT64's tables (shared by every worker, kept across reloads), or null without {@code pool4}. */
    public Nat64Tables nat64() {
        return nat64;
    }

    /** The held SYNs' packets (RFC 6146 §3.5.2.2), or null. */
    HeldSyns heldSyns() {
        return heldSyns;
    }

    /** The learned owners of shared NPTv6 outside addresses. */
    public Nptv6Learned nptv6Owners() {
        return nptv6Owners;
    }

    public LongSupplier clockSeconds() {
        return clockSeconds;
    }

    /**
     * A new worker's own state on its clock. The worker keeps it for its lifetime, which a reload does not end;
     * the state keeps no list of them (a worker's clock may hold the worker: an offline translator's does).
     */
    public PerWorker newWorker(LongSupplier nanoClock) {
        return PerWorker.fresh(nanoClock);
    }
}
