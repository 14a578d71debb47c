// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static net.tunxlat.e2e.TestBed.IPV6_HOST_MAPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import net.tunxlat.ExternalTool;
import net.tunxlat.metrics.Scrape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * tunxlat's metrics as a real Prometheus server sees them. Prometheus (Debian's {@code prometheus}
 * package) runs inside the translator namespace and scrapes tunxlat's {@code metrics-listen
 * 127.0.0.1:9464} every second; known traffic crosses the translator; the counters read through
 * Prometheus's HTTP API must move by exactly the expected amounts (and agree with tunxlat's own
 * /metrics). {@code promtool check metrics} runs on the live scrape too. Then a host takes a dynamic pool
 * address, the configuration is reloaded once successfully and once with an error, and the reload metrics
 * say so; every query and annotation of the Grafana dashboard, its variables filled in as Grafana does for
 * this one instance, returns data (and no NaN) from this Prometheus, except the pool4 use queries, which need a
 * pool4 (this bed has a dynamic pool; the two exclude each other) and must come back empty; so the translator is
 * restarted at the end with pool4 instead of the dynamic pool, and those queries must return data then.
 *
 * <p>Needs root (network namespaces) and the prometheus package; skipped without them (failed under CI).
 */
class PrometheusMetricsIT {
    private static final String METRICS = "127.0.0.1:9464";
    private static final String PROMETHEUS = "127.0.0.1:9090";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int PINGS = 5;
    private static final int DATAGRAMS = 7;
    private static final int EXPIRED = 3;
    private static final int UDP_PAYLOAD = 100;
    private static final int PORT = 5002;
    /** An IPv6 host without a static map: it takes an address of the dynamic pool. */
    private static final String DYNAMIC_HOST = "2001:db8:6::77";
    private static final String JOB = "tunxlat";

    private static final Translator TRANSLATOR = Translator.fromSystemProperties();

    @RegisterExtension
    final TestBedExtension env = new TestBedExtension(TRANSLATOR,
            b -> isTunxlat() ? b.configLine("metrics-listen " + METRICS).configLine("dynamic-pool " + TestBed.POOL) : b);

    private static boolean isTunxlat() {
        return TRANSLATOR.name().equals("tunxlat");
    }

    /** A series as PromQL and as the labels of tunxlat's own exposition. */
    private record Series(String promql, String name, String[] labels) {
        static Series of(String name, String... labels) {
            StringBuilder q = new StringBuilder("sum(").append(name).append('{');
            for (int i = 0; i < labels.length; i += 2) {
                q.append(i == 0 ? "" : ",").append(labels[i]).append("=\"").append(labels[i + 1]).append('"');
            }
            return new Series(q.append("})").toString(), name, labels);
        }

        @Override
        public String toString() {
            return promql;
        }
    }

    @Test
    void countersMoveByTheTrafficSent() throws Exception {
        TestBed bed = env.bed();
        Assumptions.assumeTrue(isTunxlat(), "metrics are tunxlat's own; nothing to check against " + TRANSLATOR.name());
        Path prometheus = ExternalTool.require("prometheus", "apt-get install prometheus");
        Path promtool = ExternalTool.require("promtool", "apt-get install prometheus");
        ExternalTool.require("curl", "apt-get install curl");
        Netns ns = bed.translatorNs();

        // What the traffic below must add, series by series.
        Map<Series, Double> expected = new LinkedHashMap<>();
        expected.put(Series.of("tunxlat_translated_packets_total", "direction", "64", "protocol", "icmp"), (double) PINGS);
        expected.put(Series.of("tunxlat_translated_packets_total", "direction", "46", "protocol", "icmp"), (double) PINGS);
        // ping's 56 data bytes: an 84-byte IPv4 packet and a 104-byte IPv6 packet
        expected.put(Series.of("tunxlat_translated_bytes_total", "direction", "64", "protocol", "icmp"), PINGS * 84.0);
        expected.put(Series.of("tunxlat_translated_bytes_total", "direction", "46", "protocol", "icmp"), PINGS * 104.0);
        expected.put(Series.of("tunxlat_translated_packets_total", "direction", "64", "protocol", "udp"), (double) DATAGRAMS);
        expected.put(Series.of("tunxlat_translated_bytes_total", "direction", "64", "protocol", "udp"),
                DATAGRAMS * (20.0 + 8 + UDP_PAYLOAD));
        expected.put(Series.of("tunxlat_translated_packets_total", "direction", "46", "protocol", "udp"), 0.0);
        // TTL expiry on the IPv4 side (the IPv6 side of the TUN device also carries the kernel's own MLD
        // reports, hop limit 1, at times of its choosing)
        expected.put(Series.of("tunxlat_dropped_packets_total", "reason", "ttl_exceeded_46"), (double) EXPIRED);
        expected.put(Series.of("tunxlat_icmp_errors_sent_total", "ip_version", "4", "type", "time_exceeded"),
                (double) EXPIRED);
        expected.put(Series.of("tunxlat_dropped_packets_total", "reason", "bad_header_checksum_46"), 0.0);

        Path dir = TestBed.logDirectory();
        String base = "prometheus-" + ns.name();
        Path config = dir.resolve(base + ".yml").toAbsolutePath();
        Path data = dir.resolve(base + "-data").toAbsolutePath();
        Path log = dir.resolve(base + ".log").toAbsolutePath();
        Files.writeString(config, """
                # written by PrometheusMetricsIT: scrape tunxlat in the translator namespace every second
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: %s
                    static_configs:
                      - targets: ['%s']
                """.formatted(JOB, METRICS), StandardCharsets.UTF_8);
        Process server = ns.spawn(log, List.of(prometheus.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + data, "--web.listen-address=" + PROMETHEUS, "--log.level=warn"));
        try {
            await("Prometheus ready", () -> ns.exec("curl", "-sf", "http://" + PROMETHEUS + "/-/ready").ok() ? 1.0 : null,
                    1.0, log);
            await("target up", () -> query(ns, "up{job=\"tunxlat\"}"), 1.0, log);
            assertEquals(1.0, query(ns, "count(tunxlat_build_info{job=\"tunxlat\",version!=\"\"})"), "build info");

            // Baseline: Prometheus has caught up with tunxlat's own counters (no traffic now).
            Map<Series, Double> baseline = new LinkedHashMap<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                Scrape direct = directScrape(ns);
                boolean same = true;
                for (Series s : expected.keySet()) {
                    Double seen = query(ns, s.promql());
                    double own = direct.value(s.name(), s.labels());
                    baseline.put(s, own);
                    same &= seen != null && seen == own;
                }
                if (same) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Prometheus never agreed with /metrics; log:\n" + Files.readString(log));
                }
                Thread.sleep(300);
            }

            sendTraffic(bed);

            // tunxlat's own counters moved by exactly the traffic, and Prometheus sees the same.
            Scrape after = directScrape(ns);
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<Series, Double> e : expected.entrySet()) {
                Series s = e.getKey();
                double delta = after.value(s.name(), s.labels()) - baseline.get(s);
                if (delta != e.getValue()) {
                    wrong.add(s + " moved by " + delta + " on /metrics, expected " + e.getValue());
                }
            }
            assertEquals(List.of(), wrong);
            for (Map.Entry<Series, Double> e : expected.entrySet()) {
                Series s = e.getKey();
                await("Prometheus: " + s, () -> query(ns, s.promql()), baseline.get(s) + e.getValue(), log);
            }
            Double batches = query(ns, "sum(tunxlat_batch_size_packets_count)");
            assertTrue(batches != null && batches > 0, "batches counted: " + batches);
            assertEquals(0.0, query(ns, "sum(tunxlat_tun_write_errors_total)"));

            dynamicBindingAndReloads(bed, log);
            List<String> pool4Queries = dashboardQueriesRun(bed, ns);

            // promtool on the live exposition
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(after.text().getBytes(StandardCharsets.UTF_8));
            }
            String findings = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals("", findings.trim(), "promtool check metrics on the live scrape");
            assertEquals(0, p.exitValue());

            pool4QueriesRun(bed, ns, pool4Queries, log);
        } finally {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /** {@value #PINGS} answered pings, {@value #DATAGRAMS} UDP datagrams, {@value #EXPIRED} expired pings. */
    private static void sendTraffic(TestBed bed) throws IOException {
        ExecResult ping = bed.ipv6Host().exec("ping", "-6", "-n", "-c", Integer.toString(PINGS), "-i", "0.2", "-W", "2",
                IPV4_HOST_VIA_PREFIX);
        assertTrue(ping.ok() && ping.output().contains(PINGS + " packets transmitted, " + PINGS + " received"),
                ping.describe());

        DatagramSocket server = bed.ipv4Host().openUdp(new InetSocketAddress("0.0.0.0", PORT)).socket();
        server.setSoTimeout(2000);
        DatagramSocket client = bed.ipv6Host().openUdp(new InetSocketAddress("::", 0)).socket();
        InetSocketAddress target = new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT);
        int received = 0;
        for (int i = 0; i < DATAGRAMS; i++) {
            client.send(new DatagramPacket(new byte[UDP_PAYLOAD], UDP_PAYLOAD, target));
            try {
                DatagramPacket got = new DatagramPacket(new byte[2048], 2048);
                server.receive(got);
                assertEquals(UDP_PAYLOAD, got.getLength());
                received++;
            } catch (SocketTimeoutException e) {
                break;
            }
        }
        assertEquals(DATAGRAMS, received, "datagrams that crossed the translator");
        server.close();
        client.close();

        // TTL 2: the translator namespace's kernel forwards with 1, the translator drops it
        ExecResult expired = bed.ipv4Host().exec("ping", "-4", "-n", "-c", Integer.toString(EXPIRED), "-i", "0.2",
                "-W", "1", "-t", "2", IPV6_HOST_MAPPED);
        assertTrue(expired.output().contains(EXPIRED + " packets transmitted, 0 received"), expired.describe());
    }

    /**
     * A host takes a dynamic pool address; one reload succeeds and one fails (a line that does not parse is
     * added to the configuration), and Prometheus sees both, the failure last.
     */
    private static void dynamicBindingAndReloads(TestBed bed, Path log) throws Exception {
        Netns ns = bed.translatorNs();
        bed.addIpv6HostAddresses(List.of(DYNAMIC_HOST));
        ExecResult ping = bed.ipv6Host().exec("ping", "-6", "-n", "-c", "2", "-i", "0.2", "-W", "2", "-I", DYNAMIC_HOST,
                IPV4_HOST_VIA_PREFIX);
        assertTrue(ping.ok(), ping.describe());
        await("a dynamic binding", () -> query(ns, "tunxlat_dynamic_pool_used_addresses"), 1.0, log);
        assertEquals(1.0, query(ns, "tunxlat_config_last_reload_successful"), "the start's load succeeded");

        ReloadEndToEndIT.hup(bed);
        await("a successful reload", () -> query(ns, "tunxlat_config_reloads_total{result=\"success\"}"), 1.0, log);
        assertEquals(1.0, query(ns, "count(tunxlat_config_last_reload_success_timestamp_seconds"
                + " > on (job, instance) process_start_time_seconds)"), "the reload is later than the start");

        Files.writeString(bed.configFile(), "map 192.168.255.99 not-an-address\n", StandardOpenOption.APPEND);
        ReloadEndToEndIT.hup(bed);
        await("a failed reload", () -> query(ns, "tunxlat_config_reloads_total{result=\"failure\"}"), 1.0, log);
        await("the failure is the last load", () -> query(ns, "tunxlat_config_last_reload_successful"), 0.0, log);
        assertEquals(1.0, query(ns, "tunxlat_config_reloads_total{result=\"success\"}"));
        // The JVM collects twice (the first pause may create the series, the second moves it), so that the GC
        // pause panels, rates over the last minute, have pauses to show.
        ExternalTool.require("jcmd", "apt-get install openjdk-17-jdk-headless");
        for (int i = 0; i < 2; i++) {
            ExecResult gc = Cmd.exec(Cmd.DEFAULT_TIMEOUT, List.of("jcmd", Long.toString(bed.translator().pid()), "GC.run"));
            assertTrue(gc.ok(), gc.describe());
            await("GC pause " + (i + 1) + " scraped", () -> query(ns, "sum(jvm_gc_pause_seconds_count)") != null ? 1.0 : 0.0,
                    1.0, log);
            Thread.sleep(1500);
        }
        await("GC pauses within the last minute", () -> query(ns, "sum(increase(jvm_gc_pause_seconds_count[1m])) > 0")
                != null ? 1.0 : 0.0, 1.0, log);
        // Fresh drops for the panels that show only reasons with drops in the last minute.
        ExecResult expired = bed.ipv4Host().exec("ping", "-4", "-n", "-c", "2", "-i", "0.2", "-W", "1", "-t", "2",
                IPV6_HOST_MAPPED);
        assertTrue(expired.output().contains("2 packets transmitted, 0 received"), expired.describe());
        await("fresh drops scraped", () -> query(ns, "sum(increase(tunxlat_dropped_packets_total[1m])) > 0") != null
                ? 1.0 : 0.0, 1.0, log);
    }

    private static final Pattern EXPR = Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"");
    /**
     * Selectors of the pool4 divisors: a query that divides by them has data only on a translator with pool4, and
     * this bed has a dynamic pool instead (pool4 and dynamic-pool exclude each other). Here such a query must run
     * and come back empty; Nat64MetricsTest and GrafanaDashboardTest see the series with data.
     */
    private static final List<String> NEEDS_POOL4 = List.of("(tunxlat_nat64_pool4_ports{", "(tunxlat_nat64_port_blocks{");

    /**
     * Every query and annotation of the Grafana dashboard, with the variables filled in as Grafana fills them
     * for this one selected instance (a regex-escaped value), runs on this Prometheus and returns data, and no
     * value is NaN; the CLAT row's run and return nothing (its metrics come from tunxlat clat's own endpoint).
     */
    private static List<String> dashboardQueriesRun(TestBed bed, Netns ns) throws IOException {
        String json = Files.readString(Path.of("grafana/tunxlat-dashboard.json"));
        Matcher m = EXPR.matcher(json);
        List<String> empty = new ArrayList<>();
        List<String> nan = new ArrayList<>();
        List<String> pool4 = new ArrayList<>();
        List<String> clat = new ArrayList<>();
        int n = 0;
        while (m.find()) {
            String expr = m.group(1).replace("\\\"", "\"").replace("\\\\", "\\")
                    .replace("$__rate_interval", "1m").replace("$__range", "5m").replace("$job", JOB)
                    .replace("$instance", METRICS.replace(".", "\\\\."));
            n++;
            List<Double> values = queryAll(ns, expr);
            String e = expr;
            if (e.contains("tunxlat_clat_")) {
                // the CLAT row: tunxlat clat serves those from its own endpoint (ClatEndToEndIT, GrafanaDashboardTest)
                clat.add(expr);
                if (!values.isEmpty()) {
                    clat.add("CLAT DATA FROM A TRANSLATOR: " + values);
                }
            } else if (NEEDS_POOL4.stream().anyMatch(d -> e.contains(" / (sum by (instance, pool4, protocol) " + d)
                    || e.contains(" / (sum by (instance, protocol) " + d))) {
                pool4.add(expr);
                if (!values.isEmpty()) {
                    pool4.add("DATA WITHOUT pool4: " + values);
                }
            } else if (values.isEmpty()) {
                empty.add(expr);
            } else if (values.stream().anyMatch(v -> v.isNaN())) {
                nan.add(expr + " = " + values);
            }
        }
        assertTrue(n > 50, "dashboard queries and annotations found: " + n);
        assertEquals(List.of(), empty, "dashboard queries without data");
        assertEquals(List.of(), nan, "dashboard queries with NaN");
        assertEquals(2, pool4.size(), "the pool4 use queries, empty without pool4: " + pool4);
        assertEquals(4, clat.size(), "the CLAT row's queries run, empty on a translator: " + clat);
        return pool4;
    }

    /** A pool4 address inside the bed's routed pool, not the translator's and not mapped. */
    private static final String POOL4 = "192.168.255.250";

    /**
     * The translator again, with pool4 instead of the dynamic pool (and without the line the failed reload added):
     * the pool4 use queries of the dashboard now return data (nothing bound yet: 0), and no NaN.
     */
    private static void pool4QueriesRun(TestBed bed, Netns ns, List<String> queries, Path log) throws Exception {
        assertTrue(bed.stopTranslator(), "the translator stops");
        List<String> config = new ArrayList<>();
        for (String line : Files.readAllLines(bed.configFile())) {
            if (!line.startsWith("dynamic-pool ") && !line.startsWith("map 192.168.255.99 ")) {
                config.add(line);
            }
        }
        config.add("pool4 " + POOL4);
        Files.write(bed.configFile(), config, StandardCharsets.UTF_8);
        bed.restartTranslator(TRANSLATOR, WAIT);
        await("pool4 exported", () -> query(ns, "sum(tunxlat_nat64_pool4_ports{pool4=\"" + POOL4 + "\"})"),
                2 * 65535.0 + 65536, log);
        for (String q : queries) {
            await("dashboard pool4 query " + q, () -> query(ns, q), 0.0, log);
        }
    }

    /** tunxlat's /metrics, read inside the namespace. */
    private static Scrape directScrape(Netns ns) {
        ExecResult r = ns.exec("curl", "-sS", "--max-time", "5", "http://" + METRICS + "/metrics");
        assertTrue(r.ok(), r.describe());
        return Scrape.parse(r.output());
    }

    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[^,]+,\"([^\"]+)\"\\]");

    /** The value of an instant query through Prometheus's HTTP API, or null when it has no result. */
    static Double query(Netns ns, String promql) {
        List<Double> values = queryAll(ns, promql);
        return values.isEmpty() ? null : values.get(0);
    }

    /** Every value an instant query returns (empty when none, or when Prometheus could not be reached). */
    static List<Double> queryAll(Netns ns, String promql) {
        ExecResult r = ns.exec("curl", "-sS", "--max-time", "5", "-G", "--data-urlencode", "query=" + promql,
                "http://" + PROMETHEUS + "/api/v1/query");
        if (!r.ok()) {
            return List.of();
        }
        String json = r.output();
        if (!json.contains("\"status\":\"success\"")) {
            throw new AssertionError("query " + promql + " failed: " + json);
        }
        List<Double> values = new ArrayList<>();
        Matcher m = VALUE.matcher(json);
        while (m.find()) {
            values.add(Double.valueOf(m.group(1)));
        }
        return values;
    }

    private interface Probe {
        Double read() throws Exception;
    }

    private static void await(String what, Probe probe, double expected, Path log) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Double last = null;
        while (System.nanoTime() < deadline) {
            last = probe.read();
            if (last != null && last == expected) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + ": expected " + expected + ", last seen " + last + " after " + WAIT.toSeconds()
                + " s; Prometheus log:\n" + (Files.exists(log) ? Files.readString(log) : "(none)"));
    }
}
