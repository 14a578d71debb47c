package net.tunxlat.tun;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Linux TUN device opened through {@code /dev/net/tun} ({@code Documentation/networking/tuntap.rst}).
 * Each {@link TunQueue} is one file descriptor; a device opened with {@link #open} has one queue, and
 * the flag word is kept so that {@code IFF_MULTI_QUEUE} (one fd per queue) and {@code IFF_VNET_HDR}
 * can be added without changing the callers.
 */
public final class TunDevice implements AutoCloseable {
    public static final String CLONE_DEVICE = "/dev/net/tun";

    // <linux/if_tun.h>
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETPERSIST = 0x400454cbL;
    static final long TUNSETOWNER = 0x400454ccL;
    static final long TUNSETGROUP = 0x400454ceL;
    static final long TUNGETIFF = 0x800454d2L;
    public static final int IFF_TUN = 0x0001;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_MULTI_QUEUE = 0x0100;
    public static final int IFF_VNET_HDR = 0x4000;
    public static final int IFNAMSIZ = 16;
    /** sizeof(struct ifreq) on Linux/x86_64 and aarch64. */
    private static final int IFREQ_SIZE = 40;

    private final String name;
    private final int flags;
    private final List<TunQueue> queues;

    private TunDevice(String name, int flags, List<TunQueue> queues) {
        this.name = name;
        this.flags = flags;
        this.queues = queues;
    }

    /**
     * Opens (attaching to an existing device or creating a non-persistent one) {@code name} with
     * {@code IFF_TUN | IFF_NO_PI} and one queue. Needs CAP_NET_ADMIN unless the device is persistent
     * and owned by the caller.
     */
    public static TunDevice open(String name) throws TunException {
        int flags = IFF_TUN | IFF_NO_PI;
        List<TunQueue> queues = new ArrayList<>(1);
        String actual = name;
        int fd = openQueue(name, flags);
        actual = queryName(fd, name);
        queues.add(new TunQueue(fd, actual, 0));
        return new TunDevice(actual, flags, List.copyOf(queues));
    }

    /** TAYGA's {@code --mktun}: creates {@code name} as a persistent device, optionally owned by uid/gid (-1: unset). */
    public static void makePersistent(String name, int ownerUid, int ownerGid) throws TunException {
        int fd = openQueue(name, IFF_TUN | IFF_NO_PI);
        try {
            if (ownerUid >= 0 && LibC.ioctl(fd, TUNSETOWNER, ownerUid) < 0) {
                throw new TunException("TUNSETOWNER " + name, com.sun.jna.Native.getLastError());
            }
            if (ownerGid >= 0 && LibC.ioctl(fd, TUNSETGROUP, ownerGid) < 0) {
                throw new TunException("TUNSETGROUP " + name, com.sun.jna.Native.getLastError());
            }
            if (LibC.ioctl(fd, TUNSETPERSIST, 1) < 0) {
                throw new TunException("TUNSETPERSIST " + name, com.sun.jna.Native.getLastError());
            }
        } finally {
            LibC.close(fd);
        }
    }

    /** TAYGA's {@code --rmtun}: clears the persistent flag, so the device goes away when closed. */
    public static void removePersistent(String name) throws TunException {
        int fd = openQueue(name, IFF_TUN | IFF_NO_PI);
        try {
            if (LibC.ioctl(fd, TUNSETPERSIST, 0) < 0) {
                throw new TunException("TUNSETPERSIST 0 " + name, com.sun.jna.Native.getLastError());
            }
        } finally {
            LibC.close(fd);
        }
    }

    private static int openQueue(String name, int flags) throws TunException {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("TUN device name must be 1.." + (IFNAMSIZ - 1) + " characters: '" + name + "'");
        }
        int fd = LibC.open(CLONE_DEVICE, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new TunException("cannot open " + CLONE_DEVICE, com.sun.jna.Native.getLastError());
        }
        byte[] ifr = new byte[IFREQ_SIZE];
        System.arraycopy(nameBytes, 0, ifr, 0, nameBytes.length);
        // ifr_flags is a native-endian short at offset IFNAMSIZ (little endian on supported platforms)
        ifr[IFNAMSIZ] = (byte) flags;
        ifr[IFNAMSIZ + 1] = (byte) (flags >>> 8);
        if (LibC.ioctl(fd, TUNSETIFF, ifr) < 0) {
            int errno = com.sun.jna.Native.getLastError();
            LibC.close(fd);
            String hint = errno == LibC.EPERM ? " (needs CAP_NET_ADMIN, or a persistent device owned by this user)"
                    : errno == LibC.EINVAL ? " (is '" + name + "' a TAP device, or opened with other flags?)"
                    : errno == LibC.EBUSY ? " (is another translator attached to it?)" : "";
            throw new TunException("TUNSETIFF " + name + hint, errno);
        }
        return fd;
    }

    private static String queryName(int fd, String fallback) {
        byte[] ifr = new byte[IFREQ_SIZE];
        if (LibC.ioctl(fd, TUNGETIFF, ifr) < 0) {
            return fallback;
        }
        int n = 0;
        while (n < IFNAMSIZ && ifr[n] != 0) {
            n++;
        }
        return new String(ifr, 0, n, StandardCharsets.US_ASCII);
    }

    public String name() {
        return name;
    }

    public int flags() {
        return flags;
    }

    public List<TunQueue> queues() {
        return queues;
    }

    @Override
    public void close() {
        for (TunQueue q : queues) {
            q.close();
        }
    }
}
