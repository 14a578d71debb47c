// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static net.tunxlat.xlat.TranslatorTest.H4;
import static net.tunxlat.xlat.TranslatorTest.H4_AS6;
import static net.tunxlat.xlat.TranslatorTest.H6;
import static net.tunxlat.xlat.TranslatorTest.H6_AS4;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.ManagementFactory;
import net.tunxlat.tun.LibC;
import net.tunxlat.tun.PacketQueue;
import net.tunxlat.tun.SocketPair;
import net.tunxlat.tun.UringPackets;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.TestPackets;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatState;
import org.junit.jupiter.api.Test;
import com.sun.management.ThreadMXBean;

/**
 * The worker's own loop allocates nothing either: {@link Worker#batch} (the snapshot read, the reads, the
 * translation, the writes, the coalescer flush, the batch counting and publication) over a queue that replays
 * packets from native memory and drops what is written, measured with the JVM's per-thread allocation counter.
 * With {@code tun-io uring} the same over a socket pair. ({@code TranslatorAllocationTest} measures the translator
 * core alone.)
 */
class WorkerAllocationTest {
    /** Replays its packets in turn, {@code limit} in all, then says nothing waits; writes are counted, not kept. */
    static final class ReplayQueue implements PacketQueue {
        private final byte[][] packets;
        private final int vnet;
        private Thread owner;
        long limit;
        long reads;
        long written;

        ReplayQueue(int vnet, byte[]... packets) {
            this.vnet = vnet;
            this.packets = packets;
        }

        @Override
        public String deviceName() {
            return "replay";
        }

        @Override
        public int index() {
            return 0;
        }

        @Override
        public int vnetHeaderLength() {
            return vnet;
        }

        @Override
        public boolean writesUdpSuperPackets() {
            return vnet > 0;
        }

        @Override
        public boolean attach() {
            owner = Thread.currentThread();
            return true;
        }

        @Override
        public void detach() {
            owner = null;
        }

        @Override
        public int read(long address, int capacity) {
            if (owner != Thread.currentThread()) {
                return -LibC.EBADF;
            }
            if (reads >= limit) {
                return AGAIN;
            }
            byte[] p = packets[(int) (reads++ % packets.length)];
            PlatformDependent.copyMemory(p, 0, address, p.length);
            return p.length;
        }

        @Override
        public int write(long address, int length) {
            written++;
            return length;
        }

        @Override
        public boolean awaitReadable(int timeoutMillis) {
            return reads < limit;
        }

        @Override
        public void close() {
            owner = null;
        }

        @Override
        public boolean isClosed() {
            return false;
        }
    }

    @Test
    void batchesAllocateNothing() {
        byte[] udp46 = WorkerTest.udp46(1000);
        byte[] tcp46 = TestPackets.ipv4(H4, H6_AS4, 6, 64, 0, 1, 0x4000, TestPackets.tcpHeaderAndData(80, 9, new byte[1400]));
        byte[] echo64 = TestPackets.ipv6(H6, H4_AS6, 58, 58, 64, 0, new byte[0], TestPackets.icmpEcho(128, 1, 2, new byte[56]));
        assertNoAllocation(new ReplayQueue(0, udp46, tcp46, echo64), XlatCounters.PACKETS_46);
    }

    @Test
    void batchesWithOffloadsAndCoalescingAllocateNothing() {
        ReplayQueue q = new ReplayQueue(12, WorkerTest.vnetUdp64(40000, 100), WorkerTest.vnetUdp64(40001, 100));
        assertNoAllocation(q, XlatCounters.PACKETS_64);
        assertTrue(q.written < q.reads / 10, "datagrams were coalesced: " + q.written + " writes for " + q.reads);
    }

    /**
     * {@code tun-io uring}: the worker's own thread (reads completed in the ring, translation, writes queued and
     * submitted, waits in io_uring_enter) over a socket pair that this thread feeds and drains.
     */
    @Test
    void ringBatchesAllocateNothing() throws Exception {
        assertNoAllocationThroughTheRing(0, XlatCounters.PACKETS_46, WorkerTest.udp46(1000),
                TestPackets.ipv4(H4, H6_AS4, 6, 64, 0, 1, 0x4000, TestPackets.tcpHeaderAndData(80, 9, new byte[1400])),
                TestPackets.ipv6(H6, H4_AS6, 58, 58, 64, 0, new byte[0], TestPackets.icmpEcho(128, 1, 2, new byte[56])));
    }

    /** The same with offloads: datagrams coalesced, the coalescer's writes queued with the batch's. */
    @Test
    void ringBatchesWithOffloadsAndCoalescingAllocateNothing() throws Exception {
        assertNoAllocationThroughTheRing(12, XlatCounters.PACKETS_64, WorkerTest.vnetUdp64(40000, 100),
                WorkerTest.vnetUdp64(40001, 100));
    }

    private static void assertNoAllocationThroughTheRing(int vnet, int translated, byte[]... packets) throws Exception {
        String why = UringPackets.unavailable();
        assumeTrue(why == null, "io_uring unavailable: " + why);
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (SocketPair pair = new SocketPair();
                Worker w = new Worker(pair.queue(vnet), () -> WorkerTest.SNAPSHOT, PooledByteBufAllocator.DEFAULT,
                        System::nanoTime, PacketLog.OFF, XlatState.PerWorker.fresh(System::nanoTime), true)) {
            Thread t = new Thread(w, "worker-uring-allocation");
            t.start();
            try {
                long sent = feed(pair, w, packets, 0, 200_000); // warm up: JIT, Netty's caches
                long before = mx.getThreadAllocatedBytes(t.getId());
                sent = feed(pair, w, packets, sent, 1_200_000);
                long allocated = mx.getThreadAllocatedBytes(t.getId()) - before;
                assertEquals(sent, w.counters().get(XlatCounters.BATCH_PACKETS));
                assertTrue(w.counters().get(translated) > 300_000, "packets were translated");
                assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 1,000,000 packets");
            } finally {
                w.stop();
                t.join(WorkerTest.PATIENCE_MILLIS);
            }
            assertNull(w.failure());
        }
    }

    /** Sends packets until {@code until} were sent and handled, draining what the worker writes. */
    private static long feed(SocketPair pair, Worker w, byte[][] packets, long sent, long until)
            throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (w.counters().get(XlatCounters.BATCH_PACKETS) < until) {
            assertTrue(System.nanoTime() < deadline, "the worker keeps up");
            while (sent < until && pair.send(packets[(int) (sent % packets.length)])) {
                sent++;
            }
            if (pair.drain() == 0 && sent == until) {
                Thread.sleep(1);
            }
        }
        pair.drain();
        return sent;
    }

    private static void assertNoAllocation(ReplayQueue q, int translated) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported(), "per-thread allocation accounting");
        try (Worker w = new Worker(q, () -> WorkerTest.SNAPSHOT, PooledByteBufAllocator.DEFAULT, System::nanoTime,
                PacketLog.OFF)) {
            q.attach();
            q.limit = 200_000; // warm up: JIT, Netty's caches
            while (w.batch() >= 0) {
                // a full batch: more wait
            }
            long before = mx.getCurrentThreadAllocatedBytes();
            q.limit += 1_000_000;
            while (w.batch() >= 0) {
                // a full batch: more wait
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            q.detach();
            assertEquals(1_200_000, w.counters().get(XlatCounters.BATCH_PACKETS));
            assertTrue(w.counters().get(translated) > 300_000, "packets were translated");
            // "almost nothing": a few KiB of slack for JIT deoptimisation or the MXBean itself.
            assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 1,000,000 packets");
        }
    }
}
