// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.ListenAddress;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.control.ControlServer;
import net.tunxlat.metrics.MetricsServer;
import net.tunxlat.util.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Files;

/**
 * Issue 14 item 1: an endpoint nobody asked for (the default {@code metrics-listen}, the default control socket)
 * that cannot be bound warns once and the translator runs without it; one the configuration or the command line
 * asks for fails the start ({@link EndpointException}: exit status 2).
 */
class DaemonEndpointsTest {
    private static final String BASE = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n";
    private static final Daemon.Options OPTIONS = new Daemon.Options(null, null, null);

    /** Runs {@code action} with the log captured; returns the log text. */
    private static String logOf(ThrowingRunnable action) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream before = Log.redirect(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            Log.redirect(before);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void theParserTellsDefaultsFromWhatTheFileAsksFor() throws Exception {
        TunxlatConfig d = ConfigParser.parse(BASE, Path.of("t"));
        assertTrue(d.metricsListenDefaulted());
        assertTrue(d.controlSocketDefaulted());
        TunxlatConfig e = ConfigParser.parse(BASE + "metrics-listen 127.0.0.1:9464\ncontrol-socket /run/tunxlat/nat64.sock\n",
                Path.of("t"));
        assertEquals(d.metricsListen(), e.metricsListen(), "the same address as the default...");
        assertEquals(d.controlSocket(), e.controlSocket());
        assertTrue(!e.metricsListenDefaulted() && !e.controlSocketDefaulted(), "...but asked for");
        assertTrue(!ConfigParser.parse(BASE + "control-socket off\n", Path.of("t")).controlSocketDefaulted());
        // --metrics-listen on the command line is asked for too (RunCommand sets it through the builder).
        assertTrue(!d.toBuilder().metricsListen(d.metricsListen()).build().metricsListenDefaulted());
        assertTrue(d.toBuilder().build().metricsListenDefaulted(), "toBuilder keeps the flag");
    }

    @Test
    void aDefaultMetricsAddressInUseWarnsOnceAndRunsWithoutTheEndpoint() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ListenAddress taken = ListenAddress.parseOrOff("127.0.0.1:" + squatter.getLocalPort());
            TunxlatConfig c = ConfigParser.parse(BASE, Path.of("t")).toBuilder().metricsListen(taken)
                    .metricsListenDefaulted(true).controlSocket(null).build();
            MetricsServer[] bound = new MetricsServer[1];
            String log = logOf(() -> bound[0] = new Daemon(c, OPTIONS).bindMetricsServer());
            assertNull(bound[0]);
            assertEquals(1, log.lines().count(), log);
            assertTrue(log.contains("warning: running without the metrics endpoint: the default metrics-listen " + taken
                    + " cannot listen (Address already in use); set 'metrics-listen ADDRESS:PORT' to serve metrics"
                    + " elsewhere, or 'metrics-listen off' to silence this"), log);
        }
    }

    @Test
    void anExplicitMetricsAddressInUseFailsTheStart() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            TunxlatConfig c = ConfigParser.parse(BASE + "metrics-listen 127.0.0.1:" + squatter.getLocalPort() + "\n",
                    Path.of("t"));
            EndpointException e = assertThrows(EndpointException.class, () -> new Daemon(c, OPTIONS).bindMetricsServer());
            assertEquals("metrics-listen 127.0.0.1:" + squatter.getLocalPort() + ": cannot listen (Address already in"
                    + " use); choose another ADDRESS:PORT with 'metrics-listen' or --metrics-listen, or 'off'",
                    e.getMessage());
        }
    }

    @Test
    void anUnassignableDefaultAddressAlsoOnlyWarns() throws Exception {
        // 192.0.2.1 (TEST-NET-1) is on no interface here, as 127.0.0.1 is on none in a namespace whose lo is down.
        TunxlatConfig c = ConfigParser.parse(BASE, Path.of("t")).toBuilder()
                .metricsListen(ListenAddress.parseOrOff("192.0.2.1:9464")).metricsListenDefaulted(true).build();
        MetricsServer[] bound = new MetricsServer[1];
        String log = logOf(() -> bound[0] = new Daemon(c, OPTIONS).bindMetricsServer());
        assertNull(bound[0]);
        assertTrue(log.contains("cannot listen (Cannot assign requested address)"), log);
    }

    @Test
    void aDefaultControlSocketAnotherDaemonAnswersOnWarnsAndAnExplicitOneFails(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("nat64.sock");
        try (ControlServer other = ControlServer.start(sock, null, null, (request, out) -> out.write("ok\n"))) {
            TunxlatConfig defaulted = ConfigParser.parse(BASE + "metrics-listen off\n", Path.of("t")).toBuilder()
                    .controlSocket(sock).controlSocketDefaulted(true).build();
            ControlServer[] started = new ControlServer[1];
            String log = logOf(() -> started[0] = new Daemon(defaulted, OPTIONS).startControl());
            assertNull(started[0], "runs without a control socket");
            assertEquals(1, log.lines().count(), log);
            assertTrue(log.contains("warning: running without a control socket ('tunxlat map' cannot reach this"
                    + " process): "), log);
            TunxlatConfig explicit = defaulted.toBuilder().controlSocket(sock).build();
            EndpointException e = assertThrows(EndpointException.class, () -> new Daemon(explicit, OPTIONS).startControl());
            assertNotNull(e.getMessage());
            assertTrue(e.getMessage().contains(sock.toString()), e.getMessage());
            // The other daemon's socket was left alone.
            assertEquals(sock, other.path());
            assertTrue(Files.exists(sock));
        }
    }
}
