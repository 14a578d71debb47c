// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import net.tunxlat.clat.ClatStatus;

/**
 * {@code tunxlat clat} run in {@link ClatBed#client()}, with its directories in the bed's and its metrics off: the
 * CLAT of the end-to-end tests ({@code ClatEndToEndIT}, {@code ClatRouterIT}, {@code ClatLinkChangesIT}). Its state
 * is read from the status file ({@link ClatStatus}); {@link #close()} stops it with SIGTERM and fails if it needed
 * more.
 */
final class ClatProcess implements AutoCloseable {
    /** How long a CLAT may take to come up (a bed's first RA, DAD, the translator's start). */
    static final Duration UP = Duration.ofSeconds(40);

    final ClatBed bed;
    final Path run;
    final TranslatorProcess process;

    /**
     * Starts {@code tunxlat clat} with {@code extra} options ({@code --routed-prefix P}, ...); its metrics are off
     * unless {@code extra} has {@code --metrics-listen} (the client namespace's own loopback: no two beds collide).
     */
    ClatProcess(ClatBed bed, String... extra) throws IOException {
        this.bed = bed;
        Path dir = bed.directory();
        this.run = dir.resolve("clat-run");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = Translator.jar();
        List<String> command = new ArrayList<>(List.of(java.toString(), "-jar", jar.toAbsolutePath().toString(),
                "clat", "--data-dir", dir.resolve("clat-data").toString(), "--runtime-dir", run.toString()));
        if (!List.of(extra).contains("--metrics-listen")) {
            command.addAll(List.of("--metrics-listen", "off"));
        }
        command.addAll(List.of(extra));
        Translator t = new Translator() {
            @Override
            public String name() {
                return "tunxlat clat";
            }

            @Override
            public List<String> command(Path configFile) {
                return command;
            }
        };
        this.process = TranslatorProcess.start(bed.client(), t, null, dir.resolve("clat.log"));
    }

    Map<String, String> status() throws IOException {
        return ClatStatus.read(run);
    }

    /** Waits until the status file says what {@code wanted} wants; its last content. */
    Map<String, String> await(Predicate<Map<String, String>> wanted, Duration timeout, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> s = status();
        while (!wanted.test(s)) {
            if (!process.isAlive()) {
                fail("tunxlat clat exited (" + process.exitValue() + ") waiting for " + what + ":\n"
                        + process.logTail(40));
            }
            if (System.nanoTime() > deadline) {
                fail("no " + what + " within " + timeout.toSeconds() + " s; status " + s + "\nlog:\n"
                        + process.logTail(40) + "\n" + bed.logTails(10));
            }
            Thread.sleep(200);
            s = status();
        }
        return s;
    }

    Map<String, String> awaitUp() throws IOException, InterruptedException {
        return await(s -> "up".equals(s.get("state")), UP, "CLAT up");
    }

    /** {@code tunxlat doctor --clat} in the client namespace, on this CLAT's runtime directory. */
    ExecResult doctor() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return bed.client().exec(Duration.ofSeconds(30), java.toString(), "-jar",
                Translator.jar().toAbsolutePath().toString(), "doctor", "--clat", "--runtime-dir", run.toString());
    }

    /** {@code curl http://198.51.100.2/} (the bed's IPv4 server by its literal) from {@code ns}. */
    static ExecResult curl(Netns ns) {
        return ns.exec(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "http://" + ClatBed.SERVER4 + "/");
    }

    @Override
    public void close() throws IOException {
        assertTrue(process.stop(Duration.ofSeconds(15)), "tunxlat clat stops on SIGTERM:\n" + process.logTail(30));
    }
}
