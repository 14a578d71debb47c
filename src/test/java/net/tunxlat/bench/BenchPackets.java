// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import java.nio.ByteBuffer;
import net.tunxlat.xlat.TestPackets;

/** Packets with valid checksums for the benchmarks: the unit tests' builders ({@link TestPackets}) with fixed fields. */
final class BenchPackets {
    private BenchPackets() {}

    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;
    static final int ICMPV6 = 58;

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

    /** IPv4 with DF, TTL 64, valid header and transport checksums. */
    static byte[] ipv4(String src, String dst, int proto, byte[] l4) {
        return TestPackets.ipv4(src, dst, proto, 64, 0, 7, 0x4000, l4);
    }

    /** IPv6, hop limit 64, with valid transport checksums. */
    static byte[] ipv6(String src, String dst, int proto, byte[] l4) {
        return TestPackets.ipv6(src, dst, proto, proto, 64, 0, new byte[0], l4);
    }

    /**
     * A GSO super-packet (or a plain packet sent from this machine) as the TUN device hands it over: the
     * transport checksum field holds the folded pseudo-header sum (VIRTIO_NET_HDR_F_NEEDS_CSUM).
     */
    static byte[] superPacket(byte[] ip) {
        boolean v6 = (ip[0] >>> 4 & 0xf) == 6;
        return TestPackets.superPacket(ip, v6 ? 40 : 20, v6 ? ip[6] : ip[9]);
    }
}
