// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.ipv4;
import static net.tunxlat.xlat.TestPackets.transportSum6;
import static net.tunxlat.xlat.TestPackets.udpHeaderAndData;
import static net.tunxlat.xlat.TranslatorTest.H4;
import static net.tunxlat.xlat.TranslatorTest.H4_AS6;
import static net.tunxlat.xlat.TranslatorTest.H6;
import static net.tunxlat.xlat.TranslatorTest.H6_AS4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.config.UdpCksumMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * RFC 7915 §4.1 Traffic Class: copied from the IPv4 TOS by default; {@code zeroize-traffic-class yes} writes 0, in
 * the outer header, in every fragment, and (§4.3) in the packet an ICMP error quotes.
 */
class TrafficClassTest {
    private static final int TOS = 0xb8; // DSCP EF
    private static final int ROUTER_TOS = 0xc0; // what Linux puts on its own ICMP errors

    private static XlatSnapshot snapshot(boolean zeroize) {
        TunxlatConfig c = TranslatorTest.config("2001:db8:64::/96", UdpCksumMode.DROP, TranslatorTest.map(H6_AS4, H6))
                .toBuilder().zeroizeTrafficClass(zeroize).build();
        return new XlatSnapshot(c);
    }

    /** The Traffic Class of the IPv6 header at {@code at}, checking Version 6 and Flow Label 0 on the way. */
    private static int trafficClass(byte[] p, int at) {
        int word = ByteBuffer.wrap(p).getInt(at);
        assertEquals(6, word >>> 28, "version");
        assertEquals(0, word & 0xfffff, "flow label 0 (RFC 7915 §4.1)");
        return (word >>> 20) & 0xff;
    }

    @ParameterizedTest(name = "zeroize-traffic-class {0}: TOS 0xb8 becomes Traffic Class {1}")
    @CsvSource({"false, 0xb8", "true, 0"})
    void outerHeader(boolean zeroize, String expected) {
        try (XlatHarness h = new XlatHarness(snapshot(zeroize))) {
            byte[] in = ipv4(H4, H6_AS4, 17, 64, TOS, 1, 0x4000, udpHeaderAndData(53, 5000, new byte[32]));
            XlatHarness.Outcome o = h.run(in);
            assertEquals(1, o.emitted().size(), o.toString());
            byte[] p = o.emitted().get(0);
            assertEquals(Integer.decode(expected), trafficClass(p, 0));
            assertEquals(0xffff, transportSum6(p, 40, 17), "UDP checksum (the TC is not in the pseudo-header)");
        }
    }

    @ParameterizedTest(name = "zeroize-traffic-class {0}: every fragment has Traffic Class {1}")
    @CsvSource({"false, 0xb8", "true, 0"})
    void everyFragment(boolean zeroize, String expected) {
        try (XlatHarness h = new XlatHarness(snapshot(zeroize))) {
            // DF clear and larger than offlink-mtu 1280: §4.1 fragments it on the IPv6 side.
            byte[] in = ipv4(H4, H6_AS4, 17, 64, TOS, 7, 0, udpHeaderAndData(53, 5000, new byte[2000]));
            XlatHarness.Outcome o = h.run(in);
            assertTrue(o.emitted().size() >= 2, o.toString());
            for (byte[] p : o.emitted()) {
                assertEquals(44, p[6], "a Fragment Header follows");
                assertEquals(Integer.decode(expected), trafficClass(p, 0));
            }
        }
    }

    /** ICMPv4 3/3 from H4 (TOS 0xc0) quoting the UDP datagram H6 sent it (TOS 0xb8 after translation). */
    private static byte[] portUnreachable() {
        byte[] quoted = ipv4(H6_AS4, H4, 17, 63, TOS, 3, 0, udpHeaderAndData(5000, 53, new byte[16]));
        byte[] l4 = new byte[8 + quoted.length];
        l4[0] = 3;
        l4[1] = 3;
        System.arraycopy(quoted, 0, l4, 8, quoted.length);
        return ipv4(H4, H6_AS4, 1, 64, ROUTER_TOS, 9, 0, l4);
    }

    @ParameterizedTest(name = "zeroize-traffic-class {0}: the ICMPv6 error has Traffic Class {1}, its quote {2}")
    @CsvSource({"false, 0xc0, 0xb8", "true, 0, 0"})
    void icmpErrorAndTheQuotedPacket(boolean zeroize, String outer, String inner) {
        try (XlatHarness h = new XlatHarness(snapshot(zeroize))) {
            XlatHarness.Outcome o = h.run(portUnreachable());
            assertEquals(1, o.emitted().size(), o.toString());
            byte[] p = o.emitted().get(0);
            assertEquals(58, p[6], "ICMPv6");
            assertEquals(1, p[40], "Destination Unreachable");
            assertEquals(4, p[41], "port unreachable");
            assertEquals(Integer.decode(outer), trafficClass(p, 0), "outer header (§4.1)");
            assertEquals(Integer.decode(inner), trafficClass(p, 48), "quoted header (§4.3: translated by the same rules)");
            assertEquals(17, p[48 + 6], "the quoted packet's Next Header");
            assertEquals(0xffff, transportSum6(p, 40, 58), "ICMPv6 checksum covers the quoted Traffic Class");
        }
    }

    /** A reload publishes a new snapshot: the next packet follows the new setting, both ways. */
    @Test
    void aNewSnapshotChangesTheNextPacket() {
        try (XlatHarness h = new XlatHarness(snapshot(false))) {
            byte[] in = ipv4(H4, H6_AS4, 17, 64, TOS, 1, 0x4000, udpHeaderAndData(53, 5000, new byte[8]));
            assertEquals(TOS, trafficClass(h.run(in).emitted().get(0), 0));
            h.snap = snapshot(true);
            assertEquals(0, trafficClass(h.run(in).emitted().get(0), 0));
            h.snap = snapshot(false);
            assertEquals(TOS, trafficClass(h.run(in).emitted().get(0), 0));
        }
    }

    /**
     * The option is §4.1's (IPv4 to IPv6, as Jool's zeroize-traffic-class); IPv6 to IPv4 (§5.1, Jool's override-tos)
     * is not affected: the Traffic Class still becomes the TOS.
     */
    @Test
    void ipv6ToIpv4KeepsCopying() {
        try (XlatHarness h = new XlatHarness(snapshot(true))) {
            byte[] in = TestPackets.ipv6(H6, H4_AS6, 17, 17, 64, TOS, new byte[0], udpHeaderAndData(5000, 53, new byte[8]));
            byte[] p = h.run(in).emitted().get(0);
            assertEquals(TOS, p[1] & 0xff, "RFC 7915 §5.1: TOS = Traffic Class");
        }
    }
}
