// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static net.tunxlat.header.HeaderTestSupport.hex;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ipv6HeaderTest {
    /** TC 0xb8, flow 0x12345, payload 8, UDP, hop limit 64, 2001:db8::1 -> 64:ff9b::c000:201. */
    private static final String SAMPLE = "6b81 2345 0008 1140"
            + "2001 0db8 0000 0000 0000 0000 0000 0001"
            + "0064 ff9b 0000 0000 0000 0000 c000 0201";

    @Test
    void gettersReadTheRfc8200Layout() {
        ByteBuf b = hex("aa" + SAMPLE);
        Ipv6Header h = new Ipv6Header().wrap(b, 1);
        assertSame(b, h.buffer());
        assertEquals(1, h.offset());
        assertEquals(6, h.version());
        assertEquals(0xb8, h.trafficClass());
        assertEquals(0x12345, h.flowLabel());
        assertEquals(8, h.payloadLength());
        assertEquals(IpProtocol.UDP, h.nextHeader());
        assertEquals(64, h.hopLimit());
        assertEquals(0x20010db800000000L, h.sourceHi());
        assertEquals(1L, h.sourceLo());
        assertEquals(0x0064ff9b00000000L, h.destinationHi());
        assertEquals(0xc0000201L, h.destinationLo());
    }

    @Test
    void settersWriteTheRfc8200Layout() {
        ByteBuf b = hex("00".repeat(40));
        Ipv6Header h = new Ipv6Header().wrap(b, 0);
        b.setByte(0, 0x60);
        h.setTrafficClass(0xb8);
        h.setFlowLabel(0x12345);
        h.setPayloadLength(8);
        h.setNextHeader(IpProtocol.UDP);
        h.setHopLimit(64);
        h.setSource(0x20010db800000000L, 1L);
        h.setDestination(0x0064ff9b00000000L, 0xc0000201L);
        assertEquals(SAMPLE.replace(" ", ""), ByteBufUtil.hexDump(b));
    }

    @Test
    void trafficClassAndFlowLabelSettersKeepTheOtherBitsOfTheirWord() {
        ByteBuf b = hex(SAMPLE);
        Ipv6Header h = new Ipv6Header().wrap(b, 0);
        h.setTrafficClass(0x01);
        assertEquals(6, h.version());
        assertEquals(0x01, h.trafficClass());
        assertEquals(0x12345, h.flowLabel());
        h.setFlowLabel(0xfffff);
        assertEquals(6, h.version());
        assertEquals(0x01, h.trafficClass());
        assertEquals(0xfffff, h.flowLabel());
        h.setTrafficClass(0xff);
        h.setFlowLabel(0);
        assertEquals(0x6ff00000, b.getInt(0));
    }

    @Test
    void writeProducesTheHeaderWithAZeroFlowLabel() {
        ByteBuf b = hex("00".repeat(40));
        new Ipv6Header().wrap(b, 0).write(0xb8, 8, IpProtocol.UDP, 64, 0x20010db800000000L, 1L,
                0x0064ff9b00000000L, 0xc0000201L);
        assertEquals(SAMPLE.replace(" ", "").replace("6b812345", "6b800000"), ByteBufUtil.hexDump(b));
    }

    @Test
    void pseudoHeaderSumMatchesTheBytesOfRfc8200Section8_1() {
        Random r = new Random(5);
        Ipv6Header h = new Ipv6Header();
        for (int i = 0; i < 500; i++) {
            long sh = r.nextLong(), sl = r.nextLong(), dh = i % 9 == 0 ? -1 : r.nextLong(), dl = r.nextLong();
            int length = i % 4 == 0 ? 70000 + r.nextInt(1 << 20) : r.nextInt(65536); // jumbo lengths: 32 bits
            int nh = r.nextInt(256);
            int expected = HeaderTestSupport.ipv6PseudoSum(sh, sl, dh, dl, length, nh);
            HeaderTestSupport.assertSameSum(expected, Ipv6Header.pseudoHeaderSum(sh, sl, dh, dl, length, nh));
            ByteBuf b = hex("00".repeat(40));
            h.wrap(b, 0).write(0, 0, nh, 1, sh, sl, dh, dl);
            HeaderTestSupport.assertSameSum(expected, h.pseudoHeaderSum(length, nh));
        }
    }
}
