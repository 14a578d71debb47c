// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesTest {

    @ParameterizedTest
    @CsvSource({
        "0.0.0.0,         0x00000000",
        "192.0.2.1,       0xc0000201",
        "192.0.2.33,      0xc0000221",
        "10.0.0.255,      0x0a0000ff",
        "255.255.255.255, 0xffffffff",
    })
    void parsesIpv4(String text, String hex) {
        int expected = Integer.parseUnsignedInt(hex.substring(2), 16);
        assertEquals(expected, Addresses.parseIpv4(text));
        assertTrue(Addresses.isIpv4Literal(text));
        assertEquals(text, Addresses.formatIpv4(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1234.1.1.1", "01.2.3.4", "1.2.3.04",
        "1..2.3", "1.2.3.", ".1.2.3", " 1.2.3.4", "1.2.3.4 ", "a.b.c.d", "0x1.2.3.4", "1.2.3.-4", "+1.2.3.4",
        "1.2.3.4/24", "::1", "\u0661.2.3.4", "1.2.3.\uff14",
    })
    void refusesInvalidIpv4(String text) {
        assertThrows(IllegalArgumentException.class, () -> Addresses.parseIpv4(text));
        assertFalse(Addresses.isIpv4Literal(text));
    }

    @ParameterizedTest
    @CsvSource({
        // text,                                      hi,                 lo
        "'::',                                        0000000000000000, 0000000000000000",
        "'::1',                                       0000000000000000, 0000000000000001",
        "'1::',                                       0001000000000000, 0000000000000000",
        "'2001:db8::1',                               20010db800000000, 0000000000000001",
        "'2001:DB8::AbCd',                            20010db800000000, 000000000000abcd",
        "'2001:0db8:0000:0000:0000:0000:0000:0001',   20010db800000000, 0000000000000001",
        "'1:2:3:4:5:6:7:8',                           0001000200030004, 0005000600070008",
        "'1:2:3:4:5:6:7::',                           0001000200030004, 0005000600070000",
        "'::2:3:4:5:6:7:8',                           0000000200030004, 0005000600070008",
        "'1:2:3::6:7:8',                              0001000200030000, 0000000600070008",
        "'::ffff:192.0.2.33',                         0000000000000000, 0000ffffc0000221",
        "'64:ff9b::192.0.2.33',                       0064ff9b00000000, 00000000c0000221",
        "'1:2:3:4:5:6:1.2.3.4',                       0001000200030004, 0005000601020304",
        "'1:2:3:4:5::1.2.3.4',                        0001000200030004, 0005000001020304",
        "'::0.0.0.0',                                 0000000000000000, 0000000000000000",
    })
    void parsesIpv6(String text, String hi, String lo) {
        long[] a = Addresses.parseIpv6(text);
        assertArrayEquals(new long[] {Long.parseUnsignedLong(hi, 16), Long.parseUnsignedLong(lo, 16)}, a, text);
        assertTrue(Addresses.isIpv6Literal(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", ":", ":::", "1:::2", "1::2::3", "::1::", ":1::", "1::2:", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:",
        "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1::2:3:4:5:6:7:8",
        "12345::", "g::", "::-1", "::+1", "::1.2.3", "::1.2.3.4:5", "::1.2.3.256", "::01.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4", "::1:2:3:4:5:6:1.2.3.4", "1.2.3.4", "fe80::1%eth0", "2001:db8::/32", " ::1", "::1 ",
        "[::1]", "::\uff11", "\u0661::", "::a\uff21",
    })
    void refusesInvalidIpv6(String text) {
        assertThrows(IllegalArgumentException.class, () -> Addresses.parseIpv6(text), text);
        assertFalse(Addresses.isIpv6Literal(text));
    }

    @ParameterizedTest
    @CsvSource({
        // input,                             RFC 5952 form
        "'::',                                '::'",
        "'0:0:0:0:0:0:0:1',                   '::1'",
        "'1:0:0:0:0:0:0:0',                   '1::'",
        "'2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'",
        "'2001:db8:0:0:1:0:0:1',              '2001:db8::1:0:0:1'",
        "'2001:0:0:1:0:0:0:1',                '2001:0:0:1::1'",
        "'2001:db8:0:1:1:1:1:1',              '2001:db8:0:1:1:1:1:1'",
        "'2001:db8:1:0:1:1:1:0',              '2001:db8:1:0:1:1:1:0'",
        "'1:2:3:4:5:6:7:8',                   '1:2:3:4:5:6:7:8'",
        "'2001:DB8::ABCD:12',                 '2001:db8::abcd:12'",
        "'64:ff9b::192.0.2.33',               '64:ff9b::c000:221'",
        "'0:0:1:0:0:0:1:0',                   '0:0:1::1:0'",
        "'1:0:0:2:0:0:0:0',                   '1:0:0:2::'",
    })
    void formatsIpv6Rfc5952(String input, String expected) {
        long[] a = Addresses.parseIpv6(input);
        String formatted = Addresses.formatIpv6(a[0], a[1]);
        assertEquals(expected, formatted);
        assertArrayEquals(a, Addresses.parseIpv6(formatted), "round trip");
    }

    @Test
    void masks() {
        assertEquals(0, Addresses.mask4(0));
        assertEquals(0xff000000, Addresses.mask4(8));
        assertEquals(0xfffffffe, Addresses.mask4(31));
        assertEquals(-1, Addresses.mask4(32));
        assertEquals(0L, Addresses.maskHi(0));
        assertEquals(0xffffffff00000000L, Addresses.maskHi(32));
        assertEquals(-1L, Addresses.maskHi(64));
        assertEquals(-1L, Addresses.maskHi(96));
        assertEquals(0L, Addresses.maskLo(64));
        assertEquals(0xff00000000000000L, Addresses.maskLo(72));
        assertEquals(0xffffffff00000000L, Addresses.maskLo(96));
        assertEquals(-1L, Addresses.maskLo(128));
    }
}
