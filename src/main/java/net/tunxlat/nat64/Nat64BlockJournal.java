// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import net.tunxlat.util.AtomicFiles;

/**
 * {@code data-dir/nat64.blocks}: every port block allocation and release, one {@link BlockLogLine} each, appended as
 * the sweeper reports them and forced to disk by the keeper at most about once a second (never by a worker). After a
 * crash the state file is gone or stale, but this journal says which subscriber owns which block, so each keeps its
 * blocks and the block log stays true (issue 16 item 4). Compacted (rewritten atomically with one allocation line
 * per block owned) at start, after it was replayed, and at a clean stop, after the state file was written.
 *
 * <p>Thread-safe: the sweeper appends, the keeper syncs and compacts.
 */
public final class Nat64BlockJournal implements AutoCloseable {
    public static final String NAME = "nat64.blocks";
    public static final String TEMP_NAME = "nat64.blocks~~";
    public static final String HEADER = "# tunxlat NAT64 port block journal, version 1: one line per allocation or release"
            + " (tunxlat(8)); rewritten at each start and clean stop\n";

    /** The blocks owned at the end of the journal, and the lines that could not be read. */
    public record Replayed(List<BlockEvent> owned, int events, List<String> problems) {
    }

    private final Path dir;
    private FileChannel channel;
    private boolean dirty;
    private long failures;
    private IOException lastFailure;

    public Nat64BlockJournal(Path dataDir) {
        this.dir = dataDir;
    }

    public Path path() {
        return dir.resolve(NAME);
    }

    /** Reads the journal (missing: empty): the blocks its events leave owned. */
    public Replayed replay() throws IOException {
        if (!Files.exists(path())) {
            return new Replayed(List.of(), 0, List.of());
        }
        BlockLogLine.Read read = BlockLogLine.read(path());
        return new Replayed(BlockLogLine.owned(read.events()), read.events().size(), read.problems());
    }

    /**
     * Rewrites the journal atomically as one allocation line per block in {@code owned} (with its original time),
     * then appends to the new file.
     */
    public synchronized void compact(List<BlockEvent> owned) throws IOException {
        closeChannel();
        StringBuilder sb = new StringBuilder(HEADER);
        for (BlockEvent e : owned) {
            sb.append(BlockLogLine.format(e)).append('\n');
        }
        AtomicFiles.write(path(), dir.resolve(TEMP_NAME), ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
        dirty = false;
    }

    /** Appends one event (the sweeper's thread); written to the file now, forced to disk by {@link #sync}. */
    public synchronized void append(BlockEvent e) {
        try {
            if (channel == null) {
                channel = FileChannel.open(path(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            }
            ByteBuffer line = ByteBuffer.wrap((BlockLogLine.format(e) + "\n").getBytes(StandardCharsets.UTF_8));
            while (line.hasRemaining()) {
                channel.write(line);
            }
            dirty = true;
        } catch (IOException x) {
            failures++;
            lastFailure = x;
        }
    }

    /** Forces what was appended since the last call to disk (the keeper, about once a second). */
    public synchronized void sync() {
        if (!dirty || channel == null) {
            return;
        }
        try {
            channel.force(false);
            dirty = false;
        } catch (IOException x) {
            failures++;
            lastFailure = x;
        }
    }

    /** Appends or syncs that failed so far. */
    public synchronized long failures() {
        return failures;
    }

    /** The last failure, cleared by this call (for one log line), or null. */
    public synchronized IOException takeFailure() {
        IOException x = lastFailure;
        lastFailure = null;
        return x;
    }

    private void closeChannel() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        sync();
        closeChannel();
    }
}
