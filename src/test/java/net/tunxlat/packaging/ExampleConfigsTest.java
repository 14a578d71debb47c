// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import net.tunxlat.ExternalTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routing examples of packaging/examples/ (issue 18: BIRD and FRR on a translator and on the upstream router,
 * shipped in the .deb under /usr/share/doc/tunxlat/examples/) are read by the real programs: {@code bird -p -c FILE}
 * (bird2) and {@code vtysh --dryrun -f FILE} (frr). Each checker is first shown to refuse a broken copy, so that a
 * pass means the file was parsed. ScaleOutIT runs the BIRD files themselves. Skipped without bird2 or frr (failed
 * under CI).
 */
class ExampleConfigsTest {
    private static final Path EXAMPLES = Path.of("packaging", "examples");

    @Test
    void birdAcceptsTheBirdExamples(@TempDir Path tmp) throws Exception {
        Path bird = ExternalTool.require("bird", "apt-get install bird2");
        List<Path> files = examples("bird-");
        assertEquals(2, files.size(), "bird-translator.conf and bird-upstream.conf: " + files);
        Path broken = brokenCopy(files.get(0), tmp, "protocol bgp broken { neighbor 203.0.113.1 as; }");
        assertNotEquals(0, run(bird.toString(), "-p", "-c", broken.toString()).status, "bird -p refuses a broken file");
        for (Path f : files) {
            Result r = run(bird.toString(), "-p", "-c", f.toString());
            assertEquals(0, r.status, "bird -p -c " + f + ": " + r.output);
        }
    }

    @Test
    void frrAcceptsTheFrrExamples(@TempDir Path tmp) throws Exception {
        Path vtysh = ExternalTool.require("vtysh", "apt-get install frr");
        List<Path> files = examples("frr-");
        assertEquals(2, files.size(), "frr-translator.conf and frr-upstream.conf: " + files);
        Path broken = brokenCopy(files.get(0), tmp, "router bgp 64510\n neighbor 203.0.113.1 remote-as nowhere");
        assertNotEquals(0, run(vtysh.toString(), "--dryrun", "-f", broken.toString()).status,
                "vtysh --dryrun refuses a broken file");
        for (Path f : files) {
            Result r = run(vtysh.toString(), "--dryrun", "-f", f.toString());
            assertEquals(0, r.status, "vtysh --dryrun -f " + f + ": " + r.output);
            // vtysh's own settings file is readable by root and the frrvty group only: that warning is not about f
            String said = r.output.lines().filter(l -> !l.startsWith("% Can't open configuration file /etc/frr/vtysh.conf"))
                    .reduce("", (a, b) -> a + b + "\n");
            assertTrue(said.isBlank(), "vtysh --dryrun -f " + f + " says: " + said);
        }
    }

    /** The translator side announces the table the hook writes (the contract's default, 200), in every example. */
    @Test
    void translatorExamplesReadTable200() throws IOException {
        assertTrue(Files.readString(EXAMPLES.resolve("bird-translator.conf")).contains("kernel table 200;"));
        String frr = Files.readString(EXAMPLES.resolve("frr-translator.conf"));
        assertTrue(frr.contains("\nip import-table 200\n") && frr.contains("\n  redistribute table 200\n"), frr);
    }

    private static List<Path> examples(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".conf"))
                    .sorted().toList();
        }
    }

    private static Path brokenCopy(Path file, Path dir, String badLines) throws IOException {
        Path copy = dir.resolve(file.getFileName());
        Files.writeString(copy, Files.readString(file) + "\n" + badLines + "\n", StandardCharsets.UTF_8);
        return copy;
    }

    private record Result(int status, String output) {}

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 20 s");
        }
        return new Result(p.exitValue(), out);
    }
}
