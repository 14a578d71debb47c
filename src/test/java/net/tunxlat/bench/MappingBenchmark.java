// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.StaticMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lookups with 1,000,000 mappings (issue 4, "Scale"): the dynamic pool with 1,000,000 bindings in a /12, and
 * a static map of 1,000,000 /32 ↔ /128 entries; and the same with 1,000 mappings, to show that the cost does
 * not grow with the number of mappings beyond the cache misses of a larger table. Each call looks up a
 * different, randomly chosen mapping, so the 1,000,000 figures include the cache and TLB misses of tables far
 * larger than the CPU caches (the realistic case).
 *
 * <pre>
 *   mvn -B test-compile exec:exec@jmh                                   # this class, default settings
 *   mvn -B test-compile exec:exec@jmh -Djmh.args="MappingBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s"
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class MappingBenchmark {
    @Param({"1000", "1000000"})
    int mappings;

    static final long NOW = 1_700_000_000L;
    /** Probe order: random indices into the N mappings (a power of two long, so the cursor wraps with a mask). */
    static final int PROBES = 1 << 20;

    DynamicPool pool;
    long[] hostHi;
    long[] hostLo;
    int[] hostV4;
    StaticMap map;
    int[] static4;
    long[] static6Hi;
    long[] static6Lo;
    int[] order;
    int cursor;

    @Setup
    public void setUp() {
        int n = mappings;
        SplittableRandom random = new SplittableRandom(42);
        pool = new DynamicPool(new Ipv4Prefix(0x0a000000, 12), a -> false, List.of(), () -> NOW);
        hostHi = new long[n];
        hostLo = new long[n];
        hostV4 = new int[n];
        for (int i = 0; i < n; i++) {
            hostHi[i] = 0x20010db800060000L | (i >>> 16);
            hostLo[i] = random.nextLong();
            DynamicPool.Binding b = pool.assign(hostHi[i], hostLo[i], NOW);
            if (b == null) {
                throw new IllegalStateException("pool full at " + i);
            }
            hostV4[i] = b.address();
        }
        List<Ipv4Prefix> v4 = new ArrayList<>(n);
        List<Ipv6Prefix> v6 = new ArrayList<>(n);
        static4 = new int[n];
        static6Hi = new long[n];
        static6Lo = new long[n];
        for (int i = 0; i < n; i++) {
            static4[i] = 0x64400000 + i; // 100.64.0.0 + i
            static6Hi[i] = 0x20010db800070000L;
            static6Lo[i] = 0x1000000L + i * 7919L;
            v4.add(new Ipv4Prefix(static4[i], 32));
            v6.add(new Ipv6Prefix(static6Hi[i], static6Lo[i], 128));
        }
        map = new StaticMap(v4, v6);
        order = new int[PROBES];
        for (int i = 0; i < PROBES; i++) {
            order[i] = random.nextInt(n);
        }
    }

    private int next() {
        return order[cursor++ & (PROBES - 1)];
    }

    /** IPv6 → IPv4, the first lookup of every translated IPv6 packet from a pool host. */
    @Benchmark
    public DynamicPool.Binding poolLookup6() {
        int i = next();
        return pool.lookup6(hostHi[i], hostLo[i]);
    }

    /** IPv4 → IPv6 for a pool address (an array index). */
    @Benchmark
    public DynamicPool.Binding poolLookup4() {
        return pool.lookup4(hostV4[next()], NOW);
    }

    /** A bound host's packet going through assign (what the source of every IPv6 packet costs). */
    @Benchmark
    public DynamicPool.Binding poolAssignExisting() {
        int i = next();
        return pool.assign(hostHi[i], hostLo[i], NOW);
    }

    /** An IPv6 address with no binding (the miss path of every packet from an unbound host). */
    @Benchmark
    public DynamicPool.Binding poolLookup6Miss() {
        int i = next();
        return pool.lookup6(hostHi[i] ^ 0xff, hostLo[i]);
    }

    @Benchmark
    public int staticLookup4() {
        return map.lookup4(static4[next()]);
    }

    @Benchmark
    public int staticLookup6() {
        int i = next();
        return map.lookup6(static6Hi[i], static6Lo[i]);
    }
}
