// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static net.tunxlat.nat64.Nat64Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.nat64.Nat64Listener;
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.TcpStates;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stateful NAT64's meters in a real scrape, after a known set of flows and a sweeper pass. */
class Nat64MetricsTest {
    static final int T = Addresses.parseIpv4("192.0.2.1");
    static final int Z = Addresses.parseIpv4("198.51.100.7");
    static final long H = 0x20010db800010000L;

    final TunxlatMetrics metrics = new TunxlatMetrics("0.0.0-test");

    @AfterEach
    void close() {
        metrics.close();
    }

    /** pool4 192.0.2.1, ports 1024-2047 of TCP and UDP, blocks of 64; no ICMP. */
    static Nat64Tables tables() {
        Pool4 pool = new Pool4(List.of(new Pool4.Range(TCP, T, 1024, 2047), new Pool4.Range(UDP, T, 1024, 2047)), 64);
        return new Nat64Tables(Nat64Settings.defaults(pool, 1000), 1, Nat64Listener.NONE, () -> 1_800_000_000L);
    }

    @Test
    void zerosWithoutPool4AndThePoolSeriesOnlyWithIt() {
        metrics.bindWorkers(List.of(new XlatCounters()));
        metrics.useNat64(null);
        Scrape none = Scrape.parse(metrics.scrape());
        assertEquals(0, none.value(MetricCatalogue.NAT64_SESSIONS, "protocol", "tcp"));
        assertEquals(0, none.value(MetricCatalogue.NAT64_SUBSCRIBERS_AT_LIMIT, "limit", "sessions"));
        assertEquals(List.of(), none.families(MetricCatalogue.NAT64_POOL4_PORTS));
    }

    @Test
    void valuesAfterKnownFlows() {
        Nat64Tables t = tables();
        metrics.bindWorkers(List.of(new XlatCounters()));
        metrics.useNat64(t);
        Nat64Lookup r = new Nat64Lookup();
        for (int host = 1; host <= 3; host++) {
            assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, host, 40000, Z, 53, 0, 10));
        }
        assertEquals(Nat64Outcome.OK, t.table(TCP).outbound(r, H, 1, 50000, Z, 443, TcpStates.SYN, 10));
        Scrape before = Scrape.parse(metrics.scrape());
        assertEquals(0, before.value(MetricCatalogue.NAT64_SESSIONS, "protocol", "udp"), "nothing until the sweeper ran");
        t.sweep(11);

        Scrape s = Scrape.parse(metrics.scrape());
        assertEquals(3, s.value(MetricCatalogue.NAT64_SESSIONS, "protocol", "udp"));
        assertEquals(1, s.value(MetricCatalogue.NAT64_SESSIONS, "protocol", "tcp"));
        assertEquals(0, s.value(MetricCatalogue.NAT64_SESSIONS, "protocol", "icmp"));
        assertEquals(1, s.value(MetricCatalogue.NAT64_TCP_SESSIONS, "state", "v6_init"));
        assertEquals(0, s.value(MetricCatalogue.NAT64_TCP_SESSIONS, "state", "established"));
        assertEquals(3, s.value(MetricCatalogue.NAT64_BIB_ENTRIES, "protocol", "udp", "type", "dynamic"));
        assertEquals(0, s.value(MetricCatalogue.NAT64_BIB_ENTRIES, "protocol", "udp", "type", "static"));
        assertEquals(1024, s.value(MetricCatalogue.NAT64_POOL4_PORTS, "pool4", "192.0.2.1", "protocol", "udp"));
        assertEquals(3, s.value(MetricCatalogue.NAT64_POOL4_PORTS_USED, "pool4", "192.0.2.1", "protocol", "udp"));
        assertEquals(1, s.value(MetricCatalogue.NAT64_POOL4_PORTS_USED, "pool4", "192.0.2.1", "protocol", "tcp"));
        assertEquals(List.of(), s.samples().stream().filter(x -> x.name().equals(MetricCatalogue.NAT64_POOL4_PORTS)
                && "icmp".equals(x.labels().get("protocol"))).toList(), "no ICMP identifiers in this pool");
        assertEquals(16, s.value(MetricCatalogue.NAT64_BLOCKS, "protocol", "udp"));
        assertEquals(3, s.value(MetricCatalogue.NAT64_BLOCKS_USED, "protocol", "udp"), "one block per subscriber");
        assertEquals(3, s.value(MetricCatalogue.NAT64_BLOCK_ALLOCATIONS, "protocol", "udp"));
        assertEquals(0, s.value(MetricCatalogue.NAT64_BLOCK_RELEASES, "protocol", "udp"));
        assertEquals(3, s.value(MetricCatalogue.NAT64_SESSIONS_CREATED, "protocol", "udp"));
        assertEquals(0, s.value(MetricCatalogue.NAT64_SESSIONS_EXPIRED, "protocol", "udp"));
        assertEquals(3, s.value(MetricCatalogue.NAT64_SUBSCRIBERS));
        assertEquals(0, s.value(MetricCatalogue.NAT64_SUBSCRIBERS_AT_LIMIT, "limit", "sessions"));
        assertEquals(0, s.value(MetricCatalogue.NAT64_SYN_HELD));
        assertTrue(s.value(MetricCatalogue.NAT64_SWEEP_SECONDS) > 0);

        // everything expires (UDP 300 s, TCP V6_INIT 240 s): the counters keep what happened
        t.sweep(1000);
        Scrape after = Scrape.parse(metrics.scrape());
        assertEquals(0, after.value(MetricCatalogue.NAT64_SESSIONS, "protocol", "udp"));
        assertEquals(3, after.value(MetricCatalogue.NAT64_SESSIONS_EXPIRED, "protocol", "udp"));
        assertEquals(1, after.value(MetricCatalogue.NAT64_SESSIONS_EXPIRED, "protocol", "tcp"));
        assertEquals(3, after.value(MetricCatalogue.NAT64_BLOCK_RELEASES, "protocol", "udp"));
        assertEquals(0, after.value(MetricCatalogue.NAT64_POOL4_PORTS_USED, "pool4", "192.0.2.1", "protocol", "udp"));
        assertEquals(0, after.value(MetricCatalogue.NAT64_SUBSCRIBERS));
    }
}
