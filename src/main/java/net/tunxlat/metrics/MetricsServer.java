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

/**
 * The Prometheus endpoint: {@code GET /metrics} on the {@code metrics-listen} address, served by the
 * JDK's own HTTP server on one daemon thread. OpenMetrics when the scraper asks for it (Prometheus
 * does), else the text format 0.0.4. Anything else is 404 (405 for methods other than GET and HEAD).
 *
 * <p>Why the JDK server rather than {@code simpleclient_httpserver}: it needs no dependency, it stays
 * when the deprecated simpleclient line is replaced by client_java 1.x (only {@code TunxlatMetrics}
 * changes then), and it serves exactly one path on the configured address with one thread we name and
 * stop.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String PATH = "/metrics";

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

    /** Starts answering with {@code metrics} on the address bound (once). */
    public synchronized void serve(TunxlatMetrics metrics) {
        if (executor != null) {
            throw new IllegalStateException("already serving");
        }
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tunxlat-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, metrics));
        server.start();
    }

    private static void handle(HttpExchange exchange, TunxlatMetrics metrics) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                reply(exchange, 404, "text/plain; charset=utf-8", "tunxlat: metrics are at " + PATH + "\n", method);
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain; charset=utf-8", "GET or HEAD only\n", method);
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
