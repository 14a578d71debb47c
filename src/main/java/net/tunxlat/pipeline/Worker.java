// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import net.tunxlat.tun.LibC;
import net.tunxlat.tun.PacketQueue;
import net.tunxlat.util.Log;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.PacketSink;
import net.tunxlat.xlat.Translator;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;
import net.tunxlat.xlat.AddressRules;

/**
 * One worker per TUN queue, run to completion: read a packet into the worker's own buffer, translate
 * it in place, write the result back to the same queue ({@link PacketQueue}: a TUN queue, or a memory
 * queue offline and in tests). The worker owns its two direct buffers
 * (allocated at start, released at close) and its counters; it shares only the snapshot reference.
 */
public final class Worker implements Runnable, PacketSink, AutoCloseable {
    /** Packets handled between two counter publications. */
    static final int BATCH = 64;
    /**
     * With io_uring, how long a batch that is coalescing a burst of UDP datagrams waits for the burst's next datagram
     * once the queue is empty, before it writes what it holds (once per batch): the kernel's {@code gro_flush_timeout}
     * for a TUN device. The ring drains the queue faster than read(2) did, so without it bursts were cut into smaller
     * super-packets, each a pass through the kernel's forwarding (see docs/performance.md). A datagram that is not part
     * of a burst never waits.
     */
    static final long LINGER_NANOS = 50_000;
    private long lingerNanos = LINGER_NANOS;
    /** How long an idle worker waits in poll(2) before re-checking for shutdown. */
    static final int IDLE_POLL_MILLIS = 100;
    /** Read errors that mean the device was deleted (ip link del). */
    private static final int ENODEV = 19;
    private static final int EBADFD = 77;

    private final PacketQueue queue;
    private final Supplier<XlatSnapshot> snapshots;
    /** The translator's clock (ICMP error rate limit) and the batch timer's. */
    private final LongSupplier clock;
    private final XlatCounters counters = new XlatCounters();
    /** read(2)'s buffer ({@code tun-io readwrite}); null with io_uring. */
    private final ByteBuf packetBuf;
    private final ByteBuf errorBuf;
    /** Where stateful NAT64 holds fragments that came before their first (RFC 6146 §3.4). */
    private final ByteBuf fragmentBuf;
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
    /** {@code tun-io uring}: packets read and written in batches through io_uring; null: read(2)/write(2) each. */
    private final UringBuffers uring;
    private volatile boolean running = true;
    private volatile Throwable failure;
    /**
     * Turns of {@link #run}'s loop done (a batch, full, partial or empty), for {@link Readiness}: one volatile write
     * per turn, read by the health thread, which calls a worker stalled when this stands still while it is not
     * {@link #waiting}. Single writer (the worker), so a plain increment of the volatile is exact.
     */
    private volatile long progress;
    /** True while the worker waits in poll(2) for packets (idle), false while it reads, translates and writes. */
    private volatile boolean waiting;

    /**
     * A worker for {@code queue} (not yet attached: {@link #run} or {@link #drain} attach the calling thread).
     *
     * @param snapshots the configuration in force, read once per batch
     * @param clock     {@link System#nanoTime}, or a test's or a capture's clock
     */
    public Worker(PacketQueue queue, Supplier<XlatSnapshot> snapshots, ByteBufAllocator alloc, LongSupplier clock,
            PacketLog log) {
        this(queue, snapshots, alloc, clock, log, XlatState.PerWorker.fresh(clock));
    }

    /**
     * A worker whose ICMP error rate limiter and IPv4 Identification source are {@code state}'s, the daemon's
     * {@link XlatState#newWorker} (kept across reloads).
     */
    public Worker(PacketQueue queue, Supplier<XlatSnapshot> snapshots, ByteBufAllocator alloc, LongSupplier clock,
            PacketLog log, XlatState.PerWorker state) {
        this(queue, snapshots, alloc, clock, log, state, false);
    }

    /**
     * A worker that, with {@code uring}, reads and writes its queue through io_uring ({@link UringBuffers}: the
     * queue must have a {@link PacketQueue#descriptor}; the daemon checked {@link net.tunxlat.tun.UringPackets#unavailable}).
     */
    public Worker(PacketQueue queue, Supplier<XlatSnapshot> snapshots, ByteBufAllocator alloc, LongSupplier clock,
            PacketLog log, XlatState.PerWorker state, boolean uring) {
        this.queue = queue;
        this.snapshots = snapshots;
        this.clock = clock;
        // The buffer read(2) reads into; with io_uring the packets arrive in UringBuffers' buffers instead.
        ByteBuf p = uring ? null
                : alloc.directBuffer(Translator.HEADROOM + Translator.MAX_PACKET, Translator.HEADROOM + Translator.MAX_PACKET);
        ByteBuf e = null;
        boolean success = false;
        try {
            e = alloc.directBuffer(Translator.HEADROOM + 1536, Translator.HEADROOM + 1536);
            if (!e.hasMemoryAddress()) {
                e.release();
                throw new IllegalStateException("Netty direct buffers expose no memory address on this JVM");
            }
            success = true;
        } finally {
            if (!success && p != null) {
                p.release();
            }
        }
        this.packetBuf = p;
        this.errorBuf = e;
        this.packetView = p == null ? null : Buffers.hotPathView(p);
        this.packetAddress = p == null ? 0 : p.memoryAddress();
        this.vnet = queue.vnetHeaderLength();
        if (queue.writesUdpSuperPackets()) {
            this.coalesceBuf = alloc.directBuffer(UdpCoalescer.FLOWS * UdpCoalescer.SLOT,
                    UdpCoalescer.FLOWS * UdpCoalescer.SLOT);
            this.coalescer = new UdpCoalescer(Buffers.hotPathView(coalesceBuf), vnet, this, counters);
        } else {
            this.coalesceBuf = null;
            this.coalescer = null;
        }
        this.translator = new Translator(counters, coalescer != null ? coalescer : this, Buffers.hotPathView(e),
                clock, log, state);
        if (coalescer != null) {
            coalescer.useIdentifications(translator);
        }
        this.fragmentBuf = alloc.directBuffer(Translator.FRAGMENT_STORE_BYTES, Translator.FRAGMENT_STORE_BYTES);
        translator.useFragmentStore(Buffers.hotPathView(fragmentBuf));
        if (vnet > 0) {
            this.segmentBuf = alloc.directBuffer(Translator.HEADROOM + Translator.MAX_PACKET,
                    Translator.HEADROOM + Translator.MAX_PACKET);
            translator.useVnetHeader(vnet, Buffers.hotPathView(segmentBuf));
        } else {
            this.segmentBuf = null;
        }
        this.uring = uring ? new UringBuffers(queue, alloc) : null;
    }

    /** Another linger than {@link #LINGER_NANOS} (tests: long enough to be seen on a loaded machine). */
    void lingerNanos(long nanos) {
        this.lingerNanos = nanos;
    }

    /** Which rules mapped the addresses of the last packet translated ({@code translate --explain}). */
    public AddressRules addressRules() {
        return translator.addressRules();
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

    /** Turns of the worker's loop so far (see {@link #waiting}): a counter that moves while the worker works. */
    public long progress() {
        return progress;
    }

    /** True while the worker is idle in poll(2), waiting for packets. */
    public boolean waiting() {
        return waiting;
    }

    /**
     * The worker's loop, until {@link #stop}: batches while packets wait, {@code poll(2)} (at most
     * {@link #IDLE_POLL_MILLIS}) when none does or a read failed. The calling thread is attached to the
     * queue for the whole loop (see {@link PacketQueue}) and detaches last, after the final flush.
     */
    @Override
    public void run() {
        if (!queue.attach()) {
            failure = new IllegalStateException("queue " + queue.index() + " of " + queue.deviceName()
                    + " is closed or used by another thread");
            Log.error("worker for " + queue.deviceName() + " queue " + queue.index() + " cannot start: " + failure.getMessage());
            return;
        }
        try {
            long turns = 0;
            while (running) {
                int n = batch();
                progress = ++turns;
                if (n < 0) {
                    waiting = true;
                    awaitPackets();
                    waiting = false;
                }
            }
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
            if (uring != null) {
                uring.closeRing(); // the kernel lets go of the descriptor and the buffers before the detach
            }
            queue.detach();
        }
    }

    /**
     * Handles every packet waiting on the queue and returns, without waiting for more: the offline mode's
     * loop. The calling thread attaches to the queue for the call.
     *
     * @throws IllegalStateException if the queue is closed or another thread (a running worker) uses it
     */
    public void drain() {
        if (!queue.attach()) {
            throw new IllegalStateException("queue " + queue.index() + " of " + queue.deviceName()
                    + " is closed or used by another thread");
        }
        try {
            while (batch() >= 0) {
                // a full batch: there may be more
            }
        } finally {
            queue.detach();
        }
    }

    private void awaitPackets() {
        if (uring != null) {
            uring.await(IDLE_POLL_MILLIS, counters);
        } else {
            queue.awaitReadable(IDLE_POLL_MILLIS);
        }
    }

    private void flushCoalesced() {
        if (coalescer != null) {
            coalescer.flush();
        }
    }

    /**
     * One batch: packets read and translated, all with the snapshot read once at its start, until
     * {@link #BATCH} were handled, nothing is waiting or a read fails. Then the datagrams the coalescer
     * holds are written (under a load that never empties the queue nothing waits beyond a batch; on an
     * empty queue nothing waits for a packet that may not come), the batch's size and duration (reads,
     * translation, writes) are counted and the counters published.
     *
     * @return the last read's result: a length after a full batch, else {@link PacketQueue#AGAIN} or a
     *         negative errno (counted as a TUN read error)
     * @throws TunGoneException if the read error says the device is gone
     */
    int batch() {
        XlatSnapshot snapshot = snapshots.get();
        long start = clock.getAsLong();
        int packets = 0;
        int n;
        boolean lingered = false;
        long waited = 0;
        translator.beginBatch(snapshot, start); // stateful NAT64: the tables' epoch and clock for the batch
        try {
            do {
                n = uring != null ? uring.next()
                        : queue.read(packetAddress + Translator.HEADROOM - vnet, Translator.MAX_PACKET + vnet);
                if (n == PacketQueue.AGAIN && uring != null && !lingered && coalescer != null && coalescer.coalescing()) {
                    lingered = true;
                    long waitFrom = clock.getAsLong();
                    boolean came = uring.linger(lingerNanos);
                    waited = clock.getAsLong() - waitFrom; // waiting, not busy (tunxlat_worker_busy_seconds_total)
                    if (came) {
                        n = uring.next();
                    }
                }
                if (n < 0) {
                    break;
                }
                ByteBuf packet = uring != null ? uring.packet() : packetView;
                if (vnet == 0) {
                    translator.translate(snapshot, packet, Translator.HEADROOM, n);
                } else if (n > vnet) {
                    translator.translateVnet(snapshot, packet, Translator.HEADROOM, n - vnet);
                } else {
                    counters.increment(XlatCounters.GSO_INVALID); // not even a whole virtio_net_hdr
                }
            } while (++packets < BATCH);
        } finally {
            translator.endBatch();
        }
        if (uring != null) {
            uring.endBatch(coalescer, counters, n >= 0); // the batch's writes: one io_uring_enter, here or in await
        } else {
            flushCoalesced();
        }
        boolean failed = n < 0 && n != PacketQueue.AGAIN;
        if (failed) {
            counters.increment(XlatCounters.TUN_READ_ERRORS);
        }
        if (packets > 0) {
            counters.batch(packets, clock.getAsLong() - start - waited);
        }
        if (packets > 0 || failed) {
            counters.publish();
        }
        if (failed && (n == -LibC.EBADF || n == -ENODEV || n == -EBADFD)) {
            throw new TunGoneException("read failed: " + LibC.describe(-n));
        }
        return n;
    }

    /** Writes a translated or generated packet back to this worker's queue. */
    @Override
    public void emit(ByteBuf buf, int offset, int length) {
        if (uring != null) {
            uring.emit(buf, offset, length);
            return;
        }
        int r = queue.write(buf.memoryAddress() + offset, length);
        if (r != length) {
            counters.increment(XlatCounters.TUN_WRITE_ERRORS);
        }
    }

    /** With io_uring, the writes from {@code buf} still queued are submitted and waited for. */
    @Override
    public void reusing(ByteBuf buf) {
        if (uring != null) {
            uring.reusing(buf);
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
        if (packetBuf != null) {
            packetBuf.release();
        }
        errorBuf.release();
        fragmentBuf.release();
        if (segmentBuf != null) {
            segmentBuf.release();
        }
        if (coalesceBuf != null) {
            coalesceBuf.release();
        }
        if (uring != null) {
            uring.close();
        }
    }
}
