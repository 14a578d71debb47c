// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nptv6;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import java.util.BitSet;

/** RFC 6296's algorithm against the RFC's §3.6 example and the vectors of the reference notes. */
class Nptv6MappingTest {
    static Nptv6Mapping mapping(String in, String out) {
        return new Nptv6Mapping(Ipv6Prefix.parse(in, -1), Ipv6Prefix.parse(out, -1), Nptv6Mapping.Direction.BOTH, "t");
    }

    static ByteBuf addr(String a) {
        long[] x = Addresses.parseIpv6(a);
        ByteBuf b = Unpooled.buffer(16);
        b.writeLong(x[0]).writeLong(x[1]);
        return b;
    }

    static String text(ByteBuf b) {
        return Addresses.formatIpv6(b.getLong(0), b.getLong(8));
    }

    @Test
    void rfc6296Section36Example() {
        Nptv6Mapping m = mapping("fd01:203:405::/48", "2001:db8:1::/48");
        assertEquals(0xD54F, m.adjustment(), "checksum(ext) - checksum(int) = 0xD245 - 0xFCF5");
        ByteBuf a = addr("fd01:203:405:1::1234");
        assertEquals(Nptv6Mapping.OK, m.rewriteOutbound(a, 0));
        assertEquals("2001:db8:1:d550::1234", text(a));
        assertEquals(Nptv6Mapping.OK, m.rewriteInbound(a, 0));
        assertEquals("fd01:203:405:1::1234", text(a));
    }

    @ParameterizedTest(name = "{0} -> {1}: {2} -> {3}")
    @CsvSource({
        "fd01:203:405::/48, 2001:db8:1::/48, fd01:203:405::1, 2001:db8:1:d54f::1",
        "fd01:203:405::/48, 2001:db8:1::/48, fd01:203:405:2ab0::1, 2001:db8:1::1",
        "fd01:203:405::/48, 2001:db8:1::/48, fd01:203:405:2aaf::1, 2001:db8:1:fffe::1",
        "fd01:203:405:1::/64, 2001:db8:1::/48, fd01:203:405:1:1::1234, 2001:db8:1:0:d551::1234",
        "fd01:203:405:1::/64, 2001:db8:2::/64, fd01:203:405:1::2, 2001:db8:2:0:d54f::2",
        "fd00:1:2:3::/64, 2001:db8:aaaa:bb00::/56, fd00:1:2:3:ffff::1, 2001:db8:aaaa:bb00:ffff:69a2:0:1",
    })
    void vectorsRoundTrip(String in, String out, String inside, String outside) {
        Nptv6Mapping m = mapping(in, out);
        ByteBuf a = addr(inside);
        long sumBefore = sum(a);
        assertEquals(Nptv6Mapping.OK, m.rewriteOutbound(a, 0));
        assertEquals(outside, text(a));
        assertEquals(sumBefore, sum(a), "checksum neutral (RFC 6296 §2.6)");
        assertEquals(Nptv6Mapping.OK, m.rewriteInbound(a, 0));
        assertEquals(inside, text(a));
    }

    @Test
    void untranslatableAddressesAreRefusedBothWays() {
        Nptv6Mapping m = mapping("fd01:203:405::/48", "2001:db8:1::/48");
        assertEquals(Nptv6Mapping.UNMAPPABLE, m.rewriteOutbound(addr("fd01:203:405:ffff::1"), 0), "§3.2/§4.2 subnet 0xFFFF");
        assertEquals(Nptv6Mapping.UNMAPPABLE, m.rewriteInbound(addr("2001:db8:1:ffff::1"), 0));
        Nptv6Mapping l = mapping("fd00:1:2:3::/64", "2001:db8:aaaa:bb00::/56");
        assertEquals(Nptv6Mapping.UNMAPPABLE, l.rewriteOutbound(addr("fd00:1:2:3:ffff:ffff:ffff:ffff"), 0),
                "§3.5: no word that is not 0xFFFF");
        // §3.7 different lengths: outside /56 against inside /64: outside addresses with bits 56..63 set
        // are not images of any inside address.
        long[] x = Addresses.parseIpv6("2001:db8:aaaa:bb01::1");
        assertFalse(l.outsideMatches(x[0], x[1]));
        assertTrue(l.outsideCovers(x[0], x[1]));
    }

    @Test
    void exhaustiveSlash48IsABijectionWithoutFfff() {
        Nptv6Mapping m = mapping("fd01:203:405::/48", "2001:db8:1::/48");
        BitSet seen = new BitSet(65536);
        for (int subnet = 0; subnet < 0xffff; subnet++) {
            ByteBuf a = Unpooled.buffer(16);
            a.writeLong(0xfd01020304050000L | subnet).writeLong(0x1234);
            assertEquals(Nptv6Mapping.OK, m.rewriteOutbound(a, 0));
            int out = (int) (a.getLong(0) & 0xffff);
            assertNotEquals(0xffff, out);
            assertFalse(seen.get(out), "collision at subnet " + Integer.toHexString(subnet));
            seen.set(out);
            assertEquals(Nptv6Mapping.OK, m.rewriteInbound(a, 0));
            assertEquals(subnet, (int) (a.getLong(0) & 0xffff));
        }
    }

    private static long sum(ByteBuf a) {
        long s = 0;
        for (int i = 0; i < 16; i += 2) {
            s += a.getUnsignedShort(i);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return s == 0xffff ? 0 : s;
    }
}
