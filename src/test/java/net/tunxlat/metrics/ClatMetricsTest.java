// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static org.junit.jupiter.api.Assertions.*;

import net.tunxlat.xlat.DropReason;
import org.junit.jupiter.api.Test;

/** The CLAT's meters: one prefix info series at a time, replaced when the prefix changes, none while down. */
class ClatMetricsTest {
    boolean up;
    String prefix = "";
    String source = "";

    final ClatMetrics.Source s = new ClatMetrics.Source() {
        @Override
        public boolean up() {
            return up;
        }

        @Override
        public String downReason() {
            return up ? "" : "no NAT64 prefix";
        }

        @Override
        public String prefix() {
            return prefix;
        }

        @Override
        public String prefixSource() {
            return source;
        }

        @Override
        public long transitions() {
            return 3;
        }

        @Override
        public long packets(boolean toIpv6) {
            return toIpv6 ? 11 : 5;
        }

        @Override
        public long drops(DropReason reason) {
            return reason == DropReason.FORBIDDEN_DST_64 ? 4 : 0;
        }
    };

    @Test
    void prefixSeriesFollowsThePrefix() {
        try (TunxlatMetrics m = TunxlatMetrics.forClat("test")) {
            ClatMetrics c = new ClatMetrics(s);
            c.bindTo(m.registry());
            String text = m.scrape();
            assertTrue(text.contains("tunxlat_clat_up 0.0"), text);
            assertFalse(text.contains("tunxlat_clat_prefix_info{"), "no series without a prefix");
            assertTrue(text.contains("tunxlat_clat_translated_packets_total{direction=\"46\",} 11.0"), text);
            assertTrue(text.contains("tunxlat_clat_transitions_total 3.0"), text);
            assertTrue(text.contains("tunxlat_clat_dropped_packets_total{reason=\"forbidden_dst_64\",} 4.0"), text);
            assertTrue(text.contains("tunxlat_clat_dropped_packets_total{reason=\"hop_limit_exceeded_64\",} 0.0"),
                    "every reason has its series: " + text);

            up = true;
            prefix = "64:ff9b::/96";
            source = "ra";
            c.refresh();
            text = m.scrape();
            assertTrue(text.contains("tunxlat_clat_up 1.0"), text);
            assertTrue(text.contains("tunxlat_clat_prefix_info{prefix=\"64:ff9b::/96\",source=\"ra\",} 1.0"), text);

            prefix = "2001:db8:64::/96";
            source = "rfc7050";
            c.refresh();
            text = m.scrape();
            assertFalse(text.contains("64:ff9b::/96"), "the old prefix's series is gone");
            assertTrue(text.contains("tunxlat_clat_prefix_info{prefix=\"2001:db8:64::/96\",source=\"rfc7050\",} 1.0"), text);
        }
    }
}
