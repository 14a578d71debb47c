// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static net.tunxlat.header.HeaderTestSupport.assertChecksum;
import static net.tunxlat.header.HeaderTestSupport.hex;
import static net.tunxlat.header.HeaderTestSupport.scratchChecksum;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Icmpv4HeaderTest {
    @Test
    void echoFieldsFollowRfc792() {
        ByteBuf b = hex("ee 0800 f7fa 1234 0005 6162");
        Icmpv4Header h = new Icmpv4Header().wrap(b, 1);
        assertSame(b, h.buffer());
        assertEquals(1, h.offset());
        assertEquals(Icmpv4Type.ECHO_REQUEST, h.type());
        assertEquals(0, h.code());
        assertEquals(0xf7fa, h.checksum());
        assertEquals(0x1234, h.identifier());
        assertEquals(5, h.sequenceNumber());
        assertEquals(0x12340005, h.restOfHeader());
    }

    @Test
    void errorFieldsFollowRfc792Rfc1191AndRfc4884() {
        // Destination Unreachable, fragmentation needed, RFC 4884 length 0x22 words, next-hop MTU 1480.
        Icmpv4Header h = new Icmpv4Header().wrap(hex("0304 0000 0022 05c8"), 0);
        assertEquals(Icmpv4Type.DEST_UNREACHABLE, h.type());
        assertEquals(Icmpv4Type.FRAG_NEEDED, h.code());
        assertEquals(0x22, h.length());
        assertEquals(1480, h.nextHopMtu());
        // Parameter Problem, pointer at byte 8 of the quoted header (TTL).
        h.wrap(hex("0c00 0000 0800 0000"), 0);
        assertEquals(Icmpv4Type.PARAMETER_PROBLEM, h.type());
        assertEquals(8, h.pointer());
    }

    @Test
    void settersWriteTheirBytes() {
        ByteBuf b = hex("00".repeat(8));
        Icmpv4Header h = new Icmpv4Header().wrap(b, 0);
        h.setType(3);
        h.setCode(4);
        h.setChecksum(0xbeef);
        h.setLength(0x11);
        h.setNextHopMtu(1280);
        assertEquals("0304beef00110500", ByteBufUtil.hexDump(b));
        h.setPointer(0x0c);
        assertEquals("0304beef0c110500", ByteBufUtil.hexDump(b));
        h.setIdentifier(0xabcd);
        h.setSequenceNumber(0x0102);
        assertEquals("0304beefabcd0102", ByteBufUtil.hexDump(b));
        h.setRestOfHeader(0x01020304);
        assertEquals(0x01020304, h.restOfHeader());
        assertEquals(8, Icmpv4Header.LENGTH);
        assertEquals(5, Icmpv4Header.LENGTH_FIELD);
    }

    @Test
    void checksumUpdatesMatchAChecksumRecomputedFromScratch() {
        Random r = new Random(29);
        Icmpv4Header h = new Icmpv4Header();
        for (int round = 0; round < 1000; round++) {
            int length = 8 + r.nextInt(60);
            ByteBuf b = UdpHeaderTest.random(r, length);
            b.setShort(Icmpv4Header.CHECKSUM, scratchChecksum(b, 0, length, Icmpv4Header.CHECKSUM, 0));
            h.wrap(b, 0);
            h.setIdentifierWithChecksumUpdate(round % 10 == 0 ? 0 : r.nextInt(65536));
            assertChecksum(b, 0, length, Icmpv4Header.CHECKSUM, 0);
            h.setTypeAndCodeWithChecksumUpdate(round % 2 == 0 ? Icmpv4Type.ECHO_REPLY : r.nextInt(256), r.nextInt(256));
            assertChecksum(b, 0, length, Icmpv4Header.CHECKSUM, 0);
            int oldWord = b.getUnsignedShort(6);
            int newWord = r.nextInt(65536);
            b.setShort(6, newWord);
            h.updateChecksum(oldWord, newWord);
            assertChecksum(b, 0, length, Icmpv4Header.CHECKSUM, 0);
        }
    }

    @Test
    void anAllZeroEchoReplyGetsTheOnlyAcceptableChecksum() {
        // Echo Request with id, sequence and data zero, turned into an Echo Reply: everything is zero, so
        // the checksum must be 0xFFFF (Checksum.update's note).
        ByteBuf b = hex("0800 f7ff 0000 0000");
        Icmpv4Header h = new Icmpv4Header().wrap(b, 0);
        h.setTypeAndCodeWithChecksumUpdate(Icmpv4Type.ECHO_REPLY, 0);
        assertEquals(0xffff, h.checksum());
        assertEquals(0xffff, HeaderTestSupport.naiveSum(b, 0, 8, 0));
    }
}
