// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directory trees removed whole (temporary work directories, stale caches). */
public final class FileTrees {
    private FileTrees() {
    }

    /** Deletes {@code dir} and everything under it, deepest first; nothing if it does not exist. */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
