// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static net.tunxlat.header.HeaderTestSupport.hex;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;

class Ipv6FragmentHeaderTest {
    @Test
    void gettersReadTheRfc8200Section4_5Layout() {
        // Next Header UDP, offset 185 (1480 bytes), M set, identification 0xdeadbeef.
        ByteBuf b = hex("00 1100 05c9 dead beef");
        Ipv6FragmentHeader f = new Ipv6FragmentHeader().wrap(b, 1);
        assertSame(b, f.buffer());
        assertEquals(1, f.offset());
        assertEquals(IpProtocol.UDP, f.nextHeader());
        assertEquals(185, f.fragmentOffset());
        assertTrue(f.moreFragments());
        assertEquals(0xdeadbeef, f.identification());
        f.wrap(hex("0600 fff8 0000 0001"), 0); // largest offset, last fragment
        assertEquals(8191, f.fragmentOffset());
        assertFalse(f.moreFragments());
        f.wrap(hex("0600 0006 0000 0001"), 0); // Res bits set: neither offset nor M
        assertEquals(0, f.fragmentOffset());
        assertFalse(f.moreFragments());
    }

    @Test
    void writeZeroesTheReservedFields() {
        ByteBuf b = hex("ff".repeat(8));
        new Ipv6FragmentHeader().wrap(b, 0).write(IpProtocol.TCP, 185, true, 0x01020304);
        assertEquals("060005c901020304", ByteBufUtil.hexDump(b));
        new Ipv6FragmentHeader().wrap(b, 0).write(IpProtocol.ICMPV6, 0, false, -1);
        assertEquals("3a000000ffffffff", ByteBufUtil.hexDump(b));
    }

    @Test
    void settersChangeOnlyTheirField() {
        ByteBuf b = hex("1100 05c9 dead beef");
        Ipv6FragmentHeader f = new Ipv6FragmentHeader().wrap(b, 0);
        f.setFragmentOffset(1);
        assertEquals(1, f.fragmentOffset());
        assertTrue(f.moreFragments());
        f.setMoreFragments(false);
        assertEquals(1, f.fragmentOffset());
        assertFalse(f.moreFragments());
        f.setMoreFragments(true);
        f.setNextHeader(IpProtocol.TCP);
        f.setIdentification(7);
        assertEquals("0600000900000007", ByteBufUtil.hexDump(b));
        assertEquals(8, Ipv6FragmentHeader.LENGTH);
    }
}
