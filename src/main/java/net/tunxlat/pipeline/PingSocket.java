// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import com.sun.jna.Native;
import net.tunxlat.tun.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The self-test's socket ({@link SelfTest}): sends ICMPv6 Echo Requests (RFC 4443 §4.1) from the host's stack to the
 * translator's own IPv6 address, which the kernel routes into the TUN device, and reads the Echo Replies (RFC 4443
 * §4.2) the translator answers with through its own pipeline.
 *
 * <p>First choice an ICMP "ping" socket ({@code socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)}): no capability,
 * but the process's group must be within {@code net.ipv4.ping_group_range} (which also governs IPv6; upstream
 * systemd opens it to every group, Debian 12 leaves it empty: docs/health.md). The kernel then sets the identifier and delivers only
 * this socket's replies. Else a raw ICMPv6 socket (CAP_NET_RAW), whose identifier we choose and check. Either is
 * opened before the daemon drops its privileges. The kernel fills in the ICMPv6 checksum on both (RFC 3542 §3.1).
 * Control plane only (once a second): JNA copies the arrays.
 */
final class PingSocket implements SelfTest.Probe {
    static {
        Native.register(LibC.libraryName());
    }

    private static final int AF_INET6 = 10;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_ICMPV6 = 58;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int SOCKADDR_IN6_SIZE = 28;
    /** RFC 4443 §4.1, §4.2. */
    static final int ECHO_REQUEST = 128;
    static final int ECHO_REPLY = 129;
    /** The payload that marks our requests (and, echoed back, our replies on a raw socket). */
    private static final long MAGIC = 0x74756e786c617421L; // "tunxlat!"

    private static native int socket(int domain, int type, int protocol);

    private static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

    private static native long recv(int fd, byte[] buf, long len, int flags);

    private static native int close(int fd);

    private static native String strerror(int errnum);

    private final int fd;
    /** True for the raw socket: the identifier is ours to set and check. */
    private final boolean raw;
    private final int identifier;
    private final byte[] target;
    private final byte[] in = new byte[1280];

    private PingSocket(int fd, boolean raw, int identifier, byte[] target) {
        this.fd = fd;
        this.raw = raw;
        this.identifier = identifier;
        this.target = target;
    }

    /**
     * A ping socket towards {@code hi:lo}, else a raw ICMPv6 socket.
     *
     * @throws IOException naming both failures when neither can be opened
     */
    static PingSocket open(long hi, long lo) throws IOException {
        byte[] sa = new byte[SOCKADDR_IN6_SIZE];
        ByteBuffer b = ByteBuffer.wrap(sa);
        b.order(ByteOrder.nativeOrder()).putShort(0, (short) AF_INET6); // sa_family_t: host order
        b.order(ByteOrder.BIG_ENDIAN).putLong(8, hi).putLong(16, lo); // sin6_addr after port and flowinfo
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        if (fd >= 0) {
            return new PingSocket(fd, false, 0, sa);
        }
        String ping = strerror(Native.getLastError());
        fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        if (fd >= 0) {
            return new PingSocket(fd, true, (int) (ProcessHandle.current().pid() & 0xffff), sa);
        }
        String rawError = strerror(Native.getLastError());
        throw new IOException("ICMPv6 ping socket: " + ping + " (is the group in net.ipv4.ping_group_range?); raw"
                + " ICMPv6 socket: " + rawError + " (needs CAP_NET_RAW)");
    }

    @Override
    public String kind() {
        return raw ? "raw ICMPv6 socket" : "ICMPv6 ping socket";
    }

    /** RFC 4443 §4.1: an Echo Request, Identifier (ours on a raw socket; the kernel's on a ping socket), Sequence. */
    @Override
    public void send(int sequence) throws IOException {
        byte[] m = new byte[16];
        ByteBuffer.wrap(m).put(0, (byte) ECHO_REQUEST).putShort(4, (short) identifier).putShort(6, (short) sequence)
                .putLong(8, MAGIC);
        if (sendto(fd, m, m.length, 0, target, target.length) < 0) {
            throw new IOException(strerror(Native.getLastError()));
        }
    }

    /** RFC 4443 §4.2: the Sequence of an Echo Reply (with our Identifier and payload) waiting, else -1. */
    @Override
    public int reply() throws IOException {
        while (true) {
            long n = recv(fd, in, in.length, MSG_DONTWAIT);
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EAGAIN) {
                    return -1;
                }
                throw new IOException(strerror(errno));
            }
            ByteBuffer b = ByteBuffer.wrap(in, 0, (int) n);
            if (n >= 16 && (b.get(0) & 0xff) == ECHO_REPLY && b.getLong(8) == MAGIC
                    && (!raw || (b.getShort(4) & 0xffff) == identifier)) {
                return b.getShort(6) & 0xffff;
            }
            // someone else's ICMPv6 message (raw socket): read on
        }
    }

    @Override
    public void close() {
        close(fd);
    }
}
