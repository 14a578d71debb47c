// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Ipv4Prefix} and {@link Ipv6Prefix}. */
class PrefixTest {

    @Test
    void parsesIpv4Prefixes() {
        Ipv4Prefix p = Ipv4Prefix.parse("192.168.255.0/24", -1);
        assertEquals(0xc0a8ff00, p.address());
        assertEquals(24, p.length());
        assertEquals("192.168.255.0/24", p.toString());
        assertEquals(256, p.size());
        assertEquals(0xffffff00, p.mask());
        assertEquals(new Ipv4Prefix(0xc0a80542, 32), Ipv4Prefix.parse("192.168.5.66", 32));
        assertEquals(new Ipv4Prefix(0, 0), Ipv4Prefix.parse("0.0.0.0/0", -1));
        assertEquals(1L << 32, Ipv4Prefix.parse("0.0.0.0/0", -1).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "192.168.255.0", "192.168.255.1/24", "192.168.255.0/33", "192.168.255.0/", "192.168.255.0/-1",
        "192.168.255.0/+8", "192.168.255.0/ 24", "192.168.255.0/24/24", "192.168.255.0/0024", "192.168.255/24",
        "192.168.255.0/\u0662\u0664", "/24", "2001:db8::/32",
    })
    void refusesBadIpv4Prefixes(String text) {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Prefix.parse(text, -1), text);
    }

    @Test
    void ipv4HostBitsAreRefusedWithAClearMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ipv4Prefix.parse("10.0.0.1/8", -1));
        assertTrue(e.getMessage().contains("host bits"), e.getMessage());
    }

    @Test
    void ipv4ContainsAndOverlaps() {
        Ipv4Prefix pool = Ipv4Prefix.parse("192.168.255.0/24", -1);
        assertTrue(pool.contains(Addresses.parseIpv4("192.168.255.1")));
        assertTrue(pool.contains(Addresses.parseIpv4("192.168.255.255")));
        assertFalse(pool.contains(Addresses.parseIpv4("192.168.254.255")));
        assertTrue(pool.overlaps(Ipv4Prefix.parse("192.168.255.2", 32)));
        assertTrue(Ipv4Prefix.parse("192.168.255.2", 32).overlaps(pool));
        assertTrue(pool.overlaps(Ipv4Prefix.parse("192.168.0.0/16", -1)));
        assertFalse(pool.overlaps(Ipv4Prefix.parse("192.168.5.42", 32)));
        assertTrue(pool.overlaps(new Ipv4Prefix(0, 0)));
    }

    @Test
    void parsesIpv6Prefixes() {
        Ipv6Prefix p = Ipv6Prefix.parse("2001:db8:1:ffff::/96", -1);
        assertEquals(0x20010db80001ffffL, p.hi());
        assertEquals(0L, p.lo());
        assertEquals(96, p.length());
        assertEquals("2001:db8:1:ffff::/96", p.toString());
        assertEquals("64:ff9b::/96", Ipv6Prefix.parse("0064:FF9B:0:0:0:0::/96", -1).toString());
        Ipv6Prefix host = Ipv6Prefix.parse("2001:db8:1:4444::1", 128);
        assertEquals(128, host.length());
        assertEquals("2001:db8:1:4444::1/128", host.toString());
        assertEquals(new Ipv6Prefix(0, 0, 0), Ipv6Prefix.parse("::/0", -1));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "2001:db8::", "2001:db8::1/64", "2001:db8::/129", "2001:db8::/", "2001:db8::/x", "2001:db8::/-0",
        "2001:db8:::/32", "192.0.2.0/24", "2001:db8::/\u0663\u0662", "/64",
    })
    void refusesBadIpv6Prefixes(String text) {
        assertThrows(IllegalArgumentException.class, () -> Ipv6Prefix.parse(text, -1), text);
    }

    @Test
    void ipv6ContainsAndOverlapsAcrossTheHalves() {
        Ipv6Prefix p72 = Ipv6Prefix.parse("2001:db8:1:2:ab00::/72", -1);
        long[] in = Addresses.parseIpv6("2001:db8:1:2:abff:ffff:ffff:ffff");
        long[] out = Addresses.parseIpv6("2001:db8:1:2:ac00::");
        assertTrue(p72.contains(in[0], in[1]));
        assertFalse(p72.contains(out[0], out[1]));
        Ipv6Prefix p32 = Ipv6Prefix.parse("2001:db8::/32", -1);
        assertTrue(p32.overlaps(p72));
        assertTrue(p72.overlaps(p32));
        assertFalse(p72.overlaps(Ipv6Prefix.parse("2001:db8:1:2:ac00::/72", -1)));
        assertFalse(p32.overlaps(Ipv6Prefix.parse("2001:db9::/32", -1)));
        Ipv6Prefix wkp = Ipv6Prefix.parse("64:ff9b::/96", -1);
        assertTrue(wkp.overlaps(Ipv6Prefix.parse("64:ff9b::192.0.2.1", 128)));
        assertFalse(wkp.overlaps(Ipv6Prefix.parse("64:ff9b:1::192.0.2.1", 128)));
    }
}
