// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void macAddressesFromSysfs() {
        assertArrayEquals(HexFormat.of().parseHex("aabbccddeeff"), RouterSolicitor.parseMac("aa:bb:cc:dd:ee:ff"));
        assertNull(RouterSolicitor.parseMac("00:00:00:00:00:00"), "no address (a tun device has none)");
        assertNull(RouterSolicitor.parseMac(""));
        assertNull(RouterSolicitor.parseMac("aa:bb:cc:dd:ee:ff:00:11"), "not Ethernet");
    }
}
