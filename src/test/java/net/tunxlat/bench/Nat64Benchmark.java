// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Table;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Timeouts;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The stateful NAT64 tables at 1,000,000 UDP sessions (issue 16): a lookup of an existing flow in each direction
 * (the per-packet cost: BIB entry, session, refresh check), the creation of new flows (subscriber, port by RFC
 * 6056 algorithm 3 in the subscriber's block, BIB entry, session) with the sweeper ending them again
 * ({@link #createFlow}) and without it ({@link #createFlowBatch}: what a worker pays for a new flow), and one
 * sweeper pass over the full tables. Random flows, so the figures include the cache misses of tables far larger
 * than the CPU caches.
 *
 * <pre>  mvn -B test-compile exec:exec@jmh -Djmh.args="Nat64Benchmark -f 1 -wi 2 -i 3"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class Nat64Benchmark {
    static final int PROBES = 1 << 20;
    /** The million base flows never expire during the run; churn flows live two batches. */
    static final long BASE_NOW = 1_000_000;
    static final int BATCH = 1 << 16;
    static final int LIFETIME = 300;

    Nat64Tables tables;
    Nat64Table udp;
    long[] bound;
    int[] order;
    int cursor;
    int reader;
    final Nat64Lookup r = new Nat64Lookup();
    int churn;
    long clock;
    /** Set by {@link #createFlowBatch}: its fork ends the batch before each iteration, outside the measurement. */
    boolean sweepBetweenIterations;

    @Setup
    public void setUp() {
        tables = Nat64Tables1M.tables(Nat64Protocol.UDP, Nat64Tables1M.SESSIONS + 4 * BATCH, Timeouts.RFC6146);
        udp = tables.table(Nat64Protocol.UDP);
        bound = Nat64Tables1M.fill(tables, Nat64Protocol.UDP, BASE_NOW);
        SplittableRandom random = new SplittableRandom(42);
        order = new int[PROBES];
        for (int i = 0; i < PROBES; i++) {
            order[i] = random.nextInt(Nat64Tables1M.SESSIONS);
        }
        reader = tables.epochs().register();
        clock = 1;
    }

    /** A worker enters the tables once per batch of packets; here once per iteration (sweeps run in between). */
    @Setup(Level.Iteration)
    public void enter() {
        if (sweepBetweenIterations) {
            clock++;
            tables.sweep(clock - 1 + LIFETIME); // ends the batch before the last one
            tables.sweep(clock - 1 + LIFETIME); // no worker inside: frees what the first pass unlinked
        }
        tables.epochs().enter(reader);
    }

    @TearDown(Level.Iteration)
    public void exit() {
        tables.epochs().exit(reader);
    }

    private int next() {
        return order[cursor++ & (PROBES - 1)];
    }

    /** IPv6 → IPv4 packet of an existing flow: BIB entry by (X', x), session by (Z, z), lifetime checked. */
    @Benchmark
    public int outboundExisting() {
        int f = next();
        udp.outbound(r, Nat64Tables1M.hostHi(f / Nat64Tables1M.PER_SUBSCRIBER), Nat64Tables1M.hostLo(f),
                Nat64Tables1M.hostPort(f), Nat64Tables1M.REMOTE, 443, 0, BASE_NOW);
        return r.port();
    }

    /** IPv4 → IPv6 packet of an existing flow: BIB entry by (T, t), session by (Z, z). */
    @Benchmark
    public long inboundExisting() {
        long b = bound[next()];
        udp.inbound(r, (int) (b >>> 16), (int) b & 0xffff, Nat64Tables1M.REMOTE, 443, 0, BASE_NOW);
        return r.hostLo();
    }

    /**
     * A new flow (1,024 subscribers taking turns, each with its blocks): subscriber found, port chosen and
     * claimed, BIB entry and session created. Every 65,536 flows the sweeper ends those of the batch before
     * (a full pass over the tables, included here, amortised: see {@link #sweepPass} for its cost alone).
     */
    @Benchmark
    public int createFlow() {
        newFlow();
        if ((churn & (BATCH - 1)) == 0) {
            tables.epochs().exit(reader);
            clock++;
            tables.sweep(clock - 1 + LIFETIME); // ends the batch before this one, frees what was unlinked
            tables.epochs().enter(reader);
        }
        return r.port();
    }

    /**
     * The same new flows as {@link #createFlow}, 65,536 per iteration, with the sweeper's pass that ends them run
     * between iterations and not measured: the cost of a new flow to the worker that creates it, beside the
     * 1,000,000 sessions.
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OperationsPerInvocation(BATCH)
    @Warmup(iterations = 10, batchSize = 1)
    @Measurement(iterations = 10, batchSize = 1)
    public int createFlowBatch() {
        sweepBetweenIterations = true;
        int ports = 0;
        for (int k = 0; k < BATCH; k++) {
            ports += newFlow();
        }
        return ports;
    }

    /** Creates the next churn flow (1,024 subscribers taking turns, 128 flows each); returns its port. */
    private int newFlow() {
        int i = churn++;
        int rc = udp.outbound(r, 0x20010db8ff000000L | ((i >>> 7) & 1023), i & 0xfffff, 1024 + (i & 0x7fff),
                Nat64Tables1M.REMOTE, 53, 0, clock);
        if (rc != Nat64Outcome.OK) {
            throw new IllegalStateException(Nat64Outcome.name(rc) + " at flow " + i);
        }
        return r.port();
    }

    /** One sweeper pass over 1,000,000 sessions and BIB entries when nothing expires. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, batchSize = 1)
    @Measurement(iterations = 5, batchSize = 1)
    public void sweepPass() {
        tables.sweep(BASE_NOW);
    }
}
