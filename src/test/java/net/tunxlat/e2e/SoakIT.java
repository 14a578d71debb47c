// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST;
import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static net.tunxlat.e2e.TestBed.IPV6_HOST;
import static net.tunxlat.e2e.TestBed.IPV6_HOST_MAPPED;
import static org.junit.jupiter.api.Assertions.*;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.util.function.ToLongFunction;

/**
 * Soak (issue 9): traffic of every kind for a configurable time ({@code -Dtunxlat.soak.seconds}, default 120;
 * {@code packaging/soak.sh} for long runs) while the translator's resident memory, heap after a full
 * collection and open file descriptors are sampled; fails if any of them grows (the last third of the
 * samples against the first, after a warm-up), if throughput stops in any interval, or if Netty's paranoid
 * leak detector reports a leak. The translator runs with the Debian package's JAVA_OPTS ({@code -Xmx256m
 * -XX:+ExitOnOutOfMemoryError}). Samples go to {@code target/e2e/soak-*.csv}.
 */
class SoakIT {
    static final Duration SOAK = Duration.ofSeconds(Long.getLong("tunxlat.soak.seconds", 120));
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(Long.getLong("tunxlat.soak.sampleSeconds", 10));
    static final long RSS_GROWTH_LIMIT = 48L << 20;
    static final long HEAP_GROWTH_LIMIT = 8L << 20;
    static final int FD_GROWTH_LIMIT = 4;

    @BeforeEach
    void skipUnlessRootAndTunxlat() {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Translator.underTestIsTunxlat(), "the soak measures tunxlat's own process");
    }

    record Sample(long second, long rss, long heapAfterGc, int fds, double translated) {}

    @Test
    void steadyTrafficLeavesMemoryAndDescriptorsFlat() throws Exception {
        Translator t = Translator.tunxlat(Translator.jar(), List.of(),
                List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-Dio.netty.leakDetection.level=paranoid"), List.of());
        try (TestBed bed = TestBed.builder(t).label("soak")
                .configLine("dynamic-pool " + TestBed.POOL)
                .configLine("dynamic-pool-allow 2001:db8:6::/48")
                .beforeStart(b -> b.translatorNs().ip("-6", "route", "add", "blackhole", "2001:db8:6:1::/64"))
                .start();
             Flood flood = new Flood("soak");
             Traffic traffic = new Traffic()) {
            long pid = bed.translator().pid();
            Netns ns = bed.translatorNs();
            String seconds = Long.toString(SOAK.toSeconds() + 5);
            // Steady load both ways, new hosts trickling into the pool, unmappable packets, expiring TTLs.
            flood.start(bed.ipv6Host(), "-6", "--src", IPV6_HOST, "--dst", IPV4_HOST_VIA_PREFIX, "--rate", "5000",
                            "--seconds", seconds, "--size", "200")
                    .start(bed.ipv4Host(), "-4", "--src", IPV4_HOST, "--dst", IPV6_HOST_MAPPED, "--rate", "5000",
                            "--seconds", seconds, "--size", "200")
                    .start(bed.ipv6Host(), "-6", "--src", "2001:db8:6:1::/64", "--dst", IPV4_HOST_VIA_PREFIX, "--rate", "200",
                            "--seconds", seconds)
                    .start(bed.ipv4Host(), "-4", "--src", IPV4_HOST, "--dst", "192.168.255.99", "--rate", "500",
                            "--seconds", seconds)
                    .start(bed.ipv6Host(), "-6", "--src", IPV6_HOST, "--dst", IPV4_HOST_VIA_PREFIX, "--rate", "500",
                            "--seconds", seconds, "--hop", "1");

            List<Sample> samples = new ArrayList<>();
            long start = System.nanoTime();
            long next = start;
            int round = 0;
            while (System.nanoTime() - start < SOAK.toNanos()) {
                // Applications on top: ping both ways and 256 KiB over TCP each way, every round.
                ExecResult ping = bed.ipv6Host().exec("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", IPV4_HOST_VIA_PREFIX);
                assertTrue(ping.output().matches("(?s).*3 packets transmitted, [1-3] received.*"), ping.describe());
                traffic.tcpEcho(bed.ipv4Host(), new InetSocketAddress("0.0.0.0", 6000 + round % 1000), bed.ipv6Host(),
                        new InetSocketAddress(IPV4_HOST_VIA_PREFIX, 6000 + round % 1000), IPV6_HOST_MAPPED, 256 << 10);
                traffic.tcpEcho(bed.ipv6Host(), new InetSocketAddress("::", 7000 + round % 1000), bed.ipv4Host(),
                        new InetSocketAddress(IPV6_HOST_MAPPED, 7000 + round % 1000), IPV4_HOST_VIA_PREFIX, 256 << 10);
                round++;
                if (System.nanoTime() >= next) {
                    double translated = ProcessProbe.value(ProcessProbe.metrics(ns), "tunxlat_translated_packets_total",
                            "direction", "64", "protocol", "udp");
                    samples.add(new Sample((System.nanoTime() - start) / 1_000_000_000L, ProcessProbe.rssBytes(pid),
                            ProcessProbe.heapAfterGcBytes(pid), ProcessProbe.openFds(pid), translated));
                    next += SAMPLE_EVERY.toNanos();
                }
                Thread.sleep(500);
            }
            flood.close();

            Path csv = TestBed.logDirectory().resolve("soak-" + ns.name() + ".csv");
            StringBuilder text = new StringBuilder("second,rss_bytes,heap_after_gc_bytes,open_fds,translated_64_udp\n");
            for (Sample s : samples) {
                text.append(s.second()).append(',').append(s.rss()).append(',').append(s.heapAfterGc()).append(',')
                        .append(s.fds()).append(',').append((long) s.translated()).append('\n');
            }
            Files.writeString(csv, text, StandardCharsets.UTF_8);
            System.err.println("[e2e] soak: " + SOAK.toSeconds() + " s, " + round + " rounds of ping + TCP, samples in " + csv
                    + ":\n" + text);

            assertTrue(samples.size() >= 6, "at least 6 samples: " + samples.size());
            // After a warm-up (the first quarter: JIT, pools, heap sizing), the last third against the first.
            List<Sample> measured = samples.subList(samples.size() / 4, samples.size());
            int third = Math.max(1, measured.size() / 3);
            List<Sample> first = measured.subList(0, third);
            List<Sample> last = measured.subList(measured.size() - third, measured.size());
            long rssGrowth = max(last, Sample::rss) - max(first, Sample::rss);
            long heapGrowth = max(last, Sample::heapAfterGc) - max(first, Sample::heapAfterGc);
            long fdGrowth = max(last, s -> (long) s.fds()) - max(first, s -> (long) s.fds());
            assertTrue(rssGrowth < RSS_GROWTH_LIMIT, "RSS grew by " + (rssGrowth >> 20) + " MiB:\n" + text);
            assertTrue(heapGrowth < HEAP_GROWTH_LIMIT, "heap after GC grew by " + (heapGrowth >> 10) + " KiB:\n" + text);
            assertTrue(fdGrowth <= FD_GROWTH_LIMIT, "open file descriptors grew by " + fdGrowth + ":\n" + text);
            for (int i = 1; i < samples.size(); i++) {
                assertTrue(samples.get(i).translated() > samples.get(i - 1).translated(),
                        "translation went on in every interval:\n" + text);
            }
            assertTrue(bed.translator().isAlive());
            String log = bed.translator().output();
            assertFalse(log.contains("LEAK:"), "no buffer leak (paranoid leak detection):\n" + log);
            assertFalse(log.contains("error:"), "no error logged:\n" + log);
        }
    }

    private static long max(List<Sample> samples, ToLongFunction<Sample> f) {
        return samples.stream().mapToLong(f).max().orElse(0);
    }
}
