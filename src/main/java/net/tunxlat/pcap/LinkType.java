// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pcap;

/**
 * The pcap link types tunxlat reads, and how to find the IP packet in a frame of each: raw IP (what a
 * TUN device carries), Linux "cooked" captures ({@code tcpdump -i any}) and Ethernet.
 */
public final class LinkType {
    /** LINKTYPE_ETHERNET: 14-byte Ethernet header, optionally followed by 802.1Q/802.1ad tags. */
    public static final int ETHERNET = 1;
    /** DLT_RAW as most systems number it. */
    public static final int DLT_RAW_12 = 12;
    /** DLT_RAW as OpenBSD numbers it. */
    public static final int DLT_RAW_14 = 14;
    /** LINKTYPE_RAW: the frame is the IPv4 or IPv6 packet; what tunxlat writes. */
    public static final int RAW = 101;
    /** LINKTYPE_LINUX_SLL: Linux cooked capture v1, 16-byte header ({@code tcpdump -i any}). */
    public static final int LINUX_SLL = 113;
    /** LINKTYPE_IPV4: raw IPv4 only. */
    public static final int IPV4 = 228;
    /** LINKTYPE_IPV6: raw IPv6 only. */
    public static final int IPV6 = 229;
    /** LINKTYPE_LINUX_SLL2: Linux cooked capture v2, 20-byte header. */
    public static final int LINUX_SLL2 = 276;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86dd;

    private LinkType() {}

    /** True for the link types {@link #ipPacket} understands. */
    public static boolean supported(int linkType) {
        return switch (linkType) {
            case ETHERNET, DLT_RAW_12, DLT_RAW_14, RAW, LINUX_SLL, IPV4, IPV6, LINUX_SLL2 -> true;
            default -> false;
        };
    }

    /** A readable name for messages, e.g. "Linux cooked (113)". */
    public static String name(int linkType) {
        String n = switch (linkType) {
            case ETHERNET -> "Ethernet";
            case DLT_RAW_12, DLT_RAW_14, RAW -> "raw IP";
            case LINUX_SLL -> "Linux cooked";
            case LINUX_SLL2 -> "Linux cooked v2";
            case IPV4 -> "raw IPv4";
            case IPV6 -> "raw IPv6";
            default -> "link type";
        };
        return n + " (" + linkType + ")";
    }

    /**
     * Where the IP packet is in a frame: {@code offset} and {@code length} within the frame, or an
     * {@code error} saying why there is none (too short, not IP).
     */
    public record IpPacket(int offset, int length, String error) {
        static IpPacket of(int offset, int frameLength) {
            return new IpPacket(offset, frameLength - offset, null);
        }

        static IpPacket none(String error) {
            return new IpPacket(0, 0, error);
        }

        public boolean ok() {
            return error == null;
        }
    }

    /** Strips the link-layer header of {@code frame} (of the given link type) down to the IP packet. */
    public static IpPacket ipPacket(int linkType, byte[] frame) {
        int n = frame.length;
        switch (linkType) {
            case DLT_RAW_12, DLT_RAW_14, RAW, IPV4, IPV6:
                return IpPacket.of(0, n);
            case ETHERNET: {
                int p = 12;
                while (true) {
                    if (n < p + 2) {
                        return IpPacket.none("Ethernet frame of " + n + " bytes is too short for its header");
                    }
                    int type = u16(frame, p);
                    if (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
                        p += 4; // 802.1Q / 802.1ad tag: the real EtherType follows
                        continue;
                    }
                    return byEtherType(type, p + 2, n, "Ethernet");
                }
            }
            case LINUX_SLL:
                if (n < 16) {
                    return IpPacket.none("Linux cooked frame of " + n + " bytes is too short for its 16-byte header");
                }
                return byEtherType(u16(frame, 14), 16, n, "Linux cooked");
            case LINUX_SLL2:
                if (n < 20) {
                    return IpPacket.none("Linux cooked v2 frame of " + n
                            + " bytes is too short for its 20-byte header");
                }
                return byEtherType(u16(frame, 0), 20, n, "Linux cooked v2");
            default:
                return IpPacket.none("unsupported " + name(linkType));
        }
    }

    private static IpPacket byEtherType(int type, int offset, int n, String what) {
        if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6) {
            return IpPacket.none(what + " frame is not IP (protocol 0x" + String.format("%04x", type) + ")");
        }
        return IpPacket.of(offset, n);
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }
}
