// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The running CLAT's state as a small file in its runtime directory ({@code status}: {@code key=value} lines,
 * written atomically at each change), for {@code tunxlat doctor --clat} and for people: state, why, the
 * NAT64 prefix with its source, the uplink, the CLAT address, since when.
 */
public final class ClatStatus {
    public static final String FILE = "status";

    private ClatStatus() {
    }

    /** The lines for {@code s} at {@code now}. */
    public static String render(ClatController.Snapshot s, Instant now) {
        StringBuilder b = new StringBuilder();
        b.append("state=").append(s.state().name().toLowerCase(Locale.ROOT)).append('\n');
        b.append("reason=").append(s.reason().replace('\n', ' ')).append('\n');
        if (s.prefix() != null) {
            b.append("prefix=").append(s.prefix().prefix()).append('\n');
            b.append("prefix-source=").append(ClatController.sourceName(s.prefix())).append('\n');
            b.append("prefix-from=").append(s.prefix().origin()).append('\n');
        }
        if (s.uplink() != null) {
            b.append("uplink=").append(s.uplink().name()).append('\n');
            b.append("uplink-prefix=").append(s.uplink().prefix()).append('\n');
            b.append("uplink-mtu=").append(s.uplink().mtu()).append('\n');
        }
        if (s.address() != null) {
            b.append("clat-address=").append(s.address()).append('\n');
        }
        b.append("since=").append(now).append('\n');
        return b.toString();
    }

    /** Writes {@code s} to {@code dir/status} atomically. */
    public static void write(Path dir, ClatController.Snapshot s, Instant now) throws IOException {
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.writeString(tmp, render(s, now), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The keys and values of a status file (empty if there is none). */
    public static Map<String, String> read(Path dir) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return m;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }
}
