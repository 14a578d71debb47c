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

/** RFC 6146 §3.8: two IPv6 hosts reaching each other through pool4, turned around inside the translator. */
class HairpinStatefulTest {
    private static final String SERVER = "2001:db8:1::5";
    private final XlatHarness h = new XlatHarness(new XlatSnapshot(config(settings(100, false, false,
            Timeouts.RFC6146, List.of(bib(Nat64Protocol.UDP, SERVER, 1001, POOL, 1000),
                    bib(Nat64Protocol.UDP, HOST, 1003, POOL, 1002), bib(Nat64Protocol.TCP, SERVER, 80, POOL, 80))))));

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void udpToAStaticBindingComesBackAsIpv6() {
        // Jool's ptb66 session: 2001:db8::5#1003 -> 64:ff9b::192.0.2.2#1000 reaches 2001:db8:1::5#1001.
        XlatHarness.Outcome o = h.run(ipv6(HOST, "64:ff9b::192.0.2.2", 17, 17, 64, 0, new byte[0],
                udpHeaderAndData(1003, 1000, "hairpin".getBytes())));
        assertTrue(o.accountedOnce(), o.toString());
        byte[] p = o.emitted().get(0);
        assertEquals(6, (p[0] >> 4) & 0xf);
        assertEquals("64:ff9b::c000:202", src6(p), "source: prefix + T1 of the sender's binding");
        assertEquals(SERVER, dst6(p), "destination: X2' of the binding of (T, t)");
        assertEquals(1002, u16(p, 40), "source port t1");
        assertEquals(1001, u16(p, 42), "destination port x2");
        assertEquals(63, p[7], "hop limit decremented once");
        assertValid6(p);
        assertEquals(1, h.counters.local(XlatCounters.PACKETS_64));
    }

    @Test
    void dynamicBindingsHairpinTooAndTheReplyFindsTheSession() {
        byte[] syn = tcpHeaderAndData(40000, 80, new byte[0]);
        byte[] p = h.run(ipv6(HOST2, "64:ff9b::192.0.2.2", 6, 6, 64, 0, new byte[0], syn)).emitted().get(0);
        assertEquals(SERVER, dst6(p));
        assertEquals(80, u16(p, 42));
        int t1 = u16(p, 40);
        assertTrue(t1 >= 1024 && t1 <= 3000, "a dynamic binding's port: " + t1);
        assertValid6(p);
        byte[] synAck = tcpHeaderAndData(80, t1, new byte[0]);
        synAck[13] = 0x12;
        byte[] back = h.run(ipv6(SERVER, "64:ff9b::192.0.2.2", 6, 6, 64, 0, new byte[0], synAck)).emitted().get(0);
        assertEquals(HOST2, dst6(back), "the reply reaches the first host through its binding");
        assertEquals("64:ff9b::c000:202", src6(back));
        assertEquals(80, u16(back, 40), "from the server's static port");
        assertEquals(40000, u16(back, 42));
        assertValid6(back);
    }

    @Test
    void hairpinWithoutABindingIsDropped() {
        XlatHarness.Outcome o = h.run(ipv6(HOST, "64:ff9b::192.0.2.2", 17, 17, 64, 0, new byte[0],
                udpHeaderAndData(1003, 2999, new byte[4])));
        assertEquals(DropReason.NAT64_NO_BINDING, o.dropped());
        assertTrue(o.emitted().isEmpty());
    }

    @Test
    void anErrorAboutAHairpinnedFlowGoesBackToIpv6InOneStep() {
        byte[] hairpinned = h.run(ipv6(HOST, "64:ff9b::192.0.2.2", 17, 17, 64, 0, new byte[0],
                udpHeaderAndData(1003, 1000, new byte[40]))).emitted().get(0);
        // The server's side says Packet Too Big (MTU 1200) about what it received from prefix + T#1002.
        byte[] icmp = ByteBuffer.allocate(8 + hairpinned.length).put((byte) 2).put((byte) 0).putShort((short) 0)
                .putInt(1200).put(hairpinned).array();
        XlatHarness.Outcome o = h.run(ipv6(SERVER, "64:ff9b::192.0.2.2", 58, 58, 64, 0, new byte[0], icmp));
        assertTrue(o.accountedOnce(), o.toString());
        byte[] e = o.emitted().get(0);
        assertEquals(6, (e[0] >> 4) & 0xf, "back in IPv6");
        assertEquals("64:ff9b::c000:202", src6(e));
        assertEquals(HOST, dst6(e), "to the host whose flow it is");
        assertEquals(2, e[40], "Packet Too Big");
        assertEquals(1280, ByteBuffer.wrap(e, 44, 4).getInt(), "MTU 1200 - 20 + 20, never below 1280");
        assertEquals(63, e[7], "hop limit decremented once");
        assertValid6(e);
        byte[] inner = Arrays.copyOfRange(e, 48, e.length);
        assertEquals(HOST, src6(inner));
        assertEquals("64:ff9b::c000:202", dst6(inner));
        assertEquals(1003, u16(inner, 40), "the host's own port");
        assertEquals(1000, u16(inner, 42));
        assertEquals(1, h.counters.local(XlatCounters.PACKETS_46), "one translation back, none counted on the way");
    }
}
