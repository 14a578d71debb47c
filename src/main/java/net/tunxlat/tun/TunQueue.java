package net.tunxlat.tun;

import com.sun.jna.Native;

/**
 * One TUN queue: a file descriptor owned by exactly one worker thread. Reads and writes go straight
 * to and from native memory (a Netty direct buffer's {@code memoryAddress()}), with no copy and no
 * allocation. The descriptor is non-blocking; {@link #awaitReadable} waits with {@code poll(2)}.
 */
public final class TunQueue implements AutoCloseable {
    /** Returned by {@link #read} when nothing is waiting. */
    public static final int AGAIN = 0;
    private static final int F_SETFL = 4;
    private static final int F_GETFL = 3;

    private final String deviceName;
    private final int index;
    private final int vnetHeaderLength;
    private final int offloads;
    private volatile int fd;
    /** One {@code struct pollfd} (8 bytes) in native memory, owned by the worker using this queue. */
    private final long pollFd;
    private final com.sun.jna.Memory pollMemory;

    TunQueue(int fd, String deviceName, int index, int vnetHeaderLength, int offloads) throws TunException {
        this.fd = fd;
        this.deviceName = deviceName;
        this.index = index;
        this.vnetHeaderLength = vnetHeaderLength;
        this.offloads = offloads;
        int fl = LibC.fcntl(fd, F_GETFL, 0);
        if (fl < 0 || LibC.fcntl(fd, F_SETFL, fl | LibC.O_NONBLOCK) < 0) {
            throw new TunException("fcntl O_NONBLOCK on " + deviceName, Native.getLastError());
        }
        this.pollMemory = new com.sun.jna.Memory(8);
        this.pollFd = com.sun.jna.Pointer.nativeValue(pollMemory);
        pollMemory.setInt(0, fd);
        pollMemory.setShort(4, LibC.POLLIN);
        pollMemory.setShort(6, (short) 0);
    }

    public String deviceName() {
        return deviceName;
    }

    public int index() {
        return index;
    }

    /** Bytes of virtio_net_hdr in front of every packet read or written (0 without offloads). */
    public int vnetHeaderLength() {
        return vnetHeaderLength;
    }

    /**
     * Whether UDP super-packets ({@code VIRTIO_NET_HDR_GSO_UDP_L4}) may be written to this queue: the
     * kernel took USO for both IP versions (Linux 6.2), so it also knows that gso_type on writes.
     */
    public boolean writesUdpSuperPackets() {
        int uso = TunDevice.TUN_F_USO4 | TunDevice.TUN_F_USO6;
        return vnetHeaderLength > 0 && (offloads & uso) == uso;
    }

    /**
     * Reads one packet into native memory. Returns its length, {@link #AGAIN} if none is waiting, or
     * a negative errno.
     */
    public int read(long address, int capacity) {
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

    /** Writes one packet. Returns the bytes written or a negative errno. */
    public int write(long address, int length) {
        long n = LibC.write(fd, address, length);
        return n >= 0 ? (int) n : -Native.getLastError();
    }

    /** Waits up to {@code timeoutMillis} for a packet; true if one may be read. */
    public boolean awaitReadable(int timeoutMillis) {
        int r = LibC.poll(pollFd, 1, timeoutMillis);
        return r > 0;
    }

    /** TUNSETOFFLOAD 0 on this queue's fd (best effort, at close). */
    synchronized void resetOffloads(long request) {
        if (fd >= 0) {
            LibC.ioctl(fd, request, 0L);
        }
    }

    @Override
    public synchronized void close() {
        int f = fd;
        if (f >= 0) {
            fd = -1;
            LibC.close(f);
        }
    }
}
