// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A translator running in the foreground in the translator namespace. */
public final class TranslatorProcess {
    private final Translator translator;
    private final Process process;
    private final Path log;

    private TranslatorProcess(Translator translator, Process process, Path log) {
        this.translator = translator;
        this.process = process;
        this.log = log;
    }

    static TranslatorProcess start(Netns ns, Translator translator, Path config, Path log) throws IOException {
        translator.checkAvailable();
        List<String> command = translator.command(config);
        Files.writeString(log, "[e2e] ip netns exec " + ns.name() + " " + String.join(" ", command) + "\n",
                StandardCharsets.UTF_8);
        return new TranslatorProcess(translator, ns.spawn(log, command), log);
    }

    public Translator translator() {
        return translator;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /**
     * Waits until {@code from} gets an answer to a ping of {@code target} (an address reached
     * through the translator), failing early if the translator exits.
     */
    void awaitReady(Netns from, String target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread.sleep(300);
        ExecResult last = null;
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(translator.name() + " exited with " + process.exitValue()
                        + " before it was ready; log tail:\n" + logTail(40));
            }
            last = from.exec(Duration.ofSeconds(5), "ping", "-n", "-c", "1", "-W", "1", target);
            if (last.ok()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(translator.name() + " not ready after " + timeout.toSeconds()
                        + " s (no answer to ping " + target + " from " + from + "): " + last.describe()
                        + "\nlog tail:\n" + logTail(40));
            }
            Thread.sleep(200);
        }
    }

    /**
     * Sends SIGTERM and waits up to {@code grace}; if the process is still there, kills it with
     * SIGKILL. Returns whether it ended within {@code grace} (true if it had already ended).
     */
    boolean stop(Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        process.destroy(); // SIGTERM
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** SIGKILL, then waits (at most 10 s) for the process to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(translator.name() + " still alive 10 s after SIGKILL");
        }
    }

    /** The exit status (the process must have ended). */
    public int exitValue() {
        return process.exitValue();
    }

    /** Waits up to {@code timeout} for the process to end: its exit status, or null if it is still running. */
    public Integer waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** The translator's whole output so far. */
    public String output() throws IOException {
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    }

    /** The last {@code lines} lines of the translator's output. */
    public String logTail(int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
