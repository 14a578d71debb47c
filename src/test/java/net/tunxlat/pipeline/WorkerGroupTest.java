// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.tunxlat.tun.MemoryQueue;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.Test;

/**
 * The daemon's shutdown order: workers stop, their threads are waited for (bounded), then the queues close;
 * a worker that does not stop in time keeps its queue open until it does.
 */
class WorkerGroupTest {
    static WorkerGroup group(List<MemoryQueue> queues, CountDownLatch exited, long stopMillis) {
        return new WorkerGroup(queues, q -> new Worker(q, () -> WorkerTest.SNAPSHOT, PooledByteBufAllocator.DEFAULT,
                System::nanoTime, PacketLog.OFF), q -> "group-test-q" + q.index(), exited::countDown, stopMillis);
    }

    @Test
    void stopsEveryWorkerThenTheQueuesCloseAtOnce() throws InterruptedException {
        List<MemoryQueue> queues = List.of(new MemoryQueue("mem", 0, 0, false), new MemoryQueue("mem", 1, 0, false));
        CountDownLatch exited = new CountDownLatch(2);
        WorkerGroup g = group(queues, exited, WorkerTest.PATIENCE_MILLIS);
        g.start();
        queues.get(0).offer(WorkerTest.udp46(1));
        queues.get(1).offer(WorkerTest.udp46(2), WorkerTest.udp46(3));
        WorkerTest.eventually(() -> g.workers().stream().mapToLong(w -> w.counters().get(XlatCounters.PACKETS_46))
                .sum() == 3, "both workers translate");
        long t0 = System.nanoTime();
        g.close();
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < Worker.IDLE_POLL_MILLIS + 900,
                "idle workers stop within a poll");
        assertEquals(0, exited.getCount(), "every worker thread ended");
        for (MemoryQueue q : queues) {
            q.close();
            assertTrue(q.isClosed(), "no worker holds queue " + q.index() + " any more");
        }
        g.close(); // idempotent: the buffers are not released twice
        assertEquals(3, g.workers().stream().mapToLong(w -> w.counters().get(XlatCounters.PACKETS_46)).sum(),
                "the counters outlive the buffers");
    }

    @Test
    void aWorkerThatDoesNotStopKeepsItsQueueOpenUntilItDoes() throws InterruptedException {
        MemoryQueue stuck = new MemoryQueue("mem", 0, 0, false);
        MemoryQueue fine = new MemoryQueue("mem", 1, 0, false);
        CountDownLatch release = new CountDownLatch(1);
        stuck.offerStall(release);
        CountDownLatch exited = new CountDownLatch(2);
        WorkerGroup g = group(List.of(stuck, fine), exited, 200);
        g.start();
        WorkerTest.eventually(() -> stuck.reads() == 1 && fine.awaits() >= 1, "one worker stuck in a read");
        long t0 = System.nanoTime();
        g.close();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited >= 190 && waited < 200 + 900, "waited the bound, not more: " + waited + " ms");
        assertEquals(1, exited.getCount(), "the other worker ended");
        fine.close();
        assertTrue(fine.isClosed());
        stuck.close(); // what closing the device does
        assertFalse(stuck.isClosed(), "not closed under the stuck worker");
        assertTrue(stuck.isClosing());
        release.countDown();
        assertTrue(exited.await(WorkerTest.PATIENCE_MILLIS, TimeUnit.MILLISECONDS), "the worker ends once released");
        WorkerTest.eventually(stuck::isClosed, "and its queue closes as it detaches");
        // close() left its buffers alone (it was alive): they are released here, once, and a double release would throw.
        assertDoesNotThrow(g.workers().get(0)::close, "the stuck worker's buffers were not released under it");
    }
}
