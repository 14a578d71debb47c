// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static net.tunxlat.metrics.MetricCatalogue.*;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * NPTv6's meters, for when NPTv6 exists: its per-worker counters are summed by a {@link Source}
 * (published values, as for {@code XlatCounters}) and the daemon calls
 * {@code metrics.bind(new Nptv6Metrics(source))}. Then clear {@code reservedFor} of these names in
 * {@link MetricCatalogue}. NPTv6 drops are counted under {@code tunxlat_dropped_packets_total} with
 * reasons of their own in {@code DropReason}.
 */
public final class Nptv6Metrics implements MeterBinder {
    /** The directions, as label values: out = internal to external prefix, in = external to internal. */
    public static final String OUT = "out";
    public static final String IN = "in";

    /** What NPTv6 tells the metrics; called at scrape time from the HTTP thread. */
    public interface Source {
        /** Packets rewritten in {@code direction} ({@link #OUT} or {@link #IN}; only grows). */
        long packets(String direction);

        /** Bytes of those packets (only grows). */
        long bytes(String direction);

        /** Configured prefix pairs. */
        long prefixes();

        /** Owners of shared outside addresses remembered now (not expired). */
        default long learnedEntries() {
            return 0;
        }

        /** Remembered owners pushed out before expiry because the table was full (grows; a reload starts anew). */
        default long learnedEvictions() {
            return 0;
        }
    }

    private final Source nptv6;

    public Nptv6Metrics(Source nptv6) {
        this.nptv6 = Objects.requireNonNull(nptv6, "nptv6");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String dir : new String[] {OUT, IN}) {
            FunctionCounter.builder(meterName(NPTV6_PACKETS), nptv6, s -> s.packets(dir))
                    .description(help(NPTV6_PACKETS)).tag("direction", dir).register(registry);
            FunctionCounter.builder(meterName(NPTV6_BYTES), nptv6, s -> s.bytes(dir))
                    .description(help(NPTV6_BYTES)).tag("direction", dir).register(registry);
        }
        Gauge.builder(meterName(NPTV6_PREFIXES), nptv6, Source::prefixes).description(help(NPTV6_PREFIXES))
                .strongReference(true).register(registry);
        Gauge.builder(meterName(NPTV6_LEARNED), nptv6, Source::learnedEntries).description(help(NPTV6_LEARNED))
                .strongReference(true).register(registry);
        FunctionCounter.builder(meterName(NPTV6_EVICTIONS), nptv6, Source::learnedEvictions)
                .description(help(NPTV6_EVICTIONS)).register(registry);
    }
}
