// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import net.tunxlat.nat64.BlockEvent;
import net.tunxlat.nat64.BlockLogLine;
import net.tunxlat.nat64.Nat64BlockJournal;
import net.tunxlat.nat64.Nat64Listener;

/**
 * Where each port block allocation and release goes (RFC 6888 REQ-12, RFC 7422 §2: what an abuse report needs): one
 * {@link BlockLogLine} to the log (the journal under systemd), appended to {@code nat64-block-log FILE} when configured,
 * and to the crash journal {@code data-dir/nat64.blocks}. Called on the sweeper's thread (never a worker's); the file
 * is buffered and flushed by {@link Nat64Keeper} once a second, and reopened at the keeper's next tick after
 * {@link #reopen} (SIGHUP, for logrotate).
 */
public final class Nat64BlockLog implements Nat64Listener {
    private final Path file;
    private final Nat64BlockJournal journal;
    private final Consumer<String> log;
    /** {@code "instance=NAME "} before each line of the log and the file ({@code instance-name}), or "". */
    private final String prefix;
    private BufferedWriter out;
    private volatile boolean reopen;
    private IOException failure;

    /**
     * @param file {@code nat64-block-log}, or null
     * @param journal the crash journal, or null without {@code data-dir}
     * @param log where each line also goes ({@code Log::info})
     */
    public Nat64BlockLog(Path file, Nat64BlockJournal journal, Consumer<String> log) {
        this(file, journal, log, null);
    }

    /**
     * As above, each line of the log and of the file starting with {@code instance=NAME} (issue 18: which instance
     * of several handed out the block; {@link BlockLogLine#parse} finds the record after it).
     */
    public Nat64BlockLog(Path file, Nat64BlockJournal journal, Consumer<String> log, String instance) {
        this.file = file;
        this.journal = journal;
        this.log = log;
        this.prefix = instance == null ? "" : "instance=" + instance + " ";
    }

    @Override
    public void onBlock(BlockEvent event) {
        String line = prefix + BlockLogLine.format(event);
        if (journal != null) {
            journal.append(event);
        }
        write(line);
    }

    /**
     * Sharded: a deterministic block came into use or fell out of use; the line starts with the part
     * ({@code instance=xb standby-for=xa}), which {@link BlockLogLine#parse} passes over. Not journaled: the rule,
     * not an allocation, gives the block.
     */
    @Override
    public void onShardBlock(String part, BlockEvent event) {
        write(part + " " + BlockLogLine.format(event));
    }

    private void write(String line) {
        log.accept("nat64 block " + line);
        synchronized (this) {
            if (out != null) {
                try {
                    out.write(line);
                    out.write('\n');
                } catch (IOException e) {
                    failure = e;
                }
            }
        }
    }

    /** Opens the file (appending); throws what prevents it. */
    public synchronized void open() throws IOException {
        if (file != null && out == null) {
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
    }

    /** Asks for the file to be closed and opened again at the next {@link #tick} (after logrotate moved it). */
    public void reopen() {
        reopen = true;
    }

    /**
     * Once a second, from the keeper: flushes the file, reopens it if asked, forces the journal to disk. Returns the
     * failure since the last tick (to log), or null.
     */
    public IOException tick() {
        IOException failed;
        synchronized (this) {
            try {
                if (out != null) {
                    out.flush();
                }
                if (reopen) {
                    reopen = false;
                    closeFile();
                    open();
                }
            } catch (IOException e) {
                failure = e;
            }
            failed = failure;
            failure = null;
        }
        if (journal != null) {
            journal.sync();
            IOException j = journal.takeFailure();
            failed = failed != null ? failed : j;
        }
        return failed;
    }

    private void closeFile() throws IOException {
        if (out != null) {
            BufferedWriter w = out;
            out = null;
            w.close();
        }
    }

    /** Flushes and closes the file (the journal is the keeper's to close). */
    public synchronized void close() throws IOException {
        closeFile();
    }

    public Path file() {
        return file;
    }

    public Nat64BlockJournal journal() {
        return journal;
    }
}
