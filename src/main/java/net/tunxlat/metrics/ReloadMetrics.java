// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static net.tunxlat.metrics.MetricCatalogue.*;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * The configuration reloads' meters (SIGHUP): how many succeeded and failed, when the configuration was
 * last loaded successfully and whether the last attempt succeeded, the names and meanings of Prometheus's
 * own {@code prometheus_config_*} metrics. The reloader implements {@link Source}; the start's load counts
 * as the first successful one, so the timestamp is the start time until a reload succeeds.
 */
public final class ReloadMetrics implements MeterBinder {
    public static final String SUCCESS = "success";
    public static final String FAILURE = "failure";

    /** What the reloader tells the metrics; called at scrape time from the HTTP thread. */
    public interface Source {
        /** Reloads that published a new configuration since start (only grows). */
        long reloads();

        /** Reloads that failed and kept the running configuration since start (only grows). */
        long failures();

        /** When the configuration was last loaded successfully (at start or by a reload), in Unix seconds. */
        double lastSuccessSeconds();

        /** Whether the last load (at start or by a reload) succeeded. */
        boolean lastSuccessful();
    }

    private final Source reloads;

    public ReloadMetrics(Source reloads) {
        this.reloads = Objects.requireNonNull(reloads, "reloads");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(meterName(CONFIG_RELOADS), reloads, Source::reloads).description(help(CONFIG_RELOADS))
                .tag("result", SUCCESS).register(registry);
        FunctionCounter.builder(meterName(CONFIG_RELOADS), reloads, Source::failures).description(help(CONFIG_RELOADS))
                .tag("result", FAILURE).register(registry);
        Gauge.builder(meterName(CONFIG_LAST_SUCCESS), reloads, Source::lastSuccessSeconds)
                .description(help(CONFIG_LAST_SUCCESS)).strongReference(true).register(registry);
        Gauge.builder(meterName(CONFIG_LAST_SUCCESSFUL), reloads, s -> s.lastSuccessful() ? 1 : 0)
                .description(help(CONFIG_LAST_SUCCESSFUL)).strongReference(true).register(registry);
    }
}
