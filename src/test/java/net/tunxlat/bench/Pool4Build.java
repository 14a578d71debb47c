// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.metrics.Nat64Metrics;
import net.tunxlat.nat64.Nat64Listener;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Pool4;

/**
 * What a pool4 of n addresses costs at start (each with all ports of all three protocols, as {@code pool4 A/LEN}
 * gives them, blocks of 128): building {@link Pool4} (first run, cold, and the median of the next five), parsing a
 * whole configuration with one {@code pool4} line and with one line per address (up to {@code Nat64Directives}'
 * cap), the heap of the pool, of
 * the empty tables' per-block state (PortAllocator) and of the per-address metrics, and one scrape's size.
 * A timed main, not a test: numbers from a shared machine are upper bounds.
 *
 * <pre>  mvn -o -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *  java -Xmx3g -cp target/test-classes:target/classes:$(cat target/cp.txt) net.tunxlat.bench.Pool4Build [n ...]</pre>
 */
public final class Pool4Build {
    static final int FIRST = 0x0a000000; // 10.0.0.0

    static List<Pool4.Range> ranges(int n) {
        List<Pool4.Range> ranges = new ArrayList<>(3 * n);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                ranges.add(new Pool4.Range(p, FIRST + i, p == Nat64Protocol.ICMP ? 0 : 1, 65535));
            }
        }
        return ranges;
    }

    /** A configuration with the pool as one {@code pool4 A/LEN} line, or as n lines of one address each. */
    static String config(int n, boolean lines) {
        StringBuilder sb = new StringBuilder("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n");
        if (!lines) {
            sb.append("pool4 10.0.0.0/").append(32 - Integer.numberOfTrailingZeros(n)).append('\n');
        }
        for (int i = 0; lines && i < n; i++) {
            sb.append("pool4 10.").append(i >>> 16).append('.').append(i >>> 8 & 255).append('.').append(i & 255)
                    .append('\n');
        }
        return sb.toString();
    }

    static String parse(int n, boolean lines) {
        try {
            long t = System.nanoTime();
            ConfigParser.parse(config(n, lines), Path.of("bench.conf"));
            return String.format("%d ms", (System.nanoTime() - t) / 1_000_000);
        } catch (Exception e) {
            return "refused (" + e.getMessage() + ")";
        }
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length > 0 ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {1024, 4096, 16384, 65536};
        System.out.println("JVM " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB, "
                + Runtime.getRuntime().availableProcessors() + " cores");
        for (int n : sizes) {
            List<Pool4.Range> ranges = ranges(n);
            long t0 = System.nanoTime();
            Pool4 pool = new Pool4(ranges, 128);
            long cold = System.nanoTime() - t0;
            long[] warm = new long[5];
            for (int i = 0; i < warm.length; i++) {
                long t = System.nanoTime();
                pool = new Pool4(ranges, 128);
                warm[i] = System.nanoTime() - t;
            }
            Arrays.sort(warm);
            String parse = parse(n, false) + " (one line), " + parse(n, true) + " (one line per address)";
            pool = null;
            long base = MappingMemory.used();
            pool = new Pool4(ranges, 128);
            long withPool = MappingMemory.used();
            long t = System.nanoTime();
            Nat64Tables tables = new Nat64Tables(Nat64Settings.defaults(pool, 1024), 2, Nat64Listener.NONE, () -> 0);
            long tablesMs = (System.nanoTime() - t) / 1_000_000;
            long withTables = MappingMemory.used();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            t = System.nanoTime();
            new Nat64Metrics(tables::counts).bindPool4(registry, tables.counts());
            long bindMs = (System.nanoTime() - t) / 1_000_000;
            long withMetrics = MappingMemory.used();
            t = System.nanoTime();
            int scrape = registry.scrape().length();
            long scrapeMs = (System.nanoTime() - t) / 1_000_000;
            System.out.printf("%6d addresses, %,d tcp blocks: Pool4 %d ms cold, %d ms warm (median); config parse %s;"
                            + " heap: Pool4 %.1f MiB, tables' block state %.1f MiB (built in %d ms), metrics %.1f MiB"
                            + " (%d series, bound in %d ms), a scrape %.1f MiB in %d ms%n",
                    n, pool.blocks(Nat64Protocol.TCP), cold / 1_000_000, warm[2] / 1_000_000, parse,
                    MappingMemory.mib(withPool - base), MappingMemory.mib(withTables - withPool), tablesMs,
                    MappingMemory.mib(withMetrics - withTables), registry.getMeters().size(), bindMs,
                    MappingMemory.mib(scrape), scrapeMs);
            Reference.reachabilityFence(pool);
            Reference.reachabilityFence(tables);
            Reference.reachabilityFence(registry);
        }
    }
}
