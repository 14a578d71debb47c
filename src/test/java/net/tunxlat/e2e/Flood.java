// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Floods of UDP packets from {@code src/test/python/flood.py} (raw sockets: any source), run in a namespace. */
final class Flood implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final String label;

    Flood(String label) {
        this.label = label;
    }

    static Path script() {
        Path here = Path.of("src/test/python/flood.py").toAbsolutePath();
        if (!Files.isRegularFile(here)) {
            String jar = System.getProperty("tunxlat.jar");
            if (jar != null) {
                here = Path.of(jar).toAbsolutePath().getParent().getParent().resolve("src/test/python/flood.py");
            }
        }
        return here;
    }

    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** Starts {@code flood.py ARGS...} in {@code ns}; returns at once. */
    Flood start(Netns ns, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(python(), script().toString()));
        cmd.addAll(List.of(args));
        Path log = TestBed.logDirectory().resolve(label + "-flood-" + processes.size() + "-" + ns.name() + ".log").toAbsolutePath();
        Files.deleteIfExists(log);
        processes.add(ns.spawn(log, cmd));
        logs.add(log);
        return this;
    }

    /** Waits for every flood to end; returns their last lines ("sent N packets in S s"). */
    List<String> await(Duration timeout) throws Exception {
        List<String> results = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("flood " + i + " did not end; log " + logs.get(i));
            }
            String out = Files.readString(logs.get(i)).trim();
            if (p.exitValue() != 0) {
                throw new AssertionError("flood " + i + " failed: " + out);
            }
            results.add(out.lines().reduce((a, b) -> b).orElse(""));
        }
        return results;
    }

    /** Total packets the floods reported. */
    static long sent(List<String> results) {
        long n = 0;
        for (String r : results) {
            String[] w = r.split(" ");
            if (w.length > 1 && w[0].equals("sent")) {
                n += Long.parseLong(w[1]);
            }
        }
        return n;
    }

    @Override
    public void close() {
        processes.forEach(Process::destroyForcibly);
    }
}
