// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static net.tunxlat.header.HeaderTestSupport.assertChecksum;
import static net.tunxlat.header.HeaderTestSupport.hex;
import static net.tunxlat.header.HeaderTestSupport.ipv4PseudoSum;
import static net.tunxlat.header.HeaderTestSupport.ipv6PseudoSum;
import static net.tunxlat.header.HeaderTestSupport.scratchChecksum;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TcpHeaderTest {
    /** 443 -> 51000, seq 0x01020304, ack 0xfffffffe, 32-byte header, SYN|ACK|ECE, window 65535, urgent 7. */
    private static final String SAMPLE = "01bb c738 0102 0304 ffff fffe 8052 ffff abcd 0007 0204 05b4 0101 0402";

    @Test
    void gettersReadTheRfc9293Layout() {
        ByteBuf b = hex("00" + SAMPLE);
        TcpHeader t = new TcpHeader().wrap(b, 1);
        assertSame(b, t.buffer());
        assertEquals(1, t.offset());
        assertEquals(443, t.sourcePort());
        assertEquals(51000, t.destinationPort());
        assertEquals(0x01020304, t.sequenceNumber());
        assertEquals(0xfffffffe, t.acknowledgmentNumber());
        assertEquals(32, t.dataOffset());
        assertEquals(TcpHeader.SYN | TcpHeader.ACK | TcpHeader.ECE, t.flags());
        assertEquals(0, t.flags() & (TcpHeader.FIN | TcpHeader.RST | TcpHeader.PSH | TcpHeader.URG | TcpHeader.CWR));
        assertEquals(65535, t.window());
        assertEquals(0xabcd, t.checksum());
        assertEquals(7, t.urgentPointer());
    }

    @Test
    void settersWriteTheRfc9293Layout() {
        ByteBuf b = hex("00".repeat(32));
        TcpHeader t = new TcpHeader().wrap(b, 0);
        t.setSourcePort(443);
        t.setDestinationPort(51000);
        t.setSequenceNumber(0x01020304);
        t.setAcknowledgmentNumber(0xfffffffe);
        t.setDataOffset(32);
        t.setFlags(TcpHeader.SYN | TcpHeader.ACK | TcpHeader.ECE);
        t.setWindow(65535);
        t.setChecksum(0xabcd);
        t.setUrgentPointer(7);
        assertEquals(SAMPLE.replace(" ", "").substring(0, 40), ByteBufUtil.hexDump(b, 0, 20));
    }

    @Test
    void flagBitsAreTheRfc9293Ones() {
        assertArrayEquals(new int[] {1, 2, 4, 8, 16, 32, 64, 128}, new int[] {TcpHeader.FIN, TcpHeader.SYN,
                TcpHeader.RST, TcpHeader.PSH, TcpHeader.ACK, TcpHeader.URG, TcpHeader.ECE, TcpHeader.CWR});
        assertEquals(16, TcpHeader.CHECKSUM);
        assertEquals(13, TcpHeader.FLAGS);
    }

    @Test
    void portUpdatesMatchAChecksumRecomputedFromScratch() {
        Random r = new Random(23);
        TcpHeader t = new TcpHeader();
        for (int round = 0; round < 1000; round++) {
            int length = 20 + r.nextInt(60);
            ByteBuf b = UdpHeaderTest.random(r, length);
            int pseudo = round % 2 == 0
                    ? ipv4PseudoSum(r.nextInt(), r.nextInt(), IpProtocol.TCP, length)
                    : ipv6PseudoSum(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), length, IpProtocol.TCP);
            b.setShort(TcpHeader.CHECKSUM, scratchChecksum(b, 0, length, TcpHeader.CHECKSUM, pseudo));
            t.wrap(b, 0);
            if (round % 50 == 0) {
                t.setChecksum(0); // a zero TCP checksum is just a value: it must be updated, not kept
            }
            int before = t.checksum();
            int sumBefore = HeaderTestSupport.naiveSum(b, 0, length, pseudo);
            t.setSourcePortWithChecksumUpdate(r.nextInt(65536));
            t.setDestinationPortWithChecksumUpdate(r.nextInt(65536));
            if (before != 0) {
                assertChecksum(b, 0, length, TcpHeader.CHECKSUM, pseudo);
                int newPseudo = ipv4PseudoSum(r.nextInt(), r.nextInt(), IpProtocol.TCP, length);
                t.updateChecksum(pseudo, newPseudo);
                assertChecksum(b, 0, length, TcpHeader.CHECKSUM, newPseudo);
            } else {
                // The checksum was wrong (zeroed): updated, not kept at zero (as UDP over IPv4 would), it stays
                // wrong by the same amount (RFC 1624 §3), so the packet's verify sum does not move.
                assertNotEquals(0, t.checksum());
                HeaderTestSupport.assertSameSum(sumBefore, HeaderTestSupport.naiveSum(b, 0, length, pseudo));
            }
        }
    }
}
