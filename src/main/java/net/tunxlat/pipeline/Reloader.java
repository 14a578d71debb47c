// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import net.tunxlat.config.ConfigException;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.MapFile;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.metrics.ReloadMetrics;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Timeouts;
import net.tunxlat.util.Log;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;

/**
 * SIGHUP: re-reads the configuration file and its {@code map-file}, and publishes a new {@link XlatSnapshot}
 * with one volatile write, so every packet is translated with the old maps or the new ones, never a mix.
 * The new snapshot is built over the running {@link XlatState} (the dynamic pool and its bindings, the NPTv6
 * learned owners, the workers' rate limiters): a reload swaps the configuration and keeps the state.
 * Building the snapshot changes nothing; {@link XlatState#install} then makes the state follow the new
 * configuration (conflicting pool bindings dropped, owners of removed {@code nptv6} pairs forgotten) just
 * before the snapshot is published.
 *
 * <p>The {@code map-file} follows tayga.conf(5) ({@link MapFile}): each map-file entry ignored because it would
 * modify a configuration-file entry, and each replaced by a later one, is logged with its file and line.
 *
 * <p>A file that does not parse changes nothing: the running configuration stays, the failure is logged
 * ({@code reload failed: FILE:LINE: why; keeping the running configuration}) and counted. Directives that
 * cannot change while running ({@link #RESTART_ONLY}: among them every stateful NAT64 line, from which the
 * tables were sized at start) keep their running values and are named in the log line as needing a restart.
 * One log line per reload.
 *
 * <p>It is the source of the reload metrics ({@link ReloadMetrics}: successes, failures, the time of the last
 * successful load and whether the last attempt succeeded); the load at start, just before this object is
 * made, counts as the first success.
 */
public final class Reloader implements ReloadMetrics.Source {
    /** Directives read only at start: a reload keeps their running values. */
    public static final List<String> RESTART_ONLY = List.of("tun-device", "workers", "dynamic-pool",
            "dynamic-pool-allow", "data-dir", "control-socket", "tun-up", "tun-ip", "tun-route",
            "ipv4-addr (with a dynamic-pool)", "nptv6-learn-max", "pool4", "bib", "nat64-*");

    private final Path configFile;
    private final XlatState state;
    private final Supplier<XlatSnapshot> current;
    private final Consumer<XlatSnapshot> publish;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    /** Unix milliseconds of the last successful load: the start's until a reload succeeds. */
    private volatile long lastSuccessMillis = System.currentTimeMillis();
    private volatile boolean lastSuccessful = true;

    /**
     * @param configFile the configuration file to re-read
     * @param state      the running state (kept: every snapshot is built over it)
     * @param current    the running snapshot
     * @param publish    publishes a new snapshot (one volatile write)
     */
    public Reloader(Path configFile, XlatState state, Supplier<XlatSnapshot> current, Consumer<XlatSnapshot> publish) {
        this.configFile = Objects.requireNonNull(configFile, "configFile");
        this.state = Objects.requireNonNull(state, "state");
        this.current = current;
        this.publish = publish;
    }

    /** Successful reloads so far. */
    @Override
    public long reloads() {
        return reloads.get();
    }

    /** Failed reloads so far (the running configuration was kept). */
    @Override
    public long failures() {
        return failures.get();
    }

    @Override
    public double lastSuccessSeconds() {
        return lastSuccessMillis / 1000.0;
    }

    @Override
    public boolean lastSuccessful() {
        return lastSuccessful;
    }

    /** Reloads now; returns whether a new snapshot was published. Serialised: one reload at a time. */
    public synchronized boolean reload() {
        long started = System.nanoTime();
        TunxlatConfig running = current.get().config();
        TunxlatConfig parsed;
        List<String> notes;
        try {
            MapFile.Loaded loaded = MapFile.load(ConfigParser.parse(configFile));
            parsed = loaded.config();
            notes = loaded.notes();
        } catch (ConfigException e) {
            int more = e.errors().size() - 1;
            return failed(e.getMessage() + (more == 0 ? "" : " (and " + more + (e.truncated() ? " or more" : "")
                    + " other error" + (more == 1 ? "" : "s") + ": 'tunxlat check -c " + configFile + "' lists them)"));
        } catch (NoSuchFileException e) {
            return failed(e.getFile() + ": no such file");
        } catch (IOException e) {
            return failed(configFile + ": cannot read: " + e.getMessage());
        }
        List<String> needRestart = new ArrayList<>();
        TunxlatConfig next = keepRestartOnly(parsed, running, needRestart);
        XlatSnapshot snapshot;
        try {
            snapshot = new XlatSnapshot(next, state, current.get().linkMtu());
        } catch (RuntimeException e) {
            return failed(configFile + ": " + e.getMessage()); // the state is untouched: building changes nothing
        }
        publish.accept(state.install(snapshot));
        lastSuccessMillis = System.currentTimeMillis();
        lastSuccessful = true;
        reloads.incrementAndGet();
        notes.forEach(n -> Log.warn("reload: " + n));
        Set<MapEntryKey> before = keys(running.maps());
        Set<MapEntryKey> after = keys(next.maps());
        long added = after.stream().filter(k -> !before.contains(k)).count();
        long removed = before.stream().filter(k -> !after.contains(k)).count();
        Log.info("reloaded " + configFile + (next.mapFile() != null ? " and " + next.mapFile() : "") + " in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms: " + next.maps().size()
                + " static map" + (next.maps().size() == 1 ? "" : "s") + " (" + added + " added, " + removed + " removed)"
                + (needRestart.isEmpty() ? ""
                        : "; changed but needs a restart, running value kept: " + String.join(", ", needRestart)));
        return true;
    }

    private boolean failed(String why) {
        lastSuccessful = false;
        failures.incrementAndGet();
        Log.error("reload failed: " + why + "; keeping the running configuration");
        return false;
    }

    /** {@code parsed} with the directives that need a restart set back to their running values. */
    static TunxlatConfig keepRestartOnly(TunxlatConfig parsed, TunxlatConfig running, List<String> changed) {
        TunxlatConfig.Builder b = parsed.toBuilder();
        if (!Objects.equals(parsed.tunDevice(), running.tunDevice())) {
            changed.add("tun-device");
            b.tunDevice(running.tunDevice());
        }
        if (parsed.workers() != running.workers()) {
            changed.add("workers");
            b.workers(running.workers());
        }
        if (!Objects.equals(parsed.dynamicPool(), running.dynamicPool())) {
            changed.add("dynamic-pool");
            b.dynamicPool(running.dynamicPool());
        }
        if (!Objects.equals(parsed.dynamicPoolAllow(), running.dynamicPoolAllow())) {
            changed.add("dynamic-pool-allow");
            b.dynamicPoolAllow(running.dynamicPoolAllow());
        }
        if (!Objects.equals(parsed.dataDir(), running.dataDir())) {
            changed.add("data-dir");
            b.dataDir(running.dataDir());
        }
        if (!Objects.equals(parsed.controlSocket(), running.controlSocket())) {
            changed.add("control-socket");
            b.controlSocket(running.controlSocket()).controlSocketDefaulted(running.controlSocketDefaulted());
        }
        if (parsed.tunOffload() != running.tunOffload()) {
            changed.add("tun-offload");
            b.tunOffload(running.tunOffload());
        }
        if (parsed.tunIo() != running.tunIo()) {
            changed.add("tun-io");
            b.tunIo(running.tunIo());
        }
        if (!Objects.equals(parsed.metricsListen(), running.metricsListen())) {
            changed.add("metrics-listen");
            b.metricsListen(running.metricsListen()).metricsListenDefaulted(running.metricsListenDefaulted());
        }
        if (!Objects.equals(parsed.instanceName(), running.instanceName())) {
            changed.add("instance-name"); // a constant label of every metric, fixed when the registry is made
            b.instanceName(running.instanceName());
        }
        if (parsed.tunUp() != running.tunUp()) {
            changed.add("tun-up");
            b.tunUp(running.tunUp());
        }
        if (!parsed.tunIps().equals(running.tunIps())) {
            changed.add("tun-ip");
            b.tunIps(running.tunIps());
        }
        if (!parsed.tunRoutes().equals(running.tunRoutes())) {
            changed.add("tun-route");
            b.tunRoutes(running.tunRoutes());
        }
        if (parsed.nptv6LearnMax() != running.nptv6LearnMax()) {
            changed.add("nptv6-learn-max");
            b.nptv6LearnMax(running.nptv6LearnMax());
        }
        // Always the running settings: the tables were sized and laid out from them at start (XlatState keeps the
        // tables across reloads), and every snapshot's settings are the tables' own.
        changed.addAll(statefulChanges(parsed, running));
        b.nat64(running.nat64()).nat64BlockLog(running.nat64BlockLog());
        if (running.dynamicPool() != null && parsed.ipv4Addr() != running.ipv4Addr()) {
            changed.add("ipv4-addr (the dynamic pool excludes it)");
            b.ipv4Addr(running.ipv4Addr());
            if (parsed.ipv6Addr() == null) {
                b.ipv6Addr(running.effectiveIpv6Addr()); // derived from ipv4-addr: keep the running one
            }
        }
        return b.build();
    }

    /**
     * The stateful NAT64 directives whose values differ between {@code a} and {@code b}, by name; empty when
     * equal. ({@link Nat64Settings} holds an array and a {@code Pool4}, which compare by identity.)
     */
    static List<String> statefulChanges(TunxlatConfig a, TunxlatConfig b) {
        Nat64Settings x = a.nat64();
        Nat64Settings y = b.nat64();
        List<String> changed = new ArrayList<>();
        if (x == null || y == null) {
            if (x != y) {
                changed.add("pool4");
            }
            if (!Objects.equals(a.nat64BlockLog(), b.nat64BlockLog())) {
                changed.add("nat64-block-log");
            }
            return changed;
        }
        Timeouts s = x.timeouts();
        Timeouts t = y.timeouts();
        Object[][] pairs = {
            {"pool4", x.pool4().ranges(), y.pool4().ranges()},
            {"bib", x.statics(), y.statics()},
            {"nat64-port-block", x.pool4().blockSize(), y.pool4().blockSize()},
            {"nat64-subscriber-prefix", x.subscriberLength(), y.subscriberLength()},
            {"nat64-max-blocks", x.blocksPerSubscriber(), y.blocksPerSubscriber()},
            {"nat64-max-subscriber-sessions", x.sessionsPerSubscriber(), y.sessionsPerSubscriber()},
            {"nat64-max-sessions", List.of(Arrays.stream(x.maxSessions()).boxed().toArray()),
                List.of(Arrays.stream(y.maxSessions()).boxed().toArray())},
            {"nat64-timeout-udp", s.udp(), t.udp()},
            {"nat64-timeout-tcp-est", s.tcpEstablished(), t.tcpEstablished()},
            {"nat64-timeout-tcp-trans", s.tcpTransitory(), t.tcpTransitory()},
            {"nat64-timeout-icmp", s.icmp(), t.icmp()},
            {"nat64-timeout-syn", s.tcpIncomingSyn(), t.tcpIncomingSyn()},
            {"nat64-filtering", x.addressDependentFiltering(), y.addressDependentFiltering()},
            {"nat64-drop-externally-initiated-tcp", x.dropExternallyInitiatedTcp(), y.dropExternallyInitiatedTcp()},
            {"nat64-deterministic", x.deterministicRange(), y.deterministicRange()},
            {"nat64-shard-file", x.shard(), y.shard()},
            {"nat64-block-log", a.nat64BlockLog(), b.nat64BlockLog()},
        };
        for (Object[] p : pairs) {
            if (!Objects.equals(p[1], p[2])) {
                changed.add((String) p[0]);
            }
        }
        return changed;
    }

    private record MapEntryKey(Object v4, Object v6) {}

    private static Set<MapEntryKey> keys(List<MapEntry> maps) {
        Set<MapEntryKey> s = new HashSet<>();
        for (MapEntry m : maps) {
            s.add(new MapEntryKey(m.v4(), m.v6()));
        }
        return s;
    }
}
