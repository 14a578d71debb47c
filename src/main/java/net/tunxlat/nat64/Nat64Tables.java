// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.function.LongSupplier;
import net.tunxlat.mapping.Ipv6Prefix;
import java.util.Arrays;

/**
 * The stateful NAT64 state (RFC 6146 §3): the subscribers, the three protocol tables ({@link Nat64Table}), the
 * port blocks, the epochs of the workers that read them, and the sweeper that ends what expired. State, not
 * configuration: built once from {@link Nat64Settings}, shared by all workers, surviving reloads.
 *
 * <p>Workers: {@link Epochs#register} once, then per batch {@code epochs().enter(r)}, any number of
 * {@link Nat64Table#outbound} / {@link Nat64Table#inbound}, {@code epochs().exit(r)}. One thread (the
 * {@link Nat64Sweeper}) calls {@link #sweep}.
 */
public final class Nat64Tables {
    private final Nat64Settings settings;
    private final Subscribers subs;
    private final Nat64Table[] tables = new Nat64Table[Nat64Protocol.COUNT];
    private final Epochs epochs;
    private final Deterministic deterministic;
    private final Nat64Listener listener;
    private final LongSupplier wallSeconds;
    /** Sweeper-private: the owner of each block at the last sweep, per protocol (for the block events). */
    private final int[][] seenOwner = new int[Nat64Protocol.COUNT][];
    /**
     * Sweeper-private, sharded only ({@link Nat64Settings#shard}): per protocol and deterministic block, the live
     * BIB entries counted by this pass, and whether the last pass found the block in use (for
     * {@link Nat64Listener#onShardBlock}); null otherwise.
     */
    private final int[][] shardInUse;
    private final boolean[][] shardWasInUse;
    /** Sweeper-private: what the pass counts for the metrics. */
    private final Nat64Tally tally;
    /** The counts of the last pass, for the metrics (read by any thread; see {@link Nat64Counts} for how long). */
    private volatile Nat64Counts counts;

    /**
     * @param maxWorkers how many worker threads may {@link Epochs#register}
     * @param wallSeconds UTC seconds now (the block events' clock); the tables themselves take the caller's
     *     monotonic seconds as {@code now}
     */
    public Nat64Tables(Nat64Settings settings, int maxWorkers, Nat64Listener listener, LongSupplier wallSeconds) {
        this.settings = settings;
        this.listener = listener;
        this.wallSeconds = wallSeconds;
        SecureRandom random = new SecureRandom();
        this.deterministic = settings.deterministic();
        boolean blocks = settings.pool4().blockSize() > 0 && deterministic == null;
        this.subs = new Subscribers(settings.maxSubscribers(), settings.subscriberLength(),
                settings.sessionsPerSubscriber(), blocks ? settings.blocksPerSubscriber() : 0, random.nextLong(),
                random.nextLong());
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            tables[p] = new Nat64Table(p, settings, subs, deterministic, random.nextLong(), random.nextLong());
            seenOwner[p] = new int[settings.pool4().blocks(p)];
            Arrays.fill(seenOwner[p], -1);
        }
        this.shardInUse = settings.shard() == null ? null : new int[Nat64Protocol.COUNT][];
        this.shardWasInUse = settings.shard() == null ? null : new boolean[Nat64Protocol.COUNT][];
        for (int p = 0; shardInUse != null && p < Nat64Protocol.COUNT; p++) {
            shardInUse[p] = new int[settings.pool4().blocks(p)];
            shardWasInUse[p] = new boolean[settings.pool4().blocks(p)];
        }
        this.epochs = new Epochs(maxWorkers + 1);
        int[] capacity = new int[Nat64Protocol.COUNT];
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            capacity[p] = tables[p].sessions.capacity();
        }
        this.tally = new Nat64Tally(settings, capacity);
        this.counts = tally.publish(subs, tables, blocks, 0, false);
    }

    /**
     * What the last {@link #sweep} counted: sessions, BIB entries, blocks, subscribers and the counters the
     * sweeper keeps. Cheap (a volatile read): for the metrics, which must not scan the tables per scrape.
     */
    public Nat64Counts counts() {
        return counts;
    }

    /**
     * {@code wake} runs on the worker whose new TCP flow found no port, at most once per sweeper pass and table:
     * the daemon's {@link Nat64Sweeper#wake}, so that closed sessions give their ports back at once instead of
     * at the next regular pass.
     */
    public void onPortPressure(Runnable wake) {
        for (Nat64Table t : tables) {
            t.pressureWake = wake;
        }
    }

    public Nat64Table table(int protocol) {
        return tables[protocol];
    }

    public Epochs epochs() {
        return epochs;
    }

    public Nat64Settings settings() {
        return settings;
    }

    /** The subscribers (for the state file, {@link Nat64StateFile}, and read only for {@link Nat64Listing}). */
    Subscribers subscriberTable() {
        return subs;
    }

    /**
     * Block {@code b} of {@code protocol} restored from the state file or the block journal, owner {@code owner}: its
     * allocation was logged by the process that made it, so the sweeper must not report it again.
     */
    void restoredBlock(int protocol, int b, int owner) {
        seenOwner[protocol][b] = owner;
    }

    /** The deterministic rule (RFC 7422), or null outside that mode. */
    public Deterministic deterministic() {
        return deterministic;
    }

    /**
     * One pass of the sweeper over every table, at {@code now} (the workers' clock, seconds). RFC 6146 §3.5.2.2
     * and §4: sessions past their lifetime end (an ESTABLISHED TCP session moves to TRANS first); BIB entries
     * without a session end (RFC 6146 §3.5.1: "the BIB entry is deleted when no session uses it"; static ones
     * never); empty blocks go back to the pool; subscribers with nothing left end; held SYNs time out. Each end
     * is a CAS on the entry's state word, so a packet that refreshes an entry at the same moment either wins
     * (and the entry lives) or finds it ending and creates a new one. Unlinked entries are reused at a later pass
     * at the earliest, once every worker has left the epoch in which they were unlinked.
     */
    public void sweep(long now) {
        long started = System.nanoTime();
        long safe = epochs.safe();
        long epoch = epochs.current();
        for (Nat64Table t : tables) {
            sweepSessions(t, now, epoch, safe);
            sweepBib(t, epoch, safe);
            sweepBlocks(t, now);
            t.hold.expire(now, listener);
        }
        subs.sweep(epoch, safe, 0, subs.word.length);
        epochs.advance();
        counts = tally.publish(subs, tables, tables[0].ports.blockMode(), (System.nanoTime() - started) / 1e9, true);
    }

    /** Seconds a closed TCP session is kept at least, even under port pressure (the last ACK in flight). */
    static final int CLOSED_MIN_SECONDS = 2;

    /**
     * Sessions past their lifetime end. Under port pressure, TCP sessions that both sides closed (V6 FIN + V4 FIN
     * RCV) at least {@link #CLOSED_MIN_SECONDS} ago end too, before their TCP_TRANS (4 minutes, RFC 6146 §3.5.2.2
     * and §4) runs out, so that their bindings and ports serve new connections: a deviation from the 4-minute
     * hold, taken only once ports ran out, as Linux's NAT takes over the ports of connections in TIME_WAIT
     * ({@code nf_nat_used_tuple_harder}). Without it one pool4 address serves at most 64,512 new TCP connections
     * per 4 minutes. Pressure starts when a new TCP flow found no port ({@link Nat64Table#portPressure}, which
     * also wakes the sweeper: {@link #onPortPressure}) and lasts one TCP_TRANS from the last such flow, so that
     * a steady stream of short connections finds ports at every pass instead of running out again.
     */
    private void sweepSessions(Nat64Table t, long now, long epoch, long safe) {
        Sessions s = t.sessions;
        boolean tcp = t.protocol == Nat64Protocol.TCP;
        long clock = now & Sessions.EXPIRY_MASK;
        if (tcp && t.portPressure) {
            t.portPressure = false;
            t.reapUntil = now + t.settingsTransitory();
        }
        boolean pressure = tcp && now < t.reapUntil;
        long closedBefore = (now + t.settingsTransitory() - CLOSED_MIN_SECONDS) & Sessions.EXPIRY_MASK;
        for (int i = 0, end = s.slab.highWater(); i < end; i++) {
            long w = s.word(i);
            long st = Sessions.state(w);
            if (st == Sessions.LIVE && (Sessions.expiry(w) < clock || pressure
                    && Sessions.tcpState(w) == TcpStates.V6_FIN_V4_FIN_RCV && Sessions.expiry(w) <= closedBefore)) {
                int next = tcp ? TcpStates.expire(Sessions.tcpState(w)) : TcpStates.result(TcpStates.CLOSED, 0);
                if (TcpStates.state(next) == TcpStates.TRANS) {
                    s.cas(i, w, Sessions.live(Sessions.z(w), TcpStates.TRANS, now + t.settingsTransitory()));
                    w = s.word(i); // TRANS now, or refreshed by a packet meanwhile
                } else if (s.cas(i, w, Sessions.DEAD << Sessions.STATE_SHIFT)) {
                    int b = s.bib(i);
                    s.unlink(s.bucketOf(b, s.z4(i)), i);
                    s.set(i, Sessions.UNLINKED << Sessions.STATE_SHIFT | (epoch & Sessions.EXPIRY_MASK));
                    int sub = t.bib.subscriber(b);
                    if (sub >= 0) {
                        subs.releaseSession(sub);
                    }
                    t.bib.release(b);
                    tally.ended(t.protocol, i);
                    continue;
                } else {
                    w = s.word(i); // refreshed by a packet meanwhile
                }
            } else if (st == Sessions.UNLINKED && Stamps.before(w & Sessions.EXPIRY_MASK, safe, Sessions.EXPIRY_MASK)) {
                s.set(i, Sessions.FREE);
                s.slab.push(i);
            }
            tally.session(t.protocol, i, w);
        }
    }

    private void sweepBib(Nat64Table t, long epoch, long safe) {
        Bib bib = t.bib;
        for (int e = 0, end = bib.slab.highWater(); e < end; e++) {
            int w = bib.word(e);
            int st = Bib.state(w);
            if (st == Bib.LIVE && (Bib.count(w) != 0 || !bib.casWord(e, w, Bib.DEAD << Bib.STATE_SHIFT))) {
                tally.bib(t.protocol, bib.subscriber(e) < 0, bib.t4(e));
                if (shardInUse != null && bib.block[e] >= 0) {
                    shardInUse[t.protocol][bib.block[e]]++;
                }
                continue;
            }
            if (st == Bib.LIVE) {
                st = Bib.DEAD;
            }
            if (st == Bib.DEAD) {
                bib.by6.unlink(bib.by6.bucketOf(e), e);
                bib.by4.unlink(bib.by4.bucketOf(e), e);
                bib.setWord(e, Bib.UNLINKED << Bib.STATE_SHIFT | (int) (epoch & Bib.COUNT_MASK));
                if (bib.block[e] >= 0 && t.ports.blockMode()) {
                    t.ports.freed(bib.block[e]);
                }
                if (bib.subscriber(e) >= 0) {
                    subs.releaseBib(bib.subscriber(e));
                }
            } else if (st == Bib.UNLINKED && Stamps.before(w & Bib.COUNT_MASK, safe, Bib.COUNT_MASK)) {
                bib.setWord(e, Bib.FREE);
                bib.slab.push(e);
            }
        }
    }

    /** Block events: an owner seen for the first time is an allocation; an empty block is released. */
    private void sweepBlocks(Nat64Table t, long now) {
        PortAllocator ports = t.ports;
        if (shardInUse != null) {
            sweepShardBlocks(t.protocol);
        }
        if (!ports.blockMode()) {
            return;
        }
        int[] seen = seenOwner[t.protocol];
        for (int b = 0; b < seen.length; b++) {
            int owner = ports.ownerOf(b);
            boolean allocated = owner != seen[b] && owner >= 0;
            if (allocated) {
                long at = (int) ChainIndex.INT.getVolatile(ports.since, b);
                emit(true, t.protocol, owner, b, wallSeconds.getAsLong() - ((int) now - (int) at));
                seen[b] = owner;
            }
            int released = ports.releaseIfEmpty(b);
            if (released >= 0) {
                subs.unlistBlock(released, t.protocol, b);
                emit(false, t.protocol, released, b, wallSeconds.getAsLong());
                seen[b] = -1;
            }
            tally.block(t.protocol, allocated, released >= 0, released < 0 && owner >= 0);
        }
    }

    /**
     * Sharded: a deterministic block (RFC 7422) that holds a live BIB entry and held none at the last pass is in
     * use from now on, one that held some and holds none now is free again; each change is one
     * {@link Nat64Listener#onShardBlock} event, so the logs say which instance serves which subscriber on which
     * block (after a failover: the failed instance's subscribers on the standby range). Only from the sweeper.
     */
    private void sweepShardBlocks(int protocol) {
        int[] count = shardInUse[protocol];
        boolean[] was = shardWasInUse[protocol];
        Pool4 pool = settings.pool4();
        for (int b = 0; b < count.length; b++) {
            boolean used = count[b] > 0;
            count[b] = 0;
            if (used != was[b]) {
                was[b] = used;
                int first = pool.blockFirstPort(protocol, b);
                listener.onShardBlock(settings.shard().parts().get(deterministic.partOf(protocol, b)).label(),
                        new BlockEvent(Instant.ofEpochSecond(wallSeconds.getAsLong()), used, protocol,
                                deterministic.subscriberOfBlock(protocol, b), pool.blockAddress(protocol, b), first,
                                first + pool.blockSize() - 1));
            }
        }
    }

    private void emit(boolean allocated, int protocol, int subscriber, int b, long utc) {
        Pool4 pool = settings.pool4();
        int first = pool.blockFirstPort(protocol, b);
        listener.onBlock(new BlockEvent(Instant.ofEpochSecond(utc), allocated, protocol,
                new Ipv6Prefix(subs.hi[subscriber], subs.lo[subscriber], subs.prefixLength),
                pool.blockAddress(protocol, b), first, first + pool.blockSize() - 1));
    }

    /** Live sessions of {@code protocol} (a scan; for tests, listings and metrics, not per packet). */
    public int sessions(int protocol) {
        Sessions s = tables[protocol].sessions;
        int n = 0;
        for (int i = 0; i < s.capacity(); i++) {
            if (Sessions.state(s.word(i)) == Sessions.LIVE) {
                n++;
            }
        }
        return n;
    }

    /** Live BIB entries of {@code protocol} (a scan). */
    public int bibEntries(int protocol) {
        Bib b = tables[protocol].bib;
        int n = 0;
        for (int e = 0; e < b.capacity(); e++) {
            if (Bib.state(b.word(e)) == Bib.LIVE) {
                n++;
            }
        }
        return n;
    }

    /** Blocks of {@code protocol} owned by a subscriber (a scan). */
    public int blocksInUse(int protocol) {
        PortAllocator p = tables[protocol].ports;
        int n = 0;
        for (int b = 0; b < p.owner.length; b++) {
            if (p.ownerOf(b) >= 0) {
                n++;
            }
        }
        return n;
    }

    /** Live subscribers (a scan). */
    public int subscribers() {
        return subs.live();
    }
}
