// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.metrics.Health;
import net.tunxlat.metrics.Health.Reason;
import net.tunxlat.util.Log;

/**
 * Whether the translator is ready, meaning forwarding (issue 18, docs/health.md): the health thread looks every
 * {@link #TICK_MILLIS} at the TUN device, the workers' progress and the self-test, and publishes a {@link Health}
 * through one volatile reference, which {@code /readyz}, {@code /healthz} and the {@code tunxlat_ready} gauges read.
 * Nothing here waits for a worker: workers write two volatile fields ({@link Worker#progress}, {@link
 * Worker#waiting}) and this thread reads them.
 *
 * <p>The reasons, each a word of {@link Health#REASONS}:
 * <ul>
 *   <li>{@code stopping}: from SIGTERM on (set by the shutdown hook before the workers stop);</li>
 *   <li>{@code config-not-loaded}: until the workers run with the first configuration;</li>
 *   <li>{@code tun-down}: the TUN device is administratively down (no IFF_UP in /sys/class/net/DEV/flags), its
 *       operstate (/sys/class/net/DEV/operstate) is down, lowerlayerdown or notpresent, or it is gone;</li>
 *   <li>{@code worker-dead N}: worker N's thread ended (not by a stop); {@code /healthz} fails too;</li>
 *   <li>{@code worker-stalled N}: worker N is busy (not idle in poll(2)) and its loop has not turned for more than
 *       {@link #STALL_NANOS};</li>
 *   <li>{@code self-test-failed WHY}: two {@link SelfTest} probes in a row failed; {@code self-test-pending}
 *       until the first one succeeds;</li>
 *   <li>{@code health-check-stalled}: this thread published nothing for {@link #STALE_NANOS} (added when read).</li>
 * </ul>
 */
public final class Readiness implements AutoCloseable {
    static final int TICK_MILLIS = 100;
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);
    static final long STALE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** /readyz asked within this long: someone watches, and SIGTERM lets it see 'stopping'. */
    static final long WATCHED_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int IFF_UP = 0x1;

    /** The workers as the health thread sees them. */
    interface Workers {
        int count();

        /** {@link Worker#progress}. */
        long progress(int i);

        /** {@link Worker#waiting}. */
        boolean waiting(int i);

        /** The worker's thread has ended. */
        boolean ended(int i);

        /** The worker ended with a failure. */
        boolean failed(int i);
    }

    private final String instance;
    private final Supplier<List<String>> announce;
    /** Null while the TUN device is up, else why not. */
    private final Supplier<String> tunDown;
    /** Null when there is no self-test (then {@link #noSelfTest} says why). */
    private final SelfTest selfTest;
    private final String noSelfTest;
    private final LongSupplier clock;
    private volatile Workers workers;
    private volatile boolean stopping;
    private volatile Health published;
    private volatile long publishedAt;
    private volatile boolean closed;
    /** When /readyz was last answered ({@link #answerReadyz}), and whether an answer said 'stopping'. */
    private volatile long lastAsked;
    private volatile boolean asked;
    private volatile boolean stoppingSeen;
    private volatile Thread thread;
    // the health thread's own
    private long[] lastProgress;
    private long[] lastChange;

    Readiness(String instance, Supplier<List<String>> announce, Supplier<String> tunDown, SelfTest selfTest,
            String noSelfTest, LongSupplier clock) {
        this.instance = instance;
        this.announce = announce;
        this.tunDown = tunDown;
        this.selfTest = selfTest;
        this.noSelfTest = noSelfTest;
        this.clock = clock;
        this.published = Health.notLoaded(instance);
        this.publishedAt = clock.getAsLong();
    }

    /**
     * The daemon's readiness for {@code config} on TUN device {@code dev}: opens the self-test's socket towards the
     * translator's own IPv6 address (call before dropping privileges); without an own address (NPTv6 only) there
     * is no self-test, and when no socket can be opened the self-test is unavailable (logged once; not a reason
     * to be not ready).
     */
    static Readiness forDaemon(TunxlatConfig config, String dev, Supplier<TunxlatConfig> current, String instance) {
        Ipv6Prefix own = config.hasNat64() ? config.effectiveIpv6Addr() : null;
        SelfTest test = null;
        String none;
        if (own == null) {
            none = "none (no own IPv6 address to ping: NPTv6 only)";
        } else {
            String target = Addresses.formatIpv6(own.hi(), own.lo());
            try {
                test = new SelfTest(PingSocket.open(own.hi(), own.lo()), target);
                none = null;
            } catch (IOException | RuntimeException | LinkageError e) {
                none = "unavailable " + e.getMessage();
                Log.warn("self-test-unavailable: readiness will not ping " + target + " through the translator: "
                        + e.getMessage() + " (docs/health.md)");
            }
        }
        return new Readiness(instance, () -> Announcements.of(current.get()),
                () -> tunDown(Path.of("/sys/class/net"), dev), test, none, System::nanoTime);
    }

    /** Starts the health thread (a daemon thread, {@code tunxlat-health}). */
    synchronized void start() {
        thread = new Thread(() -> {
            while (!closed) {
                try {
                    tick();
                } catch (RuntimeException e) {
                    Log.error("health check failed: " + e); // publishes nothing: health-check-stalled shows
                }
                try {
                    Thread.sleep(TICK_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "tunxlat-health");
        thread.setDaemon(true);
        thread.start();
    }

    /** The workers run with the first configuration: {@code config-not-loaded} ends. */
    void loaded(Workers w) {
        this.workers = w;
    }

    /** From SIGTERM (or a stop) on: {@code stopping}, at once. */
    void stopping() {
        this.stopping = true;
    }

    /** One look: what the health thread does every {@link #TICK_MILLIS}. */
    void tick() {
        long now = clock.getAsLong();
        List<Reason> reasons = new ArrayList<>();
        Workers w = workers;
        if (w == null) {
            reasons.add(new Reason(Health.CONFIG_NOT_LOADED, ""));
        } else {
            String down = tunDown.get();
            if (down != null) {
                reasons.add(new Reason(Health.TUN_DOWN, down));
            }
            workers(w, now, reasons);
        }
        String selfTestText = noSelfTest;
        if (selfTest != null) {
            if (w != null) {
                selfTest.tick(now);
                if (selfTest.failed()) {
                    reasons.add(new Reason(Health.SELF_TEST_FAILED, selfTest.lastFailure()));
                } else if (selfTest.pending()) {
                    reasons.add(new Reason(Health.SELF_TEST_PENDING, ""));
                }
            }
            selfTestText = selfTest.describe();
        }
        published = new Health(reasons, announce.get(), instance, selfTestText);
        publishedAt = now;
    }

    private void workers(Workers w, long now, List<Reason> reasons) {
        int n = w.count();
        if (lastProgress == null || lastProgress.length != n) {
            lastProgress = new long[n];
            lastChange = new long[n];
            Arrays.fill(lastProgress, -1);
        }
        List<Reason> stalled = new ArrayList<>();
        boolean stop = stopping;
        for (int i = 0; i < n; i++) {
            if (w.ended(i)) {
                if (w.failed(i) || !stop) {
                    reasons.add(new Reason(Health.WORKER_DEAD, Integer.toString(i)));
                }
                continue;
            }
            long p = w.progress(i);
            if (w.waiting(i) || p != lastProgress[i]) {
                lastProgress[i] = p;
                lastChange[i] = now;
            } else if (now - lastChange[i] > STALL_NANOS) {
                stalled.add(new Reason(Health.WORKER_STALLED, Integer.toString(i)));
            }
        }
        reasons.addAll(stalled);
    }

    /**
     * The health now: the last published, with {@code stopping} first once asked to stop, and {@code
     * health-check-stalled} when the health thread has published nothing for {@link #STALE_NANOS}. Never blocks.
     */
    public Health current() {
        Health h = published;
        boolean stale = thread != null && !closed && clock.getAsLong() - publishedAt > STALE_NANOS;
        if (!stopping && !stale) {
            return h;
        }
        List<Reason> reasons = new ArrayList<>();
        if (stopping) {
            reasons.add(new Reason(Health.STOPPING, ""));
        }
        reasons.addAll(h.reasons());
        if (stale) {
            reasons.add(new Reason(Health.HEALTH_CHECK_STALLED, "no look for "
                    + TimeUnit.NANOSECONDS.toMillis(clock.getAsLong() - publishedAt) + " ms"));
        }
        return new Health(reasons, h.announce(), h.instance(), h.selfTest());
    }

    /** {@link #current} for {@code /readyz}: also notes that someone watches, and whether it was told 'stopping'. */
    public Health answerReadyz() {
        Health h = current();
        lastAsked = clock.getAsLong();
        asked = true;
        if (h.has(Health.STOPPING)) {
            stoppingSeen = true;
        }
        return h;
    }

    /**
     * After {@link #stopping}: waits until /readyz has answered 'stopping' once, at most {@code millis}, if it was
     * asked within the last {@link #WATCHED_NANOS} (a hook or a probe is watching); else returns at once. So a hook
     * withdraws the routes while the workers still forward what is on its way.
     */
    void awaitStoppingSeen(long millis) {
        if (!asked || clock.getAsLong() - lastAsked > WATCHED_NANOS) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!stoppingSeen && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Null when {@code dev} is up, else why not: no IFF_UP in {@code sys/DEV/flags}, an operstate of down,
     * lowerlayerdown or notpresent in {@code sys/DEV/operstate} (a TUN device with its queue open and IFF_UP
     * reports "unknown": it has no carrier of its own), or no such device.
     */
    static String tunDown(Path sys, String dev) {
        try {
            String flags = Files.readString(sys.resolve(dev).resolve("flags")).trim();
            long f = Long.decode(flags);
            if ((f & IFF_UP) == 0) {
                return dev + " is administratively down (ip link set " + dev + " up)";
            }
            String oper = Files.readString(sys.resolve(dev).resolve("operstate")).trim();
            if (oper.equals("down") || oper.equals("lowerlayerdown") || oper.equals("notpresent")) {
                return dev + " operstate " + oper;
            }
            return null;
        } catch (IOException | NumberFormatException e) {
            return dev + " not found";
        }
    }

    /** Stops the health thread and closes the self-test's socket. */
    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (selfTest != null) {
            selfTest.close();
        }
    }
}
