// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 6146 §3.4, §3.6 with RFC 7915 §4.3 / §5.3: ICMP errors about stateful flows, both ways, with the quoted
 * packet's addresses AND ports (or echo identifier) translated back through the binding, found without creating
 * or refreshing anything.
 */
class StatefulIcmpErrorTest {
    private static final String ROUTER4 = "198.51.100.1";
    private final XlatHarness h = new XlatHarness(new XlatSnapshot(config(settings(100, false, false,
            Timeouts.RFC6146, List.of(bib(Nat64Protocol.ICMP, HOST, 1, POOL, 1))))));

    @AfterEach
    void close() {
        h.close();
    }

    private static byte[] icmp4Error(int type, int code, byte[] quoted) {
        byte[] icmp = ByteBuffer.allocate(8 + quoted.length).put((byte) type).put((byte) code).putShort((short) 0)
                .putInt(0).put(quoted).array();
        return icmp;
    }

    private byte[] outboundUdp() {
        byte[] out = h.run(ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(5000, 53, new byte[12])))
                .emitted().get(0);
        return out;
    }

    @Test
    void icmpv4ErrorReachesTheHostWithItsOwnPort() {
        byte[] sent = outboundUdp();
        int t = u16(sent, 20);
        byte[] error = ipv4(ROUTER4, POOL, 1, 64, 0, 3, 0, icmp4Error(11, 0, sent));
        XlatHarness.Outcome o = h.run(error);
        assertEquals(1, o.translated(), o.toString());
        byte[] e6 = o.emitted().get(0);
        assertEquals("64:ff9b::c633:6401", src6(e6), "outer source: the router, through the prefix");
        assertEquals(HOST, dst6(e6), "outer destination: X' of the binding of (T, t)");
        assertEquals(3, e6[40], "Time Exceeded");
        assertValid6(e6);
        byte[] inner = Arrays.copyOfRange(e6, 48, e6.length);
        assertEquals(HOST, src6(inner), "inner source back to X'");
        assertEquals(SERVER6, dst6(inner));
        assertEquals(5000, u16(inner, 40), "inner source port back to x (was t = " + t + ")");
        assertEquals(53, u16(inner, 42));
        assertEquals(63, inner[7], "inner hop limit as the IPv4 packet's TTL (RFC 7915 §4.3)");
        assertValid6(inner);
    }

    @Test
    void icmpv6ErrorReachesTheServerWithThePool4Port() {
        byte[] sent = outboundUdp();
        int t = u16(sent, 20);
        // What reached the host from the server, 53 -> 5000 (the translated reply), and the host's error about it.
        byte[] got = h.run(ipv4(SERVER4, POOL, 17, 64, 0, 8, 0, udpHeaderAndData(53, t, new byte[12]))).emitted().get(0);
        byte[] icmp = ByteBuffer.allocate(8 + got.length).put((byte) 1).put((byte) 4).putShort((short) 0).putInt(0)
                .put(got).array();
        XlatHarness.Outcome o = h.run(ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmp));
        assertEquals(1, o.translated(), o.toString());
        byte[] e4 = o.emitted().get(0);
        assertEquals(POOL, src4(e4), "outer source: T of the binding");
        assertEquals(SERVER4, dst4(e4));
        assertEquals(3, e4[20]);
        assertEquals(3, e4[21], "Port Unreachable");
        assertValid4(e4);
        byte[] inner = Arrays.copyOfRange(e4, 28, e4.length);
        assertEquals(SERVER4, src4(inner));
        assertEquals(POOL, dst4(inner), "inner destination: T");
        assertEquals(53, u16(inner, 20));
        assertEquals(t, u16(inner, 22), "inner destination port: t");
        assertValid4(inner);
    }

    @Test
    void errorsAboutAnEchoTranslateTheIdentifier() {
        byte[] sent = h.run(ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 4242, 7, new byte[8])))
                .emitted().get(0);
        int id = u16(sent, 24);
        XlatHarness.Outcome o = h.run(ipv4(ROUTER4, POOL, 1, 64, 0, 3, 0, icmp4Error(3, 1, sent)));
        byte[] e6 = o.emitted().get(0);
        byte[] inner = Arrays.copyOfRange(e6, 48, e6.length);
        assertEquals(128, inner[40] & 0xff, "inner Echo Request");
        assertEquals(4242, u16(inner, 44), "inner identifier back to the host's (was " + id + ")");
        assertValid6(inner);
        assertValid6(e6);
    }

    @Test
    void errorsWithoutABindingAreDropped() {
        byte[] never = ipv4(POOL, SERVER4, 17, 63, 0, 1, 0, udpHeaderAndData(2999, 53, new byte[4]));
        XlatHarness.Outcome o = h.run(ipv4(ROUTER4, POOL, 1, 64, 0, 3, 0, icmp4Error(3, 3, never)));
        assertEquals(DropReason.NAT64_ICMP_ERROR_NO_BINDING_46, o.dropped());
        assertTrue(o.emitted().isEmpty());
        byte[] quoted = ipv6(SERVER6, HOST2, 17, 17, 63, 0, new byte[0], udpHeaderAndData(53, 7777, new byte[4]));
        byte[] icmp = ByteBuffer.allocate(8 + quoted.length).put((byte) 1).put((byte) 4).putShort((short) 0).putInt(0)
                .put(quoted).array();
        o = h.run(ipv6(HOST2, SERVER6, 58, 58, 64, 0, new byte[0], icmp));
        assertEquals(DropReason.NAT64_ICMP_ERROR_NO_BINDING_64, o.dropped());
        assertTrue(o.emitted().isEmpty());
        assertEquals(0, o.icmpErrors(), "never an error about an error");
    }

    @Test
    void aPeekCreatesNothing() {
        byte[] quoted = ipv4(POOL, SERVER4, 17, 63, 0, 1, 0, udpHeaderAndData(2998, 53, new byte[4]));
        h.run(ipv4(ROUTER4, POOL, 1, 64, 0, 3, 0, icmp4Error(3, 3, quoted)));
        XlatHarness.Outcome o = h.run(ipv4(SERVER4, POOL, 17, 64, 0, 1, 0, udpHeaderAndData(53, 2998, new byte[4])));
        assertEquals(DropReason.NAT64_NO_BINDING, o.dropped(), "the error left no binding behind");
    }
}
