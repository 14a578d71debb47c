// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import io.netty.util.internal.PlatformDependent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link PacketQueue} in memory: what a worker reads is scripted (packets, "nothing waiting", read errors,
 * a read that stalls until released), what it writes is recorded, and writes can be made to fail. The
 * offline {@code translate} mode runs the worker over one; so do the worker's tests. Attaching and closing
 * behave as on a {@link TunQueue}.
 *
 * <p>The script and the record may be used from any thread (this object's lock; nothing here is a hot path).
 * A scripted packet longer than the reader's capacity is cut to it, as a datagram read would be.
 */
public final class MemoryQueue extends AttachableQueue {
    private final boolean udpSuperPackets;
    /** What the next reads return, in order: a byte[] packet, an Integer result (AGAIN or -errno), or a latch. */
    private final ArrayDeque<Object> script = new ArrayDeque<>();
    /** What the next writes return instead of succeeding (-errno or a short count). */
    private final ArrayDeque<Integer> writeResults = new ArrayDeque<>();
    private final List<byte[]> written = new ArrayList<>();
    private Runnable onAwait = () -> { };
    private long reads;
    private long awaits;

    /** A queue without offloads, as a device with one plain queue. */
    public MemoryQueue() {
        this("memory", 0, 0, false);
    }

    /**
     * @param vnetHeaderLength bytes of virtio_net_hdr the reader expects before each packet (0: none)
     * @param udpSuperPackets  whether the writer may write UDP super-packets (USO)
     */
    public MemoryQueue(String name, int index, int vnetHeaderLength, boolean udpSuperPackets) {
        super(name, index, vnetHeaderLength);
        this.udpSuperPackets = udpSuperPackets && vnetHeaderLength > 0;
    }

    // ---------------------------------------------------------------- the script

    /** The next reads return these packets (each including its virtio_net_hdr on a queue with offloads). */
    public synchronized MemoryQueue offer(byte[]... packets) {
        for (byte[] p : packets) {
            script.add(p.clone());
        }
        notifyAll();
        return this;
    }

    /** The next read returns {@link #AGAIN} (nothing waiting), even if packets follow. */
    public synchronized MemoryQueue offerAgain() {
        script.add(AGAIN);
        notifyAll();
        return this;
    }

    /** The next read fails with {@code errno}. */
    public synchronized MemoryQueue offerReadError(int errno) {
        script.add(-errno);
        notifyAll();
        return this;
    }

    /** The next read blocks until {@code release} is counted down (a worker stuck in a call), then goes on. */
    public synchronized MemoryQueue offerStall(CountDownLatch release) {
        script.add(release);
        notifyAll();
        return this;
    }

    /** The next {@code count} writes return {@code result} (a negative errno, or a short count) and record nothing. */
    public synchronized MemoryQueue failWrites(int count, int result) {
        for (int i = 0; i < count; i++) {
            writeResults.add(result);
        }
        return this;
    }

    /** Runs {@code hook} in the reader's thread each time it starts to wait in {@link #awaitReadable}. */
    public synchronized MemoryQueue onAwait(Runnable hook) {
        this.onAwait = hook;
        return this;
    }

    /** The packets written so far (taken: the record starts empty again). */
    public synchronized List<byte[]> takeWritten() {
        List<byte[]> out = List.copyOf(written);
        written.clear();
        return out;
    }

    /** Packets written and not yet taken. */
    public synchronized int writtenCount() {
        return written.size();
    }

    /** Script steps not yet read. */
    public synchronized int pending() {
        return script.size();
    }

    /** Calls to {@link #read} so far. */
    public synchronized long reads() {
        return reads;
    }

    /** Calls to {@link #awaitReadable} so far. */
    public synchronized long awaits() {
        return awaits;
    }

    // ---------------------------------------------------------------- PacketQueue

    @Override
    public boolean writesUdpSuperPackets() {
        return udpSuperPackets;
    }

    @Override
    public int read(long address, int capacity) {
        if (!owner.heldByCaller()) {
            return -LibC.EBADF;
        }
        Object step;
        synchronized (this) {
            reads++;
            step = script.poll();
        }
        if (step instanceof CountDownLatch stall) {
            awaitUninterruptibly(stall);
            return AGAIN;
        }
        if (step instanceof byte[] p) {
            int n = Math.min(p.length, capacity);
            PlatformDependent.copyMemory(p, 0, address, n);
            return n;
        }
        return step == null ? AGAIN : (Integer) step;
    }

    @Override
    public int write(long address, int length) {
        if (!owner.heldByCaller()) {
            return -LibC.EBADF;
        }
        synchronized (this) {
            Integer failure = writeResults.poll();
            if (failure != null) {
                return failure;
            }
            byte[] p = new byte[length];
            PlatformDependent.copyMemory(address, p, 0, length);
            written.add(p);
            return length;
        }
    }

    @Override
    public boolean awaitReadable(int timeoutMillis) {
        if (!owner.heldByCaller()) {
            return false;
        }
        Runnable hook;
        synchronized (this) {
            awaits++;
            hook = onAwait;
        }
        hook.run();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (this) {
            long left;
            while (script.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return !script.isEmpty();
        }
    }

    /** Nothing to free: the script and the record stay readable. */
    @Override
    void release() {
        // no descriptor
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
