// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static net.tunxlat.metrics.MetricCatalogue.*;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import net.tunxlat.xlat.DropReason;

/**
 * The meters of {@code tunxlat clat} (RFC 6877's CLAT): whether it translates, the NAT64 prefix in use and its
 * source, its changes, the packets it translated and those it dropped, by reason. Read at scrape time from the controller's published state.
 * The prefix's info series is replaced when the prefix changes ({@link #refresh}, called by the controller's
 * thread after each tick), so exactly one series exists while a prefix is in use.
 */
public final class ClatMetrics implements MeterBinder {
    /** What the controller tells the metrics; read from the HTTP thread. */
    public interface Source {
        boolean up();

        /** Why the CLAT is down ("" when up). */
        String downReason();

        /** The NAT64 prefix in use ("" for none). */
        String prefix();

        /** Where it came from: ra, rfc7050 or configured ("" for none). */
        String prefixSource();

        long transitions();

        /** Packets translated towards IPv6 ({@code true}) or back to IPv4. */
        long packets(boolean toIpv6);

        /** Packets the translator dropped for {@code reason}. */
        long drops(DropReason reason);
    }

    private final Source source;
    private MeterRegistry registry;
    private Gauge prefixInfo;
    private String shown = "";

    public ClatMetrics(Source source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(meterName(CLAT_UP), source, s -> s.up() ? 1 : 0).description(help(CLAT_UP))
                .strongReference(true).register(registry);
        FunctionCounter.builder(meterName(CLAT_TRANSITIONS), source, Source::transitions)
                .description(help(CLAT_TRANSITIONS)).register(registry);
        FunctionCounter.builder(meterName(CLAT_PACKETS), source, s -> s.packets(true)).description(help(CLAT_PACKETS))
                .tag("direction", "46").register(registry);
        FunctionCounter.builder(meterName(CLAT_PACKETS), source, s -> s.packets(false)).description(help(CLAT_PACKETS))
                .tag("direction", "64").register(registry);
        for (DropReason r : DropReason.values()) {
            FunctionCounter.builder(meterName(CLAT_DROPS), source, s -> s.drops(r)).description(help(CLAT_DROPS))
                    .tag("reason", r.label()).register(registry);
        }
        refresh();
    }

    /** Shows the prefix in use now as the one info series (none while there is none). */
    public synchronized void refresh() {
        if (registry == null) {
            return;
        }
        String p = source.prefix();
        String key = p.isEmpty() ? "" : p + " " + source.prefixSource();
        if (key.equals(shown)) {
            return;
        }
        if (prefixInfo != null) {
            registry.remove(prefixInfo);
            prefixInfo = null;
        }
        if (!p.isEmpty()) {
            prefixInfo = Gauge.builder(meterName(CLAT_PREFIX), () -> 1).description(help(CLAT_PREFIX))
                    .tag("prefix", p).tag("source", source.prefixSource()).register(registry);
        }
        shown = key;
    }
}
