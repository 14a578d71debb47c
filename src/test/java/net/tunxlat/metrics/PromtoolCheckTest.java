// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.tunxlat.ExternalTool;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.Test;
import java.nio.file.Files;

/**
 * {@code promtool check metrics} (Debian's prometheus package) on a real scrape: every tunxlat metric,
 * the reserved ones included, and Micrometer's JVM and process metrics. Exit 0 and no findings.
 */
class PromtoolCheckTest {
    @Test
    void promtoolFindsNothing() throws Exception {
        Path promtool = ExternalTool.require("promtool", "apt-get install prometheus");
        String text;
        try (TunxlatMetrics metrics = new TunxlatMetrics("0.0.0-test")) {
            XlatCounters w0 = new XlatCounters();
            XlatCounters w1 = new XlatCounters();
            TunxlatMetricsTest.countSomething(w0, w1);
            metrics.bindWorkers(List.of(w0, w1));
            metrics.bindStaticMappings(() -> 1);
            metrics.bind(new DynamicPoolMetrics(new TunxlatMetricsTest.FakePool()));
            metrics.bind(new Nptv6Metrics(new TunxlatMetricsTest.FakeNptv6()));
            System.gc(); // so that jvm_gc_pause_seconds exists too (when the notification has arrived)
            text = metrics.scrape();
        }
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool did not finish");
        }
        String findings = out.toString(StandardCharsets.UTF_8);
        assertEquals("", findings.trim(), "promtool check metrics findings");
        assertEquals(0, p.exitValue(), findings);
    }

    /** packaging/prometheus-tunxlat.yml is a valid Prometheus configuration with a tunxlat job. */
    @Test
    void scrapeConfigExampleIsValid() throws Exception {
        Path promtool = ExternalTool.require("promtool", "apt-get install prometheus");
        Path example = Path.of("packaging/prometheus-tunxlat.yml");
        String yml = Files.readString(example);
        org.junit.jupiter.api.Assertions.assertTrue(yml.contains("job_name: tunxlat") && yml.contains("127.0.0.1:9464"));
        Process p = new ProcessBuilder(promtool.toString(), "check", "config", example.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }
}
