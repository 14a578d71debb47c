// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static net.tunxlat.metrics.MetricCatalogue.*;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.nat64.Nat64Counts;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.TcpStates;

/**
 * Stateful NAT64's meters (RFC 6146): sessions, BIB entries, pool4 ports, port blocks, subscribers, read from the
 * {@link Nat64Counts} the sweeper published at its last pass ({@code Nat64Tables.counts()}): a scrape scans no
 * table. The NAT64 drops (pool exhausted, subscriber limit, table full, ...) are counted by the workers under
 * {@code tunxlat_dropped_packets_total} with their own reasons; these meters add what is not a drop.
 *
 * <p>{@link #bindTo} registers the meters with fixed labels, always (zeros while {@code counts} gives null:
 * no pool4), so dashboards and alerts never miss a name; {@link #bindPool4} the per-address ones, once the pool
 * is known.
 */
public final class Nat64Metrics implements MeterBinder {
    private final Supplier<Nat64Counts> counts;

    /** @param counts the last pass's counts, or null without stateful NAT64 (read at every scrape) */
    public Nat64Metrics(Supplier<Nat64Counts> counts) {
        this.counts = counts;
    }

    /** A TCP state as a label value: {@code established}, {@code v6_init}, ... */
    static String stateLabel(int state) {
        return TcpStates.name(state).toLowerCase(Locale.ROOT);
    }

    private double read(ToDoubleFunction<Nat64Counts> f) {
        Nat64Counts c = counts.get();
        return c == null ? 0 : f.applyAsDouble(c);
    }

    private void gauge(MeterRegistry registry, String name, ToDoubleFunction<Nat64Counts> f, String... tags) {
        Gauge.builder(meterName(name), this, m -> m.read(f)).description(help(name)).tags(tags)
                .strongReference(true).register(registry);
    }

    private void counter(MeterRegistry registry, String name, ToDoubleFunction<Nat64Counts> f, String... tags) {
        FunctionCounter.builder(meterName(name), this, m -> m.read(f)).description(help(name)).tags(tags)
                .register(registry);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            int pp = p;
            String proto = Nat64Protocol.name(p);
            gauge(registry, NAT64_SESSIONS, c -> c.sessions(pp), "protocol", proto);
            gauge(registry, NAT64_BIB_ENTRIES, c -> c.bibEntries(pp, true), "protocol", proto, "type", "static");
            gauge(registry, NAT64_BIB_ENTRIES, c -> c.bibEntries(pp, false), "protocol", proto, "type", "dynamic");
            gauge(registry, NAT64_BLOCKS, c -> c.blocks(pp), "protocol", proto);
            gauge(registry, NAT64_BLOCKS_USED, c -> c.blocksInUse(pp), "protocol", proto);
            counter(registry, NAT64_BLOCK_ALLOCATIONS, c -> c.blockAllocations(pp), "protocol", proto);
            counter(registry, NAT64_BLOCK_RELEASES, c -> c.blockReleases(pp), "protocol", proto);
            counter(registry, NAT64_SESSIONS_CREATED, c -> c.sessionsCreated(pp), "protocol", proto);
            counter(registry, NAT64_SESSIONS_EXPIRED, c -> c.sessionsExpired(pp), "protocol", proto);
        }
        for (int s = TcpStates.V6_INIT; s <= TcpStates.TRANS; s++) {
            int ss = s;
            gauge(registry, NAT64_TCP_SESSIONS, c -> c.tcpSessions(ss), "state", stateLabel(s));
        }
        gauge(registry, NAT64_SUBSCRIBERS, Nat64Counts::subscribers);
        gauge(registry, NAT64_SUBSCRIBERS_AT_LIMIT, Nat64Counts::subscribersAtSessionLimit, "limit", "sessions");
        gauge(registry, NAT64_SUBSCRIBERS_AT_LIMIT, Nat64Counts::subscribersAtBlockLimit, "limit", "blocks");
        gauge(registry, NAT64_SYN_HELD, Nat64Counts::synHeld);
        gauge(registry, NAT64_SWEEP_SECONDS, Nat64Counts::passSeconds);
    }

    /**
     * The pool4 meters, one series per pool4 address and protocol that has ports there ({@code pool4} label: the
     * configured address; the pool is fixed until a restart, so the series are too).
     */
    public void bindPool4(MeterRegistry registry, Nat64Counts pool) {
        for (int i = 0; i < pool.addressCount(); i++) {
            int ii = i;
            String address = Addresses.formatIpv4(pool.address(i));
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                if (pool.ports(p, i) == 0) {
                    continue;
                }
                int pp = p;
                String proto = Nat64Protocol.name(p);
                gauge(registry, NAT64_POOL4_PORTS, c -> c.ports(pp, ii), "pool4", address, "protocol", proto);
                gauge(registry, NAT64_POOL4_PORTS_USED, c -> c.portsUsed(pp, ii), "pool4", address, "protocol", proto);
            }
        }
    }
}
