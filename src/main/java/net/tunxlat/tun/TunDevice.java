// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import com.sun.jna.Native;

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
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    /** TUNSETOFFLOAD bits (linux/if_tun.h); USO4/USO6 need Linux 6.2. */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_USO4 = 0x20;
    public static final int TUN_F_USO6 = 0x40;
    /** Size of the virtio_net_hdr tunxlat asks for: 12 (the mergeable-buffers size) keeps the IP header aligned. */
    public static final int VNET_HDR_LEN = 12;
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
    private final int offloads;
    private final String notes;

    private TunDevice(String name, int flags, List<TunQueue> queues, int offloads, String notes) {
        this.name = name;
        this.flags = flags;
        this.queues = queues;
        this.offloads = offloads;
        this.notes = notes;
    }

    /**
     * Opens (attaching to an existing device or creating a non-persistent one) {@code name} with
     * {@code IFF_TUN | IFF_NO_PI} and one queue. Needs CAP_NET_ADMIN unless the device is persistent
     * and owned by the caller.
     */
    public static TunDevice open(String name) throws TunException {
        return open(name, 1, false);
    }

    /**
     * Opens {@code name} with up to {@code queueCount} queues ({@code IFF_MULTI_QUEUE}, one fd each) and,
     * if {@code offload}, {@code IFF_VNET_HDR} with TSO/USO offloads so the kernel hands over GSO
     * super-packets. Degrades step by step: a device created without multi-queue gets one queue; a kernel
     * without USO gets TSO only; one refusing offloads entirely gets plain packets (no vnet header).
     */
    public static TunDevice open(String name, int queueCount, boolean offload) throws TunException {
        StringBuilder notes = new StringBuilder();
        int base = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
        int flags = queueCount > 1 ? base | IFF_MULTI_QUEUE : base;
        List<TunQueue> queues = new ArrayList<>(queueCount);
        int first;
        try {
            first = openQueue(name, flags);
        } catch (TunException e) {
            if (queueCount > 1 && e.errno() == LibC.EINVAL) {
                // The device exists without IFF_MULTI_QUEUE: attaches must agree, so use one queue.
                flags = base;
                first = openQueue(name, flags);
                notes.append("device was created without multi_queue: 1 queue; ");
                queueCount = 1;
            } else if (queueCount == 1 && e.errno() == LibC.EINVAL) {
                // One queue wanted, but the device exists with IFF_MULTI_QUEUE (ip tuntap ... multi_queue).
                flags = base | IFF_MULTI_QUEUE;
                first = openQueue(name, flags);
            } else {
                throw e;
            }
        }
        String actual = queryName(first, name);
        int offloads = 0;
        if (offload) {
            offloads = configureOffloads(first);
            if (offloads < 0) {
                LibC.close(first);
                notes.append("the kernel refused TUNSETOFFLOAD: offloads off; ");
                flags &= ~IFF_VNET_HDR;
                offloads = 0;
                first = openQueue(actual, flags);
            }
        }
        int vnet = (flags & IFF_VNET_HDR) != 0 ? VNET_HDR_LEN : 0;
        try {
            queues.add(new TunQueue(first, actual, 0, vnet, offloads));
            for (int q = 1; q < queueCount; q++) {
                int fd = openQueue(actual, flags);
                if (vnet > 0 && configureOffloads(fd) != offloads) {
                    LibC.close(fd);
                    throw new TunException("TUNSETOFFLOAD on queue " + q + " of " + actual, LibC.EINVAL);
                }
                queues.add(new TunQueue(fd, actual, q, vnet, offloads));
            }
        } catch (TunException e) {
            queues.forEach(TunQueue::close);
            throw e;
        }
        return new TunDevice(actual, flags, List.copyOf(queues), offloads, notes.toString());
    }

    /** Sets the vnet header size and the offloads on one queue; the offload bits in force, or -1. */
    private static int configureOffloads(int fd) {
        if (LibC.ioctl(fd, TUNSETVNETHDRSZ, new byte[] {VNET_HDR_LEN, 0, 0, 0}) < 0) {
            return -1;
        }
        int[] attempts = {
            TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
            TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
            TUN_F_CSUM,
        };
        for (int bits : attempts) {
            if (LibC.ioctl(fd, TUNSETOFFLOAD, bits) == 0) {
                return bits;
            }
        }
        return -1;
    }

    /** TAYGA's {@code --mktun}: creates {@code name} as a persistent device, optionally owned by uid/gid (-1: unset). */
    public static void makePersistent(String name, int ownerUid, int ownerGid) throws TunException {
        makePersistent(name, ownerUid, ownerGid, false);
    }

    /** Like TAYGA's --mktun; with {@code multiQueue} the device accepts several queues later. */
    public static void makePersistent(String name, int ownerUid, int ownerGid, boolean multiQueue) throws TunException {
        int fd = openQueue(name, IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0));
        try {
            if (ownerUid >= 0 && LibC.ioctl(fd, TUNSETOWNER, ownerUid) < 0) {
                throw new TunException("TUNSETOWNER " + name, Native.getLastError());
            }
            if (ownerGid >= 0 && LibC.ioctl(fd, TUNSETGROUP, ownerGid) < 0) {
                throw new TunException("TUNSETGROUP " + name, Native.getLastError());
            }
            if (LibC.ioctl(fd, TUNSETPERSIST, 1) < 0) {
                throw new TunException("TUNSETPERSIST " + name, Native.getLastError());
            }
        } finally {
            LibC.close(fd);
        }
    }

    /** TAYGA's {@code --rmtun}: clears the persistent flag, so the device goes away when closed. */
    public static void removePersistent(String name) throws TunException {
        int fd;
        try {
            fd = openQueue(name, IFF_TUN | IFF_NO_PI);
        } catch (TunException e) {
            if (e.errno() != LibC.EINVAL) {
                throw e;
            }
            fd = openQueue(name, IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE); // a multi-queue device
        }
        try {
            if (LibC.ioctl(fd, TUNSETPERSIST, 0) < 0) {
                throw new TunException("TUNSETPERSIST 0 " + name, Native.getLastError());
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
            throw new TunException("cannot open " + CLONE_DEVICE, Native.getLastError());
        }
        byte[] ifr = new byte[IFREQ_SIZE];
        System.arraycopy(nameBytes, 0, ifr, 0, nameBytes.length);
        // ifr_flags is a native-endian short at offset IFNAMSIZ (little endian on supported platforms)
        ifr[IFNAMSIZ] = (byte) flags;
        ifr[IFNAMSIZ + 1] = (byte) (flags >>> 8);
        if (LibC.ioctl(fd, TUNSETIFF, ifr) < 0) {
            int errno = Native.getLastError();
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

    /** TUNSETOFFLOAD bits in force (0 without offloads). */
    public int offloads() {
        return offloads;
    }

    /** The vnet header length every packet carries (0 without offloads). */
    public int vnetHeaderLength() {
        return (flags & IFF_VNET_HDR) != 0 ? VNET_HDR_LEN : 0;
    }

    /** What was degraded while opening, for the log ("" if nothing). */
    public String notes() {
        return notes;
    }

    /** A short description of the offloads, e.g. "csum tso4 tso6 uso4 uso6". */
    public String describeOffloads() {
        if (offloads == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        String[] names = {"csum", "tso4", "tso6", "tso_ecn", "ufo", "uso4", "uso6"};
        for (int i = 0; i < names.length; i++) {
            if ((offloads & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : " ").append(names[i]);
            }
        }
        return sb.toString();
    }

    public List<TunQueue> queues() {
        return queues;
    }

    /**
     * Closes every queue: at once, or for a queue a worker thread is still attached to, when that thread
     * detaches ({@link TunQueue}). Offloads are switched off first, through any queue no thread is attached
     * to: they belong to the device, not to the fd, and a persistent device left with checksum offload
     * would hand the next reader without a vnet header (TAYGA, for one) packets whose checksums were never
     * computed.
     */
    @Override
    public void close() {
        if (offloads != 0) {
            for (TunQueue q : queues) {
                if (q.resetOffloads(TUNSETOFFLOAD)) {
                    break;
                }
            }
        }
        for (TunQueue q : queues) {
            q.close();
        }
    }
}
