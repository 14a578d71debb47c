// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static net.tunxlat.header.HeaderTestSupport.assertChecksum;
import static net.tunxlat.header.HeaderTestSupport.hex;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ipv4HeaderTest {
    /** 192.168.0.1 -> 192.168.0.199, UDP, DF, TTL 64, total length 115, checksum 0xb861 (a textbook header). */
    private static final String SAMPLE = "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7";

    @Test
    void gettersReadTheRfc791Layout() {
        ByteBuf b = hex("ffff" + SAMPLE); // at offset 2: the view must add its offset
        Ipv4Header h = new Ipv4Header().wrap(b, 2);
        assertSame(b, h.buffer());
        assertEquals(2, h.offset());
        assertEquals(4, h.version());
        assertEquals(20, h.headerLength());
        assertEquals(0, h.typeOfService());
        assertEquals(115, h.totalLength());
        assertEquals(0, h.identification());
        assertEquals(0x4000, h.flagsAndOffset());
        assertTrue(h.dontFragment());
        assertFalse(h.moreFragments());
        assertEquals(0, h.fragmentOffset());
        assertEquals(64, h.timeToLive());
        assertEquals(IpProtocol.UDP, h.protocol());
        assertEquals(0xb861, h.headerChecksum());
        assertEquals(0xc0a80001, h.source());
        assertEquals(0xc0a800c7, h.destination());
        assertTrue(h.headerChecksumValid());
    }

    @Test
    void fragmentFieldsAndOffsets() {
        ByteBuf b = hex("4500 0073 1234 3fff 4011 0000 c0a8 0001 c0a8 00c7");
        Ipv4Header h = new Ipv4Header().wrap(b, 0);
        assertFalse(h.dontFragment());
        assertTrue(h.moreFragments());
        assertEquals(0x1fff, h.fragmentOffset());
        assertEquals(0x1234, h.identification());
        assertEquals(2, Ipv4Header.TOTAL_LENGTH);
        assertEquals(10, Ipv4Header.HEADER_CHECKSUM);
        assertEquals(16, Ipv4Header.DESTINATION);
    }

    @Test
    void settersWriteTheRfc791Layout() {
        ByteBuf b = hex("0000".repeat(10));
        Ipv4Header h = new Ipv4Header().wrap(b, 0);
        h.setHeaderLength(20);
        h.setTypeOfService(0xb8);
        h.setTotalLength(1500);
        h.setIdentification(0xbeef);
        h.setFlagsAndOffset(Ipv4Header.FLAG_MF | 185);
        h.setTimeToLive(63);
        h.setProtocol(IpProtocol.TCP);
        h.setHeaderChecksum(0x1234);
        h.setSource(0x0a000001);
        h.setDestination(0xc6336401);
        assertEquals("45b805dcbeef20b93f0612340a000001c6336401", ByteBufUtil.hexDump(b));
    }

    @Test
    void writeProducesTheSampleHeaderWithItsChecksum() {
        ByteBuf b = hex("00".repeat(24));
        new Ipv4Header().wrap(b, 4).write(0, 115, 0, Ipv4Header.FLAG_DF, 64, IpProtocol.UDP, 0xc0a80001, 0xc0a800c7);
        assertEquals(SAMPLE.replace(" ", ""), ByteBufUtil.hexDump(b, 4, 20));
    }

    @Test
    void updateHeaderChecksumCoversOptions() {
        // IHL 6: one word of options (NOP NOP NOP EOL) that the checksum must cover.
        ByteBuf b = hex("4600 0018 0001 0000 4001 ffff 0a00 0001 0a00 0002 0101 0100");
        Ipv4Header h = new Ipv4Header().wrap(b, 0);
        assertEquals(24, h.headerLength());
        assertFalse(h.headerChecksumValid());
        h.updateHeaderChecksum();
        assertChecksum(b, 0, 24, Ipv4Header.HEADER_CHECKSUM, 0);
        assertTrue(h.headerChecksumValid());
    }

    @Test
    void everyWithChecksumUpdateMatchesAChecksumRecomputedFromScratch() {
        Random r = new Random(13);
        Ipv4Header h = new Ipv4Header();
        for (int round = 0; round < 2000; round++) {
            ByteBuf b = hex("00".repeat(20));
            h.wrap(b, 0).write(r.nextInt(256), r.nextInt(65536), r.nextInt(65536), r.nextInt(65536), r.nextInt(256),
                    r.nextInt(256), round % 7 == 0 ? 0 : r.nextInt(), round % 11 == 0 ? -1 : r.nextInt());
            assertChecksum(b, 0, 20, Ipv4Header.HEADER_CHECKSUM, 0);
            int protocol = h.protocol();
            int src = round % 5 == 0 ? 0 : r.nextInt();
            int dst = round % 3 == 0 ? -1 : r.nextInt();
            int ttl = r.nextInt(256);
            int total = r.nextInt(65536);
            h.setSourceWithChecksumUpdate(src);
            assertChecksum(b, 0, 20, Ipv4Header.HEADER_CHECKSUM, 0);
            h.setDestinationWithChecksumUpdate(dst);
            assertChecksum(b, 0, 20, Ipv4Header.HEADER_CHECKSUM, 0);
            h.setTimeToLiveWithChecksumUpdate(ttl);
            assertChecksum(b, 0, 20, Ipv4Header.HEADER_CHECKSUM, 0);
            h.setTotalLengthWithChecksumUpdate(total);
            assertChecksum(b, 0, 20, Ipv4Header.HEADER_CHECKSUM, 0);
            assertEquals(src, h.source());
            assertEquals(dst, h.destination());
            assertEquals(ttl, h.timeToLive());
            assertEquals(protocol, h.protocol(), "TTL update must keep Protocol");
            assertEquals(total, h.totalLength());
        }
    }

    @Test
    void ttlDecrementKeepsTheSampleValid() {
        ByteBuf b = hex(SAMPLE);
        Ipv4Header h = new Ipv4Header().wrap(b, 0);
        h.setTimeToLiveWithChecksumUpdate(h.timeToLive() - 1);
        assertEquals(63, h.timeToLive());
        assertEquals(0xb961, h.headerChecksum()); // RFC 1141: TTL-1 adds 0x0100 to the checksum
        assertTrue(h.headerChecksumValid());
    }

    @Test
    void pseudoHeaderSumMatchesTheBytesOfRfc768() {
        HeaderTestSupport.assertSameSum(HeaderTestSupport.ipv4PseudoSum(0xc0a80001, 0xc0a800c7, 17, 95),
                Ipv4Header.pseudoHeaderSum(0xc0a80001, 0xc0a800c7, 95, 17));
        HeaderTestSupport.assertSameSum(HeaderTestSupport.ipv4PseudoSum(-1, -1, 255, 65535),
                Ipv4Header.pseudoHeaderSum(-1, -1, 65535, 255));
    }
}
