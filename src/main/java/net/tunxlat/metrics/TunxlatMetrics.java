// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static net.tunxlat.metrics.MetricCatalogue.*;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.xlat.DropReason;
import net.tunxlat.xlat.XlatCounters;

/**
 * The translator's Prometheus registry (Micrometer, simpleclient flavour): the workers' counters, the
 * static mappings, build info, and Micrometer's JVM and process binders.
 *
 * <p>Nothing here touches the hot path. Workers count into their own plain fields and publish once per
 * batch ({@link XlatCounters#publish}); the meters registered here are {@link FunctionCounter}s and
 * {@link Gauge}s whose functions sum the workers' published values when Prometheus scrapes. The batch
 * size histogram is a collector of its own ({@link BatchSizeCollector}) for the same reason.
 *
 * <p>The dynamic pool, NPTv6, stateful NAT64 and the configuration reloads are always exported
 * ({@link DynamicPoolMetrics}, {@link Nptv6Metrics}, {@link Nat64Metrics}, {@link ReloadMetrics}, zeros until the
 * daemon says where to read them), so that dashboards and alerts never miss a name (the per-pool4-address series
 * exist only with a pool4).
 */
public final class TunxlatMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** Strong references to the objects the meters read (Micrometer holds them weakly). */
    private List<XlatCounters> workers = List.of();
    private IntSupplier staticMappings;
    /** Where the dynamic pool and NPTv6 meters read; zeros until the daemon says otherwise. */
    private volatile DynamicPoolMetrics.Source pool = ZERO_POOL;
    private volatile Nptv6Metrics.Source nptv6 = ZERO_NPTV6;
    private volatile ReloadMetrics.Source reloads = NO_RELOADS;
    private volatile Supplier<Health> healthSource;
    /** {@code instance-name}, the constant label of every series; null: none (offline, tests, the CLAT). */
    private final String instanceName;
    private static final Health NOT_LOADED = Health.notLoaded("");
    /** Stateful NAT64's tables; null without pool4 (the meters read zeros). */
    private volatile Nat64Tables nat64;
    private final Nat64Metrics nat64Metrics = new Nat64Metrics(() -> {
        Nat64Tables t = nat64;
        return t == null ? null : t.counts();
    });

    static final DynamicPoolMetrics.Source ZERO_POOL = new DynamicPoolMetrics.Source() {
        public long poolAddresses() { return 0; }
        public long usedAddresses() { return 0; }
        public long activeMappings() { return 0; }
        public long dormantMappings() { return 0; }
        public long allocations() { return 0; }
    };
    static final Nptv6Metrics.Source ZERO_NPTV6 = new Nptv6Metrics.Source() {
        public long packets(String direction) { return 0; }
        public long bytes(String direction) { return 0; }
        public long prefixes() { return 0; }
    };
    /** No reloader (a configuration without a file, or before one exists): loaded once, when the process started. */
    static final ReloadMetrics.Source NO_RELOADS = new ReloadMetrics.Source() {
        public long reloads() { return 0; }
        public long failures() { return 0; }
        public double lastSuccessSeconds() { return ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0; }
        public boolean lastSuccessful() { return true; }
    };

    /** A registry with build info ({@code version}) and the JVM and process binders (offline, tests). */
    public TunxlatMetrics(String version) {
        this(version, true, null);
    }

    /**
     * The daemon's registry: as {@link #TunxlatMetrics(String)}, and every metric carries the constant label {@code
     * instance_name} ({@code instance-name}, issue 18: instances behind one anycast address told apart).
     */
    public TunxlatMetrics(String version, String instanceName) {
        this(version, true, instanceName);
    }

    /**
     * The registry of {@code tunxlat clat}: the process's and the JVM's meters and {@link ClatMetrics} (bound by the
     * caller), without the translator's families (its dynamic pool, NPTv6, stateful NAT64 and reloads are not the
     * CLAT's: exported as zeros they would look like an idle translator to dashboards and alerts).
     */
    public static TunxlatMetrics forClat(String version) {
        return new TunxlatMetrics(version, false, null);
    }

    private TunxlatMetrics(String version, boolean translator, String instanceName) {
        this.instanceName = instanceName;
        if (instanceName != null) {
            registry.config().commonTags(INSTANCE_NAME_LABEL, instanceName); // before any meter: every one has it
        }
        // Two of ProcessorMetrics' names break Prometheus conventions (promtool: "abbreviated units",
        // "_count suffix"): process CPU time goes out as the conventional process_cpu_seconds_total instead.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")
                || id.getName().equals("system.cpu.count")));
        // The JDK's own extension of the platform bean has the process CPU time (HotSpot and OpenJ9 have it).
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean sun) {
            FunctionCounter.builder("process.cpu.seconds", sun, b -> b.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the process").register(registry);
        }
        Gauge.builder(meterName(BUILD_INFO), () -> 1).description(help(BUILD_INFO))
                .tag("version", version).tag("java_version", System.getProperty("java.version", "unknown"))
                .register(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        if (!translator) {
            return;
        }
        // Always exported (zero without a pool or NPTv6), so dashboards and alerts never miss a name.
        new DynamicPoolMetrics(new DynamicPoolMetrics.Source() {
            public long poolAddresses() { return pool.poolAddresses(); }
            public long usedAddresses() { return pool.usedAddresses(); }
            public long activeMappings() { return pool.activeMappings(); }
            public long dormantMappings() { return pool.dormantMappings(); }
            public long allocations() { return pool.allocations(); }
            public long writeFailures() { return pool.writeFailures(); }
        }).bindTo(registry);
        new Nptv6Metrics(new Nptv6Metrics.Source() {
            public long packets(String direction) { return nptv6.packets(direction); }
            public long bytes(String direction) { return nptv6.bytes(direction); }
            public long prefixes() { return nptv6.prefixes(); }
            public long learnedEntries() { return nptv6.learnedEntries(); }
            public long learnedEvictions() { return nptv6.learnedEvictions(); }
        }).bindTo(registry);
        nat64Metrics.bindTo(registry);
        Gauge.builder(meterName(READY), this, m -> m.health().ready() ? 1 : 0).description(help(READY))
                .register(registry);
        for (String reason : Health.REASONS) {
            Gauge.builder(meterName(NOT_READY_REASONS), this, m -> m.health().has(reason) ? 1 : 0)
                    .description(help(NOT_READY_REASONS)).tag("reason", reason).register(registry);
        }
        new ReloadMetrics(new ReloadMetrics.Source() {
            public long reloads() { return reloads.reloads(); }
            public long failures() { return reloads.failures(); }
            public double lastSuccessSeconds() { return reloads.lastSuccessSeconds(); }
            public boolean lastSuccessful() { return reloads.lastSuccessful(); }
        }).bindTo(registry);
    }

    /** The label every metric of the daemon's registry carries (the configuration's {@code instance-name}). */
    public static final String INSTANCE_NAME_LABEL = "instance_name";

    /** Where the readiness gauges read (the daemon's {@code Readiness}); null until then: not ready, not loaded. */
    public void useHealth(Supplier<Health> source) {
        this.healthSource = source;
    }

    private Health health() {
        Supplier<Health> s = healthSource;
        return s == null ? NOT_LOADED : s.get();
    }

    /** The configuration reloader's counts, read at scrape time. */
    public void useReloads(ReloadMetrics.Source source) {
        this.reloads = source;
    }

    /**
     * Stateful NAT64's tables ({@code XlatState.nat64()}, kept across reloads), read at scrape time through the
     * counts of the sweeper's last pass; null (no pool4) leaves the meters at zero. Call once.
     */
    public void useNat64(Nat64Tables tables) {
        if (tables != null && nat64 == null) {
            this.nat64 = tables;
            nat64Metrics.bindPool4(registry, tables.counts());
        }
    }

    /** The dynamic pool's state, read at scrape time. */
    public void usePool(DynamicPoolMetrics.Source source) {
        this.pool = source;
    }

    /** NPTv6's counters, read at scrape time. */
    public void useNptv6(Nptv6Metrics.Source source) {
        this.nptv6 = source;
    }

    /**
     * Exports the workers' counters, summed over the workers (busy time per worker, labelled with its
     * index in {@code counters}). Call once, when the workers exist.
     */
    public void bindWorkers(List<XlatCounters> counters) {
        if (!workers.isEmpty()) {
            throw new IllegalStateException("workers already bound");
        }
        List<XlatCounters> ws = List.copyOf(counters);
        this.workers = ws;
        for (int d = 0; d < XlatCounters.DIRECTIONS; d++) {
            String dir = XlatCounters.directionLabel(d);
            for (int p = 0; p < XlatCounters.PROTOCOL_CLASSES; p++) {
                int dd = d;
                int pp = p;
                String proto = XlatCounters.protocolLabel(p);
                counter(TRANSLATED_PACKETS, ws, c -> c.translatedPackets(dd, pp), "direction", dir, "protocol", proto);
                counter(TRANSLATED_BYTES, ws, c -> c.translatedBytes(dd, pp), "direction", dir, "protocol", proto);
            }
        }
        for (DropReason r : DropReason.values()) {
            counter(DROPPED_PACKETS, ws, c -> c.drops(r), "reason", r.label());
        }
        for (int version : new int[] {4, 6}) {
            for (int t = 0; t < XlatCounters.ICMP_ERROR_TYPES; t++) {
                int tt = t;
                counter(ICMP_ERRORS_SENT, ws, c -> c.icmpErrorsSent(version, tt),
                        "ip_version", Integer.toString(version), "type", XlatCounters.icmpErrorLabel(version, t));
            }
        }
        counter(ICMP_ERRORS_RATE_LIMITED, ws, c -> c.get(XlatCounters.ICMP_ERRORS_RATE_LIMITED));
        counter(ECHO_REPLIES_SENT, ws, c -> c.get(XlatCounters.ECHO_REPLIES_SENT));
        counter(FRAGMENTS_RECEIVED, ws, c -> c.get(XlatCounters.FRAGMENTS_IN_46), "direction", "46");
        counter(FRAGMENTS_RECEIVED, ws, c -> c.get(XlatCounters.FRAGMENTS_IN_64), "direction", "64");
        counter(FRAGMENTS_SENT, ws, c -> c.get(XlatCounters.FRAGMENTS_46), "direction", "46");
        counter(FRAGMENTS_SENT, ws, c -> c.get(XlatCounters.FRAGMENTS_64), "direction", "64");
        counter(TUN_READ_ERRORS, ws, c -> c.get(XlatCounters.TUN_READ_ERRORS));
        counter(TUN_WRITE_ERRORS, ws, c -> c.get(XlatCounters.TUN_WRITE_ERRORS));
        counter(GSO_PACKETS, ws, c -> c.get(XlatCounters.GSO_PACKETS), "path", "whole");
        counter(GSO_PACKETS, ws, c -> c.get(XlatCounters.GSO_SOFTWARE), "path", "software");
        counter(GSO_SEGMENTS, ws, c -> c.get(XlatCounters.GSO_SEGMENTS));
        counter(UDP_COALESCED_WRITES, ws, c -> c.get(XlatCounters.UDP_COALESCED_WRITES));
        counter(UDP_COALESCED_DATAGRAMS, ws, c -> c.get(XlatCounters.UDP_COALESCED_DATAGRAMS));
        for (int i = 0; i < ws.size(); i++) {
            XlatCounters c = ws.get(i);
            FunctionCounter.builder(meterName(WORKER_BUSY), c, w -> w.get(XlatCounters.BUSY_NANOS) / 1e9)
                    .description(help(WORKER_BUSY)).tag("worker", Integer.toString(i)).register(registry);
        }
        registry.getPrometheusRegistry().register(instanceName == null ? new BatchSizeCollector(ws, List.of(), List.of())
                : new BatchSizeCollector(ws, List.of(INSTANCE_NAME_LABEL), List.of(instanceName)));
    }

    /** Exports the number of static mappings (read at each scrape, so a reload is seen). */
    public void bindStaticMappings(IntSupplier count) {
        this.staticMappings = count;
        Gauge.builder(meterName(STATIC_MAPPINGS), count, IntSupplier::getAsInt).description(help(STATIC_MAPPINGS))
                .strongReference(true).register(registry);
    }

    /** Registers a later component's meters (the dynamic pool, NPTv6, ...). */
    public void bind(MeterBinder source) {
        source.bindTo(registry);
    }

    private void counter(String name, List<XlatCounters> ws, ToLongFunction<XlatCounters> read, String... tags) {
        FunctionCounter.builder(meterName(name), ws, list -> {
            long sum = 0;
            for (int i = 0; i < list.size(); i++) {
                sum += read.applyAsLong(list.get(i));
            }
            return sum;
        }).description(help(name)).tags(tags).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The text exposition format 0.0.4. */
    public String scrape() {
        return registry.scrape(TextFormat.CONTENT_TYPE_004);
    }

    /**
     * The exposition for an HTTP {@code Accept} header: OpenMetrics 1.0 when the client asks for it (as
     * Prometheus does), else the text format 0.0.4.
     */
    public Exposition scrape(String acceptHeader) {
        String type = TextFormat.chooseContentType(acceptHeader);
        return new Exposition(type, registry.scrape(type));
    }

    /** A scrape and its content type. */
    public record Exposition(String contentType, String text) {}

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
