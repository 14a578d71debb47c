// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.sun.jna.LastErrorException;
import java.io.File;
import java.net.Inet4Address;
import java.util.concurrent.TimeoutException;

/**
 * A named network namespace ({@code ip netns add}), owned by the test bed.
 *
 * <p>Programs run in it through {@code ip netns exec}. Sockets are opened in it from this JVM: a
 * dedicated thread enters the namespace with {@code setns(2)} and opens the channel there; a socket
 * stays in the namespace it was created in, so the returned channel can then be used from any
 * thread. Only NIO channels are used because {@code open()} creates the file descriptor at once
 * (a plain {@code java.net.Socket} creates it lazily, possibly on the wrong thread).
 */
public final class Netns implements AutoCloseable {
    private final String name;
    private final ExecutorService thread;
    private final ThreadLocal<Boolean> entered = ThreadLocal.withInitial(() -> false);
    private final List<Closeable> channels = new CopyOnWriteArrayList<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private boolean closed;

    private Netns(String name) {
        this.name = name;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Creates the namespace (with its loopback up). */
    static Netns create(String name) {
        Cmd.run("ip", "netns", "add", name);
        Netns ns = new Netns(name);
        try {
            ns.ip("link", "set", "lo", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /**
     * Creates the namespace exactly as {@code ip netns add} leaves it: its loopback DOWN and without addresses
     * (127.0.0.1 only appears once lo is brought up), as scripts written for TAYGA find it.
     */
    static Netns createFresh(String name) {
        Cmd.run("ip", "netns", "add", name);
        return new Netns(name);
    }

    public String name() {
        return name;
    }

    // ---- programs -------------------------------------------------------------------------

    /** Runs {@code command} in the namespace and waits for it (never throws for a non-zero exit). */
    public ExecResult exec(Duration timeout, String... command) {
        return Cmd.exec(timeout, prefixed(List.of(command)));
    }

    /** {@link #exec(Duration, String...)} with a 20 s timeout. */
    public ExecResult exec(String... command) {
        return exec(Cmd.DEFAULT_TIMEOUT, command);
    }

    /** Runs {@code ip -n <ns> args...}, failing on a non-zero exit. */
    public String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return Cmd.run(cmd.toArray(String[]::new));
    }

    /** Sets sysctls ({@code key=value}) in the namespace, failing on error. */
    public void sysctl(String... assignments) {
        List<String> cmd = new ArrayList<>(List.of("sysctl", "-q", "-w"));
        cmd.addAll(List.of(assignments));
        ExecResult r = exec(cmd.toArray(String[]::new));
        if (!r.ok()) {
            throw new IllegalStateException(r.describe());
        }
    }

    /**
     * Starts {@code command} in the background, stdout and stderr appended to {@code log}. The
     * process ({@code ip netns exec} replaces itself with the command, so it is the command's own
     * process) is killed when the namespace is closed unless it has ended before.
     */
    public Process spawn(Path log, List<String> command) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(prefixed(command))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        processes.add(p);
        return p;
    }

    private List<String> prefixed(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(command);
        return cmd;
    }

    // ---- sockets ----------------------------------------------------------------------------

    /** Runs {@code action} on this namespace's own thread, which has entered the namespace. */
    public <T> T inside(Callable<T> action) throws IOException {
        Future<T> f = thread.submit(() -> {
            enter();
            return action.call();
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IOException("timed out in namespace " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** A TCP channel (blocking) created in this namespace; connect it from anywhere. */
    public SocketChannel openTcp(ProtocolFamily family) throws IOException {
        return track(inside(() -> SocketChannel.open(family)));
    }

    /** A TCP listening channel (blocking) created in this namespace and bound to {@code bind}. */
    public ServerSocketChannel listenTcp(InetSocketAddress bind) throws IOException {
        return track(inside(() -> {
            ServerSocketChannel s = ServerSocketChannel.open(familyOf(bind));
            try {
                s.bind(bind);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return s;
        }));
    }

    /** A UDP channel (blocking) created in this namespace and bound to {@code bind}. */
    public DatagramChannel openUdp(InetSocketAddress bind) throws IOException {
        return track(inside(() -> {
            DatagramChannel d = DatagramChannel.open(familyOf(bind));
            try {
                d.bind(bind);
            } catch (IOException e) {
                d.close();
                throw e;
            }
            return d;
        }));
    }

    private static ProtocolFamily familyOf(InetSocketAddress a) {
        return a.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    private <C extends Closeable> C track(C channel) {
        channels.add(channel);
        return channel;
    }

    /** Moves the calling thread into the namespace (once per thread) and checks that it worked. */
    private void enter() throws IOException {
        if (entered.get()) {
            return;
        }
        Path nsFile = Path.of("/run/netns", name);
        try {
            int fd = LibC.INSTANCE.open(nsFile.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
            try {
                LibC.INSTANCE.setns(fd, LibC.CLONE_NEWNET);
            } finally {
                LibC.INSTANCE.close(fd);
            }
        } catch (LastErrorException e) {
            throw new IOException("cannot enter network namespace " + name + ": errno " + e.getErrorCode(), e);
        }
        Object want = Files.getAttribute(nsFile, "unix:ino");
        String have = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        if (!have.equals("net:[" + want + "]")) {
            throw new IOException("setns did not take: thread is in " + have + ", want inode " + want);
        }
        entered.set(true);
    }

    // ---- teardown ---------------------------------------------------------------------------

    /**
     * Closes the channels, kills what still runs in the namespace and deletes it. Idempotent; does
     * not throw for cleanup problems but reports them on stderr.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Closeable c : channels) {
            try {
                c.close();
            } catch (IOException e) {
                // best effort
            }
        }
        for (Process p : processes) {
            kill(p);
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Anything else still running in our (uniquely named) namespace was started by this bed.
        ExecResult pids = Cmd.exec(Duration.ofSeconds(5), List.of("ip", "netns", "pids", name));
        if (pids.ok()) {
            for (String pid : pids.output().trim().split("\\s+")) {
                if (!pid.isEmpty()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        ExecResult del = Cmd.exec(Duration.ofSeconds(10), List.of("ip", "netns", "del", name));
        if (!del.ok()) {
            System.err.println("[e2e] cannot delete namespace: " + del.describe());
        }
    }

    private static void kill(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
