// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import net.tunxlat.xlat.DropReason;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import java.lang.management.ManagementFactory;

/** The scrape: names, types and labels as the catalogue says, values summed over workers. */
class TunxlatMetricsTest {
    final TunxlatMetrics metrics = new TunxlatMetrics("1.2.3-test");
    final XlatCounters w0 = new XlatCounters();
    final XlatCounters w1 = new XlatCounters();

    @AfterEach
    void close() {
        metrics.close();
    }

    /** Two workers with some of everything, published; the metrics bound to them. */
    static void countSomething(XlatCounters w0, XlatCounters w1) {
        w0.translated(XlatCounters.DIR_46, 6, 1000);
        w0.translated(XlatCounters.DIR_46, 6, 500);
        w1.translated(XlatCounters.DIR_46, 6, 40);
        w1.translated(XlatCounters.DIR_64, 58, 84);
        w0.translated(XlatCounters.DIR_64, 17, 128);
        w0.drop(DropReason.HOP_LIMIT_EXCEEDED_64);
        w1.drop(DropReason.HOP_LIMIT_EXCEEDED_64);
        w1.drop(DropReason.BAD_HEADER_CHECKSUM_46);
        w0.icmpErrorSent(6, 3, 0);
        w1.icmpErrorSent(4, 3, 4);
        w0.increment(XlatCounters.ICMP_ERRORS_RATE_LIMITED);
        w0.increment(XlatCounters.ECHO_REPLIES_SENT);
        w1.increment(XlatCounters.FRAGMENTS_IN_46);
        w1.increment(XlatCounters.FRAGMENTS_46);
        w0.increment(XlatCounters.FRAGMENTS_IN_64);
        w0.increment(XlatCounters.TUN_READ_ERRORS);
        w1.increment(XlatCounters.TUN_WRITE_ERRORS);
        w0.batch(1, 1_500_000_000L);
        w0.batch(3, 0);
        w1.batch(64, 500_000_000L);
        w1.batch(2000, 0);
        w0.publish();
        w1.publish();
    }

    Scrape scrape() {
        return Scrape.parse(metrics.scrape());
    }

    @Test
    void familiesTypesAndLabelsAreTheCatalogues() {
        metrics.bindWorkers(List.of(w0, w1));
        metrics.bindStaticMappings(() -> 3);
        metrics.useNat64(Nat64MetricsTest.tables()); // the pool4 series exist only with a pool4
        assertFamiliesAreTheCatalogues(scrape(), false);
    }

    /** A CLAT that is up on 64:ff9b::/96 from an RA. */
    static final ClatMetrics.Source UP_CLAT = new ClatMetrics.Source() {
        @Override
        public boolean up() {
            return true;
        }

        @Override
        public String downReason() {
            return "";
        }

        @Override
        public String prefix() {
            return "64:ff9b::/96";
        }

        @Override
        public String prefixSource() {
            return "ra";
        }

        @Override
        public long transitions() {
            return 1;
        }

        @Override
        public long packets(boolean toIpv6) {
            return 0;
        }

        @Override
        public long drops(DropReason reason) {
            return 0;
        }
    };

    /** The CLAT's families ({@code tunxlat clat} serves them from its own process): the catalogue's tunxlat_clat_*. */
    @Test
    void clatFamiliesAreTheCatalogues() {
        try (TunxlatMetrics m = TunxlatMetrics.forClat("test")) {
            ClatMetrics clat = new ClatMetrics(UP_CLAT);
            clat.bindTo(m.registry());
            assertFamiliesAreTheCatalogues(Scrape.parse(m.scrape()), true);
        }
    }

    /** The scrape's tunxlat_* families, types and labels are the catalogue's (the CLAT's, or the translator's). */
    private static void assertFamiliesAreTheCatalogues(Scrape s, boolean clat) {
        Set<String> exported = new TreeSet<>(s.families("tunxlat_"));
        exported.remove(MetricCatalogue.BUILD_INFO);
        Set<String> expected = new TreeSet<>();
        for (MetricCatalogue.Entry e : MetricCatalogue.ALL) {
            if (!e.reserved() && e.name().startsWith("tunxlat_clat_") == clat && !e.name().equals(MetricCatalogue.BUILD_INFO)) {
                expected.add(e.name());
            }
        }
        assertEquals(expected, exported, "tunxlat_* families in the scrape vs MetricCatalogue (not reserved)");
        for (String name : exported) {
            MetricCatalogue.Entry e = MetricCatalogue.byName(name);
            assertEquals(e.type().prometheusType(), s.types().get(name), name);
            for (Scrape.Sample sample : s.samples()) {
                if (sample.name().equals(name)) {
                    assertEquals(new TreeSet<>(e.labels()), new TreeSet<>(sample.labels().keySet()), sample.toString());
                }
            }
        }
    }

    @Test
    void valuesAreSummedOverWorkers() {
        countSomething(w0, w1);
        metrics.bindWorkers(List.of(w0, w1));
        metrics.bindStaticMappings(() -> 3);
        Scrape s = scrape();
        String tp = MetricCatalogue.TRANSLATED_PACKETS;
        String tb = MetricCatalogue.TRANSLATED_BYTES;
        assertEquals(3, s.value(tp, "direction", "46", "protocol", "tcp"));
        assertEquals(1540, s.value(tb, "direction", "46", "protocol", "tcp"));
        assertEquals(1, s.value(tp, "direction", "64", "protocol", "icmp"));
        assertEquals(84, s.value(tb, "direction", "64", "protocol", "icmp"));
        assertEquals(1, s.value(tp, "direction", "64", "protocol", "udp"));
        assertEquals(0, s.value(tp, "direction", "46", "protocol", "other"));
        assertEquals(2, s.value(MetricCatalogue.DROPPED_PACKETS, "reason", "hop_limit_exceeded_64"));
        assertEquals(1, s.value(MetricCatalogue.DROPPED_PACKETS, "reason", "bad_header_checksum_46"));
        assertEquals(0, s.value(MetricCatalogue.DROPPED_PACKETS, "reason", "unknown_ip_version"));
        assertEquals(1, s.value(MetricCatalogue.ICMP_ERRORS_SENT, "ip_version", "6", "type", "time_exceeded"));
        assertEquals(1, s.value(MetricCatalogue.ICMP_ERRORS_SENT, "ip_version", "4", "type", "frag_needed"));
        assertEquals(0, s.value(MetricCatalogue.ICMP_ERRORS_SENT, "ip_version", "6", "type", "packet_too_big"));
        assertEquals(1, s.value(MetricCatalogue.ICMP_ERRORS_RATE_LIMITED));
        assertEquals(1, s.value(MetricCatalogue.ECHO_REPLIES_SENT));
        assertEquals(1, s.value(MetricCatalogue.FRAGMENTS_RECEIVED, "direction", "46"));
        assertEquals(1, s.value(MetricCatalogue.FRAGMENTS_RECEIVED, "direction", "64"));
        assertEquals(1, s.value(MetricCatalogue.FRAGMENTS_SENT, "direction", "46"));
        assertEquals(0, s.value(MetricCatalogue.FRAGMENTS_SENT, "direction", "64"));
        assertEquals(1, s.value(MetricCatalogue.TUN_READ_ERRORS));
        assertEquals(1, s.value(MetricCatalogue.TUN_WRITE_ERRORS));
        assertEquals(1.5, s.value(MetricCatalogue.WORKER_BUSY, "worker", "0"));
        assertEquals(0.5, s.value(MetricCatalogue.WORKER_BUSY, "worker", "1"));
        assertEquals(3, s.value(MetricCatalogue.STATIC_MAPPINGS));
        assertEquals(1, s.value(MetricCatalogue.BUILD_INFO, "version", "1.2.3-test",
                "java_version", System.getProperty("java.version")));
        for (DropReason r : DropReason.values()) {
            s.value(MetricCatalogue.DROPPED_PACKETS, "reason", r.label()); // one series per reason, even at 0
        }
    }

    @Test
    void batchSizesAreAPrometheusHistogram() {
        countSomething(w0, w1);
        metrics.bindWorkers(List.of(w0, w1));
        Scrape s = scrape();
        String b = MetricCatalogue.BATCH_SIZE;
        assertEquals("histogram", s.types().get(b));
        assertEquals(1, s.value(b + "_bucket", "le", "1.0"));
        assertEquals(1, s.value(b + "_bucket", "le", "2.0"));
        assertEquals(2, s.value(b + "_bucket", "le", "4.0"));
        assertEquals(3, s.value(b + "_bucket", "le", "64.0"));
        assertEquals(3, s.value(b + "_bucket", "le", "1024.0"));
        assertEquals(4, s.value(b + "_bucket", "le", "+Inf"));
        assertEquals(4, s.value(b + "_count"));
        assertEquals(1 + 3 + 64 + 2000, s.value(b + "_sum"));
    }

    @Test
    void jvmAndProcessBindersAreThere() {
        Scrape s = scrape();
        for (String name : List.of("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total", "jvm_threads_live_threads",
                "process_cpu_usage", "process_uptime_seconds", "process_files_open_files", "jvm_classes_loaded_classes",
                "jvm_info")) {
            assertTrue(s.types().containsKey(name), name + " in " + s.types().keySet());
        }
    }

    @Test
    void noLabelValueLooksLikeAnAddress() {
        countSomething(w0, w1);
        metrics.bindWorkers(List.of(w0, w1));
        metrics.useNat64(Nat64MetricsTest.tables());
        Pattern address = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+|[0-9a-fA-F]*:[0-9a-fA-F]*:");
        for (Scrape.Sample sample : scrape().samples()) {
            if (!sample.name().startsWith("tunxlat_")) {
                continue;
            }
            for (Map.Entry<String, String> l : sample.labels().entrySet()) {
                // pool4: a configured pool4 address (the pool4 meters' label, a fixed set), never a host's
                if (!l.getKey().equals("version") && !l.getKey().equals("java_version") && !l.getKey().equals("pool4")) {
                    assertFalse(address.matcher(l.getValue()).find(), sample.toString());
                }
            }
        }
    }

    @Test
    void poolAndNptv6MetricsAreAlwaysThereAndReadTheirSources() {
        metrics.bindWorkers(List.of(w0));
        Scrape zero = scrape();
        assertEquals(0, zero.value(MetricCatalogue.POOL_ADDRESSES), "zero without a pool");
        assertEquals(0, zero.value(MetricCatalogue.NPTV6_PACKETS, "direction", "out"));
        assertEquals(0, zero.value(MetricCatalogue.NPTV6_EVICTIONS));
        metrics.usePool(new FakePool());
        metrics.useNptv6(new FakeNptv6());
        Scrape s = scrape();
        assertEquals(Set.of(), MetricCatalogue.RESERVED, "nothing is reserved any more");
        assertEquals(254, s.value(MetricCatalogue.POOL_ADDRESSES));
        assertEquals(7, s.value(MetricCatalogue.DYNAMIC_MAPPINGS, "state", "dormant"));
        assertEquals(11, s.value(MetricCatalogue.NPTV6_PACKETS, "direction", "out"));
        assertEquals(2200, s.value(MetricCatalogue.NPTV6_BYTES, "direction", "in"));
        assertEquals(9, s.value(MetricCatalogue.NPTV6_LEARNED));
        assertEquals(4, s.value(MetricCatalogue.NPTV6_EVICTIONS));
    }

    @Test
    void reloadMetricsAreAlwaysThereAndReadTheirSource() {
        metrics.bindWorkers(List.of(w0));
        Scrape start = scrape();
        assertEquals(0, start.value(MetricCatalogue.CONFIG_RELOADS, "result", "success"));
        assertEquals(0, start.value(MetricCatalogue.CONFIG_RELOADS, "result", "failure"));
        assertEquals(1, start.value(MetricCatalogue.CONFIG_LAST_SUCCESSFUL), "the start's load succeeded");
        double started = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0;
        assertEquals(started, start.value(MetricCatalogue.CONFIG_LAST_SUCCESS), 0.001,
                "without a reloader the configuration was loaded when the process started");
        metrics.useReloads(new ReloadMetrics.Source() {
            @Override public long reloads() { return 3; }
            @Override public long failures() { return 2; }
            @Override public double lastSuccessSeconds() { return 1_700_000_123.5; }
            @Override public boolean lastSuccessful() { return false; }
        });
        Scrape s = scrape();
        assertEquals(3, s.value(MetricCatalogue.CONFIG_RELOADS, "result", "success"));
        assertEquals(2, s.value(MetricCatalogue.CONFIG_RELOADS, "result", "failure"));
        assertEquals(1_700_000_123.5, s.value(MetricCatalogue.CONFIG_LAST_SUCCESS));
        assertEquals(0, s.value(MetricCatalogue.CONFIG_LAST_SUCCESSFUL));
    }

    @Test
    void openMetricsWhenAskedFor() {
        metrics.bindWorkers(List.of(w0));
        TunxlatMetrics.Exposition om = metrics.scrape("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertTrue(om.contentType().startsWith("application/openmetrics-text"), om.contentType());
        assertTrue(om.text().endsWith("# EOF\n"));
        assertTrue(om.text().contains("# TYPE tunxlat_translated_packets counter"), om.text());
        TunxlatMetrics.Exposition text = metrics.scrape((String) null);
        assertTrue(text.contentType().startsWith("text/plain; version=0.0.4"), text.contentType());
    }

    static final class FakePool implements DynamicPoolMetrics.Source {
        @Override public long poolAddresses() { return 254; }
        @Override public long usedAddresses() { return 12; }
        @Override public long activeMappings() { return 5; }
        @Override public long dormantMappings() { return 7; }
        @Override public long allocations() { return 40; }
    }

    static final class FakeNptv6 implements Nptv6Metrics.Source {
        @Override public long packets(String direction) { return direction.equals(Nptv6Metrics.OUT) ? 11 : 22; }
        @Override public long bytes(String direction) { return direction.equals(Nptv6Metrics.OUT) ? 1100 : 2200; }
        @Override public long prefixes() { return 1; }
        @Override public long learnedEntries() { return 9; }
        @Override public long learnedEvictions() { return 4; }
    }
}
