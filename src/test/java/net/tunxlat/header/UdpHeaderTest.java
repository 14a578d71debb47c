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
import io.netty.buffer.Unpooled;

class UdpHeaderTest {
    @Test
    void gettersAndSettersFollowRfc768() {
        ByteBuf b = hex("ff 0035 d431 000c 1f2e 6869 6a6b");
        UdpHeader u = new UdpHeader().wrap(b, 1);
        assertSame(b, u.buffer());
        assertEquals(1, u.offset());
        assertEquals(53, u.sourcePort());
        assertEquals(0xd431, u.destinationPort());
        assertEquals(12, u.length());
        assertEquals(0x1f2e, u.checksum());
        u.setSourcePort(0xfffe);
        u.setDestinationPort(7);
        u.setLength(0x1234);
        u.setChecksum(0xabcd);
        assertEquals("fffffe000712 34abcd".replace(" ", ""), ByteBufUtil.hexDump(b, 0, 9));
        assertEquals(8, UdpHeader.LENGTH);
        assertEquals(4, UdpHeader.LENGTH_FIELD);
        assertEquals(6, UdpHeader.CHECKSUM);
    }

    @Test
    void portUpdatesOverIpv4MatchAChecksumRecomputedFromScratch() {
        Random r = new Random(17);
        UdpHeader u = new UdpHeader();
        for (int round = 0; round < 1000; round++) {
            int length = 8 + r.nextInt(40);
            ByteBuf b = random(r, length);
            b.setShort(UdpHeader.LENGTH_FIELD, length);
            int src = r.nextInt(), dst = r.nextInt();
            int pseudo = ipv4PseudoSum(src, dst, IpProtocol.UDP, length);
            b.setShort(UdpHeader.CHECKSUM, scratchChecksum(b, 0, length, UdpHeader.CHECKSUM, pseudo));
            u.wrap(b, 0);
            u.setSourcePortWithChecksumUpdate(r.nextInt(65536));
            assertChecksum(b, 0, length, UdpHeader.CHECKSUM, pseudo);
            u.setDestinationPortWithChecksumUpdate(round % 10 == 0 ? 0 : r.nextInt(65536));
            assertChecksum(b, 0, length, UdpHeader.CHECKSUM, pseudo);
            // NAT64-style address rewrite: the pseudo-header changes, the datagram does not.
            int newPseudo = ipv4PseudoSum(r.nextInt(), r.nextInt(), IpProtocol.UDP, length);
            u.updateChecksum(pseudo, newPseudo);
            assertChecksum(b, 0, length, UdpHeader.CHECKSUM, newPseudo);
        }
    }

    @Test
    void portUpdatesOverIpv6MatchAChecksumRecomputedFromScratch() {
        Random r = new Random(19);
        UdpHeader u = new UdpHeader();
        for (int round = 0; round < 1000; round++) {
            int length = 8 + r.nextInt(40);
            ByteBuf b = random(r, length);
            int pseudo = ipv6PseudoSum(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), length, IpProtocol.UDP);
            b.setShort(UdpHeader.CHECKSUM, scratchChecksum(b, 0, length, UdpHeader.CHECKSUM, pseudo));
            u.wrap(b, 0);
            u.setSourcePortWithChecksumUpdate(r.nextInt(65536));
            u.setDestinationPortWithChecksumUpdate(r.nextInt(65536));
            assertChecksum(b, 0, length, UdpHeader.CHECKSUM, pseudo);
        }
    }

    @Test
    void aZeroChecksumOverIpv4MeansNoneAndStaysZero() {
        ByteBuf b = hex("0035 d431 000c 0000 6869 6a6b");
        UdpHeader u = new UdpHeader().wrap(b, 0);
        u.setSourcePortWithChecksumUpdate(1234);
        u.setDestinationPortWithChecksumUpdate(80);
        u.updateChecksum(0x1111, 0x2222);
        assertEquals(1234, u.sourcePort());
        assertEquals(80, u.destinationPort());
        assertEquals(0, u.checksum());
    }

    @Test
    void anUpdateThatComputesZeroTransmitsAllOnes() {
        // RFC 768: a computed zero is sent as 0xFFFF, since zero means "no checksum". All-zero datagram,
        // all-zero pseudo-header words: the only valid checksum is 0xFFFF.
        ByteBuf b = hex("0001 0000 0000 fffe");
        UdpHeader u = new UdpHeader().wrap(b, 0);
        assertEquals(0xffff, HeaderTestSupport.naiveSum(b, 0, 8, 0));
        u.setSourcePortWithChecksumUpdate(0);
        assertEquals(0xffff, u.checksum());
    }

    static ByteBuf random(Random r, int length) {
        byte[] d = new byte[length];
        r.nextBytes(d);
        return Unpooled.wrappedBuffer(d);
    }
}
