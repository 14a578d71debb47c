// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import net.tunxlat.util.Json;

/**
 * The CLAT's window on the host's network configuration: it runs {@code ip} (iproute2) and reads or writes
 * sysctls. Control plane only (a handful of calls when the CLAT starts, changes or stops, never per packet), so
 * it simply runs the {@code ip} program through {@link ProcessBuilder} and parses its JSON output ({@code ip -j})
 * rather than speaking rtnetlink itself.
 *
 * <p>Everything happens in the network namespace of the calling thread: a child process inherits the namespace
 * of the thread that forks it, and {@code /proc/sys/net} and {@code /proc/thread-self/ns/net} answer for the
 * calling thread's namespace. The end-to-end tests rely on that: they run a {@link ClatHost} on a thread that
 * entered the client namespace with {@code setns(2)}.
 *
 * <p>An interface so that the unit tests can answer with recorded {@code ip -j} output ({@code ClatHostTest}).
 */
public interface Iproute {

    /**
     * Runs {@code command} and returns its standard output; a non-zero exit is an {@link IprouteException}
     * carrying the standard error (as {@code ip} reports it: "RTNETLINK answers: File exists", ...).
     */
    String run(String... command) throws IOException;

    /** Runs {@code ip -j ARGS...} and parses its output ({@link Json#parse}); empty output is an empty list. */
    default List<Object> json(String... ipArgs) throws IOException {
        String[] cmd = new String[ipArgs.length + 2];
        cmd[0] = "ip";
        cmd[1] = "-j";
        System.arraycopy(ipArgs, 0, cmd, 2, ipArgs.length);
        String out = run(cmd).strip();
        if (out.isEmpty()) {
            return List.of();
        }
        Object v;
        try {
            v = Json.parse(out);
        } catch (IllegalArgumentException e) {
            throw new IOException(String.join(" ", cmd) + ": unreadable output (" + e.getMessage() + ")", e);
        }
        if (!(v instanceof List<?> list)) {
            throw new IOException(String.join(" ", cmd) + ": expected a JSON array, got " + out);
        }
        return new ArrayList<>(list);
    }

    /** The value of sysctl {@code key} (dotted: {@code net.ipv6.conf.eth0.proxy_ndp}), trimmed. */
    String sysctl(String key) throws IOException;

    /** Sets sysctl {@code key} to {@code value}. */
    void setSysctl(String key, String value) throws IOException;

    /**
     * The programs running in this network namespace, one {@code "PID NAME"} per process (NAME is
     * {@code /proc/PID/comm}): the other CLATs that are processes (clatd) are found among them. Processes of other
     * namespaces (a NAT64's TAYGA in a container, say) are not listed.
     */
    List<String> processes() throws IOException;

    /** A failed command: its exit status and standard error. */
    final class IprouteException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int exitStatus;
        private final String stderr;

        public IprouteException(String command, int exitStatus, String stderr) {
            super(command + ": exit status " + exitStatus + (stderr.isBlank() ? "" : ": " + stderr.strip()));
            this.exitStatus = exitStatus;
            this.stderr = stderr.strip();
        }

        public int exitStatus() {
            return exitStatus;
        }

        public String stderr() {
            return stderr;
        }
    }

    /** The real system: runs the programs, reads {@code /proc}. */
    static Iproute system() {
        return new SystemIproute();
    }

    /** {@link Iproute#system()}. */
    final class SystemIproute implements Iproute {
        private static final long TIMEOUT_SECONDS = 10;

        private SystemIproute() {
        }

        @Override
        public String run(String... command) throws IOException {
            String line = String.join(" ", command);
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            String out = readAll(p.getInputStream());
            try {
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(line + ": no answer within " + TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException(line + ": interrupted", e);
            }
            if (p.exitValue() != 0) {
                throw new IprouteException(line, p.exitValue(), err.join());
            }
            return out;
        }

        private static String readAll(InputStream in) {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        private static Path sysctlPath(String key) {
            if (key.contains("/") || key.contains("..")) {
                throw new IllegalArgumentException("not a sysctl name: " + key);
            }
            return Path.of("/proc/sys", key.replace('.', '/'));
        }

        @Override
        public String sysctl(String key) throws IOException {
            // One read from offset 0: an integer sysctl answers a read at a later offset with end of file, so
            // Files.readString (which reads a "0-byte" /proc file one byte first) would see "1" of "1500".
            try (InputStream in = Files.newInputStream(sysctlPath(key))) {
                byte[] buf = new byte[4096];
                int n = in.read(buf);
                return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8).strip();
            }
        }

        @Override
        public void setSysctl(String key, String value) throws IOException {
            try {
                Files.writeString(sysctlPath(key), value + "\n");
            } catch (IOException e) {
                throw new IOException("cannot set " + key + "=" + value + ": " + e, e);
            }
        }

        @Override
        public List<String> processes() throws IOException {
            String mine = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            List<String> found = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path pid : dir) {
                    try {
                        if (mine.equals(Files.readSymbolicLink(pid.resolve("ns/net")).toString())) {
                            found.add(pid.getFileName() + " " + Files.readString(pid.resolve("comm")).strip());
                        }
                    } catch (IOException | SecurityException e) {
                        // gone meanwhile, or another user's process we may not inspect: not ours to judge
                    }
                }
            }
            return found;
        }
    }
}
