// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * One TUN queue: a file descriptor used by exactly one worker thread at a time (see {@link PacketQueue}
 * for attaching). The descriptor is non-blocking; {@link #awaitReadable} waits with {@code poll(2)}.
 *
 * <p>The descriptor number never changes and is closed at most once, by {@link #close} when no thread is
 * attached, else by the attached thread's {@link #detach}: read, write and poll run only in the attached
 * thread, so they can never reach a closed descriptor, nor one whose number the kernel has given to
 * another file since.
 */
public final class TunQueue extends AttachableQueue {
    private static final int F_SETFL = 4;
    private static final int F_GETFL = 3;

    private final int offloads;
    private final int fd;
    /** One {@code struct pollfd} (8 bytes) in native memory, used by the attached thread. */
    private final long pollFd;
    private final Memory pollMemory;

    TunQueue(int fd, String deviceName, int index, int vnetHeaderLength, int offloads) throws TunException {
        super(deviceName, index, vnetHeaderLength);
        this.fd = fd;
        this.offloads = offloads;
        int fl = LibC.fcntl(fd, F_GETFL, 0);
        if (fl < 0 || LibC.fcntl(fd, F_SETFL, fl | LibC.O_NONBLOCK) < 0) {
            throw new TunException("fcntl O_NONBLOCK on " + deviceName, Native.getLastError());
        }
        this.pollMemory = new Memory(8);
        this.pollFd = Pointer.nativeValue(pollMemory);
        pollMemory.setInt(0, fd);
        pollMemory.setShort(4, LibC.POLLIN);
        pollMemory.setShort(6, (short) 0);
    }

    /**
     * Whether UDP super-packets ({@code VIRTIO_NET_HDR_GSO_UDP_L4}) may be written to this queue: the
     * kernel took USO for both IP versions (Linux 6.2), so it also knows that gso_type on writes.
     */
    @Override
    public boolean writesUdpSuperPackets() {
        int uso = TunDevice.TUN_F_USO4 | TunDevice.TUN_F_USO6;
        return vnetHeaderLength() > 0 && (offloads & uso) == uso;
    }

    /** {@inheritDoc} End of file (the device is gone) reads as {@code -EBADF}. */
    @Override
    public int read(long address, int capacity) {
        if (!owner.heldByCaller()) {
            return -LibC.EBADF;
        }
        long n = LibC.read(fd, address, capacity);
        if (n > 0) {
            return (int) n;
        }
        if (n == 0) {
            return -LibC.EBADF;
        }
        int errno = Native.getLastError();
        return errno == LibC.EAGAIN || errno == LibC.EINTR ? AGAIN : -errno;
    }

    @Override
    public int write(long address, int length) {
        if (!owner.heldByCaller()) {
            return -LibC.EBADF;
        }
        long n = LibC.write(fd, address, length);
        return n >= 0 ? (int) n : -Native.getLastError();
    }

    @Override
    public int descriptor() {
        return owner.heldByCaller() ? fd : -1;
    }

    @Override
    public boolean awaitReadable(int timeoutMillis) {
        return owner.heldByCaller() && LibC.poll(pollFd, 1, timeoutMillis) > 0;
    }

    /**
     * TUNSETOFFLOAD 0 through this queue's descriptor (best effort, at close), if no other thread is attached
     * to it; whether it was done.
     */
    boolean resetOffloads(long request) {
        if (!owner.attach()) {
            return false;
        }
        try {
            LibC.ioctl(fd, request, 0L);
            return true;
        } finally {
            detach();
        }
    }

    @Override
    void release() {
        LibC.close(fd);
    }
}
