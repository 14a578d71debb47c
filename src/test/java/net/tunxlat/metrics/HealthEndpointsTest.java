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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import net.tunxlat.metrics.Health.Reason;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /healthz} and {@code /readyz} over real HTTP (the contract of issue 18), the readiness gauges, and the
 * constant {@code instance_name} label on every series of the daemon's registry.
 */
class HealthEndpointsTest {
    final TunxlatMetrics metrics = new TunxlatMetrics("0.0.0-test", "nat64-b");
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final AtomicReference<Health> health = new AtomicReference<>(new Health(List.of(),
            List.of("64:ff9b::/96", "192.0.2.0/24"), "nat64-b", "ok"));
    MetricsServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        metrics.close();
    }

    HttpResponse<String> get(String path, String method) throws Exception {
        if (server == null) {
            metrics.bindWorkers(List.of(new XlatCounters()));
            metrics.bindStaticMappings(() -> 3);
            server = MetricsServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            metrics.useHealth(health::get);
            server.serve(metrics, health::get, health::get);
        }
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyIs200WithTheAnnounceLines() throws Exception {
        HttpResponse<String> r = get("/readyz", "GET");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals("ready yes\nannounce 64:ff9b::/96\nannounce 192.0.2.0/24\ninstance nat64-b\nself-test ok\n",
                r.body());
        HttpResponse<String> live = get("/healthz", "GET");
        assertEquals(200, live.statusCode());
        assertEquals("ok\n", live.body());
        HttpResponse<String> head = get("/readyz", "HEAD");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void notReadyIs503WithTheReasonsAndStillTheAnnounceLines() throws Exception {
        health.set(new Health(List.of(new Reason(Health.TUN_DOWN, "nat64 operstate down"),
                new Reason(Health.WORKER_STALLED, "1")), List.of("64:ff9b::/96"), "nat64-b", "ok"));
        HttpResponse<String> r = get("/readyz", "GET");
        assertEquals(503, r.statusCode());
        assertEquals("ready no\nnot-ready tun-down nat64 operstate down\nnot-ready worker-stalled 1\n"
                + "announce 64:ff9b::/96\ninstance nat64-b\nself-test ok\n", r.body());
        assertEquals(503, get("/readyz", "HEAD").statusCode());
        assertEquals(200, get("/healthz", "GET").statusCode(), "not ready, but alive");
        health.set(new Health(List.of(new Reason(Health.WORKER_DEAD, "0")), List.of(), "nat64-b", "ok"));
        HttpResponse<String> dead = get("/healthz", "GET");
        assertEquals(503, dead.statusCode());
        assertEquals("worker-dead 0\n", dead.body());
    }

    @Test
    void otherPathsAndMethodsKeepTheirAnswers() throws Exception {
        assertEquals(404, get("/", "GET").statusCode());
        assertEquals(404, get("/readyz/x", "GET").statusCode());
        assertEquals(404, get("/health", "GET").statusCode());
        assertEquals(405, get("/readyz", "POST").statusCode());
        assertEquals(200, get("/metrics", "GET").statusCode());
    }

    @Test
    void withoutAHealthSourceThereAreNoHealthEndpoints() throws Exception {
        try (MetricsServer s = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new TunxlatMetrics("0.0.0-test"))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + s.address().getPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, r.statusCode());
        }
    }

    @Test
    void theGaugesFollowTheHealthAndEverySeriesCarriesTheInstanceName() throws Exception {
        Scrape ready = Scrape.parse(get("/metrics", "GET").body());
        assertEquals(1, ready.value(MetricCatalogue.READY));
        for (String reason : Health.REASONS) {
            assertEquals(0, ready.value(MetricCatalogue.NOT_READY_REASONS, "reason", reason), reason);
        }
        health.set(new Health(List.of(new Reason(Health.STOPPING, ""), new Reason(Health.SELF_TEST_FAILED, "x")),
                List.of(), "nat64-b", "failed x"));
        Scrape not = Scrape.parse(get("/metrics", "GET").body());
        assertEquals(0, not.value(MetricCatalogue.READY));
        assertEquals(1, not.value(MetricCatalogue.NOT_READY_REASONS, "reason", "stopping"));
        assertEquals(1, not.value(MetricCatalogue.NOT_READY_REASONS, "reason", "self-test-failed"));
        assertEquals(0, not.value(MetricCatalogue.NOT_READY_REASONS, "reason", "tun-down"));
        assertTrue(not.samples().size() > 100, "the registry's series");
        for (Scrape.Sample s : not.samples()) {
            assertEquals("nat64-b", s.labels().get("instance_name"), s.toString());
        }
        assertEquals(0, not.value(MetricCatalogue.READY, "instance_name", "nat64-b"));
    }

    @Test
    void aRegistryWithoutHealthIsNotReadyAndHasNoInstanceLabel() {
        try (TunxlatMetrics offline = new TunxlatMetrics("0.0.0-test")) {
            Scrape s = Scrape.parse(offline.scrape());
            assertEquals(0, s.value(MetricCatalogue.READY));
            assertEquals(1, s.value(MetricCatalogue.NOT_READY_REASONS, "reason", "config-not-loaded"));
            assertTrue(s.samples().stream().noneMatch(x -> x.labels().containsKey("instance_name")));
            assertEquals(Map.of(), s.samples().stream().filter(x -> x.name().equals(MetricCatalogue.READY))
                    .findFirst().orElseThrow().labels());
        }
    }
}
