// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link UringPackets} on a socket pair that keeps packet boundaries as a TUN queue does: the ring's bookkeeping
 * (buffers lent to the kernel and given back only after their writes completed, writes in the order queued,
 * scratch writes done when {@link UringPackets#write} returns, the read re-armed when the buffers ran out, the
 * descriptor let go at close).
 */
class UringPacketsTest {
    static final int SIZE = 2048;

    @BeforeAll
    static void ioUringWorksHere() {
        String why = UringPackets.unavailable();
        assumeTrue(why == null, "io_uring unavailable: " + why); // the daemon falls back to read/write then
    }

    /** Packet {@code i}: 4 bytes of its number, then {@code i % 200} bytes of its low byte. */
    static byte[] packet(int i) {
        byte[] p = new byte[4 + i % 200];
        p[0] = (byte) (i >>> 24);
        p[1] = (byte) (i >>> 16);
        p[2] = (byte) (i >>> 8);
        p[3] = (byte) i;
        for (int k = 4; k < p.length; k++) {
            p[k] = (byte) i;
        }
        return p;
    }

    static final class Bed implements AutoCloseable {
        final SocketPair pair = new SocketPair();
        final PacketQueue queue;
        final Memory memory = new Memory((long) SIZE * UringPackets.BUFFERS);
        final long[] buffers = new long[UringPackets.BUFFERS];
        final UringPackets ring;

        Bed() throws TunException {
            queue = pair.queue(0);
            assertTrue(queue.attach());
            for (int b = 0; b < buffers.length; b++) {
                buffers[b] = Pointer.nativeValue(memory) + (long) SIZE * b;
            }
            ring = UringPackets.open(queue.descriptor(), buffers, SIZE);
        }

        /** Takes what was read until nothing waits, echoing each packet from its buffer, and submits. */
        int echoBatch() {
            int n = 0;
            for (int len = ring.next(); len >= 0; len = ring.next()) {
                ring.write(buffers[ring.buffer()], len, true);
                n++;
            }
            ring.submit(0);
            return n;
        }

        byte[] memoryAt(int buffer, int length) {
            return memory.getByteArray((long) SIZE * buffer, length);
        }

        @Override
        public void close() {
            ring.close();
            queue.detach();
            queue.close();
            pair.close();
            memory.close();
        }
    }

    @Test
    void packetsComeBackInOrderThroughTheBuffersAndMoreThanTheBuffersHold() throws Exception {
        try (Bed bed = new Bed()) {
            List<byte[]> got = new ArrayList<>();
            int sent = 0;
            int total = 10 * UringPackets.BUFFERS + 7; // the buffers are lent out and given back many times
            for (int round = 0; round < 10_000 && got.size() < total; round++) {
                for (int k = 0; k < 50 && sent < total && bed.pair.send(packet(sent)); k++) {
                    sent++;
                }
                bed.ring.submit(20);
                bed.echoBatch();
                for (byte[] p = bed.pair.receive(); p != null; p = bed.pair.receive()) {
                    got.add(p);
                }
            }
            assertEquals(total, got.size());
            for (int i = 0; i < total; i++) {
                assertArrayEquals(packet(i), got.get(i), "packet " + i);
            }
            assertEquals(0, bed.ring.takeWriteErrors());
        }
    }

    @Test
    void aScratchWriteIsDoneWhenWriteReturnsAndKeepsItsPlaceInTheOrder() throws Exception {
        try (Bed bed = new Bed(); Memory scratch = new Memory(64)) {
            for (int i = 0; i < 3; i++) {
                assertTrue(bed.pair.send(packet(i)));
            }
            bed.ring.submit(100);
            long at = Pointer.nativeValue(scratch);
            int len = bed.ring.next();
            bed.ring.write(bed.buffers[bed.ring.buffer()], len, true); // queued, not yet submitted
            scratch.write(0, packet(1000), 0, 4);
            bed.ring.write(at, 4, false);
            scratch.write(0, packet(2000), 0, 4); // overwritten at once: the first must be out already
            bed.ring.write(at, 4, false);
            bed.echoBatch();
            assertArrayEquals(packet(0), bed.pair.receive(), "the queued write went first");
            assertArrayEquals(new byte[] {0, 0, 3, (byte) 0xe8}, bed.pair.receive());
            assertArrayEquals(new byte[] {0, 0, 7, (byte) 0xd0}, bed.pair.receive());
            assertArrayEquals(packet(1), bed.pair.receive());
            assertArrayEquals(packet(2), bed.pair.receive());
            assertNull(bed.pair.receive());
        }
    }

    @Test
    void aPacketHeldBackKeepsItsBufferFromTheKernel() throws Exception {
        try (Bed bed = new Bed()) {
            // Every buffer filled and none handled: the read ends (no buffer), later packets wait in the socket.
            for (int i = 0; i < UringPackets.BUFFERS + 5; i++) {
                assertTrue(bed.pair.send(packet(i)));
            }
            bed.ring.submit(100);
            bed.ring.submit(0);
            assertTrue(bed.ring.hasPackets());
            int seen = 0;
            for (int round = 0; round < 100 && seen < UringPackets.BUFFERS + 5; round++) {
                for (int len = bed.ring.next(); len >= 0; len = bed.ring.next()) {
                    byte[] p = bed.memoryAt(bed.ring.buffer(), len);
                    assertArrayEquals(packet(seen), p, "packet " + seen + " intact in its buffer");
                    seen++;
                }
                bed.ring.submit(20); // the buffers given back: the read re-armed, the rest read
            }
            assertEquals(UringPackets.BUFFERS + 5, seen);
        }
    }

    @Test
    void closeLetsGoOfTheDescriptor() throws Exception {
        SocketPair pair = new SocketPair();
        PacketQueue queue = pair.queue(0);
        try (Memory memory = new Memory((long) SIZE * UringPackets.BUFFERS)) {
            long[] buffers = new long[UringPackets.BUFFERS];
            for (int b = 0; b < buffers.length; b++) {
                buffers[b] = Pointer.nativeValue(memory) + (long) SIZE * b;
            }
            assertTrue(queue.attach());
            UringPackets ring = UringPackets.open(queue.descriptor(), buffers, SIZE);
            ring.submit(10); // the read is armed and waits in the kernel, holding the file
            ring.close();
            queue.detach();
            queue.close();
            assertTrue(pair.queueEndClosed(), "the ring no longer holds the socket: its peer sees it closed");
        } finally {
            pair.close();
        }
    }
}
