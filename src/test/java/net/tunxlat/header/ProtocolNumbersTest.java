// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** IpProtocol, Icmpv4Type and Icmpv6Type: the registry numbers and the classifications built on them. */
class ProtocolNumbersTest {
    @Test
    void ipv6ExtensionHeadersAreExactlyTheIanaRegistry() {
        Set<Integer> registry = Set.of(0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254);
        for (int nh = 0; nh < 256; nh++) {
            assertEquals(registry.contains(nh), IpProtocol.isIpv6ExtensionHeader(nh), "next header " + nh);
        }
    }

    @Test
    void protocolNumbersAreTheIanaOnes() {
        assertArrayEquals(new int[] {0, 1, 6, 17, 43, 44, 47, 50, 51, 58, 59, 60, 135, 139, 140},
                new int[] {IpProtocol.HOP_BY_HOP, IpProtocol.ICMP, IpProtocol.TCP, IpProtocol.UDP,
                        IpProtocol.IPV6_ROUTING, IpProtocol.IPV6_FRAGMENT, IpProtocol.GRE, IpProtocol.ESP,
                        IpProtocol.AH, IpProtocol.ICMPV6, IpProtocol.NO_NEXT_HEADER, IpProtocol.IPV6_DEST_OPTS,
                        IpProtocol.MOBILITY, IpProtocol.HIP, IpProtocol.SHIM6});
        assertEquals("tcp", IpProtocol.name(6));
        assertEquals("proto 200", IpProtocol.name(200));
    }

    @Test
    void icmpv4ErrorsAreTheFiveThatQuoteADatagram() {
        for (int type = 0; type < 256; type++) {
            boolean error = type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
            assertEquals(error, Icmpv4Type.isError(type), "type " + type);
        }
        assertEquals(4, Icmpv4Type.FRAG_NEEDED);
        assertEquals(13, Icmpv4Type.ADMIN_PROHIBITED);
        assertEquals("echo request", Icmpv4Type.name(Icmpv4Type.ECHO_REQUEST));
        assertEquals("destination unreachable", Icmpv4Type.name(3));
        assertEquals("type 99", Icmpv4Type.name(99));
    }

    @Test
    void icmpv6ErrorsHaveTheHighBitClear() {
        for (int type = 0; type < 256; type++) {
            assertEquals(type < 128, Icmpv6Type.isError(type), "type " + type);
        }
        assertEquals(2, Icmpv6Type.PACKET_TOO_BIG);
        assertEquals(4, Icmpv6Type.PORT_UNREACHABLE);
        assertEquals(1, Icmpv6Type.UNRECOGNIZED_NEXT_HEADER);
        assertEquals("packet too big", Icmpv6Type.name(2));
        assertEquals("echo reply", Icmpv6Type.name(129));
        assertEquals("type 200", Icmpv6Type.name(200));
    }
}
