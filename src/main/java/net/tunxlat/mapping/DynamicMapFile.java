// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.util.AtomicFiles;

/**
 * TAYGA's {@code dynamic.map} in {@code data-dir}: one {@code IPV4<TAB>IPV6<TAB>LAST-USE} line per
 * binding (last use in seconds since the epoch), {@code #} comment lines. tunxlat reads and writes the
 * same format, so a TAYGA data directory is adopted as it is and the other way round.
 *
 * <p>Writes are atomic: the new content goes to {@code dynamic.map~~} (TAYGA's temporary name), is
 * forced to disk, renamed over {@code dynamic.map}, and the directory is forced too. A crash at any
 * moment leaves the old file or the new one, never a mix.
 */
public final class DynamicMapFile {
    public static final String NAME = "dynamic.map";
    public static final String TEMP_NAME = "dynamic.map~~";

    /** One line of the file. */
    public record Entry(int address, long hi, long lo, long lastUse) {}

    /** The entries read, and the lines that could not be (file:line: why). */
    public record Loaded(List<Entry> entries, List<String> problems) {}

    private final Path dir;

    public DynamicMapFile(Path dataDir) {
        this.dir = dataDir;
    }

    public Path path() {
        return dir.resolve(NAME);
    }

    /** Reads the file; a missing file is empty. Malformed lines are skipped and reported (TAYGA does the same). */
    public Loaded load() throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(path(), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return new Loaded(entries, problems);
        }
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("[ \t]+");
            try {
                if (f.length != 3) {
                    throw new IllegalArgumentException("expected IPV4 IPV6 LAST-USE");
                }
                int a = Addresses.parseIpv4(f[0]);
                long[] v6 = Addresses.parseIpv6(f[1]);
                long lastUse = Long.parseLong(f[2]);
                if (lastUse <= 0) {
                    throw new IllegalArgumentException("last use must be a positive number of seconds");
                }
                entries.add(new Entry(a, v6[0], v6[1], lastUse));
            } catch (IllegalArgumentException e) {
                problems.add(path() + ":" + (n + 1) + ": ignoring malformed line '" + line + "': " + e.getMessage());
            }
        }
        return new Loaded(entries, problems);
    }

    /** Writes all entries atomically (write, fsync, rename, fsync the directory). */
    public void save(List<Entry> entries, long nowSeconds) throws IOException {
        StringBuilder sb = new StringBuilder(64 + entries.size() * 64);
        sb.append("###\n###\n### TAYGA dynamic map database (written by tunxlat)\n###\n")
                .append("### You can edit this (carefully!) as long as you shut down the translator first\n")
                .append("###\n###\n### Last written: ").append(Instant.ofEpochSecond(nowSeconds)).append("\n###\n###\n\n");
        for (Entry e : entries) {
            sb.append(Addresses.formatIpv4(e.address())).append('\t').append(Addresses.formatIpv6(e.hi(), e.lo()))
                    .append('\t').append(e.lastUse()).append('\n');
        }
        AtomicFiles.write(path(), dir.resolve(TEMP_NAME),
                ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1)));
    }
}
