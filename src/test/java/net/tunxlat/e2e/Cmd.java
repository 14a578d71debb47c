// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.io.File;

/** Runs short-lived child processes. */
final class Cmd {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private Cmd() {}

    /** Runs {@code command}, waiting at most {@code timeout}; never throws for a non-zero exit. */
    static ExecResult exec(Duration timeout, List<String> command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            return new ExecResult(command, 127, "cannot start: " + e.getMessage(), false);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        boolean timedOut = false;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            String output;
            try {
                output = out.get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                output = "(output unavailable: " + e + ")";
            }
            return new ExecResult(command, timedOut ? -1 : p.exitValue(), output, timedOut);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /** Runs {@code command} and throws unless it exits with 0. */
    static String run(String... command) {
        ExecResult r = exec(DEFAULT_TIMEOUT, List.of(command));
        if (!r.ok()) {
            throw new IllegalStateException(r.describe());
        }
        return r.output();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
