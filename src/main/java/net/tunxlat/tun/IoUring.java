// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import com.sun.jna.Native;
import io.netty.util.internal.PlatformDependent;
import java.lang.reflect.Field;

/**
 * One io_uring instance (Linux 5.1+, {@code io_uring_setup(2)}), bound through {@link LibC#syscall} with primitive
 * arguments only: the submission queue, its entries and the completion queue are mmap'ed, filled and read in native
 * memory, so nothing here allocates after {@link #open}. The ring is set up {@code SINGLE_ISSUER | DEFER_TASKRUN}
 * (Linux 6.1): only the thread that opened it submits, and the kernel finishes this ring's work (a read that became
 * possible) only inside {@link #enter} with {@code GETEVENTS}, in that thread: no interrupts of the thread between
 * batches.
 *
 * <p>The rings are shared with the kernel, so the ABI's ordering is kept: the submission tail and the completion
 * head are stored with release semantics, the completion tail is loaded with acquire semantics
 * ({@link PlatformDependent#putIntOrdered} / {@link PlatformDependent#getIntVolatile}).
 *
 * <p>Not thread-safe: one thread (the worker attached to the queue) uses an instance.
 */
public final class IoUring implements AutoCloseable {
    /** System call numbers: the same on every architecture since Linux 5.1 (the unified table). */
    static final int SYS_IO_URING_SETUP = 425;
    static final int SYS_IO_URING_ENTER = 426;
    static final int SYS_IO_URING_REGISTER = 427;

    static final int OP_ASYNC_CANCEL = 14;
    static final int OP_WRITE = 23;
    /** {@code IORING_OP_READ_MULTISHOT} (Linux 6.7): reads while data waits, each into a provided buffer. */
    static final int OP_READ_MULTISHOT = 49;

    static final int IOSQE_BUFFER_SELECT = 1 << 5;
    static final int CQE_F_BUFFER = 1;
    static final int CQE_F_MORE = 1 << 1;
    static final int CQE_BUFFER_SHIFT = 16;
    static final int ASYNC_CANCEL_ALL = 1;
    static final int ASYNC_CANCEL_FD = 1 << 1;

    private static final int SETUP_CQSIZE = 1 << 3;
    private static final int SETUP_SUBMIT_ALL = 1 << 7;
    private static final int SETUP_SINGLE_ISSUER = 1 << 12;
    private static final int SETUP_DEFER_TASKRUN = 1 << 13;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final int FEAT_EXT_ARG = 1 << 8;
    private static final int ENTER_GETEVENTS = 1;
    private static final int ENTER_EXT_ARG = 1 << 3;
    private static final long OFF_SQ_RING = 0L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int REGISTER_PROBE = 8;
    private static final int REGISTER_PBUF_RING = 22;
    private static final int UNREGISTER_PBUF_RING = 23;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;

    /** Sizes of the ABI's structures. */
    private static final int PARAMS_BYTES = 120;
    private static final int SQE_BYTES = 64;
    private static final int CQE_BYTES = 16;
    private static final int GETEVENTS_ARG_BYTES = 24;

    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private final int fd;
    private final long sqRing;
    private final long sqRingBytes;
    private final long sqes;
    private final long sqesBytes;
    private final long sqTailAddress;
    private final long cqHeadAddress;
    private final long cqTailAddress;
    private final long cqes;
    private final int sqMask;
    private final int sqEntries;
    private final int cqMask;
    /** {@code struct io_uring_getevents_arg} followed by its {@code struct __kernel_timespec}. */
    private final long waitArg;
    /** The next submission entry's index (ahead of the shared tail until {@link #enter}). */
    private int sqTail;
    /** The shared tail as last published. */
    private int sqPublished;
    private int cqHead;
    private boolean closed;

    private IoUring(int fd, long params, long waitArg) throws TunException {
        this.fd = fd;
        this.waitArg = waitArg;
        this.sqEntries = UNSAFE.getInt(params);
        int cqEntries = UNSAFE.getInt(params + 4);
        int features = UNSAFE.getInt(params + 20);
        if ((features & FEAT_SINGLE_MMAP) == 0 || (features & FEAT_EXT_ARG) == 0) {
            throw new TunException("io_uring lacks IORING_FEAT_SINGLE_MMAP or IORING_FEAT_EXT_ARG (Linux 5.11)", LibC.EINVAL);
        }
        long sqOff = params + 40;
        long cqOff = params + 80;
        long ringBytes = Math.max(UNSAFE.getInt(sqOff + 24) + 4L * sqEntries, UNSAFE.getInt(cqOff + 20) + (long) CQE_BYTES * cqEntries);
        long ring = map(ringBytes, fd, OFF_SQ_RING);
        long s = -1;
        try {
            s = map((long) SQE_BYTES * sqEntries, fd, OFF_SQES);
        } finally {
            if (s == -1) {
                LibC.munmap(ring, ringBytes);
            }
        }
        this.sqRing = ring; // and the completion ring: one mapping for both (IORING_FEAT_SINGLE_MMAP)
        this.sqRingBytes = ringBytes;
        this.sqes = s;
        this.sqesBytes = (long) SQE_BYTES * sqEntries;
        this.sqTailAddress = ring + UNSAFE.getInt(sqOff + 4);
        this.sqMask = UNSAFE.getInt(ring + UNSAFE.getInt(sqOff + 8));
        long array = ring + UNSAFE.getInt(sqOff + 24);
        for (int i = 0; i < sqEntries; i++) {
            UNSAFE.putInt(array + 4L * i, i); // entry i of the array names SQE i, once and for all
        }
        this.cqHeadAddress = ring + UNSAFE.getInt(cqOff);
        this.cqTailAddress = ring + UNSAFE.getInt(cqOff + 4);
        this.cqMask = UNSAFE.getInt(ring + UNSAFE.getInt(cqOff + 8));
        this.cqes = ring + UNSAFE.getInt(cqOff + 20);
        this.sqTail = UNSAFE.getInt(sqTailAddress);
        this.sqPublished = sqTail;
        this.cqHead = UNSAFE.getInt(cqHeadAddress);
    }

    /**
     * A ring of {@code sqEntries} submission and {@code cqEntries} completion entries (powers of two), owned by the
     * calling thread.
     *
     * @throws TunException with the errno of {@code io_uring_setup} (ENOSYS: no io_uring; EPERM: disabled by
     *                      {@code kernel.io_uring_disabled} or a seccomp filter; EINVAL: a flag this kernel lacks)
     */
    public static IoUring open(int sqEntries, int cqEntries) throws TunException {
        long params = PlatformDependent.allocateMemory(PARAMS_BYTES);
        long waitArg = PlatformDependent.allocateMemory(GETEVENTS_ARG_BYTES + 16);
        boolean success = false;
        try {
            PlatformDependent.setMemory(params, PARAMS_BYTES, (byte) 0);
            PlatformDependent.setMemory(waitArg, GETEVENTS_ARG_BYTES + 16, (byte) 0);
            UNSAFE.putInt(params + 4, cqEntries);
            UNSAFE.putInt(params + 8, SETUP_CQSIZE | SETUP_SUBMIT_ALL | SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN);
            long fd = LibC.syscall(SYS_IO_URING_SETUP, sqEntries, params, 0, 0, 0, 0);
            if (fd < 0) {
                throw new TunException("io_uring_setup", Native.getLastError());
            }
            IoUring ring = null;
            try {
                ring = new IoUring((int) fd, params, waitArg);
            } finally {
                if (ring == null) {
                    LibC.close((int) fd);
                }
            }
            success = true;
            return ring;
        } finally {
            PlatformDependent.freeMemory(params);
            if (!success) {
                PlatformDependent.freeMemory(waitArg);
            }
        }
    }

    private static long map(long bytes, int fd, long offset) throws TunException {
        long a = LibC.mmap(0, bytes, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
        if (a == -1) {
            throw new TunException("mmap of the io_uring rings", Native.getLastError());
        }
        return a;
    }

    /** Page-aligned zeroed native memory of {@code bytes} (a provided-buffer ring); free with {@link #unmap}. */
    static long anonymous(long bytes) throws TunException {
        long a = LibC.mmap(0, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
        if (a == -1) {
            throw new TunException("mmap of a provided-buffer ring", Native.getLastError());
        }
        return a;
    }

    static void unmap(long address, long bytes) {
        LibC.munmap(address, bytes);
    }

    /** Whether this kernel knows {@code opcode} ({@code IORING_REGISTER_PROBE}, Linux 5.6). */
    boolean supports(int opcode) {
        int ops = 256;
        long probe = PlatformDependent.allocateMemory(16 + 8L * ops);
        try {
            PlatformDependent.setMemory(probe, 16 + 8L * ops, (byte) 0);
            if (LibC.syscall(SYS_IO_URING_REGISTER, fd, REGISTER_PROBE, probe, ops, 0, 0) < 0) {
                return false;
            }
            int lastOp = UNSAFE.getByte(probe) & 0xff;
            return opcode <= lastOp && (UNSAFE.getShort(probe + 16 + 8L * opcode + 2) & 1) != 0;
        } finally {
            PlatformDependent.freeMemory(probe);
        }
    }

    /**
     * Registers a ring of provided buffers ({@code IORING_REGISTER_PBUF_RING}, Linux 5.19) at {@code ring}
     * (page-aligned, {@code entries} × 16 bytes, a power of two) as buffer group {@code group}; 0 or a negative errno.
     */
    int registerBufferRing(long ring, int entries, int group) {
        long reg = PlatformDependent.allocateMemory(40);
        try {
            PlatformDependent.setMemory(reg, 40, (byte) 0);
            UNSAFE.putLong(reg, ring);
            UNSAFE.putInt(reg + 8, entries);
            UNSAFE.putShort(reg + 12, (short) group);
            long r = LibC.syscall(SYS_IO_URING_REGISTER, fd, REGISTER_PBUF_RING, reg, 1, 0, 0);
            return r < 0 ? -Native.getLastError() : 0;
        } finally {
            PlatformDependent.freeMemory(reg);
        }
    }

    int unregisterBufferRing(int group) {
        long reg = PlatformDependent.allocateMemory(40);
        try {
            PlatformDependent.setMemory(reg, 40, (byte) 0);
            UNSAFE.putShort(reg + 12, (short) group);
            long r = LibC.syscall(SYS_IO_URING_REGISTER, fd, UNREGISTER_PBUF_RING, reg, 1, 0, 0);
            return r < 0 ? -Native.getLastError() : 0;
        } finally {
            PlatformDependent.freeMemory(reg);
        }
    }

    /** Submission entries queued and not yet passed to the kernel. */
    int unsubmitted() {
        return sqTail - sqPublished;
    }

    /** Whether another submission entry fits before the next {@link #enter}. */
    boolean hasRoom() {
        return sqTail - sqPublished < sqEntries;
    }

    /** A zeroed submission entry at the tail, queued for the next {@link #enter}; the caller checked {@link #hasRoom}. */
    private long nextSqe() {
        long sqe = sqes + (long) SQE_BYTES * (sqTail & sqMask);
        sqTail++;
        PlatformDependent.setMemory(sqe, SQE_BYTES, (byte) 0);
        return sqe;
    }

    /** Queues {@code write(fd, address, length)} with {@code userData} in its completion. */
    void prepareWrite(int targetFd, long address, int length, long userData) {
        long sqe = nextSqe();
        UNSAFE.putByte(sqe, (byte) OP_WRITE);
        UNSAFE.putInt(sqe + 4, targetFd);
        UNSAFE.putLong(sqe + 16, address);
        UNSAFE.putInt(sqe + 24, length);
        UNSAFE.putLong(sqe + 32, userData);
    }

    /** Queues a multishot read of {@code targetFd} into buffers of {@code group}, each read a completion. */
    void prepareReadMultishot(int targetFd, int group, long userData) {
        long sqe = nextSqe();
        UNSAFE.putByte(sqe, (byte) OP_READ_MULTISHOT);
        UNSAFE.putByte(sqe + 1, (byte) IOSQE_BUFFER_SELECT);
        UNSAFE.putInt(sqe + 4, targetFd);
        UNSAFE.putLong(sqe + 32, userData);
        UNSAFE.putShort(sqe + 40, (short) group);
    }

    /** Queues the cancellation of every request on {@code targetFd} ({@code IORING_ASYNC_CANCEL_FD | _ALL}, Linux 5.19). */
    void prepareCancelAll(int targetFd, long userData) {
        long sqe = nextSqe();
        UNSAFE.putByte(sqe, (byte) OP_ASYNC_CANCEL);
        UNSAFE.putInt(sqe + 4, targetFd);
        UNSAFE.putInt(sqe + 28, ASYNC_CANCEL_FD | ASYNC_CANCEL_ALL);
        UNSAFE.putLong(sqe + 32, userData);
    }

    /**
     * One {@code io_uring_enter(2)}: submits every queued entry and, if {@code wait}, runs the ring's pending work
     * and waits until {@code minComplete} completions are unread or {@code timeoutNanos} passed.
     *
     * @return what the system call returned: entries submitted, or a negative errno (EINTR, ETIME, EBUSY)
     */
    int enter(boolean wait, int minComplete, long timeoutNanos) {
        int submit = sqTail - sqPublished;
        if (submit > 0) {
            PlatformDependent.putIntOrdered(sqTailAddress, sqTail);
            sqPublished = sqTail;
        }
        long r;
        if (wait) {
            long ts = waitArg + GETEVENTS_ARG_BYTES;
            UNSAFE.putLong(ts, timeoutNanos / 1_000_000_000L);
            UNSAFE.putLong(ts + 8, timeoutNanos % 1_000_000_000L);
            UNSAFE.putLong(waitArg + 16, ts);
            r = LibC.syscall(SYS_IO_URING_ENTER, fd, submit, minComplete, ENTER_GETEVENTS | ENTER_EXT_ARG, waitArg,
                    GETEVENTS_ARG_BYTES);
        } else if (submit > 0) {
            r = LibC.syscall(SYS_IO_URING_ENTER, fd, submit, 0, 0, 0, 0);
        } else {
            return 0;
        }
        return r < 0 ? -Native.getLastError() : (int) r;
    }

    /** Completions ready to read (acquire: the entries they count are visible). */
    int ready() {
        return PlatformDependent.getIntVolatile(cqTailAddress) - cqHead;
    }

    /** The {@code i}-th unread completion's user data ({@code i < }{@link #ready}). */
    long userData(int i) {
        return UNSAFE.getLong(cqe(i));
    }

    int result(int i) {
        return UNSAFE.getInt(cqe(i) + 8);
    }

    int flags(int i) {
        return UNSAFE.getInt(cqe(i) + 12);
    }

    private long cqe(int i) {
        return cqes + (long) CQE_BYTES * ((cqHead + i) & cqMask);
    }

    /** Hands the first {@code n} unread completions back to the kernel (release). */
    void consume(int n) {
        cqHead += n;
        PlatformDependent.putIntOrdered(cqHeadAddress, cqHead);
    }

    /** A release store of a 16-bit value shared with the kernel (a provided-buffer ring's tail). */
    static void putShortRelease(long address, short value) {
        UNSAFE.putShortVolatile(null, address, value);
    }

    static void putLong(long address, long value) {
        UNSAFE.putLong(address, value);
    }

    static void putInt(long address, int value) {
        UNSAFE.putInt(address, value);
    }

    static void putShort(long address, short value) {
        UNSAFE.putShort(address, value);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.munmap(sqes, sqesBytes);
        LibC.munmap(sqRing, sqRingBytes);
        LibC.close(fd);
        PlatformDependent.freeMemory(waitArg);
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
