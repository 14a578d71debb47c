// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.tunxlat.ExternalTool;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.Test;

/**
 * grafana/tunxlat-dashboard.json against Grafana's published schema and tunxlat's real metrics:
 * src/test/grafana/check-dashboard.mjs (Node, with the packages {@code npm ci --prefix src/test/grafana}
 * installs) type-checks it with @grafana/schema, checks the conventions, and checks that every metric a
 * panel queries is in a real scrape of /metrics (taken here) or on {@link MetricCatalogue#RESERVED}.
 */
class GrafanaDashboardTest {
    static final Path DASHBOARD = Path.of("grafana/tunxlat-dashboard.json");
    static final Path CHECKER = Path.of("src/test/grafana");

    static final Path SCRAPE = Path.of("target/grafana-check/scrape.txt");

    @Test
    void dashboardMatchesGrafanasSchemaAndTheRealMetrics() throws Exception {
        Result r = check(DASHBOARD);
        System.err.println("[grafana] " + r.output().strip().replace("\n", "\n[grafana] "));
        assertEquals(0, r.status(), r.output());
    }

    /** The checker is not a rubber stamp: one mistake of each kind in a copy of the dashboard, each reported. */
    @Test
    void checkerFindsMistakes() throws Exception {
        String json = Files.readString(DASHBOARD);
        String bad = json.replaceFirst("\"fillOpacity\": 10", "\"fillOpacty\": 10")
                .replaceFirst("\\[\\$__rate_interval\\]", "[5m]")
                .replace("tunxlat_echo_replies_sent_total", "tunxlat_echo_replies_total")
                .replace("\"schemaVersion\": 42", "\"schemaVersion\": 41")
                .replace("\"title\": \"NPTv6\"", "\"title\": \"NPT\"")
                .replaceFirst("tunxlat_dropped_packets_total\\{job=~\\\\\"\\$job\\\\\",", "tunxlat_dropped_packets_total{")
                .replace("(tunxlat_dynamic_pool_addresses{job=~\\\"$job\\\",instance=~\\\"$instance\\\"} > 0)",
                        "tunxlat_dynamic_pool_addresses{job=~\\\"$job\\\",instance=~\\\"$instance\\\"}")
                .replace("\"name\": \"Restarts\"", "\"name\": \"Restart\"");
        Path copy = Path.of("target/grafana-check/broken-dashboard.json");
        Files.createDirectories(copy.getParent());
        Files.writeString(copy, bad);
        Result r = check(copy);
        assertEquals(1, r.status(), r.output());
        for (String expected : List.of("'\"fillOpacty\"' does not exist", "range [5m] in rate()",
                "metric tunxlat_echo_replies_total: used by", "schemaVersion 41, the current one (@grafana/schema) is 42",
                "no row \"NPTv6\"", "tunxlat_dropped_packets_total is not filtered by job=~\"$job\" and instance=~\"$instance\"",
                "divisor \"tunxlat_dynamic_pool_addresses{job=~\"$job\",instance=~\"$instance\"}\" can be 0",
                "no annotation \"Restarts\"")) {
            assertTrue(r.output().contains(expected), "expected '" + expected + "' in:\n" + r.output());
        }
    }

    record Result(int status, String output) {}

    /** Runs check-dashboard.mjs on {@code dashboard} against a real scrape and the reserved names. */
    static Result check(Path dashboard) throws Exception {
        Path node = ExternalTool.require("node", "apt-get install nodejs npm");
        if (!Files.isDirectory(CHECKER.resolve("node_modules/@grafana/schema"))) {
            ExternalTool.unavailable("the dashboard checker's packages are not installed (npm ci --prefix " + CHECKER + ")");
        }
        Files.createDirectories(SCRAPE.getParent());
        Files.writeString(SCRAPE, realScrape(), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(node.toString(), CHECKER.resolve("check-dashboard.mjs").toString(),
                dashboard.toString(), "--scrape", SCRAPE.toString(),
                "--reserved", String.join(",", MetricCatalogue.RESERVED))
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the checker did not finish");
        return new Result(p.exitValue(), out);
    }

    @Test
    void provisioningExampleServesTheDashboardFolder() throws Exception {
        String yml = Files.readString(Path.of("grafana/provisioning-example.yml"));
        assertTrue(yml.contains("apiVersion: 1"), yml);
        assertTrue(yml.contains("type: file"), yml);
        assertTrue(yml.contains("path: /usr/share/tunxlat/grafana"), yml);
    }

    /**
     * /metrics over HTTP from a registry with two workers that counted, a static mapping, a pool4, a CLAT that is
     * up, and a GC behind it (so that jvm_gc_pause_seconds exists, as on any translator that has run a while).
     */
    static String realScrape() throws Exception {
        try (TunxlatMetrics metrics = new TunxlatMetrics("0.0.0-test")) {
            XlatCounters w0 = new XlatCounters();
            XlatCounters w1 = new XlatCounters();
            TunxlatMetricsTest.countSomething(w0, w1);
            metrics.bindWorkers(List.of(w0, w1));
            metrics.bindStaticMappings(() -> 1);
            metrics.useNat64(Nat64MetricsTest.tables()); // a translator with pool4: its per-address series too
            // and the CLAT row's families, which tunxlat clat serves from its own process
            new ClatMetrics(TunxlatMetricsTest.UP_CLAT).bindTo(metrics.registry());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!metrics.scrape().contains("jvm_gc_pause_seconds_count") && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(100);
            }
            try (MetricsServer server = MetricsServer.start(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics)) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + server.address().getPort() + MetricsServer.PATH))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                return r.body();
            }
        }
    }
}
