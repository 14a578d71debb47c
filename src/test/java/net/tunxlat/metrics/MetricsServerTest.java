// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import net.tunxlat.xlat.DropReason;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import java.net.BindException;

/** {@code GET /metrics} over real HTTP, and scrapes while a worker thread counts. */
class MetricsServerTest {
    final TunxlatMetrics metrics = new TunxlatMetrics("0.0.0-test");
    final List<AutoCloseable> open = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        metrics.close();
    }

    MetricsServer start() throws Exception {
        MetricsServer s = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics);
        open.add(s);
        return s;
    }

    HttpResponse<String> get(MetricsServer s, String path, String method, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.address().getPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesMetricsInBothFormats() throws Exception {
        XlatCounters w = new XlatCounters();
        w.translated(XlatCounters.DIR_64, 17, 100);
        w.publish();
        metrics.bindWorkers(List.of(w));
        MetricsServer s = start();
        HttpResponse<String> r = get(s, "/metrics", "GET", null);
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(1, Scrape.parse(r.body()).value(MetricCatalogue.TRANSLATED_PACKETS, "direction", "64", "protocol", "udp"));
        // what Prometheus 2.42 sends
        r = get(s, "/metrics", "GET", "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(r.body().contains("tunxlat_translated_packets_total{direction=\"64\",protocol=\"udp\"} 1.0"), r.body());
        assertTrue(r.body().endsWith("# EOF\n"));
    }

    @Test
    void onlyMetricsIsServed() throws Exception {
        MetricsServer s = start();
        assertEquals(404, get(s, "/", "GET", null).statusCode());
        assertEquals(404, get(s, "/metrics/x", "GET", null).statusCode());
        HttpResponse<String> post = get(s, "/metrics", "POST", null);
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> head = get(s, "/metrics", "HEAD", null);
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void anAddressInUseIsAnError() throws Exception {
        MetricsServer s = start();
        assertThrows(BindException.class, () -> MetricsServer.start(s.address(), metrics));
    }

    /**
     * The daemon's order: the port is bound, the workers count, and only then is the registry built and served.
     * A scrape made in between waits in the listen backlog and is answered with everything counted so far.
     */
    @Test
    void aScrapeBeforeServingIsAnsweredOnceServed() throws Exception {
        MetricsServer s = MetricsServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        open.add(s);
        XlatCounters w = new XlatCounters();
        w.translated(XlatCounters.DIR_46, 17, 100);
        w.publish();
        CompletableFuture<HttpResponse<String>> early = http.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + s.address().getPort() + "/metrics")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        assertFalse(early.isDone(), "not answered before the registry exists");
        metrics.bindWorkers(List.of(w));
        s.serve(metrics);
        HttpResponse<String> r = early.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals(1, Scrape.parse(r.body()).value(MetricCatalogue.TRANSLATED_PACKETS, "direction", "46", "protocol", "udp"));
        assertThrows(IllegalStateException.class, () -> s.serve(metrics));
    }

    @Test
    void aServerNeverServedCloses() throws Exception {
        MetricsServer s = MetricsServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        InetSocketAddress a = s.address();
        s.close();
        MetricsServer again = MetricsServer.bind(a); // the port is free again
        open.add(again);
    }

    /**
     * A worker thread counts and publishes per batch, as {@code Worker} does, while this thread scrapes
     * over HTTP: every scrape parses, counters never go backwards, and after the worker's last publish
     * the scrape shows its exact totals.
     */
    @Test
    void scrapesWhileAWorkerCounts() throws Exception {
        XlatCounters w = new XlatCounters();
        metrics.bindWorkers(List.of(w));
        MetricsServer s = start();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<long[]> totals = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            long packets = 0;
            long batches = 0;
            while (!stop.get()) {
                for (int i = 0; i < 64; i++) {
                    w.translated(XlatCounters.DIR_46, 6, 1500);
                    w.drop(DropReason.TTL_EXCEEDED_46);
                }
                w.batch(64, 1000);
                w.publish();
                packets += 64;
                batches++;
            }
            totals.set(new long[] {packets, batches});
        }, "test-worker");
        worker.start();
        double lastPackets = -1;
        double lastBytes = -1;
        int scrapes = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        try {
            while (System.nanoTime() < deadline || scrapes < 20) {
                Scrape sc = Scrape.parse(get(s, "/metrics", "GET", null).body());
                double p = sc.value(MetricCatalogue.TRANSLATED_PACKETS, "direction", "46", "protocol", "tcp");
                double b = sc.value(MetricCatalogue.TRANSLATED_BYTES, "direction", "46", "protocol", "tcp");
                assertTrue(p >= lastPackets && b >= lastBytes, "counters never go backwards");
                assertEquals(0, p % 64, "published once per batch of 64");
                assertEquals(sc.value(MetricCatalogue.BATCH_SIZE + "_count"),
                        sc.value(MetricCatalogue.BATCH_SIZE + "_bucket", "le", "+Inf"));
                lastPackets = p;
                lastBytes = b;
                scrapes++;
            }
        } finally {
            stop.set(true);
            worker.join(10_000);
        }
        assertTrue(lastPackets > 0, "the scrapes saw the worker's counts");
        long[] t = totals.get();
        Scrape last = Scrape.parse(get(s, "/metrics", "GET", null).body());
        assertEquals(t[0], last.value(MetricCatalogue.TRANSLATED_PACKETS, "direction", "46", "protocol", "tcp"));
        assertEquals(t[0] * 1500, last.value(MetricCatalogue.TRANSLATED_BYTES, "direction", "46", "protocol", "tcp"));
        assertEquals(t[0], last.value(MetricCatalogue.DROPPED_PACKETS, "reason", "ttl_exceeded_46"));
        assertEquals(t[1], last.value(MetricCatalogue.BATCH_SIZE + "_count"));
        assertEquals(t[1] * 1000 / 1e9, last.value(MetricCatalogue.WORKER_BUSY, "worker", "0"), 1e-9);
    }
}
