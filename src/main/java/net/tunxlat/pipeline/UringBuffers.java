// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import net.tunxlat.tun.PacketQueue;
import net.tunxlat.tun.TunException;
import net.tunxlat.tun.UringPackets;
import net.tunxlat.xlat.Translator;
import net.tunxlat.xlat.XlatCounters;

/**
 * A worker's receive buffers for {@code tun-io uring} ({@link UringPackets#BUFFERS} of them, each with
 * {@link Translator#HEADROOM} in front, from the pooled allocator like the read/write path's one buffer) and the
 * {@link UringPackets} that reads into them. The ring is opened by the first thread that takes a packet (the
 * worker's, attached to the queue) and closed by it before it detaches ({@link #closeRing}); the buffers are
 * released at {@link #close}, after the ring, so the kernel never writes into freed memory.
 */
final class UringBuffers implements AutoCloseable {
    private final PacketQueue queue;
    private final int vnet;
    private final ByteBuf[] owned = new ByteBuf[UringPackets.BUFFERS];
    private final ByteBuf[] views = new ByteBuf[UringPackets.BUFFERS];
    private final long[] readAt = new long[UringPackets.BUFFERS];
    private UringPackets ring;
    /** The view of the packet being handled, or null. */
    private ByteBuf current;

    UringBuffers(PacketQueue queue, ByteBufAllocator alloc) {
        this.queue = queue;
        this.vnet = queue.vnetHeaderLength();
        int size = Translator.HEADROOM + Translator.MAX_PACKET;
        boolean success = false;
        try {
            for (int i = 0; i < owned.length; i++) {
                owned[i] = alloc.directBuffer(size, size);
                views[i] = Buffers.hotPathView(owned[i]);
                readAt[i] = owned[i].memoryAddress() + Translator.HEADROOM - vnet;
            }
            success = true;
        } finally {
            if (!success) {
                release();
            }
        }
    }

    /**
     * The next packet read: its length with the virtio_net_hdr ({@link #packet} is its buffer), {@link PacketQueue#AGAIN}
     * or a negative errno. The first call opens the ring on the queue's descriptor.
     *
     * @throws IllegalStateException if io_uring cannot be set up (the daemon checked it at start)
     */
    int next() {
        open();
        int n = ring.next();
        current = n >= 0 ? views[ring.buffer()] : null;
        return n;
    }

    private void open() {
        if (ring == null) {
            int fd = queue.descriptor();
            try {
                ring = UringPackets.open(fd, readAt, Translator.MAX_PACKET + vnet);
            } catch (TunException e) {
                throw new IllegalStateException("tun-io uring on " + queue.deviceName() + " queue " + queue.index()
                        + ": " + e.getMessage() + " (set tun-io readwrite)", e);
            }
        }
    }

    /** After {@link #next} found nothing: waits up to {@code nanos} for a packet; true if one came (see UringPackets). */
    boolean linger(long nanos) {
        open();
        current = null;
        return ring.linger(nanos);
    }

    /** The buffer of the packet {@link #next} returned; the packet starts at {@link Translator#HEADROOM}. */
    ByteBuf packet() {
        return current;
    }

    /** Queues a write; from the current packet's buffer it waits for {@link #submit}, from any other memory not. */
    void emit(ByteBuf buf, int offset, int length) {
        open();
        ring.write(buf.memoryAddress() + offset, length, buf == current);
    }

    /** Before the translator writes again into {@code buf}: if it is the current packet's, its writes are done first. */
    void reusing(ByteBuf buf) {
        if (ring != null && buf == current) {
            ring.completePacketWrites();
        }
    }

    /**
     * The end of a batch: the datagrams {@code coalescer} holds (if any), the batch's writes and the re-armed read in
     * one system call; write errors counted. The coalescer's writes are queued, not each submitted and waited for:
     * its memory is written again only in the next batch, and {@link UringPackets#submit} has waited for them.
     * Unless {@code more} packets may wait (a full batch) or some were read meanwhile, the submission is left to
     * {@link #await}, which the worker calls next: the writes and the wait for the next packet are one system call.
     */
    void endBatch(UdpCoalescer coalescer, XlatCounters counters, boolean more) {
        open();
        current = null;
        if (coalescer != null) {
            ring.deferScratchWrites(true);
            try {
                coalescer.flush();
            } finally {
                ring.deferScratchWrites(false);
            }
        }
        if (more || ring.hasPackets()) {
            ring.submit(0);
            counters.add(XlatCounters.TUN_WRITE_ERRORS, ring.takeWriteErrors());
        }
    }

    /** Submits what is queued and waits up to {@code millis} for a packet, unless one waits already. */
    void await(int millis, XlatCounters counters) {
        if (ring != null) {
            ring.submit(millis); // no wait if a packet waits
            counters.add(XlatCounters.TUN_WRITE_ERRORS, ring.takeWriteErrors());
        }
    }

    /** Cancels the read and closes the ring (the thread that took the packets, before it detaches). */
    void closeRing() {
        if (ring != null) {
            ring.close();
            ring = null;
        }
    }

    @Override
    public void close() {
        closeRing();
        release();
    }

    private void release() {
        for (int i = 0; i < owned.length; i++) {
            if (owned[i] != null) {
                owned[i].release();
                owned[i] = null;
            }
        }
    }
}
