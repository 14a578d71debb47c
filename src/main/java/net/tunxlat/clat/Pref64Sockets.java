// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import com.sun.jna.Native;
import net.tunxlat.tun.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The libc socket calls of PREF64 discovery ({@link NdUserOptListener}: a NETLINK_ROUTE socket; {@link
 * RouterSolicitor}: a raw ICMPv6 socket), bound with JNA direct mapping as {@code net.tunxlat.tun.LibC} is.
 * Control plane only: arrays are copied in and out by JNA. {@code errno} is read with {@link
 * Native#getLastError()} right after a failed call. Numbers are Linux's (x86_64 and aarch64 agree on all).
 */
final class Pref64Sockets {
    static {
        Native.register(LibC.libraryName());
    }

    private Pref64Sockets() {}

    // <sys/socket.h>, <linux/netlink.h>, <linux/rtnetlink.h>, <netinet/in.h>
    static final int AF_INET6 = 10;
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_SOCKET = 1;
    static final int SO_BINDTODEVICE = 25;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_ADD_MEMBERSHIP = 1;
    static final int IPPROTO_IPV6 = 41;
    static final int IPPROTO_ICMPV6 = 58;
    static final int IPV6_UNICAST_HOPS = 16;
    static final int IPV6_MULTICAST_IF = 17;
    static final int IPV6_MULTICAST_HOPS = 18;
    static final int MSG_DONTWAIT = 0x40;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final short POLLIN = 0x0001;
    /** {@code <linux/sockios.h>}: get the hardware address of an interface. */
    static final long SIOCGIFHWADDR = 0x8927;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOBUFS = 105;

    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, byte[] addr, int addrlen);

    static native int setsockopt(int fd, int level, int name, byte[] value, int len);

    static native long recv(int fd, byte[] buf, long len, int flags);

    static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

    /** poll(2) over {@code struct pollfd}s laid out in {@code fds} (8 bytes each, revents written back). */
    static native int poll(byte[] fds, long nfds, int timeoutMillis);

    static native int eventfd(int initval, int flags);

    static native long write(int fd, byte[] buf, long count);

    static native int close(int fd);

    /** ioctl with a pointer argument (copied in and out by JNA). */
    static native int ioctl(int fd, long request, byte[] arg);

    static native int if_nametoindex(String name);

    static native String strerror(int errnum);

    /** An IOException naming the call and errno. */
    static IOException failure(String what, int errno) {
        return new IOException(what + ": " + strerror(errno) + " (errno " + errno + ")");
    }

    /** setsockopt with a 32-bit host-order integer value. */
    static void setInt(int fd, int level, int name, int value, String what) throws IOException {
        byte[] v = nativeInt(value);
        if (setsockopt(fd, level, name, v, v.length) < 0) {
            throw failure(what, Native.getLastError());
        }
    }

    /** A 32-bit integer in the machine's byte order, as the kernel reads socket options. */
    static byte[] nativeInt(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
    }
}
