package net.tunxlat.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.Supplier;
import net.tunxlat.tun.LibC;
import net.tunxlat.tun.TunQueue;
import net.tunxlat.util.Log;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.PacketSink;
import net.tunxlat.xlat.Translator;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;

/**
 * One worker per TUN queue, run to completion: read a packet into the worker's own buffer, translate
 * it in place, write the result back to the same queue. The worker owns its two direct buffers
 * (allocated at start, released at close) and its counters; it shares only the snapshot reference.
 */
public final class Worker implements Runnable, PacketSink, AutoCloseable {
    /** Packets handled between two counter publications. */
    static final int BATCH = 64;
    /** How long an idle worker waits in poll(2) before re-checking for shutdown. */
    static final int IDLE_POLL_MILLIS = 100;

    private final TunQueue queue;
    private final Supplier<XlatSnapshot> snapshots;
    private final XlatCounters counters = new XlatCounters();
    private final ByteBuf packetBuf;
    private final ByteBuf errorBuf;
    /** Views of the two buffers that the hot path indexes (see {@link Buffers#hotPathView}). */
    private final ByteBuf packetView;
    private final long packetAddress;
    private final Translator translator;
    /** Bytes of virtio_net_hdr per packet on this queue (0 without offloads). */
    private final int vnet;
    /** Where super-packets that cannot stay whole are cut into segments (offloads only). */
    private final ByteBuf segmentBuf;
    /** Datagrams of up to 8 flows written as UDP super-packets (a queue that takes USO), else null. */
    private final UdpCoalescer coalescer;
    private final ByteBuf coalesceBuf;
    private volatile boolean running = true;
    private volatile Throwable failure;

    public Worker(TunQueue queue, Supplier<XlatSnapshot> snapshots, ByteBufAllocator alloc, PacketLog log) {
        this.queue = queue;
        this.snapshots = snapshots;
        ByteBuf p = alloc.directBuffer(Translator.HEADROOM + Translator.MAX_PACKET, Translator.HEADROOM + Translator.MAX_PACKET);
        ByteBuf e = null;
        boolean success = false;
        try {
            if (!p.hasMemoryAddress()) {
                throw new IllegalStateException("Netty direct buffers expose no memory address on this JVM");
            }
            e = alloc.directBuffer(Translator.HEADROOM + 1536, Translator.HEADROOM + 1536);
            success = true;
        } finally {
            if (!success) {
                p.release();
            }
        }
        this.packetBuf = p;
        this.errorBuf = e;
        this.packetView = Buffers.hotPathView(p);
        this.packetAddress = p.memoryAddress();
        this.vnet = queue.vnetHeaderLength();
        if (queue.writesUdpSuperPackets()) {
            this.coalesceBuf = alloc.directBuffer(UdpCoalescer.FLOWS * UdpCoalescer.SLOT,
                    UdpCoalescer.FLOWS * UdpCoalescer.SLOT);
            this.coalescer = new UdpCoalescer(Buffers.hotPathView(coalesceBuf), vnet, this, counters);
        } else {
            this.coalesceBuf = null;
            this.coalescer = null;
        }
        // This worker's rate limiter and Identification source belong to the daemon's state (kept across reloads).
        this.translator = new Translator(counters, coalescer != null ? coalescer : this, Buffers.hotPathView(e),
                System::nanoTime, log, snapshots.get().state().newWorker(System::nanoTime));
        if (coalescer != null) {
            coalescer.useIdentifications(translator);
        }
        if (vnet > 0) {
            this.segmentBuf = alloc.directBuffer(Translator.HEADROOM + Translator.MAX_PACKET,
                    Translator.HEADROOM + Translator.MAX_PACKET);
            translator.useVnetHeader(vnet, Buffers.hotPathView(segmentBuf));
        } else {
            this.segmentBuf = null;
        }
    }

    public XlatCounters counters() {
        return counters;
    }

    /** The TUN queue this worker serves (0 for the first). */
    public int queueIndex() {
        return queue.index();
    }

    public Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (TunGoneException e) {
            failure = e;
            Log.error("TUN device " + queue.deviceName() + " is gone (queue " + queue.index() + ": " + e.getMessage()
                    + "): stopping, exit status 1, so that the service manager restarts tunxlat on a new device");
        } catch (Throwable t) {
            failure = t;
            Log.error("worker for " + queue.deviceName() + " queue " + queue.index() + " stopped: " + t);
        } finally {
            flushCoalesced();
            counters.publish();
        }
    }

    private void flushCoalesced() {
        if (coalescer != null) {
            coalescer.flush();
        }
    }

    private void loop() {
        int inBatch = 0;
        long batchStart = 0;
        while (running) {
            if (inBatch == 0) {
                batchStart = System.nanoTime();
            }
            int n = queue.read(packetAddress + Translator.HEADROOM - vnet, Translator.MAX_PACKET + vnet);
            if (n > 0) {
                if (vnet == 0) {
                    translator.translate(snapshots.get(), packetView, Translator.HEADROOM, n);
                } else if (n > vnet) {
                    translator.translateVnet(snapshots.get(), packetView, Translator.HEADROOM, n - vnet);
                } else {
                    counters.increment(XlatCounters.GSO_INVALID); // not even a whole virtio_net_hdr
                }
                if (++inBatch >= BATCH) {
                    flushCoalesced(); // under a load that never empties the queue, nothing waits beyond a batch
                    endBatch(inBatch, batchStart);
                    inBatch = 0;
                }
            } else if (n == TunQueue.AGAIN) {
                flushCoalesced(); // nothing more to read now: nothing waits for a packet that may not come
                if (inBatch > 0) {
                    endBatch(inBatch, batchStart);
                    inBatch = 0;
                }
                queue.awaitReadable(IDLE_POLL_MILLIS);
            } else {
                flushCoalesced();
                counters.increment(XlatCounters.TUN_READ_ERRORS);
                if (inBatch > 0) {
                    endBatch(inBatch, batchStart);
                    inBatch = 0;
                } else {
                    counters.publish();
                }
                int errno = -n;
                if (errno == LibC.EBADF || errno == 19 /* ENODEV */ || errno == 77 /* EBADFD: device gone */) {
                    throw new TunGoneException("read failed: " + LibC.describe(errno));
                }
                queue.awaitReadable(IDLE_POLL_MILLIS);
            }
        }
    }

    /**
     * A batch ends when the queue is empty, when {@link #BATCH} packets were handled, or on a read error:
     * counts its size and the time since it started (reads, translation, writes), then publishes.
     */
    private void endBatch(int packets, long startNanos) {
        counters.batch(packets, System.nanoTime() - startNanos);
        counters.publish();
    }

    /** Writes a translated or generated packet back to this worker's queue. */
    @Override
    public void emit(ByteBuf buf, int offset, int length) {
        int r = queue.write(buf.memoryAddress() + offset, length);
        if (r != length) {
            counters.increment(XlatCounters.TUN_WRITE_ERRORS);
        }
    }

    public void stop() {
        running = false;
    }

    /** The TUN device was deleted (ip link del) or its file descriptor closed under the worker. */
    static final class TunGoneException extends RuntimeException {
        TunGoneException(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void close() {
        packetBuf.release();
        errorBuf.release();
        if (segmentBuf != null) {
            segmentBuf.release();
        }
        if (coalesceBuf != null) {
            coalesceBuf.release();
        }
    }
}
