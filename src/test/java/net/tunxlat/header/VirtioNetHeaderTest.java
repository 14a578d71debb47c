// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static net.tunxlat.header.HeaderTestSupport.hex;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;
import net.tunxlat.tun.TunDevice;

class VirtioNetHeaderTest {
    @Test
    void fieldsAreLittleEndianAsTheTunDeviceWritesThem() {
        // NEEDS_CSUM, TCPv4 with ECN, hdr_len 66, gso_size 1448, csum_start 20, csum_offset 16, num_buffers 0.
        ByteBuf b = hex("ff 01 81 4200 a805 1400 1000 0000");
        VirtioNetHeader v = new VirtioNetHeader().wrap(b, 1);
        assertSame(b, v.buffer());
        assertEquals(1, v.offset());
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, v.flags());
        assertEquals(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN, v.gsoType());
        assertEquals(66, v.hdrLen());
        assertEquals(1448, v.gsoSize());
        assertEquals(20, v.csumStart());
        assertEquals(16, v.csumOffset());
    }

    @Test
    void settersAndWriteProduceLittleEndianBytes() {
        ByteBuf b = hex("ff".repeat(12));
        VirtioNetHeader v = new VirtioNetHeader().wrap(b, 0);
        v.write(VirtioNetHeader.LENGTH, VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_UDP_L4, 48, 1232, 40, 6);
        assertEquals("0105" + "3000" + "d004" + "2800" + "0600" + "0000", ByteBufUtil.hexDump(b));
        v.setFlags(VirtioNetHeader.F_DATA_VALID);
        v.setGsoType(VirtioNetHeader.GSO_TCPV6);
        v.setHdrLen(0x1234);
        v.setGsoSize(0x5678);
        v.setCsumStart(0x9abc);
        v.setCsumOffset(0xdef0);
        assertEquals("0204" + "3412" + "7856" + "bc9a" + "f0de" + "0000", ByteBufUtil.hexDump(b));
    }

    @Test
    void writeLeavesBytesBeyondTheGivenLengthAlone() {
        ByteBuf b = hex("ff".repeat(12));
        new VirtioNetHeader().wrap(b, 0).write(VirtioNetHeader.MIN_LENGTH, 0, VirtioNetHeader.GSO_NONE, 0, 0, 0, 0);
        assertEquals("00".repeat(10) + "ffff", ByteBufUtil.hexDump(b));
    }

    @Test
    void constantsAreTheVirtioAndLinuxValues() {
        assertArrayEquals(new int[] {0, 1, 3, 4, 5, 0x80}, new int[] {VirtioNetHeader.GSO_NONE,
                VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.GSO_UDP, VirtioNetHeader.GSO_TCPV6,
                VirtioNetHeader.GSO_UDP_L4, VirtioNetHeader.GSO_ECN});
        assertEquals(1, VirtioNetHeader.F_NEEDS_CSUM);
        assertEquals(2, VirtioNetHeader.F_DATA_VALID);
        assertEquals(TunDevice.VNET_HDR_LEN, VirtioNetHeader.LENGTH);
    }
}
