// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import java.nio.ByteBuffer;
import net.tunxlat.mapping.Addresses;

/**
 * Builds IPv4/IPv6 test packets with correct checksums, and checks them with a naive reference (also used by
 * the benchmarks).
 */
public final class TestPackets {
    private TestPackets() {}

    /** Naive RFC 1071 sum: plain loop over a byte array, folded at the end. */
    public static int naiveSum(byte[] data, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i += 2) {
            int hi = data[i] & 0xff;
            int lo = i + 1 < to ? data[i + 1] & 0xff : 0;
            s += (hi << 8) | lo;
        }
        while ((s >> 16) != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) s;
    }

    public static byte[] v4(String a) {
        return ByteBuffer.allocate(4).putInt(Addresses.parseIpv4(a)).array();
    }

    public static byte[] v6(String a) {
        long[] x = Addresses.parseIpv6(a);
        return ByteBuffer.allocate(16).putLong(x[0]).putLong(x[1]).array();
    }

    /** One's-complement sum of an IPv4 pseudo-header (RFC 768/793) plus the transport bytes. */
    public static int transportSum4(byte[] pkt) {
        int ihl = (pkt[0] & 0x0f) * 4;
        int total = ((pkt[2] & 0xff) << 8) | (pkt[3] & 0xff);
        byte[] ph = new byte[12 + total - ihl];
        System.arraycopy(pkt, 12, ph, 0, 8);
        ph[9] = pkt[9];
        ph[10] = (byte) ((total - ihl) >> 8);
        ph[11] = (byte) (total - ihl);
        System.arraycopy(pkt, ihl, ph, 12, total - ihl);
        return naiveSum(ph, 0, ph.length);
    }

    /** Sum of an IPv6 pseudo-header (RFC 8200 §8.1) plus the upper-layer bytes starting at {@code l4}. */
    public static int transportSum6(byte[] pkt, int l4, int nextHeader) {
        int len = pkt.length - l4;
        byte[] ph = new byte[40 + len];
        System.arraycopy(pkt, 8, ph, 0, 32);
        ph[32] = (byte) (len >>> 24);
        ph[33] = (byte) (len >>> 16);
        ph[34] = (byte) (len >>> 8);
        ph[35] = (byte) len;
        ph[39] = (byte) nextHeader;
        System.arraycopy(pkt, l4, ph, 40, len);
        return naiveSum(ph, 0, ph.length);
    }

    public static byte[] tcpHeaderAndData(int srcPort, int dstPort, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(20 + data.length);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(1000).putInt(0);
        b.put((byte) 0x50).put((byte) 0x02).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        b.put(data);
        return b.array();
    }

    public static byte[] udpHeaderAndData(int srcPort, int dstPort, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + data.length)).putShort((short) 0);
        b.put(data);
        return b.array();
    }

    public static byte[] icmpEcho(int type, int id, int seq, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(data);
        return b.array();
    }

    /** Offset of the checksum field within a transport header, or -1. */
    public static int checksumOffset(int proto) {
        return switch (proto) {
            case 6 -> 16;
            case 17 -> 6;
            case 1, 58 -> 2;
            default -> -1;
        };
    }

    /** An IPv4 packet with a valid header checksum and (for TCP/UDP/ICMP) a valid transport checksum. */
    public static byte[] ipv4(String src, String dst, int proto, int ttl, int tos, int id, int flagsOffset, byte[] l4) {
        byte[] p = new byte[20 + l4.length];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.put((byte) 0x45).put((byte) tos).putShort((short) p.length).putShort((short) id).putShort((short) flagsOffset);
        b.put((byte) ttl).put((byte) proto).putShort((short) 0).put(v4(src)).put(v4(dst)).put(l4);
        int co = checksumOffset(proto);
        boolean first = (flagsOffset & 0x1fff) == 0;
        if (co >= 0 && first && l4.length >= co + 2) {
            int c = proto == 1 ? ~naiveSum(p, 20, p.length) & 0xffff : ~transportSum4(p) & 0xffff;
            if (proto == 17 && c == 0) {
                c = 0xffff;
            }
            p[20 + co] = (byte) (c >> 8);
            p[20 + co + 1] = (byte) c;
        }
        int hc = ~naiveSum(p, 0, 20) & 0xffff;
        p[10] = (byte) (hc >> 8);
        p[11] = (byte) hc;
        return p;
    }

    /** An IPv6 packet; {@code ext} are raw extension headers (the first's type is {@code firstNh}). */
    public static byte[] ipv6(String src, String dst, int firstNh, int upperNh, int hop, int tc, byte[] ext, byte[] l4) {
        byte[] p = new byte[40 + ext.length + l4.length];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.putInt(0x60000000 | (tc << 20)).putShort((short) (ext.length + l4.length)).put((byte) firstNh).put((byte) hop);
        b.put(v6(src)).put(v6(dst)).put(ext).put(l4);
        int co = checksumOffset(upperNh);
        int l4off = 40 + ext.length;
        if (co >= 0 && l4.length >= co + 2) {
            int c = ~transportSum6(p, l4off, upperNh) & 0xffff;
            if (upperNh == 17 && c == 0) {
                c = 0xffff;
            }
            p[l4off + co] = (byte) (c >> 8);
            p[l4off + co + 1] = (byte) c;
        }
        return p;
    }

    /**
     * A packet as a TUN device with offloads hands it over (a GSO super-packet, or a plain packet sent from this
     * machine): the TCP or UDP checksum field at {@code l4} holds the folded pseudo-header sum
     * (VIRTIO_NET_HDR_F_NEEDS_CSUM); the payload is not summed.
     */
    public static byte[] superPacket(byte[] ip, int l4, int proto) {
        byte[] p = ip.clone();
        int l4len = p.length - l4;
        int sum;
        if ((p[0] >>> 4 & 0xf) == 6) {
            byte[] ph = new byte[40];
            System.arraycopy(p, 8, ph, 0, 32);
            ph[34] = (byte) (l4len >>> 8);
            ph[35] = (byte) l4len;
            ph[39] = (byte) proto;
            sum = naiveSum(ph, 0, 40);
        } else {
            byte[] ph = new byte[12];
            System.arraycopy(p, 12, ph, 0, 8);
            ph[9] = (byte) proto;
            ph[10] = (byte) (l4len >>> 8);
            ph[11] = (byte) l4len;
            sum = naiveSum(ph, 0, 12);
        }
        int co = l4 + (proto == 6 ? 16 : 6);
        p[co] = (byte) (sum >>> 8);
        p[co + 1] = (byte) sum;
        return p;
    }
}
