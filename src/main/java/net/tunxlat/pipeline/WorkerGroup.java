// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import net.tunxlat.tun.PacketQueue;
import net.tunxlat.util.Log;

/**
 * The workers of one device, one thread each: started together and stopped together, in the order that
 * never frees what a live worker may still use. {@link #close} stops the workers, waits for their threads
 * (bounded) and releases the buffers of those that exited; a worker that did not exit keeps its buffers and
 * stays attached to its queue, so closing the device afterwards leaves that queue's descriptor open until
 * the worker detaches ({@link PacketQueue}), and this is logged as an error.
 */
public final class WorkerGroup implements AutoCloseable {
    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final long stopMillis;
    private boolean closed;

    /**
     * Makes one worker per queue (not started). If making one fails, those already made are released.
     *
     * @param newWorker  the worker for a queue
     * @param threadName the thread's name for a queue
     * @param onExit     run by each worker thread as it ends (say, to wake a waiting main thread)
     * @param stopMillis how long {@link #close} waits in all for the threads to end
     */
    WorkerGroup(List<? extends PacketQueue> queues, Function<PacketQueue, Worker> newWorker,
            Function<PacketQueue, String> threadName, Runnable onExit, long stopMillis) {
        this.stopMillis = stopMillis;
        boolean made = false;
        try {
            for (PacketQueue q : queues) {
                Worker w = newWorker.apply(q);
                workers.add(w);
                threads.add(new Thread(() -> {
                    try {
                        w.run();
                    } finally {
                        onExit.run();
                    }
                }, threadName.apply(q)));
            }
            made = true;
        } finally {
            if (!made) {
                workers.forEach(Worker::close);
            }
        }
    }

    List<Worker> workers() {
        return workers;
    }

    /** True once worker {@code i}'s thread has ended (it died, or stopped when asked): read by {@link Readiness}. */
    boolean ended(int i) {
        return threads.get(i).getState() == Thread.State.TERMINATED;
    }

    void start() {
        threads.forEach(Thread::start);
    }

    /** Asks every worker to stop (they notice within a batch or an idle poll); returns at once. */
    void stop() {
        workers.forEach(Worker::stop);
    }

    /**
     * Asks every worker to stop and waits up to {@code millis} in all for their threads.
     *
     * @return the workers whose threads are still alive (started and not ended)
     */
    List<Worker> stopAndWait(long millis) {
        stop();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        List<Worker> alive = new ArrayList<>();
        try {
            for (int i = 0; i < threads.size(); i++) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0) {
                    threads.get(i).join(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < threads.size(); i++) {
            if (threads.get(i).isAlive()) {
                alive.add(workers.get(i));
            }
        }
        return alive;
    }

    /**
     * Stops the workers, waits for them (bounded) and releases the buffers of every worker that exited (or
     * never started); a worker still running keeps its buffers, and this is logged as an error. Call before
     * closing the device. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Worker> alive = stopAndWait(stopMillis);
        for (Worker w : workers) {
            if (!alive.contains(w)) {
                w.close();
            }
        }
        for (Worker w : alive) {
            Log.error("worker for queue " + w.queueIndex() + " did not stop within " + stopMillis + " ms: its buffers"
                    + " stay allocated and its TUN descriptor stays open until it does (or the process exits),"
                    + " so that it never reads or writes a closed or reused descriptor");
        }
    }
}
