// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offload;

import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.header.TcpHeader;
import net.tunxlat.header.VirtioNetHeader;
import org.junit.jupiter.api.Test;

/** Software segmentation of super-packets, checked against naive RFC 1071 sums of each segment. */
class SegmenterTest {
    private static final int HEADROOM = 64;

    private static List<byte[]> cut(byte[] superPacket, int l4, int gsoType, int gsoSize) {
        ByteBuf in = Unpooled.buffer(HEADROOM + superPacket.length);
        in.setBytes(HEADROOM, superPacket);
        OffloadState o = new OffloadState();
        o.superPacket(gsoType, gsoSize);
        Segmenter s = new Segmenter(Unpooled.buffer(HEADROOM + 65535), HEADROOM);
        s.begin(in, HEADROOM, superPacket.length, HEADROOM + l4, o);
        List<byte[]> out = new ArrayList<>();
        while (s.next()) {
            byte[] a = new byte[s.length()];
            s.buffer().getBytes(s.start(), a);
            out.add(a);
        }
        return out;
    }

    @Test
    void tcpOverIpv4IsCutLikeTheKernelWould() {
        byte[] data = new byte[2500];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        byte[] tcp = tcpHeaderAndData(80, 40000, data);
        tcp[4] = (byte) 0xff; // sequence number 0xffff03e8: read as unsigned, not sign-extended
        tcp[5] = (byte) 0xff;
        tcp[13] = (byte) (TcpHeader.CWR | TcpHeader.PSH | TcpHeader.FIN | TcpHeader.ACK);
        byte[] ip = superPacket(ipv4("192.0.2.1", "198.51.100.2", 6, 64, 0, 0x1234, 0x4000, tcp), 20, 6);
        List<byte[]> segs = cut(ip, 20, VirtioNetHeader.GSO_TCPV4, 1000);
        assertEquals(3, segs.size());
        int[] payload = {1000, 1000, 500};
        for (int i = 0; i < 3; i++) {
            byte[] p = segs.get(i);
            assertEquals(40 + payload[i], p.length);
            assertEquals(p.length, ((p[2] & 0xff) << 8) | (p[3] & 0xff), "total length");
            assertEquals(0x1234 + i, ((p[4] & 0xff) << 8) | (p[5] & 0xff), "consecutive identifications");
            assertEquals(0xffff, naiveSum(p, 0, 20), "header checksum");
            assertEquals(0xffff, transportSum4(p), "TCP checksum over the segment");
            long seq = ((p[24] & 0xffL) << 24) | ((p[25] & 0xff) << 16) | ((p[26] & 0xff) << 8) | (p[27] & 0xff);
            assertEquals((0xffff03e8L + 1000L * i) & 0xffffffffL, seq);
            int flags = p[33] & 0xff;
            assertEquals(i == 0, (flags & TcpHeader.CWR) != 0, "CWR only on the first");
            assertEquals(i == 2, (flags & (TcpHeader.FIN | TcpHeader.PSH)) != 0, "FIN and PSH only on the last");
            assertTrue((flags & TcpHeader.ACK) != 0);
            assertEquals(data[1000 * i] & 0xff, p[40] & 0xff, "payload in order");
        }
    }

    @Test
    void udpOverIpv6GetsItsLengthAndANonZeroChecksumPerDatagram() {
        byte[] udp = udpHeaderAndData(53, 5000, new byte[2100]);
        byte[] ip = superPacket(ipv6("2001:db8::1", "64:ff9b::c633:6402", 17, 17, 64, 0, new byte[0], udp), 40, 17);
        List<byte[]> segs = cut(ip, 40, VirtioNetHeader.GSO_UDP_L4, 1000);
        assertEquals(3, segs.size());
        for (byte[] p : segs) {
            int udpLength = p.length - 40;
            assertEquals(udpLength, ((p[4] & 0xff) << 8) | (p[5] & 0xff), "payload length");
            assertEquals(udpLength, ((p[44] & 0xff) << 8) | (p[45] & 0xff), "UDP length");
            assertEquals(0xffff, transportSum6(p, 40, 17), "UDP checksum");
            assertNotEquals(0, ((p[46] & 0xff) << 8) | (p[47] & 0xff), "never the 'no checksum' zero");
        }
        assertEquals(108, segs.get(2).length - 40);
    }
}
