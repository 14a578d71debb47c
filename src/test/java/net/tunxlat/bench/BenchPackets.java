package net.tunxlat.bench;

import java.nio.ByteBuffer;
import net.tunxlat.mapping.Addresses;

/** Packets with valid checksums for the benchmarks (the unit tests' builders are package-private). */
final class BenchPackets {
    private BenchPackets() {}

    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;
    static final int ICMPV6 = 58;

    static int sum(byte[] d, int from, int to, long initial) {
        long s = initial;
        for (int i = from; i < to; i += 2) {
            s += ((d[i] & 0xff) << 8) | (i + 1 < to ? d[i + 1] & 0xff : 0);
        }
        while ((s >> 16) != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) s;
    }

    static byte[] v4(String a) {
        return ByteBuffer.allocate(4).putInt(Addresses.parseIpv4(a)).array();
    }

    static byte[] v6(String a) {
        long[] x = Addresses.parseIpv6(a);
        return ByteBuffer.allocate(16).putLong(x[0]).putLong(x[1]).array();
    }

    static byte[] tcp(int srcPort, int dstPort, int payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(1000).putInt(2000);
        b.put((byte) 0x50).put((byte) 0x18).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    static byte[] udp(int srcPort, int dstPort, int payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload)).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    static byte[] icmp(int type, int code, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length);
        b.put((byte) type).put((byte) code).putShort((short) 0).putShort((short) 0x1234).putShort((short) 1).put(rest);
        return b.array();
    }

    /** An ICMP error: type, code, 4 unused bytes, then the invoking packet. */
    static byte[] icmpError(int type, int code, byte[] invoking) {
        ByteBuffer b = ByteBuffer.allocate(8 + invoking.length);
        b.put((byte) type).put((byte) code).putShort((short) 0).putInt(0).put(invoking);
        return b.array();
    }

    private static int l4ChecksumOffset(int proto) {
        return switch (proto) {
            case TCP -> 16;
            case UDP -> 6;
            case ICMP, ICMPV6 -> 2;
            default -> -1;
        };
    }

    /** IPv4 with DF, valid header and transport checksums. */
    static byte[] ipv4(String src, String dst, int proto, byte[] l4) {
        byte[] p = new byte[20 + l4.length];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.put((byte) 0x45).put((byte) 0).putShort((short) p.length).putShort((short) 7).putShort((short) 0x4000);
        b.put((byte) 64).put((byte) proto).putShort((short) 0).put(v4(src)).put(v4(dst)).put(l4);
        int co = l4ChecksumOffset(proto);
        if (co >= 0) {
            long ph = proto == ICMP ? 0 : sum(p, 12, 20, proto + l4.length);
            int c = ~sum(p, 20, p.length, ph) & 0xffff;
            p[20 + co] = (byte) (c >> 8);
            p[21 + co] = (byte) c;
        }
        int hc = ~sum(p, 0, 20, 0) & 0xffff;
        p[10] = (byte) (hc >> 8);
        p[11] = (byte) hc;
        return p;
    }

    /** IPv6 with valid transport checksums. */
    static byte[] ipv6(String src, String dst, int proto, byte[] l4) {
        byte[] p = new byte[40 + l4.length];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.putInt(0x60000000).putShort((short) l4.length).put((byte) proto).put((byte) 64);
        b.put(v6(src)).put(v6(dst)).put(l4);
        int co = l4ChecksumOffset(proto);
        if (co >= 0) {
            int c = ~sum(p, 40, p.length, sum(p, 8, 40, proto + l4.length)) & 0xffff;
            p[40 + co] = (byte) (c >> 8);
            p[41 + co] = (byte) c;
        }
        return p;
    }

    /**
     * A GSO super-packet as the TUN device hands it over: the transport checksum field holds the folded
     * pseudo-header sum (VIRTIO_NET_HDR_F_NEEDS_CSUM), the payload is not summed.
     */
    static byte[] superPacket(byte[] ip) {
        byte[] p = ip.clone();
        boolean v6 = (p[0] >>> 4 & 0xf) == 6;
        int l4 = v6 ? 40 : 20;
        int len = p.length - l4;
        int proto = v6 ? p[6] : p[9];
        int s = v6 ? sum(p, 8, 40, proto + len) : sum(p, 12, 20, proto + len);
        int co = l4 + l4ChecksumOffset(proto);
        p[co] = (byte) (s >>> 8);
        p[co + 1] = (byte) s;
        return p;
    }
}
