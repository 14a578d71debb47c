// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Rfc6052Test {
    private static final int V4 = Addresses.parseIpv4("192.0.2.33");

    /** RFC 6052 §2.4, Table 1: the IPv4 address 192.0.2.33 embedded in each prefix length. */
    @ParameterizedTest
    @CsvSource({
        "2001:db8::/32,          2001:db8:c000:221::",
        "2001:db8:100::/40,      2001:db8:1c0:2:21::",
        "2001:db8:122::/48,      2001:db8:122:c000:2:2100::",
        "2001:db8:122:300::/56,  2001:db8:122:3c0:0:221::",
        "2001:db8:122:344::/64,  2001:db8:122:344:c0:2:2100:0",
        "2001:db8:122:344::/96,  2001:db8:122:344::c000:221",
        "64:ff9b::/96,           64:ff9b::c000:221",
    })
    void rfc6052Section24Vectors(String prefix, String expected) {
        Rfc6052 r = new Rfc6052(Ipv6Prefix.parse(prefix, -1));
        long hi = r.embedHi(V4);
        long lo = r.embedLo(V4);
        assertEquals(expected, Addresses.formatIpv6(hi, lo), "embed");

        long[] a = Addresses.parseIpv6(expected);
        assertEquals(a[0], hi);
        assertEquals(a[1], lo);
        assertTrue(r.matches(a[0], a[1]), "matches");
        assertEquals(V4, r.extract(a[0], a[1]), "extract");
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 40, 48, 56, 64, 96})
    void embedAndExtractRoundTripForManyAddresses(int length) {
        Rfc6052 r = new Rfc6052(new Ipv6Prefix(0x20010db800000000L, 0, length));
        int[] samples = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xc0000221, 0x0a000001, 0x12345678, 0xfedcba98};
        for (int v4 : samples) {
            long hi = r.embedHi(v4);
            long lo = r.embedLo(v4);
            assertTrue(r.matches(hi, lo));
            assertEquals(0, (int) (lo >>> 56), "u-octet must be zero");
            assertEquals(v4, r.extract(hi, lo), Integer.toHexString(v4));
        }
    }

    @Test
    void extractIgnoresTheSuffix() {
        Rfc6052 r32 = new Rfc6052(Ipv6Prefix.parse("2001:db8::/32", -1));
        long[] a = Addresses.parseIpv6("2001:db8:c000:221:ff:ffff:ffff:ffff");
        assertTrue(r32.matches(a[0], a[1]));
        assertEquals(V4, r32.extract(a[0], a[1]));
        Rfc6052 r64 = new Rfc6052(Ipv6Prefix.parse("2001:db8:122:344::/64", -1));
        long[] b = Addresses.parseIpv6("2001:db8:122:344:c0:2:21ff:ffff");
        assertTrue(r64.matches(b[0], b[1]));
        assertEquals(V4, r64.extract(b[0], b[1]));
    }

    @ParameterizedTest
    @CsvSource({
        "2001:db8::/32,         2001:db8:c000:221:100::",
        "2001:db8:100::/40,     2001:db8:1c0:2:121::",
        "2001:db8:122::/48,     2001:db8:122:c000:ff02:2100::",
        "2001:db8:122:300::/56, 2001:db8:122:3c0:8000:221::",
        "2001:db8:122:344::/64, 2001:db8:122:344:1c0:2:2100:0",
    })
    void matchesRefusesANonZeroUOctet(String prefix, String address) {
        Rfc6052 r = new Rfc6052(Ipv6Prefix.parse(prefix, -1));
        long[] a = Addresses.parseIpv6(address);
        assertFalse(r.matches(a[0], a[1]));
    }

    @Test
    void matchesRefusesAddressesOutsideThePrefix() {
        Rfc6052 r = new Rfc6052(Rfc6052.WELL_KNOWN_PREFIX);
        long[] a = Addresses.parseIpv6("64:ff9b:1::c000:221");
        assertFalse(r.matches(a[0], a[1]));
        long[] b = Addresses.parseIpv6("2001:db8::c000:221");
        assertFalse(r.matches(b[0], b[1]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"::/0", "2001:d00::/24", "2001:db8::/33", "2001:db8::/80", "2001:db8::/128"})
    void refusesLengthsRfc6052DoesNotAllow(String prefix) {
        Ipv6Prefix p = Ipv6Prefix.parse(prefix, -1);
        assertThrows(IllegalArgumentException.class, () -> Rfc6052.validatePrefix(p));
        assertThrows(IllegalArgumentException.class, () -> new Rfc6052(p));
    }

    @Test
    void refusesA96PrefixWithANonZeroUOctet() {
        Ipv6Prefix p = Ipv6Prefix.parse("2001:db8:122:344:100::/96", -1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rfc6052.validatePrefix(p));
        assertTrue(e.getMessage().contains("u-octet"), e.getMessage());
    }

    @Test
    void wellKnownAndLocalUsePrefixes() {
        assertEquals("64:ff9b::/96", Rfc6052.WELL_KNOWN_PREFIX.toString());
        assertEquals("64:ff9b:1::/48", Rfc6052.LOCAL_USE_PREFIX.toString());
        assertTrue(new Rfc6052(Ipv6Prefix.parse("64:ff9b::/96", -1)).isWellKnown());
        assertFalse(new Rfc6052(Rfc6052.LOCAL_USE_PREFIX).isWellKnown());
        assertFalse(new Rfc6052(Ipv6Prefix.parse("2001:db8:1:ffff::/96", -1)).isWellKnown());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.0", "100.127.255.255", "127.0.0.1",
        "169.254.0.1", "172.16.0.0", "172.31.255.255", "192.0.0.1", "192.0.0.8", "192.0.0.170", "192.0.2.33",
        "192.168.0.1", "192.168.255.1", "198.18.0.0", "198.19.255.255", "198.51.100.7", "203.0.113.200",
        "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255",
    })
    void nonGlobalIpv4(String a) {
        assertTrue(Rfc6052.isNonGlobalIpv4(Addresses.parseIpv4(a)), a);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
        "128.0.0.1", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.0.9", "192.0.0.10",
        "192.0.1.1", "192.0.3.1", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0",
        "198.51.99.255", "203.0.114.0", "223.255.255.255",
    })
    void globalIpv4(String a) {
        assertFalse(Rfc6052.isNonGlobalIpv4(Addresses.parseIpv4(a)), a);
    }
}
