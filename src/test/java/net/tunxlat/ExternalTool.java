// SPDX-License-Identifier: Apache-2.0
package net.tunxlat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Programs some tests need that Maven does not provide (promtool and prometheus from Debian's
 * {@code prometheus} package, node with the packages of src/test/grafana). Without them a test is
 * skipped with a message saying how to install them; under CI ({@code CI=true}) it fails instead, so a
 * missing install step cannot hide behind a skip.
 */
public final class ExternalTool {
    private ExternalTool() {}

    /** The program's path on PATH, or skips (fails under CI) with {@code howToInstall}. */
    public static Path require(String program, String howToInstall) {
        Path p = find(program);
        if (p == null) {
            unavailable(program + " is not installed (" + howToInstall + ")");
        }
        return p;
    }

    /** Skips the test (or fails it under CI) because {@code why}. */
    public static void unavailable(String why) {
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(why + "; CI must install it (.ci/run)");
        }
        Assumptions.abort(why + "; skipped");
    }

    /** The program's path on PATH, or null. */
    public static Path find(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
