package net.tunxlat.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.tunxlat.config.Nptv6Entry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;
import net.tunxlat.mapping.StaticMap;
import net.tunxlat.nptv6.Nptv6Table;
import net.tunxlat.xlat.XlatSnapshot;
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
 * The address lookups of the hot path, nanoseconds per lookup: static maps (RFC 7757, longest prefix
 * match) by table size, RFC 6052 embedding and extraction by prefix length, the dynamic pool's bindings
 * and the NPTv6 prefix table. Each operation looks up the next of 1024 addresses that are in the table,
 * so caches and branch predictors see a realistic mix rather than one key.
 *
 * <pre>
 * mvn -q -B -o test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="-cp %classpath org.openjdk.jmh.Main MappingBenchmark"
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MappingBenchmark {
    static final int KEYS = 1024;

    /**
     * {@code maps} static map entries: mostly host maps (/32 ↔ /128), plus a /24 ↔ /120 and a /28 ↔ /124
     * per 100 entries, so a lookup probes three prefix lengths as in a mixed configuration.
     */
    @State(Scope.Thread)
    public static class StaticMaps {
        @Param({"1", "100", "10000"})
        int maps;

        StaticMap map;
        final int[] keys4 = new int[KEYS];
        final long[] keysHi6 = new long[KEYS];
        final long[] keysLo6 = new long[KEYS];
        int next;

        @Setup
        public void setUp() {
            List<Ipv4Prefix> v4 = new ArrayList<>();
            List<Ipv6Prefix> v6 = new ArrayList<>();
            long hi = 0x20010db800060000L;
            int base = 0x0a000000; // 10.0.0.0/8
            for (int i = 0; i < maps; i++) {
                if (i % 100 == 50) {
                    v4.add(new Ipv4Prefix(0x0b000000 | (i << 8), 24));
                    v6.add(new Ipv6Prefix(0x20010db800070000L, (long) i << 8, 120));
                } else if (i % 100 == 99) {
                    v4.add(new Ipv4Prefix(0x0c000000 | (i << 4), 28));
                    v6.add(new Ipv6Prefix(0x20010db800080000L, (long) i << 4, 124));
                } else {
                    v4.add(new Ipv4Prefix(base | i, 32));
                    v6.add(new Ipv6Prefix(hi, i, 128));
                }
            }
            map = new StaticMap(v4, v6);
            Random r = new Random(1);
            for (int k = 0; k < KEYS; k++) {
                int i = r.nextInt(maps);
                Ipv4Prefix p4 = v4.get(i);
                Ipv6Prefix p6 = v6.get(i);
                keys4[k] = p4.address() | (p4.length() < 32 ? r.nextInt(1 << (32 - p4.length())) : 0);
                keysHi6[k] = p6.hi();
                keysLo6[k] = p6.lo() | (p6.length() < 128 ? r.nextInt(1 << (128 - p6.length())) : 0);
            }
        }
    }

    /** RFC 6052 prefixes of length {@code length} (the /96 of most deployments and the awkward /40 and /56). */
    @State(Scope.Thread)
    public static class Prefixes {
        @Param({"96", "56", "40"})
        int length;

        Rfc6052 rfc6052;
        final int[] keys4 = new int[KEYS];
        final long[] keysHi6 = new long[KEYS];
        final long[] keysLo6 = new long[KEYS];
        int next;

        @Setup
        public void setUp() {
            rfc6052 = new Rfc6052(Ipv6Prefix.parse("2001:db8:100::/" + length, -1));
            Random r = new Random(2);
            for (int k = 0; k < KEYS; k++) {
                keys4[k] = 0xcb000000 | r.nextInt(1 << 24);
                keysHi6[k] = rfc6052.embedHi(keys4[k]);
                keysLo6[k] = rfc6052.embedLo(keys4[k]);
            }
        }
    }

    /** A /16 dynamic pool with 1000 bound IPv6 hosts. */
    @State(Scope.Thread)
    public static class Pool {
        DynamicPool pool;
        final int[] keys4 = new int[KEYS];
        final long[] keysHi6 = new long[KEYS];
        final long[] keysLo6 = new long[KEYS];
        long now;
        int next;

        @Setup
        public void setUp() {
            pool = new DynamicPool(Ipv4Prefix.parse("100.64.0.0/16", -1), a -> false, List.of(), () -> 1_000_000L);
            pool.useStaticMap(StaticMap.EMPTY);
            now = 1_000_000L;
            DynamicPool.Binding[] bound = new DynamicPool.Binding[1000];
            for (int i = 0; i < bound.length; i++) {
                bound[i] = pool.assign(0x20010db800060000L, 0x1000L + i * 7919L, now);
            }
            Random r = new Random(3);
            for (int k = 0; k < KEYS; k++) {
                DynamicPool.Binding b = bound[r.nextInt(bound.length)];
                keys4[k] = b.address();
                keysHi6[k] = b.hi();
                keysLo6[k] = b.lo();
            }
        }
    }

    /** {@code pairs} NPTv6 prefix pairs (/48 ↔ /48); lookups hit any of them. */
    @State(Scope.Thread)
    public static class Npt {
        @Param({"1", "16"})
        int pairs;

        Nptv6Table table;
        final long[] insideHi = new long[KEYS];
        final long[] outsideHi = new long[KEYS];
        final long[] lo = new long[KEYS];
        int next;

        @Setup
        public void setUp() {
            List<Nptv6Entry> entries = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                entries.add(new Nptv6Entry(new Ipv6Prefix(0xfd01020304000000L | ((long) i << 16), 0, 48),
                        new Ipv6Prefix(0x20010db800000000L | ((long) (i + 1) << 16), 0, 48), Nptv6Entry.Direction.BOTH,
                        "bench"));
            }
            table = new XlatSnapshot(TunxlatConfig.builder().source(Path.of("bench.conf"))
                    .ipv6Addr(Ipv6Prefix.parse("2001:db8:ffff::1", 128)).nptv6(entries).build(), null).nptv6();
            Random r = new Random(4);
            for (int k = 0; k < KEYS; k++) {
                int i = r.nextInt(pairs);
                insideHi[k] = 0xfd01020304000000L | ((long) i << 16) | r.nextInt(1 << 16);
                outsideHi[k] = 0x20010db800000000L | ((long) (i + 1) << 16) | r.nextInt(1 << 16);
                lo[k] = r.nextLong();
            }
        }
    }

    @Benchmark
    public int staticMapLookup4(StaticMaps s) {
        return s.map.lookup4(s.keys4[s.next++ & (KEYS - 1)]);
    }

    @Benchmark
    public int staticMapLookup6(StaticMaps s) {
        int k = s.next++ & (KEYS - 1);
        return s.map.lookup6(s.keysHi6[k], s.keysLo6[k]);
    }

    /** IPv6 → IPv4 through a static map: lookup, then the RFC 7757 suffix copy. */
    @Benchmark
    public int staticMapTranslate64(StaticMaps s) {
        int k = s.next++ & (KEYS - 1);
        int i = s.map.lookup6(s.keysHi6[k], s.keysLo6[k]);
        return s.map.translate6to4(i, s.keysHi6[k], s.keysLo6[k]);
    }

    /** IPv4 → IPv6 through a static map. */
    @Benchmark
    public long staticMapTranslate46(StaticMaps s) {
        int a = s.keys4[s.next++ & (KEYS - 1)];
        int i = s.map.lookup4(a);
        return s.map.translate4to6Hi(i, a) ^ s.map.translate4to6Lo(i, a);
    }

    @Benchmark
    public long rfc6052Embed(Prefixes p) {
        int a = p.keys4[p.next++ & (KEYS - 1)];
        return p.rfc6052.embedHi(a) ^ p.rfc6052.embedLo(a);
    }

    @Benchmark
    public int rfc6052Extract(Prefixes p) {
        int k = p.next++ & (KEYS - 1);
        return p.rfc6052.matches(p.keysHi6[k], p.keysLo6[k]) ? p.rfc6052.extract(p.keysHi6[k], p.keysLo6[k]) : 0;
    }

    @Benchmark
    public Object dynamicPoolLookup4(Pool p) {
        return p.pool.lookup4(p.keys4[p.next++ & (KEYS - 1)], p.now);
    }

    @Benchmark
    public Object dynamicPoolLookup6(Pool p) {
        int k = p.next++ & (KEYS - 1);
        return p.pool.lookup6(p.keysHi6[k], p.keysLo6[k]);
    }

    @Benchmark
    public int nptv6FindOutbound(Npt n) {
        int k = n.next++ & (KEYS - 1);
        return n.table.findOutbound(n.insideHi[k], n.lo[k]);
    }

    @Benchmark
    public int nptv6FindInbound(Npt n) {
        int k = n.next++ & (KEYS - 1);
        return n.table.findInbound(n.outsideHi[k], n.lo[k]);
    }
}
