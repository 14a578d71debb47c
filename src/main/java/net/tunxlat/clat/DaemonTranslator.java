// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.tunxlat.config.ConfigException;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.pipeline.Daemon;
import net.tunxlat.util.Log;
import net.tunxlat.xlat.XlatCounters;

/**
 * The CLAT's translator: tunxlat's own {@link Daemon} (workers, offloads, everything {@code tunxlat run} does)
 * run in this process on a thread, with the configuration {@link ClatController} writes. Stopped and started
 * as the CLAT goes down and up; a new PREF64 is a reload of the same file (the daemon's {@code Reloader}).
 */
public final class DaemonTranslator implements ClatController.Translator {
    /** How long {@link #start} waits for the TUN device to appear. */
    private static final long START_MILLIS = 15_000;

    private Daemon daemon;
    private Thread thread;
    private volatile Throwable failure;

    @Override
    public void start(Path config) throws IOException {
        if (daemon != null) {
            throw new IllegalStateException("already running");
        }
        TunxlatConfig cfg;
        try {
            cfg = ConfigParser.parseWithWarnings(config).config();
        } catch (ConfigException e) {
            throw new IOException("the generated configuration " + config + " does not load: " + e.getMessage(), e);
        }
        Daemon d = new Daemon(cfg, new Daemon.Options(null, null, null));
        failure = null;
        Thread t = new Thread(() -> {
            try {
                int rc = d.run();
                if (rc != 0) {
                    failure = new IOException("the translator stopped with status " + rc);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                failure = e;
                Log.warn("CLAT translator: " + e.getMessage());
            }
        }, "tunxlat-clat-translator");
        t.setDaemon(true);
        t.start();
        daemon = d;
        thread = t;
        Path dev = Path.of("/sys/class/net", cfg.tunDevice());
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MILLIS);
        while (d.counters().isEmpty()) { // the workers run once the device is open and configured
            if (!t.isAlive() || System.nanoTime() > until) {
                Throwable why = failure;
                stop();
                throw new IOException("the translator did not start on " + cfg.tunDevice()
                        + (why != null ? ": " + why.getMessage() : Files.exists(dev) ? "" : " (no such device)"), why);
            }
            sleep(20);
        }
    }

    @Override
    public void reload() throws IOException {
        Daemon d = daemon;
        if (d == null || d.reloader() == null) {
            throw new IOException("the translator is not running");
        }
        if (!d.reloader().reload()) {
            throw new IOException("the translator kept its configuration (the log says why)");
        }
    }

    @Override
    public void stop() {
        Daemon d = daemon;
        Thread t = thread;
        daemon = null;
        thread = null;
        if (d == null) {
            return;
        }
        d.stop();
        try {
            t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<XlatCounters> counters() {
        Daemon d = daemon;
        return d == null ? List.of() : d.counters();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
