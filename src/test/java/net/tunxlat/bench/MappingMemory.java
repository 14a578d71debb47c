// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.MapEntry;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.StaticMap;
import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Memory per mapping with 1,000,000 mappings: heap in use after a full GC, before and after building
 * (1) a dynamic pool (/12) with 1,000,000 bindings and (2) the static maps of a 1,000,000-line map-file as
 * the daemon holds them (the parsed entries with their origins, and the StaticMap). Also times the parse of
 * that map-file, which is what a SIGHUP reload of it costs.
 *
 * <pre>  mvn -B test-compile exec:exec@mapping-memory</pre>
 */
public final class MappingMemory {
    static final int N = 1_000_000;

    public static void main(String[] args) throws Exception {
        System.out.println("JVM " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB, compressed oops "
                + ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .getVMOption("UseCompressedOops").getValue());
        long base = used();
        DynamicPool pool = new DynamicPool(new Ipv4Prefix(0x0a000000, 12), a -> false, List.of(), () -> 1_700_000_000L);
        long empty = used();
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < N; i++) {
            pool.assign(0x20010db800060000L, random.nextLong(), 1_700_000_000L);
        }
        long full = used();
        System.out.printf("dynamic pool /12 (%d addresses): empty %.1f MiB; with %d bindings %.1f MiB:"
                        + " %.1f bytes per binding (%.1f bytes per binding beyond the empty pool)%n",
                1 << 20, mib(empty - base), pool.bindings().size(), mib(full - base), (full - base) / (double) N,
                (full - empty) / (double) N);
        Reference.reachabilityFence(pool);
        pool = null;

        StringBuilder text = new StringBuilder(N * 48);
        for (int i = 0; i < N; i++) {
            text.append("map ").append(Addresses.formatIpv4(0x64400000 + i)).append(' ')
                    .append(Addresses.formatIpv6(0x20010db800070000L, 0x1000000L + i)).append('\n');
        }
        String file = text.toString();
        text = null;
        base = used();
        long t0 = System.nanoTime();
        List<MapEntry> entries = ConfigParser.parseMapFile(file, Path.of("/etc/tunxlat/hosts.map"));
        long t1 = System.nanoTime();
        List<Ipv4Prefix> v4 = new ArrayList<>(N);
        List<Ipv6Prefix> v6 = new ArrayList<>(N);
        for (MapEntry e : entries) {
            v4.add(e.v4());
            v6.add(e.v6());
        }
        StaticMap map = new StaticMap(v4, v6);
        long t2 = System.nanoTime();
        v4 = null;
        v6 = null;
        long withEntries = used();
        System.out.printf("map-file of %d lines: parsed in %d ms, StaticMap built in %d ms%n", N,
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        System.out.printf("static maps as the daemon holds them (entries with origin + StaticMap): %.1f MiB,"
                + " %.1f bytes per map%n", mib(withEntries - base), (withEntries - base) / (double) N);
        Reference.reachabilityFence(entries);
        Reference.reachabilityFence(map);
        entries = null;
        long mapOnly = used();
        System.out.printf("  of which the StaticMap (prefix objects and hash tables): %.1f bytes per map%n",
                (mapOnly - base) / (double) N);
        Reference.reachabilityFence(map);
        Reference.reachabilityFence(file);
    }

    static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    static long used() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
