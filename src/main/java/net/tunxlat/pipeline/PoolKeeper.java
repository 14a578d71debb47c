// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.mapping.DynamicMapFile;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.util.Log;
import net.tunxlat.mapping.Addresses;

/**
 * Keeps the dynamic pool's state: loads {@code data-dir/dynamic.map} at start, and from one maintenance
 * thread expires bindings and writes the file atomically within about a second of a new binding (TAYGA
 * waits up to 45 s), every minute to record last-use times, and at a clean stop. A failing write is
 * logged (once a minute at most), counted, and retried; translation goes on.
 */
public final class PoolKeeper implements AutoCloseable {
    static final long TICK_MILLIS = 250;
    static final long REFRESH_SECONDS = 60;

    private final DynamicPool pool;
    private final DynamicMapFile file;
    private final Thread thread;
    private volatile boolean running = true;
    private long lastWrite;
    private long lastFailureLog;
    private volatile long writeFailures;
    private volatile long writes;

    public PoolKeeper(DynamicPool pool, DynamicMapFile file) {
        this.pool = pool;
        this.file = file;
        this.thread = new Thread(this::loop, "tunxlat-pool");
        this.thread.setDaemon(true);
    }

    /** Loads the state file (before the workers start); returns the number of bindings restored. */
    public int load() throws IOException {
        if (file == null) {
            return 0;
        }
        Files.deleteIfExists(file.path().resolveSibling(DynamicMapFile.TEMP_NAME)); // a write cut short by a crash
        DynamicMapFile.Loaded loaded = file.load();
        loaded.problems().forEach(Log::warn);
        int restored = 0;
        for (DynamicMapFile.Entry e : loaded.entries()) {
            if (pool.restore(e.address(), e.hi(), e.lo(), e.lastUse())) {
                restored++;
            } else {
                Log.warn(file.path() + ": ignoring the binding of " + Addresses.formatIpv4(e.address())
                        + " (outside the pool, reserved, statically mapped, or a duplicate)");
            }
        }
        pool.maintain(pool.now());
        lastWrite = pool.now();
        Log.info("loaded " + restored + " dynamic map" + (restored == 1 ? "" : "s") + " from " + file.path());
        return restored;
    }

    public void start() {
        thread.start();
    }

    private void loop() {
        long lastMaintain = 0;
        while (running) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = pool.now();
            if (now != lastMaintain) {
                pool.maintain(now);
                lastMaintain = now;
            }
            boolean dirty = pool.takeDirty();
            if (file != null && (dirty || retryPending || now - lastWrite >= REFRESH_SECONDS)) {
                write(now);
            }
            reportExhaustion(now);
        }
    }

    private long refusalsLogged;
    private long lastExhaustionLog;

    /** One log line (at most a minute apart) when new hosts were refused because the pool is full. */
    void reportExhaustion(long now) {
        long refused = pool.refusals();
        if (refused > refusalsLogged && now - lastExhaustionLog >= 60) {
            Log.warn("dynamic pool " + pool.prefix() + " exhausted: " + (refused - refusalsLogged) + " new IPv6 host"
                    + (refused - refusalsLogged == 1 ? "" : "s") + " refused (every address bound and active;"
                    + " counted as pool_exhausted_64)");
            refusalsLogged = refused;
            lastExhaustionLog = now;
        }
    }

    /** A write failed and must be retried on the next tick. */
    private volatile boolean retryPending;

    /** Writes the file now; false if it failed (logged at most once a minute). */
    public boolean write(long now) {
        if (file == null) {
            return true;
        }
        List<DynamicMapFile.Entry> entries = new ArrayList<>();
        for (DynamicPool.Binding b : pool.bindings()) {
            entries.add(new DynamicMapFile.Entry(b.address(), b.hi(), b.lo(), b.lastUse()));
        }
        try {
            file.save(entries, now);
            lastWrite = now;
            writes++;
            if (retryPending) {
                retryPending = false;
                Log.info("dynamic map persistence recovered: " + file.path() + " written");
            }
            return true;
        } catch (IOException | RuntimeException e) {
            writeFailures++;
            retryPending = true;
            if (now - lastFailureLog >= 60) {
                lastFailureLog = now;
                Log.error("persistence failure: cannot write " + file.path() + ": " + e
                        + " (translation continues; retrying every second)");
            }
            return false;
        }
    }

    public long writeFailures() {
        return writeFailures;
    }

    public long writes() {
        return writes;
    }

    /** Stops the thread and writes the file one last time (clean exit). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        write(pool.now());
    }
}
