// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Sends one Router Solicitation (RFC 4861 §4.1, §6.3.7) on an interface, so that the routers answer with an
 * advertisement now (and {@link NdUserOptListener} hears its PREF64) instead of at their next periodic one,
 * up to {@code MaxRtrAdvInterval} (600 s by default, RFC 4861 §6.2.1) away.
 *
 * <p>The message goes out of a raw ICMPv6 socket (needs CAP_NET_RAW) bound to the interface
 * ({@code SO_BINDTODEVICE}, {@code IPV6_MULTICAST_IF}) to the all-routers address {@code ff02::2} with hop
 * limit 255 (RFC 4861 §6.1.1: a router discards a solicitation whose hop limit is not 255); the kernel fills
 * in the ICMPv6 checksum (RFC 3542 §3.1). RFC 4861 §4.1: the source address is an address of the interface,
 * here its link-local address, and the Source Link-Layer Address option "SHOULD be included on link layers
 * that have addresses", so it carries the interface's Ethernet address when it has one (read with
 * {@code SIOCGIFHWADDR}).
 *
 * <p>What is left to the caller, and why:
 * <ul>
 *   <li>RFC 4861 §6.3.7's random delay of up to {@link #MAX_RTR_SOLICITATION_DELAY_MILLIS} before a host's
 *       first solicitation (spreading hosts that start together): the controller calls this once when it
 *       starts or the uplink comes back, and may wait first; this method sends at once.</li>
 *   <li>Retransmission ({@code MAX_RTR_SOLICITATIONS}, 3, every {@code RTR_SOLICITATION_INTERVAL}, 4 s): the
 *       kernel already solicits on link-up ({@code net.ipv6.conf.<if>.router_solicitations}); one more is all the
 *       CLAT needs.</li>
 *   <li>Sending from the unspecified address while the link-local address is still tentative (RFC 4861 §4.1
 *       allows it, without the link-layer option): a raw socket cannot choose {@code ::} as source, so {@link
 *       #solicit} fails with a message naming DAD; the kernel's own solicitation covers that moment.</li>
 * </ul>
 */
public final class RouterSolicitor {
    /** RFC 4861 §10: MAX_RTR_SOLICITATION_DELAY, 1 second. */
    public static final int MAX_RTR_SOLICITATION_DELAY_MILLIS = 1000;
    /** RFC 4861 §4.1: ICMPv6 type of a Router Solicitation. */
    public static final int ICMPV6_ROUTER_SOLICITATION = 133;
    /** RFC 4861 §4.6.1: the Source Link-Layer Address option. */
    public static final int OPTION_SOURCE_LINK_LAYER_ADDRESS = 1;
    /** RFC 4291 §2.7.1: all-routers, link-local scope. */
    public static final String ALL_ROUTERS = "ff02::2";
    /** RFC 4861 §6.1.1, §6.1.2: hop limit 255 proves the message was not forwarded. */
    public static final int HOP_LIMIT = 255;

    /** Type, Code, Checksum (kernel), Reserved. */
    static final int RS_HEADER_SIZE = 8;
    /** Type, Length (1 = 8 octets), 6-byte Ethernet address. */
    static final int SLLA_OPTION_SIZE = 8;
    private static final int SOCKADDR_IN6_SIZE = 28;
    private static final byte[] ALL_ROUTERS_BYTES = HexFormat.of().parseHex("ff020000000000000000000000000002");
    /** {@code /proc/net/if_inet6} flags (IFA_F_*) that make an address unusable as a source. */
    private static final int IFA_F_TENTATIVE = 0x40;
    private static final int IFA_F_DADFAILED = 0x08;
    private static final int IPV6_ADDR_LINKLOCAL_SCOPE = 0x20;
    /**
     * The addresses of the calling thread's network namespace: {@code /proc/net} would show the namespace of the
     * process's main thread.
     */
    private static final Path IF_INET6 = Path.of("/proc/thread-self/net/if_inet6");
    private static final int IFNAMSIZ = 16;
    /** sizeof(struct ifreq) on Linux/x86_64 and aarch64. */
    private static final int IFREQ_SIZE = 40;
    /** {@code <linux/if_arp.h>}: Ethernet. */
    private static final int ARPHRD_ETHER = 1;

    /**
     * What was sent.
     *
     * @param ifIndex         the interface
     * @param source          the link-local source address (hex, 32 digits, as {@code /proc/net/if_inet6} has it)
     * @param linkLayerOption whether the Source Link-Layer Address option was included
     */
    public record Sent(int ifIndex, String source, boolean linkLayerOption) {}

    private RouterSolicitor() {}

    /**
     * Sends one Router Solicitation out of {@code ifName} (in the calling thread's network namespace).
     *
     * @throws IOException if the interface does not exist, has no link-local address that finished duplicate
     *                     address detection, or the socket calls fail (for instance without CAP_NET_RAW)
     */
    public static Sent solicit(String ifName) throws IOException {
        Objects.requireNonNull(ifName, "ifName");
        int ifIndex = Pref64Sockets.if_nametoindex(ifName);
        if (ifIndex == 0) {
            throw new IOException("router solicitation: no interface " + ifName);
        }
        String linkLocal = usableLinkLocal(Files.readAllLines(IF_INET6, StandardCharsets.US_ASCII), ifName);
        if (linkLocal == null) {
            throw new IOException("router solicitation on " + ifName + ": no link-local address that finished duplicate"
                    + " address detection yet (RFC 4862 §5.4); the kernel's own solicitations cover that moment");
        }
        int fd = Pref64Sockets.socket(Pref64Sockets.AF_INET6, Pref64Sockets.SOCK_RAW | Pref64Sockets.SOCK_CLOEXEC,
                Pref64Sockets.IPPROTO_ICMPV6);
        if (fd < 0) {
            throw Pref64Sockets.failure("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6) (needs CAP_NET_RAW)", Native.getLastError());
        }
        try {
            byte[] mac = macAddress(fd, ifName);
            byte[] message = message(mac);
            byte[] name = (ifName + "\0").getBytes(StandardCharsets.US_ASCII);
            if (Pref64Sockets.setsockopt(fd, Pref64Sockets.SOL_SOCKET, Pref64Sockets.SO_BINDTODEVICE, name, name.length) < 0) {
                throw Pref64Sockets.failure("setsockopt(SO_BINDTODEVICE, " + ifName + ")", Native.getLastError());
            }
            Pref64Sockets.setInt(fd, Pref64Sockets.IPPROTO_IPV6, Pref64Sockets.IPV6_MULTICAST_IF, ifIndex, "setsockopt(IPV6_MULTICAST_IF)");
            Pref64Sockets.setInt(fd, Pref64Sockets.IPPROTO_IPV6, Pref64Sockets.IPV6_MULTICAST_HOPS, HOP_LIMIT, "setsockopt(IPV6_MULTICAST_HOPS)");
            Pref64Sockets.setInt(fd, Pref64Sockets.IPPROTO_IPV6, Pref64Sockets.IPV6_UNICAST_HOPS, HOP_LIMIT, "setsockopt(IPV6_UNICAST_HOPS)");
            byte[] src = sockaddrIn6(HexFormat.of().parseHex(linkLocal), ifIndex);
            if (Pref64Sockets.bind(fd, src, src.length) < 0) {
                throw Pref64Sockets.failure("bind(" + linkLocal + "%" + ifName + ")", Native.getLastError());
            }
            byte[] dst = sockaddrIn6(ALL_ROUTERS_BYTES, ifIndex);
            long n = Pref64Sockets.sendto(fd, message, message.length, 0, dst, dst.length);
            if (n != message.length) {
                throw n < 0 ? Pref64Sockets.failure("sendto(ff02::2%" + ifName + ")", Native.getLastError())
                        : new IOException("router solicitation: sent " + n + " of " + message.length + " bytes");
            }
            return new Sent(ifIndex, linkLocal, mac != null);
        } finally {
            Pref64Sockets.close(fd);
        }
    }

    /**
     * RFC 4861 §4.1: the Router Solicitation's ICMPv6 message, checksum 0 (the kernel computes it), with the
     * Source Link-Layer Address option (§4.6.1) when {@code mac} (6 bytes) is not null.
     */
    static byte[] message(byte[] mac) {
        ByteBuffer b = ByteBuffer.allocate(RS_HEADER_SIZE + (mac == null ? 0 : SLLA_OPTION_SIZE));
        b.put((byte) ICMPV6_ROUTER_SOLICITATION).put((byte) 0).putShort((short) 0).putInt(0); // type, code, checksum, reserved
        if (mac != null) {
            if (mac.length != 6) {
                throw new IllegalArgumentException("an Ethernet address has 6 bytes, not " + mac.length);
            }
            b.put((byte) OPTION_SOURCE_LINK_LAYER_ADDRESS).put((byte) (SLLA_OPTION_SIZE / 8)).put(mac);
        }
        return b.array();
    }

    /**
     * The interface's link-local address usable as a source (hex, as {@code /proc/net/if_inet6} lists it:
     * address, ifindex, prefix length, scope, flags, name), or null: scope link, neither tentative nor
     * DAD-failed.
     */
    static String usableLinkLocal(List<String> ifInet6, String ifName) {
        for (String line : ifInet6) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[5].equals(ifName) || f[0].length() != 32) {
                continue;
            }
            int scope = Integer.parseInt(f[3], 16);
            int flags = Integer.parseInt(f[4], 16);
            if (scope == IPV6_ADDR_LINKLOCAL_SCOPE && (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) == 0) {
                return f[0];
            }
        }
        return null;
    }

    /**
     * The interface's Ethernet address through {@code SIOCGIFHWADDR} on {@code fd} (so it is read in the socket's
     * network namespace, which {@code /sys/class/net} of another mount need not be), or null when the interface
     * is not Ethernet (a tun device, for one) or has an all-zero address: no link-layer option then.
     */
    static byte[] macAddress(int fd, String ifName) throws IOException {
        byte[] ifreq = new byte[IFREQ_SIZE];
        byte[] name = ifName.getBytes(StandardCharsets.US_ASCII);
        if (name.length >= IFNAMSIZ) {
            throw new IOException("interface name too long: " + ifName);
        }
        System.arraycopy(name, 0, ifreq, 0, name.length);
        if (Pref64Sockets.ioctl(fd, Pref64Sockets.SIOCGIFHWADDR, ifreq) < 0) {
            throw Pref64Sockets.failure("ioctl(SIOCGIFHWADDR, " + ifName + ")", Native.getLastError());
        }
        return ethernetAddress(ifreq);
    }

    /** The 6 bytes of an {@code ifreq} filled by SIOCGIFHWADDR, or null unless ARPHRD_ETHER and not all zero. */
    static byte[] ethernetAddress(byte[] ifreq) {
        ByteBuffer b = ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder());
        int family = b.getShort(IFNAMSIZ) & 0xffff; // struct sockaddr ifr_hwaddr after the name: sa_family, sa_data
        if (family != ARPHRD_ETHER) {
            return null;
        }
        byte[] mac = Arrays.copyOfRange(ifreq, IFNAMSIZ + 2, IFNAMSIZ + 8);
        for (byte x : mac) {
            if (x != 0) {
                return mac;
            }
        }
        return null;
    }

    /** struct sockaddr_in6: family (host order), port 0, flowinfo 0, address, scope id (host order). */
    private static byte[] sockaddrIn6(byte[] address, int scopeId) {
        ByteBuffer b = ByteBuffer.allocate(SOCKADDR_IN6_SIZE).order(ByteOrder.nativeOrder());
        b.putShort((short) Pref64Sockets.AF_INET6).putShort((short) 0).putInt(0).put(address).putInt(scopeId);
        return b.array();
    }
}
