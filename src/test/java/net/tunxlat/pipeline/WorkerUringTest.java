// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static net.tunxlat.xlat.TranslatorTest.H4;
import static net.tunxlat.xlat.TranslatorTest.H4_AS6;
import static net.tunxlat.xlat.TranslatorTest.H6;
import static net.tunxlat.xlat.TranslatorTest.H6_AS4;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.tunxlat.tun.MemoryQueue;
import net.tunxlat.tun.PacketQueue;
import net.tunxlat.tun.SocketPair;
import net.tunxlat.tun.UringPackets;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.TestPackets;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's loop with {@code tun-io uring} ({@link UringBuffers}) on a socket pair that keeps packet boundaries as
 * a TUN queue does: the same packets out, in the same order, as with read(2)/write(2) (translations from the
 * receive buffers, ICMP errors from the scratch buffer, coalesced UDP super-packets), and a stop that ends the loop
 * and lets go of the descriptor.
 */
class WorkerUringTest {
    static final long CLOCK = 5_000_000_000L;
    final List<AutoCloseable> open = new ArrayList<>();
    final List<Worker> workers = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();

    @BeforeAll
    static void ioUringWorksHere() {
        String why = UringPackets.unavailable();
        assumeTrue(why == null, "io_uring unavailable: " + why);
    }

    @AfterEach
    void stopAndRelease() throws Exception {
        workers.forEach(Worker::stop);
        for (Thread t : threads) {
            t.join(WorkerTest.PATIENCE_MILLIS);
            assertFalse(t.isAlive(), "worker thread stopped");
        }
        workers.forEach(Worker::close);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    Worker worker(PacketQueue q, boolean uring) {
        // One fixed clock: both paths draw the same IPv4 Identifications and ICMP error tokens.
        Worker w = new Worker(q, () -> WorkerTest.SNAPSHOT, PooledByteBufAllocator.DEFAULT, () -> CLOCK,
                PacketLog.OFF, XlatState.PerWorker.fresh(() -> CLOCK), uring);
        workers.add(w);
        return w;
    }

    /** A socket pair standing in for a TUN queue, closed after the test. */
    SocketPair pair() {
        SocketPair p = new SocketPair();
        open.add(p);
        return p;
    }

    Thread start(Worker w) {
        Thread t = new Thread(w, "worker-uring-test");
        threads.add(t);
        t.start();
        return t;
    }

    static List<byte[]> mixedTraffic() {
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            switch (i % 5) {
                case 0 -> in.add(WorkerTest.udp46(2000 + i));
                case 1 -> in.add(TestPackets.ipv4(H4, H6_AS4, 6, 64, 0, i, 0x4000,
                        TestPackets.tcpHeaderAndData(80, 9000 + i, new byte[i])));
                case 2 -> in.add(TestPackets.ipv6(H6, H4_AS6, 58, 58, 64, 0, new byte[0],
                        TestPackets.icmpEcho(128, 1, i, new byte[56])));
                // TTL 1: not forwarded, an ICMP Time Exceeded comes back, built in the error scratch buffer
                case 3 -> in.add(TestPackets.ipv4(H4, H6_AS4, 17, 1, 0, i, 0x4000,
                        TestPackets.udpHeaderAndData(3000 + i, 53, new byte[8])));
                // no DF, too big for the IPv6 side's 1280: cut into two fragments in place, the second header
                // written over the tail of the first (RFC 7915 §4.1)
                default -> in.add(TestPackets.ipv4(H4, H6_AS4, 17, 64, 0, i, 0,
                        TestPackets.udpHeaderAndData(4000 + i, 53, new byte[1400 + i])));
            }
        }
        return in;
    }

    @Test
    void theRingWritesWhatReadAndWriteWriteInTheSameOrder() throws Exception {
        List<byte[]> in = mixedTraffic();
        MemoryQueue oracleQueue = new MemoryQueue();
        Worker oracle = worker(oracleQueue, false);
        assertTrue(oracleQueue.attach());
        for (byte[] p : in) {
            oracleQueue.offer(p);
        }
        while (oracle.batch() >= 0) {
            // until nothing waits
        }
        oracleQueue.detach();
        List<byte[]> expected = oracleQueue.takeWritten();
        assertEquals(360, expected.size(), "translations, ICMP errors and fragments");
        assertEquals(60, expected.stream().filter(p -> p[0] == 0x45 && p[9] == 1 && p[20] == 11).count(),
                "ICMPv4 Time Exceeded from the scratch buffer among them");
        assertEquals(120, expected.stream().filter(p -> p[0] == 0x60 && p[6] == 44).count(),
                "and IPv6 fragments, two per datagram");

        SocketPair pair = pair();
        Worker w = worker(pair.queue(0), true);
        start(w);
        List<byte[]> got = new ArrayList<>();
        long deadline = System.nanoTime() + WorkerTest.PATIENCE_MILLIS * 1_000_000L;
        int sent = 0;
        while (got.size() < expected.size() && System.nanoTime() < deadline) {
            while (sent < in.size() && pair.send(in.get(sent))) {
                sent++;
            }
            for (byte[] p = pair.receive(); p != null; p = pair.receive()) {
                got.add(p);
            }
            Thread.sleep(1);
        }
        assertEquals(expected.size(), got.size(), "packets out");
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(hex.formatHex(expected.get(i)), hex.formatHex(got.get(i)), "packet " + i);
        }
        assertNull(pair.receive(), "nothing more");
        w.stop();
        threads.get(0).join(WorkerTest.PATIENCE_MILLIS);
        assertEquals(in.size(), w.counters().get(XlatCounters.BATCH_PACKETS));
        assertEquals(0, w.counters().get(XlatCounters.TUN_WRITE_ERRORS));
        assertEquals(0, w.counters().get(XlatCounters.TUN_READ_ERRORS));
    }

    @Test
    void offloadedDatagramsAreCoalescedThroughTheRing() throws Exception {
        SocketPair pair = pair();
        Worker w = worker(pair.queue(12), true);
        start(w);
        int datagrams = 2000;
        int sent = 0;
        int written = 0;
        long deadline = System.nanoTime() + WorkerTest.PATIENCE_MILLIS * 1_000_000L;
        while ((sent < datagrams || w.counters().get(XlatCounters.PACKETS_64) < datagrams)
                && System.nanoTime() < deadline) {
            while (sent < datagrams && pair.send(WorkerTest.vnetUdp64(40000 + sent % 2, 100))) {
                sent++;
            }
            written += pair.drain();
            Thread.sleep(1);
        }
        w.stop();
        threads.get(0).join(WorkerTest.PATIENCE_MILLIS);
        written += pair.drain();
        assertEquals(datagrams, w.counters().get(XlatCounters.PACKETS_64), "every datagram translated");
        assertTrue(written > 0 && written < datagrams, "coalesced: " + written + " writes for " + datagrams);
        assertEquals(0, w.counters().get(XlatCounters.TUN_WRITE_ERRORS));
    }

    @Test
    void aBurstBeingCoalescedWaitsBrieflyForItsNextDatagramALoneDatagramNever() throws Exception {
        SocketPair pair = pair();
        Worker w = worker(pair.queue(12), true);
        w.lingerNanos(2_000_000_000L); // far longer than the 100 ms below: seen even on a loaded machine
        for (int i = 0; i < 3; i++) { // a burst of one flow, waiting before the worker starts: one batch
            assertTrue(pair.send(WorkerTest.vnetUdp64(40000, 100)));
        }
        start(w);
        Thread.sleep(100);
        assertEquals(0, pair.drain(), "the burst is held while it waits for more of it");
        assertTrue(pair.send(WorkerTest.vnetUdp64(40000, 100))); // the burst's next datagram, 100 ms later
        int written = 0;
        long deadline = System.nanoTime() + WorkerTest.PATIENCE_MILLIS * 1_000_000L;
        while (written == 0 && System.nanoTime() < deadline) {
            written += pair.drain();
            Thread.sleep(1);
        }
        Thread.sleep(50);
        written += pair.drain();
        assertEquals(1, written, "the late datagram joined the burst's super-packet");
        assertEquals(4, w.counters().get(XlatCounters.UDP_COALESCED_DATAGRAMS));

        long sentAt = System.nanoTime();
        assertTrue(pair.send(WorkerTest.vnetUdp64(40001, 100))); // alone: nothing to wait for
        while (pair.drain() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        long millis = (System.nanoTime() - sentAt) / 1_000_000;
        assertTrue(millis < 1000, "a lone datagram is written at once, not after the linger: " + millis + " ms");
    }

    @Test
    void stopEndsTheLoopWithinTheIdleWaitAndTheRingLetsGoOfTheDescriptor() throws Exception {
        SocketPair pair = pair();
        PacketQueue q = pair.queue(0);
        Worker w = worker(q, true);
        Thread t = start(w);
        assertTrue(pair.send(WorkerTest.udp46(1234)));
        long deadline = System.nanoTime() + WorkerTest.PATIENCE_MILLIS * 1_000_000L;
        byte[] out = null;
        while (out == null && System.nanoTime() < deadline) {
            out = pair.receive();
            Thread.sleep(1);
        }
        assertNotNull(out, "translated");
        Thread.sleep(50); // idle: the worker waits in io_uring_enter
        long stopAt = System.nanoTime();
        w.stop();
        t.join(WorkerTest.PATIENCE_MILLIS);
        assertFalse(t.isAlive());
        long millis = (System.nanoTime() - stopAt) / 1_000_000;
        assertTrue(millis < 3L * Worker.IDLE_POLL_MILLIS + 500, "stopped after " + millis + " ms");
        assertNull(w.failure());
        q.close();
        assertTrue(q.isClosed());
        assertTrue(pair.queueEndClosed(), "no request of the ring holds the socket open");
    }
}
