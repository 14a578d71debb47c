// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The Prometheus endpoint: {@code GET /metrics} on the {@code metrics-listen} address, served by the
 * JDK's own HTTP server on one daemon thread (two with the health endpoints). OpenMetrics when the scraper asks
 * for it (Prometheus does), else the text format 0.0.4. With a health source (the translator's daemon) also {@code /healthz}
 * (200 {@code ok} while alive, 503 with the dead workers) and {@code /readyz} (200 when ready, 503 when not; the
 * body is {@link Health#readyz}), both read from the last {@link Health} published, so that answering never waits
 * for a worker (docs/health.md). Anything else is 404 (405 for methods other than GET and HEAD).
 *
 * <p>Why the JDK server rather than {@code simpleclient_httpserver}: it needs no dependency, it stays
 * when the deprecated simpleclient line is replaced by client_java 1.x (only {@code TunxlatMetrics}
 * changes then), and it serves exactly its paths on the configured address with threads we name and stop.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String PATH = "/metrics";
    public static final String HEALTHZ = "/healthz";
    public static final String READYZ = "/readyz";
    private static final String TEXT = "text/plain; charset=utf-8";

    private final HttpServer server;
    private ExecutorService executor;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /** Binds {@code address} (port 0: any free port) and starts serving {@code metrics}. */
    public static MetricsServer start(InetSocketAddress address, TunxlatMetrics metrics) throws IOException {
        MetricsServer s = bind(address);
        s.serve(metrics);
        return s;
    }

    /**
     * Binds {@code address} (port 0: any free port) and listens, without serving yet: connections made before
     * {@link #serve} wait in the listen backlog and are answered once it is called. The daemon binds while it
     * still holds its privileges (a port below 1024) and serves once the workers forward.
     */
    public static MetricsServer bind(InetSocketAddress address) throws IOException {
        return new MetricsServer(HttpServer.create(address, 16));
    }

    /** Starts answering with {@code metrics} on the address bound (once), without health endpoints. */
    public void serve(TunxlatMetrics metrics) {
        serve(metrics, null, null);
    }

    /**
     * Starts answering with {@code metrics}, and {@code /healthz} from {@code live} and {@code /readyz} from {@code
     * ready} (the current {@link Health}, read per request: they must not block; null: no health endpoints), once.
     */
    public synchronized void serve(TunxlatMetrics metrics, Supplier<Health> live, Supplier<Health> ready) {
        if (executor != null) {
            throw new IllegalStateException("already serving");
        }
        // Two threads: a slow scrape of a big registry never holds up /readyz, which a hook polls with a 1 s timeout.
        executor = Executors.newFixedThreadPool(live != null ? 2 : 1, r -> {
            Thread t = new Thread(r, "tunxlat-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, metrics, live, ready));
        server.start();
    }

    private static void handle(HttpExchange exchange, TunxlatMetrics metrics, Supplier<Health> live,
            Supplier<Health> ready) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            boolean healthPath = live != null && (path.equals(HEALTHZ) || path.equals(READYZ));
            if (!path.equals(PATH) && !healthPath) {
                reply(exchange, 404, TEXT, "tunxlat: metrics are at " + PATH
                        + (live != null ? ", health at " + HEALTHZ + " and " + READYZ : "") + "\n", method);
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, TEXT, "GET or HEAD only\n", method);
                return;
            }
            if (healthPath) {
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                if (path.equals(HEALTHZ)) {
                    Health h = live.get();
                    reply(exchange, h.live() ? 200 : 503, TEXT, h.healthz(), method);
                } else {
                    Health h = ready.get();
                    reply(exchange, h.ready() ? 200 : 503, TEXT, h.readyz(), method);
                }
                return;
            }
            TunxlatMetrics.Exposition e = metrics.scrape(exchange.getRequestHeaders().getFirst("Accept"));
            reply(exchange, 200, e.contentType(), e.text(), method);
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, String body, String method)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        if (method.equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The address actually bound (with the port chosen when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public synchronized void close() {
        if (executor == null) {
            // Never served: the JDK server's dispatcher thread owns the selector and only it really closes the
            // listening socket, so it is started (with no handler: nothing is answered) to be stopped.
            server.start();
        }
        server.stop(0);
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
