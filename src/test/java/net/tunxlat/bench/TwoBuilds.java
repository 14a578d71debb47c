// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link TranslatorBenchmark} of two builds in one JVM, interleaved in short slices (200,000 operations each,
 * builds alternating), so that both see the same machine: on a shared machine (steal time, other processes) two
 * JMH runs a minute apart differ more than the builds do. Each build's classes and its own copy of every library
 * jar are loaded by their own class loader, so neither build's type profiles pollute the other's. Prints the
 * minimum, 10th percentile and median ns per operation of each benchmark and build (the minimum is the least
 * disturbed figure; operations per invocation are not divided out, so {@code udp64Coalesced} is per 64).
 *
 * <pre>
 * mvn -q -o test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:exec -Dexec.executable=java \
 *     -Dexec.classpathScope=test -Dexec.args="-cp %classpath net.tunxlat.bench.TwoBuilds \
 *     /path/to/before,/path/to/after udp64,tcp46,nptv6Out 30"
 * </pre>
 * Each path is a checkout whose {@code target/classes} and {@code target/test-classes} are built.
 */
public final class TwoBuilds {
    private TwoBuilds() {
    }

    public static void main(String[] a) throws Throwable {
        String[] deps = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.endsWith(".jar")).toArray(String[]::new);
        String[] trees = a[0].split(",");
        String[] benches = a[1].split(",");
        int rounds = Integer.parseInt(a[2]);
        int n = 200_000;
        Object[] inst = new Object[trees.length];
        MethodHandle[][] mh = new MethodHandle[trees.length][benches.length];
        for (int t = 0; t < trees.length; t++) {
            List<URL> urls = new ArrayList<>();
            urls.add(Path.of(trees[t], "target/test-classes").toUri().toURL());
            urls.add(Path.of(trees[t], "target/classes").toUri().toURL());
            for (String d : deps) {
                urls.add(Path.of(d).toUri().toURL());
            }
            URLClassLoader cl = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
            Class<?> c = cl.loadClass("net.tunxlat.bench.TranslatorBenchmark");
            inst[t] = c.getConstructor().newInstance();
            c.getMethod("setUp").invoke(inst[t]);
            for (int b = 0; b < benches.length; b++) {
                mh[t][b] = MethodHandles.publicLookup().findVirtual(c, benches[b], MethodType.methodType(int.class))
                        .bindTo(inst[t]).asType(MethodType.methodType(int.class));
            }
        }
        long[][][] ns = new long[trees.length][benches.length][rounds];
        int sink = 0;
        for (int r = -20; r < rounds; r++) { // 20 warm-up rounds
            for (int b = 0; b < benches.length; b++) {
                for (int t = 0; t < trees.length; t++) {
                    MethodHandle h = mh[t][b];
                    long s = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        sink += (int) h.invokeExact();
                    }
                    long e = System.nanoTime();
                    if (r >= 0) {
                        ns[t][b][r] = e - s;
                    }
                }
            }
        }
        for (int b = 0; b < benches.length; b++) {
            for (int t = 0; t < trees.length; t++) {
                long[] x = ns[t][b].clone();
                Arrays.sort(x);
                System.out.printf("%-14s %-28s min %6.1f  p10 %6.1f  med %6.1f ns/op%n", benches[b], trees[t],
                        x[0] / (double) n, x[rounds / 10] / (double) n, x[rounds / 2] / (double) n);
            }
        }
        if (sink == 42) {
            System.out.println();
        }
    }
}
