// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import io.netty.buffer.PooledByteBufAllocator;
import java.util.Objects;
import net.tunxlat.tun.LibC;

/**
 * The daemon's start-up work that depends on nothing in the configuration, done on a thread of its own while the main
 * thread reads the configuration and opens the control socket: JNA with libc (JNA unpacks and loads its native
 * library, and runs {@code ldconfig -p} once for its library search path) and Netty's pooled allocator (some 240
 * classes). Each took about a tenth of a second of the main thread on the way to the first packet
 * (docs/performance.md, "Start-up"); with two cores or more they now overlap with the rest.
 *
 * <p>Nothing here has an effect beyond loading and initialising those classes, which the main thread would do at the
 * same places anyway. {@link Daemon#run} waits for it before it opens the TUN device ({@link #await}), and meets a
 * failure (JNA's native library cannot be loaded, say) as the same error it would have met itself. Class
 * initialisation happens once per JVM: a thread that needs a class another is initialising waits for it, and this
 * thread waits for nothing of the main thread's, so the two cannot deadlock.
 */
public final class WarmUp {
    /** The process's warm-up once {@link #start} ran, else null. Guarded by WarmUp.class. */
    private static WarmUp started;

    private final Thread thread;
    private volatile Throwable failure;

    WarmUp(Runnable work) {
        thread = new Thread(() -> {
            try {
                work.run();
            } catch (Throwable t) { // handed to the thread that waits, by join()
                failure = t;
            }
        }, "tunxlat-warm-up");
        thread.setDaemon(true); // a start that fails on its configuration exits without waiting for it
    }

    /** Starts the warm-up (once per process; later calls do nothing). */
    public static synchronized void start() {
        if (started == null) {
            started = new WarmUp(WarmUp::warm).begin();
        }
    }

    private static void warm() {
        LibC.load();
        Objects.requireNonNull(PooledByteBufAllocator.DEFAULT);
    }

    /**
     * Waits until the warm-up is done (returns at once if it never started) and throws what it failed with, as the
     * main thread would have met it.
     */
    public static void await() throws InterruptedException {
        WarmUp w;
        synchronized (WarmUp.class) {
            w = started;
        }
        if (w != null) {
            w.join();
        }
    }

    /** Starts this warm-up's thread (tests; the process's own is started by {@link #start}). */
    WarmUp begin() {
        thread.start();
        return this;
    }

    /** Waits for the work to end and throws the {@link Error} or {@link RuntimeException} it ended with. */
    void join() throws InterruptedException {
        thread.join();
        Throwable f = failure;
        if (f instanceof Error e) {
            throw e;
        }
        if (f instanceof RuntimeException e) {
            throw e;
        }
    }
}
