// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static net.tunxlat.header.HeaderTestSupport.assertChecksum;
import static net.tunxlat.header.HeaderTestSupport.hex;
import static net.tunxlat.header.HeaderTestSupport.ipv6PseudoSum;
import static net.tunxlat.header.HeaderTestSupport.scratchChecksum;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Icmpv6HeaderTest {
    @Test
    void fieldsFollowRfc4443AndRfc4884() {
        ByteBuf b = hex("00 8000 1234 abcd 0001");
        Icmpv6Header h = new Icmpv6Header().wrap(b, 1);
        assertSame(b, h.buffer());
        assertEquals(1, h.offset());
        assertEquals(Icmpv6Type.ECHO_REQUEST, h.type());
        assertEquals(0, h.code());
        assertEquals(0x1234, h.checksum());
        assertEquals(0xabcd, h.identifier());
        assertEquals(1, h.sequenceNumber());
        assertEquals(0xabcd0001, h.restOfHeader());
        h.wrap(hex("0200 0000 0000 0500"), 0); // Packet Too Big, MTU 1280
        assertEquals(Icmpv6Type.PACKET_TOO_BIG, h.type());
        assertEquals(1280, h.mtu());
        h.wrap(hex("0400 0000 0000 0028"), 0); // Parameter Problem, pointer 40
        assertEquals(Icmpv6Type.PARAMETER_PROBLEM, h.type());
        assertEquals(40, h.pointer());
        h.wrap(hex("0300 0000 1100 0000"), 0); // Time Exceeded, RFC 4884 length 17 (64-bit words)
        assertEquals(17, h.length());
    }

    @Test
    void settersWriteTheirBytes() {
        ByteBuf b = hex("00".repeat(8));
        Icmpv6Header h = new Icmpv6Header().wrap(b, 0);
        h.setType(Icmpv6Type.PACKET_TOO_BIG);
        h.setCode(0);
        h.setChecksum(0xbeef);
        h.setMtu(1500);
        assertEquals("0200beef000005dc", ByteBufUtil.hexDump(b));
        h.setPointer(0x12345678);
        assertEquals("0200beef12345678", ByteBufUtil.hexDump(b));
        h.setIdentifier(0xabcd);
        h.setSequenceNumber(0x0102);
        assertEquals("0200beefabcd0102", ByteBufUtil.hexDump(b));
        h.setLength(0x11);
        assertEquals("0200beef11cd0102", ByteBufUtil.hexDump(b));
        h.setRestOfHeader(0);
        assertEquals(0, h.restOfHeader());
        assertEquals(4, Icmpv6Header.LENGTH_FIELD);
    }

    @Test
    void checksumUpdatesWithThePseudoHeaderMatchAChecksumRecomputedFromScratch() {
        Random r = new Random(31);
        Icmpv6Header h = new Icmpv6Header();
        for (int round = 0; round < 1000; round++) {
            int length = 8 + r.nextInt(60);
            ByteBuf b = UdpHeaderTest.random(r, length);
            long sh = r.nextLong(), sl = r.nextLong(), dh = r.nextLong(), dl = r.nextLong();
            int pseudo = ipv6PseudoSum(sh, sl, dh, dl, length, IpProtocol.ICMPV6);
            b.setShort(Icmpv6Header.CHECKSUM, scratchChecksum(b, 0, length, Icmpv6Header.CHECKSUM, pseudo));
            h.wrap(b, 0);
            h.setIdentifierWithChecksumUpdate(r.nextInt(65536));
            assertChecksum(b, 0, length, Icmpv6Header.CHECKSUM, pseudo);
            h.setTypeAndCodeWithChecksumUpdate(Icmpv6Type.ECHO_REPLY, 0);
            assertChecksum(b, 0, length, Icmpv6Header.CHECKSUM, pseudo);
            // NPTv6-style: the destination address changes, so does the pseudo-header.
            int newPseudo = ipv6PseudoSum(sh, sl, r.nextLong(), r.nextLong(), length, IpProtocol.ICMPV6);
            h.updateChecksum(pseudo, newPseudo);
            assertChecksum(b, 0, length, Icmpv6Header.CHECKSUM, newPseudo);
        }
    }
}
