// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.oracle;

/**
 * Names the header field at a byte offset of an IPv4 or IPv6 packet, for readable mismatch reports:
 * "IPv4 identification", "UDP checksum", "inner IPv6 hop limit" (inside an ICMP error),
 * "ICMPv4 RFC 4884 length", "RFC 4884 extension". Never throws, whatever the bytes.
 */
final class PacketFields {
    private PacketFields() {}

    static String at(byte[] p, int offset) {
        return ip(p, 0, p.length, offset, "", 0);
    }

    private static String ip(byte[] p, int start, int end, int off, String prefix, int depth) {
        if (off < start || off >= end) {
            return prefix + "(beyond the packet)";
        }
        int version = (p[start] & 0xff) >>> 4;
        int rel = off - start;
        if (version == 4) {
            if (rel < 20) {
                return prefix + "IPv4 " + switch (rel) {
                    case 0 -> "version/IHL";
                    case 1 -> "TOS";
                    case 2, 3 -> "total length";
                    case 4, 5 -> "identification";
                    case 6 -> "flags (DF/MF)/fragment offset";
                    case 7 -> "fragment offset";
                    case 8 -> "TTL";
                    case 9 -> "protocol";
                    case 10, 11 -> "header checksum";
                    case 12, 13, 14, 15 -> "source address";
                    default -> "destination address";
                };
            }
            int ihl = (p[start] & 0x0f) * 4;
            if (rel < ihl) {
                return prefix + "IPv4 options";
            }
            if (start + 8 > end) {
                return prefix + "IPv4 payload";
            }
            boolean first = (u16(p, start + 6) & 0x1fff) == 0;
            if (!first) {
                return prefix + "payload of a non-first fragment";
            }
            return transport(p, start + ihl, end, off, p[start + 9] & 0xff, prefix, depth);
        }
        if (version == 6) {
            if (rel < 40) {
                return prefix + "IPv6 " + switch (rel) {
                    case 0 -> "version/traffic class";
                    case 1 -> "traffic class/flow label";
                    case 2, 3 -> "flow label";
                    case 4, 5 -> "payload length";
                    case 6 -> "next header";
                    case 7 -> "hop limit";
                    default -> rel < 24 ? "source address" : "destination address";
                };
            }
            int nh = p[start + 6] & 0xff;
            int q = start + 40;
            while ((nh == 0 || nh == 43 || nh == 60 || nh == 44) && q + 8 <= end) {
                int len = nh == 44 ? 8 : ((p[q + 1] & 0xff) + 1) * 8;
                if (off < q + len) {
                    int r = off - q;
                    if (nh == 44) {
                        return prefix + "Fragment header " + (r == 0 ? "next header" : r == 1 ? "reserved"
                                : r < 4 ? "offset/M" : "identification");
                    }
                    String name = nh == 0 ? "Hop-by-Hop header" : nh == 43 ? "Routing header" : "Destination Options header";
                    return prefix + name + (r == 0 ? " next header" : r == 1 ? " length" : nh == 43 && r == 3
                            ? " segments left" : " data");
                }
                if (nh == 44 && (u16(p, q + 2) & 0xfff8) != 0) {
                    return prefix + "payload of a non-first fragment";
                }
                nh = p[q] & 0xff;
                q += len;
            }
            return transport(p, q, end, off, nh, prefix, depth);
        }
        return prefix + "byte " + rel + " of a packet that is neither IPv4 nor IPv6";
    }

    private static String transport(byte[] p, int l4, int end, int off, int proto, String prefix, int depth) {
        int r = off - l4;
        switch (proto) {
            case 6: {
                if (r >= 20) {
                    int dataOffset = l4 + 12 < end ? ((p[l4 + 12] & 0xff) >>> 4) * 4 : 20;
                    return prefix + (r < dataOffset ? "TCP options" : "TCP payload");
                }
                return prefix + "TCP " + (r < 2 ? "source port" : r < 4 ? "destination port" : r < 8 ? "sequence number"
                        : r < 12 ? "acknowledgment number" : r == 12 ? "data offset" : r == 13 ? "flags"
                        : r < 16 ? "window" : r < 18 ? "checksum" : "urgent pointer");
            }
            case 17:
                return prefix + "UDP " + (r < 2 ? "source port" : r < 4 ? "destination port" : r < 6 ? "length"
                        : r < 8 ? "checksum" : "payload");
            case 1:
            case 58: {
                boolean v6 = proto == 58;
                String name = v6 ? "ICMPv6" : "ICMPv4";
                int type = l4 < end ? p[l4] & 0xff : -1;
                boolean error = v6 ? type >= 0 && type < 128 : type == 3 || type == 11 || type == 12;
                if (r < 4) {
                    return prefix + name + (r == 0 ? " type" : r == 1 ? " code" : " checksum");
                }
                if (r < 8) {
                    if (!error) {
                        return prefix + name + (r < 6 ? " identifier" : " sequence number");
                    }
                    if (v6) {
                        return prefix + name + (type == 2 ? " MTU" : type == 4 ? " pointer"
                                : r == 4 ? " RFC 4884 length" : " unused");
                    }
                    if (r == 5 && type != 12) {
                        return prefix + name + " RFC 4884 length";
                    }
                    return prefix + name + (type == 3 && r >= 6 ? " next-hop MTU" : type == 12 && r == 4 ? " pointer"
                            : type == 12 && r == 5 ? " RFC 4884 length" : " unused");
                }
                if (!error) {
                    return prefix + name + " data";
                }
                int lengthField = l4 + 5 < end ? (v6 ? p[l4 + 4] & 0xff : p[l4 + 5] & 0xff) : 0;
                int innerEnd = end;
                if (lengthField != 0) {
                    innerEnd = Math.min(end, l4 + 8 + lengthField * (v6 ? 8 : 4));
                    if (off >= innerEnd) {
                        return prefix + "RFC 4884 extension (after " + name + " payload of " + lengthField * (v6 ? 8 : 4)
                                + " bytes)";
                    }
                }
                if (depth > 0) {
                    return prefix + name + " payload";
                }
                return ip(p, l4 + 8, innerEnd, off, "inner ", depth + 1);
            }
            default:
                return prefix + "payload (protocol " + proto + ")";
        }
    }

    private static int u16(byte[] p, int i) {
        return ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
    }
}
