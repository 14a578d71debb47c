// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;
import net.tunxlat.nat64.Nat64BlockJournal;
import net.tunxlat.nat64.Nat64Clock;
import net.tunxlat.nat64.Nat64StateFile;
import net.tunxlat.nat64.Nat64Sweeper;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.util.Log;

/**
 * Stateful NAT64's life in the daemon, as {@link PoolKeeper} is the dynamic pool's. Runs the {@link Nat64Sweeper}
 * (one pass every {@link #SWEEP_MILLIS}, RFC 6146 §4's lifetimes enforced there and nowhere else) on the workers'
 * clock ({@link Nat64Clock}), from before the workers start to after they stopped, so that the tables stand still
 * when they are written at exit. And keeps the state across restarts (issue 16 item 4): at start, before the
 * workers, restores {@code data-dir/nat64.state} and replays the block journal {@code nat64.blocks}; while running,
 * from its own thread once a second, forces the journal to disk and flushes the block log; at a clean stop, after
 * the workers and the sweeper stopped, writes the state file and compacts the journal.
 *
 * <p>The state file is consumed at start (deleted once the journal holds the restored blocks): after a later crash
 * its sessions would be stale, so only the journal's blocks come back. Restored blocks are kept for their subscriber
 * for one UDP lifetime even when empty ({@code nat64-timeout-udp}), so its new flows get ports in them again.
 */
public final class Nat64Keeper implements AutoCloseable {
    static final long TICK_MILLIS = 1000;
    /** How often the sweeper passes over the tables: lifetimes are whole seconds. */
    public static final long SWEEP_MILLIS = 1000;

    private final Nat64Tables tables;
    private final Path dataDir;
    private final Nat64BlockLog blockLog;
    private final LongSupplier monotonicSeconds;
    private final LongSupplier wallSeconds;
    private final Thread thread;
    private Nat64Sweeper sweeper;
    private volatile boolean running = true;
    private Runnable releaseHolds;
    private long graceEnds;
    private long lastFailureLog = Long.MIN_VALUE;
    private volatile long writeFailures;
    private boolean closed;

    /**
     * A keeper that only runs the sweeper: nothing is kept across a restart, no block is logged by it.
     *
     * @param tables           the shared tables ({@code XlatState.nat64()})
     * @param monotonicSeconds the workers' clock ({@code Nat64Clock::monotonicSeconds}, or a test's)
     */
    public Nat64Keeper(Nat64Tables tables, LongSupplier monotonicSeconds) {
        this(tables, null, new Nat64BlockLog(null, null, line -> { }), monotonicSeconds,
                () -> System.currentTimeMillis() / 1000);
    }

    /**
     * @param dataDir {@code data-dir}, or null: nothing is kept across a restart
     * @param blockLog the tables' listener (its journal in {@code dataDir})
     * @param monotonicSeconds the workers' clock (their {@code now})
     * @param wallSeconds UTC seconds
     */
    public Nat64Keeper(Nat64Tables tables, Path dataDir, Nat64BlockLog blockLog, LongSupplier monotonicSeconds,
            LongSupplier wallSeconds) {
        this.tables = tables;
        this.dataDir = dataDir;
        this.blockLog = blockLog;
        this.monotonicSeconds = monotonicSeconds;
        this.wallSeconds = wallSeconds;
        this.thread = new Thread(this::loop, "tunxlat-nat64-keeper");
        this.thread.setDaemon(true);
    }

    public Nat64Tables tables() {
        return tables;
    }

    /**
     * Restores the state file and the journal into the (empty) tables, then compacts the journal and removes the
     * state file; logs what was restored and what was skipped. Before the workers and {@link #start}.
     */
    public Nat64StateFile.Loaded load() throws IOException {
        Nat64BlockJournal journal = blockLog.journal();
        if (dataDir == null || journal == null) {
            Log.warn("nat64: no data-dir: sessions, bindings and port blocks are not kept across a restart");
            return null;
        }
        Files.deleteIfExists(dataDir.resolve(Nat64StateFile.TEMP_NAME)); // writes cut short by a crash
        Files.deleteIfExists(dataDir.resolve(Nat64BlockJournal.TEMP_NAME));
        long now = monotonicSeconds.getAsLong();
        long wall = wallSeconds.getAsLong();
        Nat64BlockJournal.Replayed replayed = journal.replay();
        List<String> problems = replayed.problems();
        problems.stream().limit(3).forEach(p -> Log.warn("nat64: " + p));
        if (problems.size() > 3) {
            Log.warn("nat64: " + (problems.size() - 3) + " more lines of " + journal.path() + " skipped");
        }
        boolean hadState = Files.exists(dataDir.resolve(Nat64StateFile.NAME));
        Nat64StateFile.Loaded loaded = Nat64StateFile.load(tables, dataDir, now, wall, replayed.owned());
        loaded.warnings().forEach(w -> Log.warn("nat64: " + w));
        journal.compact(Nat64StateFile.ownedBlocks(tables, now, wall));
        Files.deleteIfExists(dataDir.resolve(Nat64StateFile.NAME));
        releaseHolds = loaded.releaseHolds();
        graceEnds = now + tables.settings().timeouts().udp();
        Log.info("nat64: restored " + loaded.bibs() + " binding" + (loaded.bibs() == 1 ? "" : "s") + ", "
                + loaded.sessions() + " session" + (loaded.sessions() == 1 ? "" : "s") + " and " + loaded.blocks()
                + " port block" + (loaded.blocks() == 1 ? "" : "s") + " from " + dataDir + " ("
                + (hadState ? Nat64StateFile.NAME + " and " : "no " + Nat64StateFile.NAME + ", ")
                + Nat64BlockJournal.NAME + ")" + (loaded.skipped() > 0 ? ", " + loaded.skipped()
                        + " skipped (no longer fitting the configuration)" : ""));
        return loaded;
    }

    /** Opens the block log and starts the sweeper and the keeper's thread (once). */
    public synchronized void start() {
        if (sweeper != null || closed) {
            return;
        }
        try {
            blockLog.open();
        } catch (IOException e) {
            Log.error("nat64-block-log " + blockLog.file() + ": cannot open: " + e.getMessage()
                    + " (block lines still go to the log; retried at SIGHUP)");
        }
        sweeper = new Nat64Sweeper(tables, monotonicSeconds, SWEEP_MILLIS).start();
        thread.start();
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            tick(monotonicSeconds.getAsLong());
        }
    }

    /** One tick: flush the block log, force the journal, end the restored blocks' grace when due. */
    void tick(long now) {
        IOException failed = blockLog.tick();
        if (failed != null) {
            writeFailures++;
            if (now - lastFailureLog >= 60) {
                lastFailureLog = now;
                Log.error("nat64: cannot write the block log or journal: " + failed + " (translation continues)");
            }
        }
        if (releaseHolds != null && now >= graceEnds) {
            releaseHolds.run();
            releaseHolds = null;
        }
    }

    /** Whether the sweeper runs. */
    public synchronized boolean running() {
        return sweeper != null;
    }

    /** Block log or journal writes that failed. */
    public long writeFailures() {
        return writeFailures;
    }

    /**
     * Stops the sweeper and the thread, then (the workers must have stopped) writes the state file and compacts the
     * journal: every binding, session and block survives a clean stop.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        thread.interrupt();
        try {
            thread.join(TICK_MILLIS);
            if (sweeper != null) {
                sweeper.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Log.warn("interrupted while stopping the NAT64 sweeper");
        }
        sweeper = null;
        blockLog.tick();
        if (dataDir != null && blockLog.journal() != null) {
            long now = monotonicSeconds.getAsLong();
            long wall = wallSeconds.getAsLong();
            try {
                Nat64StateFile.Saved saved = Nat64StateFile.write(tables, dataDir, now, wall);
                blockLog.journal().compact(Nat64StateFile.ownedBlocks(tables, now, wall));
                blockLog.journal().close();
                Log.info("nat64: wrote " + saved.bibs() + " bindings, " + saved.sessions() + " sessions and "
                        + saved.blocks() + " port blocks to " + dataDir.resolve(Nat64StateFile.NAME) + " ("
                        + saved.bytes() + " bytes)");
            } catch (IOException | RuntimeException e) {
                Log.error("nat64: cannot write " + dataDir.resolve(Nat64StateFile.NAME) + ": " + e
                        + " (sessions are lost at this restart; port blocks stay in the journal)");
            }
        }
        try {
            blockLog.close();
        } catch (IOException e) {
            Log.error("nat64-block-log " + blockLog.file() + ": " + e.getMessage());
        }
    }
}
