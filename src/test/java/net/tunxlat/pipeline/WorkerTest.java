// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static net.tunxlat.xlat.TranslatorTest.H4;
import static net.tunxlat.xlat.TranslatorTest.H4_AS6;
import static net.tunxlat.xlat.TranslatorTest.H6;
import static net.tunxlat.xlat.TranslatorTest.H6_AS4;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.tun.LibC;
import net.tunxlat.tun.MemoryQueue;
import net.tunxlat.tun.PacketQueue;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.TestPackets;
import net.tunxlat.xlat.TranslatorTest;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's loop over a {@link MemoryQueue}: batches, the snapshot read once per batch, the coalescer
 * flushed at the end of every batch and before sleeping, idle and wake, stop, read and write errors.
 */
class WorkerTest {
    static final int EIO = 5;
    static final int ENODEV = 19;
    /** How long a test waits for something the worker does at once (generous: the machine is shared). */
    static final long PATIENCE_MILLIS = 5000;

    /** TranslatorTest's configuration: H6 is mapped to H6_AS4, H4 is H4_AS6 by the /96 prefix. */
    static final XlatSnapshot SNAPSHOT = new XlatSnapshot(TranslatorTest.config("2001:db8:64::/96", UdpCksumMode.DROP,
            TranslatorTest.map(H6_AS4, H6)));

    final List<Worker> workers = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();
    final AtomicInteger snapshotReads = new AtomicInteger();

    Worker worker(PacketQueue queue) {
        Worker w = new Worker(queue, () -> {
            snapshotReads.incrementAndGet();
            return SNAPSHOT;
        }, PooledByteBufAllocator.DEFAULT, System::nanoTime, PacketLog.OFF);
        workers.add(w);
        return w;
    }

    Thread start(Worker w) {
        Thread t = new Thread(w, "worker-test");
        threads.add(t);
        t.start();
        return t;
    }

    @AfterEach
    void stopAndRelease() throws InterruptedException {
        for (Worker w : workers) {
            w.stop();
        }
        for (Thread t : threads) {
            t.join(PATIENCE_MILLIS);
            assertFalse(t.isAlive(), "worker thread stopped");
        }
        workers.forEach(Worker::close);
    }

    /** A UDP datagram from an IPv4 host to a mapped IPv6 host: translated 4->6, one packet out. */
    static byte[] udp46(int sport) {
        return TestPackets.ipv4(H4, H6_AS4, 17, 64, 0, sport, 0x4000,
                TestPackets.udpHeaderAndData(sport, 53, new byte[20]));
    }

    /**
     * A UDP datagram from the mapped IPv6 host as a TUN device with offloads hands it over: a virtio_net_hdr
     * with NEEDS_CSUM (csum_start 40, csum_offset 6), the checksum field holding the pseudo-header sum.
     */
    static byte[] vnetUdp64(int sport, int payload) {
        byte[] ip = TestPackets.superPacket(TestPackets.ipv6(H6, H4_AS6, 17, 17, 64, 0, new byte[0],
                TestPackets.udpHeaderAndData(sport, 5201, new byte[payload])), 40, 17);
        ByteBuffer b = ByteBuffer.allocate(12 + ip.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 1).putShort(6, (short) 40).putShort(8, (short) 6);
        b.put(12, ip);
        return b.array();
    }

    static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MILLIS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(2);
        }
    }

    @Test
    void readsAFullBatchThenPublishesAndGoesOn() {
        MemoryQueue q = new MemoryQueue();
        for (int i = 0; i < Worker.BATCH + 36; i++) {
            q.offer(udp46(1000 + i));
        }
        Worker w = worker(q);
        assertTrue(q.attach());
        try {
            assertTrue(w.batch() > 0, "a full batch returns the last length read");
            assertEquals(Worker.BATCH, q.reads(), "no read beyond a batch");
            assertEquals(Worker.BATCH, w.counters().get(XlatCounters.PACKETS_46), "published at the batch's end");
            assertEquals(Worker.BATCH, q.writtenCount());
            assertEquals(PacketQueue.AGAIN, w.batch(), "then the rest, until nothing waits");
            assertEquals(Worker.BATCH + 37, q.reads());
        } finally {
            q.detach();
        }
        XlatCounters c = w.counters();
        assertEquals(Worker.BATCH + 36, c.get(XlatCounters.PACKETS_46));
        assertEquals(2, c.get(XlatCounters.BATCHES));
        assertEquals(Worker.BATCH + 36, c.get(XlatCounters.BATCH_PACKETS));
        assertEquals(Worker.BATCH + 36, q.takeWritten().stream().filter(p -> (p[0] >>> 4) == 6).count(),
                "every packet came out as IPv6");
        assertEquals(0, c.get(XlatCounters.TUN_READ_ERRORS));
    }

    @Test
    void readsTheSnapshotOncePerBatch() {
        MemoryQueue q = new MemoryQueue();
        for (int i = 0; i < 2 * Worker.BATCH + 2; i++) {
            q.offer(udp46(1000 + i));
        }
        Worker w = worker(q);
        w.drain();
        assertEquals(2 * Worker.BATCH + 2, w.counters().get(XlatCounters.PACKETS_46));
        assertEquals(3, snapshotReads.get(), "64 + 64 + 2 packets: three batches, three snapshot reads");
    }

    @Test
    void anEmptyQueueIsABatchOfNothing() {
        MemoryQueue q = new MemoryQueue();
        Worker w = worker(q);
        w.drain();
        assertEquals(1, q.reads());
        assertEquals(0, w.counters().get(XlatCounters.BATCHES), "no packet, no batch counted");
        assertEquals(0, q.writtenCount());
    }

    @Test
    void coalescedDatagramsAreWrittenWhenTheQueueIsEmpty() {
        MemoryQueue q = new MemoryQueue("mem", 0, 12, true);
        for (int i = 0; i < 3; i++) {
            q.offer(vnetUdp64(40000, 100));
        }
        Worker w = worker(q);
        assertTrue(q.attach());
        try {
            assertEquals(PacketQueue.AGAIN, w.batch());
        } finally {
            q.detach();
        }
        List<byte[]> out = q.takeWritten();
        assertEquals(1, out.size(), "three datagrams of one flow, one super-packet, written at the batch's end");
        assertEquals(5, out.get(0)[1], "gso_type VIRTIO_NET_HDR_GSO_UDP_L4");
        assertEquals(3, w.counters().get(XlatCounters.PACKETS_64));
    }

    @Test
    void coalescedDatagramsAreWrittenAtEveryFullBatch() {
        MemoryQueue q = new MemoryQueue("mem", 0, 12, true);
        for (int i = 0; i < Worker.BATCH; i++) {
            q.offer(vnetUdp64(40000 + i % 2, 100)); // two flows of 32: neither reaches the coalescer's own limit
        }
        q.offer(vnetUdp64(40000, 100), vnetUdp64(40000, 100));
        Worker w = worker(q);
        assertTrue(q.attach());
        try {
            assertTrue(w.batch() > 0);
            assertEquals(2, q.pending(), "packets still wait");
            assertEquals(2, q.takeWritten().size(), "yet both flows' super-packets left with the batch");
            assertEquals(PacketQueue.AGAIN, w.batch());
            assertEquals(1, q.takeWritten().size());
        } finally {
            q.detach();
        }
    }

    @Test
    void flushesBeforeSleepingIdlesAndWakesForTheNextPacket() throws InterruptedException {
        MemoryQueue q = new MemoryQueue("mem", 0, 12, true);
        List<Integer> writtenAtSleep = new ArrayList<>();
        q.onAwait(() -> {
            synchronized (writtenAtSleep) {
                writtenAtSleep.add(q.writtenCount());
            }
        });
        q.offer(vnetUdp64(40000, 100), vnetUdp64(40000, 100));
        Worker w = worker(q);
        start(w);
        eventually(() -> q.awaits() >= 3, "the worker idles, polling");
        synchronized (writtenAtSleep) {
            assertEquals(1, writtenAtSleep.get(0), "the super-packet was written before the first sleep");
        }
        assertEquals(2, w.counters().get(XlatCounters.PACKETS_64));
        q.offer(vnetUdp64(40001, 100));
        eventually(() -> q.writtenCount() == 2, "a packet after a while idle is handled");
        eventually(() -> w.counters().get(XlatCounters.PACKETS_64) == 3, "and published");
        assertNull(w.failure());
    }

    @Test
    void stopsWithinAnIdlePollAndDetaches() throws InterruptedException {
        MemoryQueue q = new MemoryQueue();
        Worker w = worker(q);
        Thread t = start(w);
        eventually(() -> q.awaits() >= 1, "idle");
        long stop = System.nanoTime();
        w.stop();
        t.join(PATIENCE_MILLIS);
        assertFalse(t.isAlive());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stop) < Worker.IDLE_POLL_MILLIS + 900,
                "stopped within an idle poll (and some scheduling)");
        q.close();
        assertTrue(q.isClosed(), "the worker detached: its queue closes at once");
        assertNull(w.failure());
    }

    @Test
    void stopsUnderLoadWithinABatch() throws InterruptedException {
        MemoryQueue q = new MemoryQueue();
        for (int i = 0; i < 50 * Worker.BATCH; i++) {
            q.offer(udp46(i));
        }
        Worker w = worker(q);
        w.stop(); // before it starts: it must not read the backlog
        Thread t = start(w);
        t.join(PATIENCE_MILLIS);
        assertFalse(t.isAlive());
        assertEquals(0, q.reads(), "a stopped worker reads nothing more");
    }

    @Test
    void aReadErrorIsCountedAndTheWorkerGoesOn() throws InterruptedException {
        MemoryQueue q = new MemoryQueue();
        q.offer(udp46(1)).offerReadError(EIO).offer(udp46(2));
        Worker w = worker(q);
        start(w);
        eventually(() -> w.counters().get(XlatCounters.PACKETS_46) == 2, "the packet after the error is handled");
        assertEquals(1, w.counters().get(XlatCounters.TUN_READ_ERRORS));
        assertEquals(2, q.writtenCount());
        assertNull(w.failure(), "an I/O error does not stop the worker");
    }

    @Test
    void aGoneDeviceStopsTheWorkerWithAFailure() throws InterruptedException {
        MemoryQueue q = new MemoryQueue();
        q.offer(udp46(1)).offerReadError(ENODEV).offer(udp46(2));
        Worker w = worker(q);
        Thread t = start(w);
        t.join(PATIENCE_MILLIS);
        assertFalse(t.isAlive(), "ENODEV: the device was deleted, the worker stops");
        assertInstanceOf(Worker.TunGoneException.class, w.failure());
        assertEquals(1, w.counters().get(XlatCounters.PACKETS_46), "published before stopping");
        assertEquals(1, w.counters().get(XlatCounters.TUN_READ_ERRORS));
        assertEquals(1, q.pending(), "nothing read after the device went");
    }

    @Test
    void writeErrorsAreCountedAndTheWorkerGoesOn() throws InterruptedException {
        MemoryQueue q = new MemoryQueue();
        q.failWrites(1, -EIO).failWrites(1, 10); // an error, then a short write
        q.offer(udp46(1), udp46(2), udp46(3));
        Worker w = worker(q);
        start(w);
        eventually(() -> w.counters().get(XlatCounters.PACKETS_46) == 3, "all three handled");
        assertEquals(2, w.counters().get(XlatCounters.TUN_WRITE_ERRORS));
        assertEquals(1, q.writtenCount());
        assertNull(w.failure());
    }

    @Test
    void aQueueUsedByAnotherThreadIsNeitherReadNorWritten() throws InterruptedException {
        MemoryQueue q = new MemoryQueue();
        q.offer(udp46(1));
        assertTrue(q.attach(), "this thread holds the queue");
        try {
            Worker w = worker(q);
            Thread t = start(w);
            t.join(PATIENCE_MILLIS);
            assertFalse(t.isAlive());
            assertInstanceOf(IllegalStateException.class, w.failure(), "the worker does not start");
            Thread other = new Thread(() -> assertThrows(IllegalStateException.class, w::drain));
            other.start();
            other.join();
            assertEquals(0, q.reads());
        } finally {
            q.detach();
        }
    }

    @Test
    void closingTheQueueUnderARunningWorkerWaitsForItToDetach() throws InterruptedException {
        MemoryQueue q = new MemoryQueue();
        Worker w = worker(q);
        Thread t = start(w);
        eventually(() -> q.awaits() >= 1, "running");
        q.close();
        assertFalse(q.isClosed(), "not closed under a live worker");
        assertTrue(q.isClosing());
        q.offer(udp46(1));
        eventually(() -> q.writtenCount() == 1, "the worker still reads and writes its queue");
        w.stop();
        t.join(PATIENCE_MILLIS);
        assertTrue(q.isClosed(), "closed as the worker detached");
        assertEquals(-LibC.EBADF, q.read(0, 0), "and nothing reads it any more");
    }
}
