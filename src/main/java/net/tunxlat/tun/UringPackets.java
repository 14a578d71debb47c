// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

/**
 * Packets read and written in batches through one {@link IoUring} (the {@code tun-io uring} path): one multishot
 * read ({@code IORING_OP_READ_MULTISHOT}, Linux 6.7) of the queue's descriptor fills the caller's receive buffers,
 * handed to the kernel as a ring of provided buffers; every completed read is one packet. The caller takes the
 * packets one by one ({@link #next}), translates each in its buffer and queues its outputs ({@link #write}); one
 * {@link #submit} then passes all queued writes (and the re-armed read, if it ended) to the kernel and collects
 * what completed meanwhile, in one {@code io_uring_enter(2)}.
 *
 * <p>Memory the kernel may still read or write is never reused early: a receive buffer goes back to the kernel's
 * ring only when its packet was handled and every write from it completed (its completion, not the submission, is
 * the proof); a write from any other memory ({@link #write} with {@code fromPacket} false: the ICMP error scratch
 * buffer, the coalescer's, the segmenter's) is submitted at once, with everything queued before it, and waited
 * for, so the caller may overwrite that memory when {@link #write} returns; to write into the current packet's
 * buffer again after a write from it (fragments cut in place), the caller first calls
 * {@link #completePacketWrites}. Writes reach the kernel in the order
 * they were queued. {@link #close} cancels the read and waits for it to end before the caller frees the buffers.
 *
 * <p>Used by one thread, the one that opened it (the ring is {@code SINGLE_ISSUER}); allocates nothing after
 * {@link #open}.
 */
public final class UringPackets implements AutoCloseable {
    /** Receive buffers per queue (a power of two: the provided-buffer ring's size). */
    public static final int BUFFERS = 32;
    private static final int GROUP = 0;
    private static final int SQ_ENTRIES = 128;
    /** Room for every read (one per buffer) and every write of a full submission queue, twice. */
    private static final int CQ_ENTRIES = 512;
    private static final int ECANCELED = 125;
    private static final int ENOBUFS = 105;
    /** How long {@link #write} and {@link #close} wait for one completion before they give up on it. */
    private static final long WAIT_NANOS = 100_000_000L;
    private static final int WAITS = 20;

    private static final long KIND_READ = 1L << 56;
    private static final long KIND_WRITE = 2L << 56;
    private static final long KIND_SCRATCH_WRITE = 3L << 56;
    private static final long KIND_CANCEL = 4L << 56;

    private final IoUring ring;
    private final int fd;
    private final long[] address;
    private final int length;
    /** The provided-buffer ring shared with the kernel: 16 bytes per entry, its tail at byte 14. */
    private final long bufferRing;
    private final long bufferRingBytes;
    private short bufferRingTail;
    /** Buffers in the kernel's ring (free for reads). */
    private int inRing;
    /** Per buffer: writes from it submitted or queued and not completed. */
    private final int[] pendingWrites = new int[BUFFERS];
    /** Read packets not yet taken by {@link #next}, oldest first: buffer and length. */
    private final int[] readyBuffer = new int[BUFFERS];
    private final int[] readyLength = new int[BUFFERS];
    private int readyHead;
    private int readyCount;
    /** The buffer whose packet the caller handles (taken by {@link #next}), or -1. */
    private int current = -1;
    /** Whether {@link #next} took a packet since it last asked the kernel for more (see there). */
    private boolean tookSinceRefill;
    /** Whether a multishot read is outstanding. */
    private boolean armed;
    /** A read's error not yet returned by {@link #next} (a positive errno), or 0. */
    private int readError;
    private int scratchPending;
    /** Writes queued since the last {@link #enter}: each brings one completion. */
    private int queuedWrites;
    /** Whether writes from other memory than a packet's are only queued until {@link #submit} (see there). */
    private boolean deferScratch;
    private int writeErrors;
    private boolean closed;

    private UringPackets(IoUring ring, int fd, long[] address, int length, long bufferRing, long bufferRingBytes) {
        this.ring = ring;
        this.fd = fd;
        this.address = address;
        this.length = length;
        this.bufferRing = bufferRing;
        this.bufferRingBytes = bufferRingBytes;
    }

    /**
     * Reads of {@code fd} (non-blocking, pollable, one packet per read) into the {@link #BUFFERS} buffers at
     * {@code addresses}, {@code length} bytes each; owned by the calling thread.
     *
     * @throws TunException if io_uring or what this path needs of it is missing ({@link #unavailable} says why)
     */
    public static UringPackets open(int fd, long[] addresses, int length) throws TunException {
        if (addresses.length != BUFFERS) {
            throw new IllegalArgumentException(BUFFERS + " buffers, not " + addresses.length);
        }
        IoUring ring = IoUring.open(SQ_ENTRIES, CQ_ENTRIES);
        long bytes = Math.max(4096, 16L * BUFFERS);
        long br = 0;
        boolean success = false;
        try {
            if (!ring.supports(IoUring.OP_READ_MULTISHOT)) {
                throw new TunException("io_uring without IORING_OP_READ_MULTISHOT (Linux 6.7)", LibC.EINVAL);
            }
            br = IoUring.anonymous(bytes);
            int r = ring.registerBufferRing(br, BUFFERS, GROUP);
            if (r < 0) {
                throw new TunException("io_uring provided-buffer ring (Linux 5.19)", -r);
            }
            UringPackets p = new UringPackets(ring, fd, addresses.clone(), length, br, bytes);
            for (int b = 0; b < BUFFERS; b++) {
                p.recycle(b);
            }
            success = true;
            return p;
        } finally {
            if (!success) {
                ring.close();
                if (br != 0) {
                    IoUring.unmap(br, bytes);
                }
            }
        }
    }

    /**
     * Why this path cannot run here (io_uring missing, disabled by {@code kernel.io_uring_disabled} or a seccomp
     * filter, or older than Linux 6.7), or null if it can: a ring like {@link #open}'s is set up, probed and closed.
     */
    public static String unavailable() {
        long[] none = new long[BUFFERS];
        try (UringPackets p = open(-1, none, 0)) {
            return null;
        } catch (TunException e) {
            return e.getMessage();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return e.toString();
        }
    }

    /**
     * Ends the handling of the previous packet and takes the next one read: its length (the buffer is
     * {@link #buffer}), {@link PacketQueue#AGAIN} if none was read, or a read's error as a negative errno (end of
     * file as {@code -EBADF}, as {@link TunQueue#read} does).
     */
    public int next() {
        finishCurrent();
        if (readyCount == 0 && readError == 0 && tookSinceRefill) {
            // As read(2) reads until EAGAIN: before the caller ends its batch (and flushes what it coalesced),
            // the queued writes go out and the kernel runs the reads that became possible meanwhile.
            tookSinceRefill = false;
            armIfEnded();
            enter(0, 0);
        }
        if (readyCount > 0) {
            tookSinceRefill = true;
            current = readyBuffer[readyHead];
            int n = readyLength[readyHead];
            readyHead = (readyHead + 1) % BUFFERS;
            readyCount--;
            return n;
        }
        if (readError != 0) {
            int e = readError;
            readError = 0;
            return -e;
        }
        return PacketQueue.AGAIN;
    }

    /** The buffer of the packet {@link #next} returned. */
    public int buffer() {
        return current;
    }

    /**
     * Queues a write of {@code [at, at + bytes)}. {@code fromPacket}: the memory is the current packet's buffer,
     * written with the batch's {@link #submit}; else it is submitted now and waited for.
     */
    public void write(long at, int bytes, boolean fromPacket) {
        if (!ring.hasRoom()) {
            enter(0, 0);
        }
        queuedWrites++;
        if (fromPacket && current >= 0) {
            pendingWrites[current]++;
            ring.prepareWrite(fd, at, bytes, KIND_WRITE | ((long) current << 32) | (bytes & 0xffffffffL));
            return;
        }
        scratchPending++;
        ring.prepareWrite(fd, at, bytes, KIND_SCRATCH_WRITE | (bytes & 0xffffffffL));
        if (deferScratch) {
            return;
        }
        enter(0, 0);
        for (int i = 0; scratchPending > 0 && i < WAITS; i++) {
            enter(1, WAIT_NANOS);
        }
    }

    /**
     * Submits everything queued and waits until the writes from the current packet's buffer completed, so that the
     * caller may write into that buffer again (a packet cut into fragments in place).
     */
    public void completePacketWrites() {
        if (current < 0 || pendingWrites[current] == 0) {
            return;
        }
        enter(0, 0);
        for (int i = 0; pendingWrites[current] > 0 && i < WAITS; i++) {
            enter(1, WAIT_NANOS);
        }
    }

    /**
     * With {@code true}, writes from other memory than a packet's are queued like a packet's until the next
     * {@link #submit}, which waits for them: for memory the caller does not touch again before then (the UDP
     * coalescer's, flushed at the end of a batch).
     */
    public void deferScratchWrites(boolean defer) {
        deferScratch = defer;
    }

    /**
     * Ends the current packet and passes everything queued to the kernel (re-arming the read if it ended) in one
     * {@code io_uring_enter(2)}, which also lets the kernel finish reads that became possible, then collects the
     * completions, and returns once the deferred writes ({@link #deferScratchWrites}) completed. With
     * {@code waitMillis > 0} and no packet waiting, waits up to that long for one.
     */
    public void submit(int waitMillis) {
        finishCurrent();
        boolean wait = waitMillis > 0 && readyCount == 0 && readError == 0;
        if (wait && !armed && inRing == 0) {
            // Every buffer is out with a write queued from it: no read could end the wait. The writes first (their
            // buffers come back as they complete), then the read re-armed and the wait.
            enter(0, 0);
            wait = readyCount == 0 && readError == 0;
        }
        armIfEnded();
        enter(wait ? 1 : 0, waitMillis * 1_000_000L);
        for (int i = 0; scratchPending > 0 && i < WAITS; i++) {
            enter(1, WAIT_NANOS); // deferred writes not completed at once (a full socket buffer): their memory waits
        }
    }

    /**
     * When {@link #next} found nothing: waits up to {@code nanos} for a packet (submitting what is queued), as the
     * kernel's {@code gro_flush_timeout} holds a NAPI poll's GRO lists a little longer; true if one came. False at
     * once if no read could end the wait (every buffer out with a write queued from it).
     */
    public boolean linger(long nanos) {
        finishCurrent();
        if (readyCount > 0 || readError != 0) {
            return true;
        }
        if (nanos <= 0) {
            return false; // a timeout of 0 would be none: no waiting at all instead
        }
        armIfEnded();
        if (!armed) {
            return false;
        }
        enter(1, nanos);
        return readyCount > 0 || readError != 0;
    }

    /** Queues the multishot read again if it ended and a buffer is free for it. */
    private void armIfEnded() {
        if (!armed && inRing > 0) {
            if (!ring.hasRoom()) {
                enter(0, 0);
            }
            ring.prepareReadMultishot(fd, GROUP, KIND_READ);
            armed = true;
        }
    }

    /** Whether a packet or a read error waits for {@link #next}. */
    public boolean hasPackets() {
        return readyCount > 0 || readError != 0;
    }

    /** Writes that failed or were short since the last call. */
    public int takeWriteErrors() {
        int e = writeErrors;
        writeErrors = 0;
        return e;
    }

    /**
     * Submits what is queued and waits for {@code minComplete} completions beyond those of the writes submitted now
     * (which complete during the submission), so that a batch's writes and the wait for the next packet are one
     * system call.
     */
    private void enter(int minComplete, long timeoutNanos) {
        int min = minComplete == 0 ? 0 : minComplete + queuedWrites;
        queuedWrites = 0;
        ring.enter(true, min, timeoutNanos); // EINTR, ETIME: the completions tell what happened
        harvest();
    }

    private void finishCurrent() {
        int b = current;
        if (b >= 0) {
            current = -1;
            if (pendingWrites[b] == 0) {
                recycle(b);
            }
        }
    }

    /** Gives buffer {@code b} back to the kernel's ring (release store of the tail: the entry first). */
    private void recycle(int b) {
        long entry = bufferRing + 16L * (bufferRingTail & (BUFFERS - 1));
        IoUring.putLong(entry, address[b]);
        IoUring.putInt(entry + 8, length);
        IoUring.putShort(entry + 12, (short) b);
        bufferRingTail++;
        IoUring.putShortRelease(bufferRing + 14, bufferRingTail);
        inRing++;
    }

    private void harvest() {
        for (int n = ring.ready(); n > 0; n = ring.ready()) {
            for (int i = 0; i < n; i++) {
                complete(ring.userData(i), ring.result(i), ring.flags(i));
            }
            ring.consume(n);
        }
    }

    private void complete(long userData, int res, int flags) {
        long kind = userData & (0xffL << 56);
        if (kind == KIND_READ) {
            if ((flags & IoUring.CQE_F_BUFFER) != 0) {
                int b = flags >>> IoUring.CQE_BUFFER_SHIFT;
                inRing--;
                if (res > 0 && !closed) {
                    int tail = (readyHead + readyCount) % BUFFERS;
                    readyBuffer[tail] = b;
                    readyLength[tail] = res;
                    readyCount++;
                } else {
                    recycle(b);
                }
            }
            if ((flags & IoUring.CQE_F_MORE) == 0) {
                armed = false;
            }
            if (res <= 0 && res != -ENOBUFS && res != -ECANCELED && res != -LibC.EINTR && res != -LibC.EAGAIN) {
                readError = res == 0 ? LibC.EBADF : -res;
            }
        } else if (kind == KIND_WRITE) {
            int b = (int) (userData >>> 32) & 0xffff;
            if (res != (int) userData) {
                writeErrors++;
            }
            if (--pendingWrites[b] == 0 && b != current) {
                recycle(b);
            }
        } else if (kind == KIND_SCRATCH_WRITE) {
            if (res != (int) userData) {
                writeErrors++;
            }
            scratchPending--;
        }
    }

    /**
     * Cancels the read and waits (at most about two seconds) until it ended and every write completed, so that the
     * kernel no longer holds the descriptor nor touches the buffers; then closes the ring. The caller frees the
     * buffers and closes the descriptor after this.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        finishCurrent();
        readyCount = 0;
        if (armed && fd >= 0) {
            if (!ring.hasRoom()) {
                enter(0, 0);
            }
            ring.prepareCancelAll(fd, KIND_CANCEL);
        }
        for (int i = 0; i < WAITS && (armed || scratchPending > 0 || anyPendingWrite()); i++) {
            enter(1, WAIT_NANOS);
        }
        ring.unregisterBufferRing(GROUP);
        ring.close();
        IoUring.unmap(bufferRing, bufferRingBytes);
    }

    private boolean anyPendingWrite() {
        for (int w : pendingWrites) {
            if (w > 0) {
                return true;
            }
        }
        return false;
    }
}
