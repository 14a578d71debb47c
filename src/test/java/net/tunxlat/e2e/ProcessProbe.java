// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.tunxlat.metrics.Scrape;

/**
 * What the robustness tests read about a running translator from outside: /proc (resident memory, open file
 * descriptors, user, group and capabilities), the JVM through {@code jcmd} (heap after a full collection),
 * and its /metrics endpoint inside the translator namespace.
 */
final class ProcessProbe {
    private ProcessProbe() {}

    /** A line of /proc/PID/status, e.g. {@code Uid} gives "65534 65534 65534 65534". */
    static String status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim().replaceAll("\\s+", " ");
            }
        }
        throw new IOException("no " + field + " in /proc/" + pid + "/status");
    }

    /** Resident set size, bytes. */
    static long rssBytes(long pid) throws IOException {
        return Long.parseLong(status(pid, "VmRSS").replace(" kB", "")) * 1024;
    }

    /** Open file descriptors. */
    static int openFds(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) s.count();
        }
    }

    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");

    /** Heap in use right after a full collection ({@code jcmd PID GC.run}, then {@code GC.heap_info}), bytes. */
    static long heapAfterGcBytes(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        ExecResult gc = Cmd.exec(Duration.ofSeconds(30), List.of(jcmd.toString(), Long.toString(pid), "GC.run"));
        if (!gc.ok()) {
            throw new IllegalStateException("jcmd GC.run: " + gc.describe());
        }
        ExecResult info = Cmd.exec(Duration.ofSeconds(30), List.of(jcmd.toString(), Long.toString(pid), "GC.heap_info"));
        Matcher m = HEAP_USED.matcher(info.output());
        if (!info.ok() || !m.find()) {
            throw new IllegalStateException("jcmd GC.heap_info: " + info.describe());
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** tunxlat's /metrics at {@code 127.0.0.1:9464} in the translator namespace. */
    static Scrape metrics(Netns ns) {
        ExecResult r = ns.exec(Duration.ofSeconds(10), "curl", "-sS", "--max-time", "5", "http://127.0.0.1:9464/metrics");
        if (!r.ok()) {
            throw new AssertionError("scrape failed: " + r.describe());
        }
        return Scrape.parse(r.output());
    }

    /** A sample's value, or 0 if the scrape does not have it. */
    static double value(Scrape s, String name, String... labels) {
        try {
            return s.value(name, labels);
        } catch (AssertionError e) {
            return 0;
        }
    }

    /** The kernel's count of packets it dropped because the TUN queue was full (tunxlat too slow): TX dropped. */
    static long tunQueueDrops(Netns ns, String dev) {
        ExecResult r = ns.exec("cat", "/sys/class/net/" + dev + "/statistics/tx_dropped");
        return r.ok() ? Long.parseLong(r.output().trim()) : -1;
    }
}
