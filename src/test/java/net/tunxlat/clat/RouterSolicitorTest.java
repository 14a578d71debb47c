// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouterSolicitorTest {
    /** RFC 4861 §4.1: type 133, code 0, checksum (left to the kernel), reserved; §4.6.1: option 1, length 1, MAC. */
    @Test
    void theSolicitationWithASourceLinkLayerAddress() {
        byte[] mac = HexFormat.of().parseHex("02005e1000aa");
        assertArrayEquals(HexFormat.of().parseHex("85000000" + "00000000" + "0101" + "02005e1000aa"),
                RouterSolicitor.message(mac));
    }

    @Test
    void withoutALinkLayerAddressTheOptionIsLeftOut() {
        assertArrayEquals(HexFormat.of().parseHex("8500000000000000"), RouterSolicitor.message(null));
        assertThrows(IllegalArgumentException.class, () -> RouterSolicitor.message(new byte[8]));
    }

    /** /proc/net/if_inet6: address, ifindex, prefix length, scope, flags, name; tentative (0x40) and dadfailed (0x08) are unusable. */
    @Test
    void theLinkLocalAddressMustHaveFinishedDad() {
        List<String> lines = List.of(
                "20010db8000000000000000000000002 02 40 00 00     eth0",
                "fe800000000000000000000000000099 02 40 20 40     eth0",
                "fe800000000000000000000000000001 01 80 10 80       lo",
                "fe8000000000000000000000000000aa 03 40 20 80     eth1");
        assertNull(RouterSolicitor.usableLinkLocal(lines, "eth0"), "only a global and a tentative link-local");
        assertEquals("fe8000000000000000000000000000aa", RouterSolicitor.usableLinkLocal(lines, "eth1"));
        assertNull(RouterSolicitor.usableLinkLocal(List.of("fe800000000000000000000000000099 02 40 20 08 eth0"), "eth0"),
                "DAD failed");
        assertNull(RouterSolicitor.usableLinkLocal(lines, "eth2"));
    }

    @Test
    void anUnknownInterfaceIsAClearError() {
        IOException e = assertThrows(IOException.class, () -> RouterSolicitor.solicit("no-such-if0"));
        assertEquals("router solicitation: no interface no-such-if0", e.getMessage());
    }

    /** struct ifreq after SIOCGIFHWADDR: the name, then ifr_hwaddr (sa_family, then the address in sa_data). */
    @Test
    void ethernetAddressesFromTheIoctl() {
        byte[] ifreq = new byte[40];
        ByteBuffer b = ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder());
        b.putShort(16, (short) 1); // ARPHRD_ETHER
        b.put(18, HexFormat.of().parseHex("aabbccddeeff"));
        assertArrayEquals(HexFormat.of().parseHex("aabbccddeeff"), RouterSolicitor.ethernetAddress(ifreq));
        b.put(18, new byte[6]);
        assertNull(RouterSolicitor.ethernetAddress(ifreq), "all zero: no address");
        b.put(18, HexFormat.of().parseHex("aabbccddeeff"));
        b.putShort(16, (short) 0xfffe); // ARPHRD_NONE, a tun device
        assertNull(RouterSolicitor.ethernetAddress(ifreq));
    }
}
