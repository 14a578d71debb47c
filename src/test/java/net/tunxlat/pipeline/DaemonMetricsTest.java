// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.metrics.MetricCatalogue;
import net.tunxlat.metrics.ReloadMetrics;
import net.tunxlat.metrics.Scrape;
import net.tunxlat.metrics.TunxlatMetrics;
import net.tunxlat.nptv6.Nptv6Learned;
import net.tunxlat.nptv6.Nptv6Table;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;
import org.junit.jupiter.api.Test;

/** What {@link Daemon#newMetrics} reads: the running snapshot's NPTv6 learned table and the reloader. */
class DaemonMetricsTest {
    @Test
    void learnedTableAndReloadsAreReadFromTheRunningState() throws Exception {
        // Two inside prefixes share one outside prefix: replies are routed by the learned owners.
        XlatSnapshot snapshot = new XlatSnapshot(ConfigParser.parse("""
                tun-device npt
                nptv6 fd00:a::/64 2001:db8:2::/64 outbound
                nptv6 fd00:b::/64 2001:db8:2::/64 outbound
                nptv6-learn-max 16
                """, Path.of("npt.conf")));
        Nptv6Table table = snapshot.nptv6();
        Nptv6Learned learned = table.learned();
        for (int i = 0; i < 100; i++) {
            table.learn(0x20010db800020000L, 0x1000 + i, i % 2); // more live owners than the table holds
        }
        assertTrue(learned.evictedTotal() > 0, "the table overflowed");
        ReloadMetrics.Source reloads = new ReloadMetrics.Source() {
            @Override public long reloads() { return 4; }
            @Override public long failures() { return 1; }
            @Override public double lastSuccessSeconds() { return 1_765_000_000; }
            @Override public boolean lastSuccessful() { return true; }
        };
        try (TunxlatMetrics metrics = Daemon.newMetrics(List.of(new XlatCounters()), null, null, reloads, () -> snapshot)) {
            Scrape s = Scrape.parse(metrics.scrape());
            assertEquals(table.learnedOwners(table.now()), s.value(MetricCatalogue.NPTV6_LEARNED));
            assertTrue(s.value(MetricCatalogue.NPTV6_LEARNED) > 0);
            assertEquals(learned.evictedTotal(), s.value(MetricCatalogue.NPTV6_EVICTIONS));
            assertEquals(2, s.value(MetricCatalogue.NPTV6_PREFIXES));
            assertEquals(4, s.value(MetricCatalogue.CONFIG_RELOADS, "result", "success"));
            assertEquals(1, s.value(MetricCatalogue.CONFIG_RELOADS, "result", "failure"));
            assertEquals(1_765_000_000, s.value(MetricCatalogue.CONFIG_LAST_SUCCESS));
        }
    }

    @Test
    void withoutNptv6OrAReloaderTheMetricsAreStillThere() throws Exception {
        XlatSnapshot snapshot = new XlatSnapshot(ConfigParser.parse("""
                tun-device nat64
                ipv4-addr 192.168.255.1
                prefix 2001:db8:64::/96
                """, Path.of("nat64.conf")));
        try (TunxlatMetrics metrics = Daemon.newMetrics(List.of(new XlatCounters()), null, null, null, () -> snapshot)) {
            Scrape s = Scrape.parse(metrics.scrape());
            assertEquals(0, s.value(MetricCatalogue.NPTV6_LEARNED));
            assertEquals(0, s.value(MetricCatalogue.NPTV6_EVICTIONS));
            assertEquals(0, s.value(MetricCatalogue.CONFIG_RELOADS, "result", "failure"));
            assertEquals(1, s.value(MetricCatalogue.CONFIG_LAST_SUCCESSFUL));
        }
    }
}
