// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static net.tunxlat.metrics.MetricCatalogue.*;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * The dynamic pool's meters, for when the pool exists: it implements {@link Source} (reads of its own
 * state, cheap and lock-free, called at scrape time) and the daemon calls
 * {@code metrics.bind(new DynamicPoolMetrics(pool))}. Then clear {@code reservedFor} of these names in
 * {@link MetricCatalogue}.
 */
public final class DynamicPoolMetrics implements MeterBinder {
    /** What the pool tells the metrics; every method is called at scrape time from the HTTP thread. */
    public interface Source {
        /** Addresses in the pool (the lowest is reserved, as in TAYGA). */
        long poolAddresses();

        /** Addresses bound to an IPv6 host. */
        long usedAddresses();

        /** Learned mappings with traffic seen recently. */
        long activeMappings();

        /** Learned mappings kept but idle. */
        long dormantMappings();

        /** Addresses bound to a new IPv6 host since start (only grows). */
        long allocations();

        /** Failed writes of {@code data-dir/dynamic.map} since start (only grows; retried every second). */
        default long writeFailures() {
            return 0;
        }
    }

    private final Source pool;

    public DynamicPoolMetrics(Source pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(meterName(POOL_ADDRESSES), pool, Source::poolAddresses).description(help(POOL_ADDRESSES))
                .strongReference(true).register(registry);
        Gauge.builder(meterName(POOL_USED_ADDRESSES), pool, Source::usedAddresses)
                .description(help(POOL_USED_ADDRESSES)).strongReference(true).register(registry);
        Gauge.builder(meterName(DYNAMIC_MAPPINGS), pool, Source::activeMappings).description(help(DYNAMIC_MAPPINGS))
                .tag("state", "active").strongReference(true).register(registry);
        Gauge.builder(meterName(DYNAMIC_MAPPINGS), pool, Source::dormantMappings).description(help(DYNAMIC_MAPPINGS))
                .tag("state", "dormant").strongReference(true).register(registry);
        FunctionCounter.builder(meterName(POOL_ALLOCATIONS), pool, Source::allocations)
                .description(help(POOL_ALLOCATIONS)).register(registry);
        FunctionCounter.builder(meterName(POOL_WRITE_FAILURES), pool, Source::writeFailures)
                .description(help(POOL_WRITE_FAILURES)).register(registry);
    }
}
