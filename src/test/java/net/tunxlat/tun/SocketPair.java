// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Two connected {@code AF_UNIX SOCK_SEQPACKET} descriptors, non-blocking, that keep message boundaries as a TUN
 * queue keeps packets: one end becomes a {@link TunQueue} ({@link #queue}, read and written by a worker, with
 * io_uring or without, no device and no root needed), the test plays the kernel at the other ({@link #send},
 * {@link #receive}).
 */
public final class SocketPair implements AutoCloseable {
    static {
        Native.register(SocketPair.class, Platform.C_LIBRARY_NAME);
    }

    private static native int socketpair(int domain, int type, int protocol, int[] fds);

    private static native int setsockopt(int fd, int level, int name, int[] value, int length);

    private static final int SOL_SOCKET = 1;
    private static final int SO_SNDBUF = 7;
    private static final int SO_SNDBUFFORCE = 32;
    /**
     * The queue end's send buffer: a TUN write never waits, but a socket's does when the peer's queue is full, and a
     * write that waits inside io_uring completes after the smaller ones queued behind it (out of order, which a TUN
     * device never does). Room for every packet a test writes, so that the test's reader may lag (a loaded machine).
     */
    private static final int SEND_BUFFER = 16 << 20;

    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;

    /** The queue's end (closed by the queue) and the test's end. */
    private final int queueFd;
    private final int peerFd;
    private final Memory io = new Memory(70_000);
    private boolean queueMade;

    public SocketPair() {
        int[] fds = new int[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
            throw new IllegalStateException("socketpair: " + LibC.describe(Native.getLastError()));
        }
        queueFd = fds[0];
        peerFd = fds[1];
        int[] size = {SEND_BUFFER};
        // Root may go beyond net.core.wmem_max (CI, the end-to-end suite); otherwise as much as that allows.
        if (setsockopt(queueFd, SOL_SOCKET, SO_SNDBUFFORCE, size, 4) != 0) {
            setsockopt(queueFd, SOL_SOCKET, SO_SNDBUF, size, 4);
        }
    }

    /**
     * A queue on this pair's first end (once), with {@code vnet} bytes of virtio_net_hdr per packet (and then, as a
     * TUN device with USO, UDP super-packets may be written to it).
     */
    public PacketQueue queue(int vnet) throws TunException {
        if (queueMade) {
            throw new IllegalStateException("one queue per pair");
        }
        queueMade = true;
        return new TunQueue(queueFd, "pair", 0, vnet, vnet > 0 ? TunDevice.TUN_F_USO4 | TunDevice.TUN_F_USO6 : 0);
    }

    /** Sends one packet to the queue; false if the socket buffer is full. */
    public boolean send(byte[] packet) {
        io.write(0, packet, 0, packet.length);
        return LibC.write(peerFd, Pointer.nativeValue(io), packet.length) == packet.length;
    }

    /** The next packet the queue's user wrote, or null if none waits. */
    public byte[] receive() {
        long n = LibC.read(peerFd, Pointer.nativeValue(io), io.size());
        return n < 0 ? null : io.getByteArray(0, (int) n);
    }

    /** Reads and discards what waits; how many packets. */
    public int drain() {
        int n = 0;
        while (LibC.read(peerFd, Pointer.nativeValue(io), io.size()) >= 0) {
            n++;
        }
        return n;
    }

    /** Whether the queue's end was closed: a read sees the end of file (call when nothing waits). */
    public boolean queueEndClosed() {
        return LibC.read(peerFd, Pointer.nativeValue(io), io.size()) == 0;
    }

    /** Closes the test's end (and the queue's end, if no queue was made of it). */
    @Override
    public void close() {
        LibC.close(peerFd);
        if (!queueMade) {
            LibC.close(queueFd);
        }
        io.close();
    }
}
