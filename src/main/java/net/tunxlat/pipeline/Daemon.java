// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.tunxlat.config.TunIo;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.control.ControlServer;
import net.tunxlat.control.MapQuery;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicMapFile;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.metrics.DynamicPoolMetrics;
import net.tunxlat.metrics.MetricsServer;
import net.tunxlat.metrics.Nptv6Metrics;
import net.tunxlat.metrics.ReloadMetrics;
import net.tunxlat.metrics.TunxlatMetrics;
import net.tunxlat.nat64.Nat64BlockJournal;
import net.tunxlat.nat64.Nat64Clock;
import net.tunxlat.nat64.Nat64Listener;
import net.tunxlat.nptv6.Nptv6Table;
import net.tunxlat.tun.Privileges;
import net.tunxlat.tun.TunDevice;
import net.tunxlat.tun.UringPackets;
import net.tunxlat.util.Log;
import net.tunxlat.util.Version;
import net.tunxlat.xlat.DropReason;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;

/**
 * The running translator: opens the TUN device, optionally configures it (TAYGA's tun-up / tun-ip /
 * tun-route), drops privileges, starts one worker per queue and stops them on SIGTERM / SIGINT. SIGHUP
 * reloads the configuration's maps ({@link Reloader}); the control socket answers {@code tunxlat map}.
 */
public final class Daemon {
    /** Options from the command line. */
    public record Options(String user, String group, Path pidFile) {}

    private final TunxlatConfig config;
    private final Options options;
    private volatile XlatSnapshot snapshot;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Counted down once the main thread has stopped the workers and closed the device. */
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    /** How long stopping waits in all for the worker threads (each notices within an idle poll or a batch). */
    private static final long STOP_MILLIS = 1000;
    /**
     * How long SIGTERM waits, at most, for a watcher of /readyz (tunxlat-announce polls every 500 ms) to be told
     * 'stopping' before the workers stop, so that routers stop sending first; no wait when nobody asked lately.
     */
    private static final long WITHDRAW_MILLIS = 1000;

    /** What the translator learns while it runs: made once, kept across reloads, handed to every snapshot. */
    private final XlatState state;
    /** The state's dynamic pool, or null. */
    private final DynamicPool pool;
    /** SIGHUP's reloader (the source of the reload metrics), or null without a configuration file. */
    private volatile Reloader reloader;
    /** The workers once they run (for {@link #stop} and {@link #counters}), else null. */
    private volatile WorkerGroup running;
    /** The TUN device's MTU, read at start (0 if unknown). */
    private volatile int linkMtu;
    /** Readiness (/readyz, /healthz, tunxlat_ready) while the metrics endpoint is served, else null. */
    private volatile Readiness readiness;
    /** Where stateful NAT64's block events go (log, nat64-block-log, data-dir journal), or null without pool4. */
    private final Nat64BlockLog nat64Log;

    public Daemon(TunxlatConfig config, Options options) {
        this.config = config;
        this.options = options;
        this.nat64Log = config.nat64() == null ? null : new Nat64BlockLog(config.nat64BlockLog(),
                config.dataDir() == null ? null : new Nat64BlockJournal(config.dataDir()), Log::info,
                config.instanceNameOrHost());
        this.state = XlatState.forConfig(config, DynamicPool::systemSeconds,
                nat64Log == null ? Nat64Listener.NONE : nat64Log);
        this.pool = state.pool();
        this.snapshot = state.install(new XlatSnapshot(config, state));
    }

    /**
     * {@code tun-io}: whether the workers read and write through io_uring. {@code auto} takes it where a ring like the
     * workers' can be set up here, else read/write with one log line saying why; {@code uring} fails the start then.
     */
    static boolean useUring(TunIo mode) throws IOException {
        return useUring(mode, UringPackets::unavailable);
    }

    /** {@link #useUring(TunIo)} with {@code probe} saying why io_uring cannot be used, or null. */
    static boolean useUring(TunIo mode, Supplier<String> probe) throws IOException {
        if (mode == TunIo.READWRITE) {
            Log.info("tun-io readwrite: one read(2) and one write(2) per packet");
            return false;
        }
        String why = probe.get();
        if (why == null) {
            Log.info("tun-io " + mode.name().toLowerCase(Locale.ROOT) + ": packets read and written in batches through io_uring");
            return true;
        }
        if (mode == TunIo.URING) {
            throw new IOException("tun-io uring: io_uring cannot be used here (" + why
                    + "); set 'tun-io auto' or 'tun-io readwrite'");
        }
        Log.info("tun-io auto: one read(2) and one write(2) per packet, because io_uring cannot be used here: " + why);
        return false;
    }

    /** Runs until SIGTERM/SIGINT (or a worker dies); returns the process exit status. */
    public int run() throws IOException, InterruptedException {
        long started = System.nanoTime();
        PoolKeeper keeper = loadPool();
        reloadOnHangup();
        // Before the device: a second daemon on the same socket stops here with a clear error.
        ControlServer control = startControl();
        TunDevice tun;
        try {
            int queues = config.workers() > 0 ? config.workers() : Runtime.getRuntime().availableProcessors();
            WarmUp.await(); // JNA and Netty, if the command line started them early
            tun = TunDevice.open(config.tunDevice(), queues, config.tunOffload());
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (control != null) {
                control.close();
            }
            throw e;
        }
        if (!tun.notes().isEmpty()) {
            Log.warn("TUN device " + tun.name() + ": " + tun.notes());
        }
        linkMtu = readMtu(tun.name());
        snapshot = state.install(new XlatSnapshot(config, state, linkMtu));
        WorkerGroup group = null;
        Nat64Keeper nat64 = null;
        TunxlatMetrics metrics = null;
        MetricsServer metricsServer = null;
        String instance = config.instanceNameOrHost();
        try {
            if (keeper != null) {
                keeper.start();
            }
            nat64 = startNat64();
            if (config.tunUp() || !config.tunIps().isEmpty() || !config.tunRoutes().isEmpty()) {
                configureDevice(tun.name());
            }
            if (config.metricsListen() != null) {
                // A default address that cannot be bound (loopback down in a fresh namespace, a second instance on
                // the port) only warns: bindMetricsServer returns null. Bound now, before dropping privileges (a port below 1024 can be used) and before forwarding
                // starts (a port in use fails the start with nothing forwarded yet); served below, once the
                // workers run: forwarding does not wait for the registry. Scrapes in between wait in the backlog.
                metricsServer = bindMetricsServer();
            }
            if (metricsServer != null) {
                // Its self-test socket (a raw one needs CAP_NET_RAW) is opened before dropping privileges.
                readiness = Readiness.forDaemon(config, tun.name(), () -> snapshot.config(), instance);
                readiness.start();
            }
            if (options.pidFile() != null) {
                Files.writeString(options.pidFile(), ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
            }
            if (options.user() != null || options.group() != null) {
                Privileges.drop(options.user(), options.group());
                Log.info("dropped privileges to user " + options.user() + " group " + options.group());
            }
            // Always a real log: the snapshot's 'log' options decide per packet, so a reload can turn them on.
            PacketLog packetLog = new PacketLog(Log::info, System::nanoTime, 10);
            boolean uring = useUring(config.tunIo()); // after the privileges drop: as the workers will run
            group = new WorkerGroup(tun.queues(),
                    q -> new Worker(q, () -> snapshot, PooledByteBufAllocator.DEFAULT, System::nanoTime, packetLog,
                            state.newWorker(System::nanoTime), uring),
                    q -> "tunxlat-" + tun.name() + "-q" + q.index(), stopped::countDown, STOP_MILLIS);
            List<Worker> workers = group.workers();
            WorkerGroup ours = group;
            Thread hook = new Thread(() -> {
                Log.info("stopping");
                markStopping(); // first: /readyz says 'stopping' while the workers still forward
                Readiness r = readiness;
                if (r != null) {
                    r.awaitStoppingSeen(WITHDRAW_MILLIS); // a hook polling /readyz withdraws the routes first
                }
                ours.stop();
                stopped.countDown();
                try {
                    // The JVM halts when the hooks return: let run() finish its clean-up first (writing nat64.state
                    // takes about a second per million sessions: up to 8 s then, below the units' TimeoutStopSec=10s).
                    cleanedUp.await(nat64Log != null && config.dataDir() != null ? 8000 : 900, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "tunxlat-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            group.start();
            running = group;
            if (readiness != null) {
                readiness.loaded(workersSeenBy(ours));
            }
            long forwarding = System.nanoTime();
            if (metricsServer != null) {
                // The counters are the workers' own, read at each scrape: nothing counted before this is lost.
                metrics = newMetrics(new TunxlatMetrics(Version.version(), instance),
                        workers.stream().map(Worker::counters).toList(), pool, keeper, reloader, () -> snapshot);
                Readiness r = readiness;
                metrics.useHealth(r::current);
                metricsServer.serve(metrics, r::current, r::answerReadyz);
            }
            Log.info("forwarding on " + tun.name() + " (" + tun.queues().size() + " queue"
                    + (tun.queues().size() == 1 ? "" : "s") + ", offloads " + tun.describeOffloads() + ") ipv4-addr "
                    + (config.hasNat64() ? Addresses.formatIpv4(config.ipv4Addr()) : "none")
                    + " ipv6-addr " + (config.effectiveIpv6Addr() == null ? "none" : Addresses.formatIpv6(config.effectiveIpv6Addr().hi(), config.effectiveIpv6Addr().lo()))
                    + (config.prefix() != null ? " prefix " + config.prefix() : "") + ", " + config.maps().size()
                    + " static map" + (config.maps().size() == 1 ? "" : "s")
                    + (config.nptv6().isEmpty() ? "" : ", " + config.nptv6().size() + " NPTv6 prefix pair"
                            + (config.nptv6().size() == 1 ? "" : "s"))
                    + (control != null ? ", control socket " + control.path() : "")
                    + (pool != null ? ", dynamic-pool " + pool.prefix() + " (" + pool.freeAddresses() + " of "
                            + pool.capacity() + " free)" : "")
                    + (metricsServer != null ? ", metrics at http://" + config.metricsListen() + MetricsServer.PATH
                            + " (" + MetricsServer.READYZ + ", " + MetricsServer.HEALTHZ + "; instance " + instance + ")"
                            : config.metricsListen() != null ? ", metrics not served" : ", metrics off")
                    + ", forwarding after " + TimeUnit.NANOSECONDS.toMillis(forwarding - started)
                    + " ms, ready in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
            stopped.await();
            group.close();
            boolean failed = workers.stream().anyMatch(w -> w.failure() != null);
            logTotals(workers);
            try {
                Runtime.getRuntime().removeShutdownHook(hook); // stopped by stop(), the JVM going on
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is what stopped us
            }
            return failed ? 1 : 0;
        } finally {
            // Workers already running when the start failed (say, building the metrics) stop before the pool's last
            // write and before the device closes; one still running keeps its buffers and its queue's descriptor.
            if (group != null) {
                group.close();
            }
            if (nat64 != null) {
                nat64.close(); // the tables stand still from here: nothing but the workers changed them
            }
            if (keeper != null) {
                keeper.close(); // the last write: every binding survives a clean stop
            }
            if (metricsServer != null) {
                metricsServer.close();
            }
            if (readiness != null) {
                readiness.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            tun.close();
            if (control != null) {
                control.close();
            }
            if (options.pidFile() != null) {
                Files.deleteIfExists(options.pidFile());
            }
            cleanedUp.countDown();
        }
    }

    /**
     * Stops {@link #run} as SIGTERM would, without ending the JVM (the CLAT controller stops and starts its
     * translator while it runs): the workers stop, run() cleans up and returns.
     */
    public void stop() {
        markStopping();
        WorkerGroup g = running;
        if (g != null) {
            g.stop();
        }
        stopped.countDown();
    }

    private void markStopping() {
        Readiness r = readiness;
        if (r != null) {
            r.stopping();
        }
    }

    /** The workers of {@code group} as the health thread reads them (volatile fields only). */
    private static Readiness.Workers workersSeenBy(WorkerGroup group) {
        List<Worker> ws = group.workers();
        return new Readiness.Workers() {
            public int count() { return ws.size(); }
            public long progress(int i) { return ws.get(i).progress(); }
            public boolean waiting(int i) { return ws.get(i).waiting(); }
            public boolean ended(int i) { return group.ended(i); }
            public boolean failed(int i) { return ws.get(i).failure() != null; }
        };
    }

    /** The running workers' counters (empty before they start), read by the CLAT's metrics. */
    public List<XlatCounters> counters() {
        WorkerGroup g = running;
        return g == null ? List.of() : g.workers().stream().map(Worker::counters).toList();
    }

    // The steps of run() that need neither the TUN device nor root, also walked by StartTraining.

    /** The dynamic pool's keeper with the bindings of data-dir restored, or null without a pool. */
    public PoolKeeper loadPool() throws IOException {
        if (pool == null) {
            return null;
        }
        PoolKeeper keeper = new PoolKeeper(pool, config.dataDir() == null ? null : new DynamicMapFile(config.dataDir()));
        keeper.load();
        return keeper;
    }

    /**
     * Stateful NAT64's keeper, its saved state restored into the tables (before any worker runs) and its sweeper
     * started on the workers' clock ({@link Nat64Clock}), or null without {@code pool4}.
     */
    public Nat64Keeper startNat64() throws IOException {
        if (state.nat64() == null) {
            return null;
        }
        Nat64Keeper k = new Nat64Keeper(state.nat64(), config.dataDir(), nat64Log, Nat64Clock::monotonicSeconds,
                DynamicPool::systemSeconds);
        k.load();
        k.start();
        return k;
    }

    /** From now on SIGHUP reloads the configuration's maps (the JVM's default would stop the process). */
    public void reloadOnHangup() {
        if (config.source() != null) {
            Reloader reloader = new Reloader(config.source(), state, () -> snapshot, s -> snapshot = s);
            this.reloader = reloader;
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                reloader.reload();
                if (nat64Log != null) {
                    nat64Log.reopen(); // nat64-block-log after logrotate
                }
            });
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                // The JVM keeps an ignored SIGHUP ignored (nohup, some supervisors): reload could never happen.
                Log.warn("SIGHUP is ignored in this process (started with nohup?): 'kill -HUP' will not reload "
                        + config.source() + "; start tunxlat without it (systemd units do)");
            }
        }
    }

    /**
     * The control socket answering {@code tunxlat map}, or null if {@code control-socket off}, or if the default
     * path (not configured) cannot be bound: then one warning, and the translator runs without it (issue 14: a
     * start that never trips on what the configuration did not ask for). A configured path that cannot be bound
     * fails the start.
     */
    public ControlServer startControl() throws IOException {
        if (config.controlSocket() == null) {
            return null;
        }
        try {
            return ControlServer.start(config.controlSocket(), options.user(), options.group(),
                    new MapQuery(() -> snapshot, DynamicPool::systemSeconds));
        } catch (IOException e) {
            if (!config.controlSocketDefaulted()) {
                throw new EndpointException(e.getMessage(), e);
            }
            Log.warn("running without a control socket ('tunxlat map' cannot reach this process): " + e.getMessage());
            return null;
        }
    }

    /** The dynamic pool, or null. */
    public DynamicPool pool() {
        return pool;
    }

    /** The state every snapshot of this daemon is built over. */
    public XlatState state() {
        return state;
    }

    /** SIGHUP's reloader once {@link #reloadOnHangup} has run with a configuration file, else null. */
    public Reloader reloader() {
        return reloader;
    }

    private void logTotals(List<Worker> workers) {
        long p46 = 0;
        long p64 = 0;
        long drops = 0;
        long tunErrors = 0;
        for (Worker w : workers) {
            XlatCounters c = w.counters();
            p46 += c.get(XlatCounters.PACKETS_46);
            p64 += c.get(XlatCounters.PACKETS_64);
            drops += c.totalDrops();
            tunErrors += c.get(XlatCounters.TUN_READ_ERRORS) + c.get(XlatCounters.TUN_WRITE_ERRORS);
        }
        StringBuilder why = new StringBuilder();
        for (DropReason r : DropReason.values()) {
            long n = 0;
            for (Worker w : workers) {
                n += w.counters().drops(r);
            }
            if (n > 0) {
                why.append(why.length() == 0 ? " (" : ", ").append(r.label()).append(' ').append(n);
            }
        }
        if (why.length() > 0) {
            why.append(')');
        }
        long nptOut = workers.stream().mapToLong(w -> w.counters().get(XlatCounters.PACKETS_NPTV6_OUT)).sum();
        long nptIn = workers.stream().mapToLong(w -> w.counters().get(XlatCounters.PACKETS_NPTV6_IN)).sum();
        Log.info("stopped: translated " + p46 + " packets 4->6 and " + p64 + " packets 6->4"
                + (config.nptv6().isEmpty() ? "" : ", NPTv6 " + nptOut + " out and " + nptIn + " in")
                + ", dropped " + drops + why
                + (tunErrors > 0 ? ", TUN read/write errors " + tunErrors : ""));
    }

    /**
     * The registry over the workers' counters ({@code all}), the static maps, the dynamic pool ({@code pool} and
     * {@code keeper}, its persistence; either may be null), NPTv6 and the reloads ({@code reloads}, or null: loaded
     * once at start), all read at scrape time.
     */
    public static TunxlatMetrics newMetrics(List<XlatCounters> all, DynamicPool pool, PoolKeeper keeper,
            ReloadMetrics.Source reloads, Supplier<XlatSnapshot> snapshots) {
        return newMetrics(new TunxlatMetrics(Version.version()), all, pool, keeper, reloads, snapshots);
    }

    /** As above, binding into {@code metrics} (the daemon's, labelled with its instance name); closed on failure. */
    static TunxlatMetrics newMetrics(TunxlatMetrics metrics, List<XlatCounters> all, DynamicPool pool,
            PoolKeeper keeper, ReloadMetrics.Source reloads, Supplier<XlatSnapshot> snapshots) {
        boolean bound = false;
        try {
            metrics.bindWorkers(all);
            metrics.bindStaticMappings(() -> snapshots.get().config().maps().size());
            if (reloads != null) {
                metrics.useReloads(reloads);
            }
            metrics.usePool(new DynamicPoolMetrics.Source() {
                public long poolAddresses() {
                    return pool == null ? 0 : pool.capacity();
                }

                public long usedAddresses() {
                    return pool == null ? 0 : pool.capacity() - pool.freeAddresses();
                }

                public long activeMappings() {
                    return pool == null ? 0 : pool.countByState(pool.now())[0];
                }

                public long dormantMappings() {
                    return pool == null ? 0 : pool.countByState(pool.now())[1];
                }

                public long allocations() {
                    return pool == null ? 0 : pool.allocations();
                }

                public long writeFailures() {
                    return keeper == null ? 0 : keeper.writeFailures();
                }
            });
            metrics.useNptv6(new Nptv6Metrics.Source() {
                public long packets(String direction) {
                    int c = Nptv6Metrics.OUT.equals(direction) ? XlatCounters.PACKETS_NPTV6_OUT : XlatCounters.PACKETS_NPTV6_IN;
                    return all.stream().mapToLong(x -> x.get(c)).sum();
                }

                public long bytes(String direction) {
                    int c = Nptv6Metrics.OUT.equals(direction) ? XlatCounters.BYTES_NPTV6_OUT : XlatCounters.BYTES_NPTV6_IN;
                    return all.stream().mapToLong(x -> x.get(c)).sum();
                }

                public long prefixes() {
                    return snapshots.get().config().nptv6().size();
                }

                public long learnedEntries() {
                    Nptv6Table t = snapshots.get().nptv6();
                    return t == null ? 0 : t.learnedOwners(t.now());
                }

                public long learnedEvictions() {
                    Nptv6Table t = snapshots.get().nptv6();
                    return t == null ? 0 : t.learned().evictedTotal();
                }
            });
            metrics.useNat64(snapshots.get().state().nat64());
            bound = true;
            return metrics;
        } finally {
            if (!bound) {
                metrics.close();
            }
        }
    }

    /**
     * The bound metrics endpoint; null, after one warning, when the default address (asked for by neither the
     * configuration nor the command line) cannot be bound. A configured address that cannot be bound fails the start.
     */
    MetricsServer bindMetricsServer() throws IOException {
        try {
            return MetricsServer.bind(config.metricsListen().socketAddress());
        } catch (IOException e) {
            if (config.metricsListenDefaulted()) {
                Log.warn("running without the metrics endpoint: the default metrics-listen " + config.metricsListen()
                        + " cannot listen (" + e.getMessage() + "); set 'metrics-listen ADDRESS:PORT' to serve"
                        + " metrics elsewhere, or 'metrics-listen off' to silence this");
                return null;
            }
            throw new EndpointException("metrics-listen " + config.metricsListen() + ": cannot listen (" + e.getMessage()
                    + "); choose another ADDRESS:PORT with 'metrics-listen' or --metrics-listen, or 'off'", e);
        }
    }

    /** The interface's MTU from sysfs, or 0. */
    static int readMtu(String dev) {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", dev, "mtu")).trim());
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** TAYGA's tun-up / tun-ip / tun-route, applied with ip(8). */
    private void configureDevice(String dev) throws IOException, InterruptedException {
        ip("link", "set", "dev", dev, "up");
        for (String a : config.tunIps()) {
            ip(a.contains(":") ? "-6" : "-4", "addr", "replace", a, "dev", dev);
        }
        for (String r : config.tunRoutes()) {
            ip(r.contains(":") ? "-6" : "-4", "route", "replace", r, "dev", dev);
        }
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
