// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** RFC 6146 §3.5.1 - §3.5.3 through the translator: bindings, sessions, rewrites, drops and their answers. */
class Stateful64Test {
    private XlatHarness h = harness(settings(1000, false, false, Timeouts.RFC6146,
            List.of(bib(Nat64Protocol.UDP, HOST, 2000, POOL, 2000))));

    private static XlatHarness harness(Nat64Settings s, MapEntry... maps) {
        return new XlatHarness(new XlatSnapshot(config(s, maps)));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private byte[] udp6(String src, int sport, String dst, int dport) {
        return ipv6(src, dst, 17, 17, 64, 0, new byte[0], udpHeaderAndData(sport, dport, "hello".getBytes()));
    }

    private byte[] udp4(String src, int sport, String dst, int dport) {
        return ipv4(src, dst, 17, 64, 0, 7, 0, udpHeaderAndData(sport, dport, "world".getBytes()));
    }

    private byte[] only(XlatHarness.Outcome o) {
        assertTrue(o.accountedOnce(), o.toString());
        assertEquals(1, o.emitted().size(), o.toString());
        return o.emitted().get(0);
    }

    @Test
    void udpOutboundTakesABindingAndTheReplyComesBack() {
        byte[] out = only(h.run(udp6(HOST, 5000, SERVER6, 53)));
        assertEquals(4, out[0] >> 4);
        assertEquals(POOL, src4(out));
        assertEquals(SERVER4, dst4(out));
        int t = u16(out, 20);
        assertTrue(t >= 1024 && t <= 3000, "RFC 4787 REQ-3: a port above 1023 stays above, in pool4: " + t);
        assertEquals(0, t % 2, "RFC 4787 REQ-4: parity kept");
        assertEquals(53, u16(out, 22));
        assertEquals(63, out[8], "TTL = hop limit - 1");
        assertValid4(out);
        assertEquals(20 + 8 + "hello".length(), out.length);

        // endpoint-independent mapping (RFC 4787 REQ-1): the same (X', x) to another server keeps (T, t)
        byte[] other = only(h.run(udp6(HOST, 5000, "64:ff9b::198.51.100.7", 123)));
        assertEquals(t, u16(other, 20));
        assertEquals("198.51.100.7", dst4(other));

        byte[] back = only(h.run(udp4(SERVER4, 53, POOL, t)));
        assertEquals(6, back[0] >> 4 & 0xf);
        assertEquals(SERVER6, src6(back));
        assertEquals(HOST, dst6(back));
        assertEquals(53, u16(back, 40));
        assertEquals(5000, u16(back, 42), "destination port back to x");
        assertEquals(63, back[7], "hop limit = TTL - 1");
        assertValid6(back);
        assertEquals(2, h.counters.local(XlatCounters.PACKETS_64));
        assertEquals(1, h.counters.local(XlatCounters.PACKETS_46));
    }

    @Test
    void staticBibKeepsItsPortsBothWays() {
        byte[] in = only(h.run(udp4(SERVER4, 4000, POOL, 2000)));
        assertEquals(HOST, dst6(in));
        assertEquals(SERVER6, src6(in));
        assertEquals(4000, u16(in, 40));
        assertEquals(2000, u16(in, 42));
        assertValid6(in);
        byte[] out = only(h.run(udp6(HOST, 2000, SERVER6, 4000)));
        assertEquals(POOL, src4(out));
        assertEquals(2000, u16(out, 20));
        assertValid4(out);
    }

    @Test
    void icmpEchoIdentifierIsBoundLikeAPort() {
        byte[] req = ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 777, 1, "ping".getBytes()));
        byte[] out = only(h.run(req));
        assertEquals(8, out[20], "Echo Request");
        int id = u16(out, 24);
        assertTrue(id >= 0 && id <= 3000, "identifier from pool4: " + id);
        assertEquals(1, u16(out, 26), "sequence number kept");
        assertValid4(out);
        byte[] reply = ipv4(SERVER4, POOL, 1, 64, 0, 9, 0, icmpEcho(0, id, 1, "ping".getBytes()));
        byte[] back = only(h.run(reply));
        assertEquals(129, back[40] & 0xff, "Echo Reply");
        assertEquals(777, u16(back, 44), "identifier back to the host's");
        assertEquals(HOST, dst6(back));
        assertValid6(back);
    }

    @Test
    void tcpNeedsASynFromIpv6() {
        byte[] ack = tcpHeaderAndData(40000, 80, new byte[0]);
        ack[13] = 0x10;
        XlatHarness.Outcome o = h.run(ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], ack));
        assertEquals(DropReason.NAT64_TCP_NOT_SYN, o.dropped());
        assertTrue(o.emitted().isEmpty());
        assertTrue(o.accountedOnce());
        byte[] syn = only(h.run(ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], tcpHeaderAndData(40000, 80, new byte[0]))));
        int t = u16(syn, 20);
        assertEquals(POOL, src4(syn));
        assertValid4(syn);
        byte[] synAck = tcpHeaderAndData(80, t, new byte[0]);
        synAck[13] = 0x12;
        byte[] back = only(h.run(ipv4(SERVER4, POOL, 6, 64, 0, 1, 0, synAck)));
        assertEquals(40000, u16(back, 42));
        assertValid6(back);
    }

    @Test
    void inboundWithoutBindingIsDroppedAndUdpAnsweredPortUnreachable() {
        XlatHarness.Outcome o = h.run(udp4(SERVER4, 53, POOL, 2999));
        assertEquals(DropReason.NAT64_NO_BINDING, o.dropped());
        assertEquals(1, o.icmpErrors());
        byte[] err = o.emitted().get(0);
        assertEquals(OWN4, src4(err));
        assertEquals(SERVER4, dst4(err));
        assertEquals(3, err[20]);
        assertEquals(3, err[21], "Port Unreachable");
        assertValid4(err);

        byte[] syn = tcpHeaderAndData(80, 2999, new byte[0]);
        o = h.run(ipv4(SERVER4, POOL, 6, 64, 0, 1, 0, syn));
        assertEquals(DropReason.NAT64_SYN_HELD, o.dropped(), "RFC 6146 §3.5.2.2: held for a simultaneous open");
        assertTrue(o.emitted().isEmpty());
        byte[] ack = tcpHeaderAndData(80, 2999, new byte[0]);
        ack[13] = 0x10;
        o = h.run(ipv4(SERVER4, POOL, 6, 64, 0, 1, 0, ack));
        assertEquals(DropReason.NAT64_NO_BINDING, o.dropped());
        assertTrue(o.emitted().isEmpty(), "no answer to TCP");
    }

    @Test
    void externallyInitiatedTcpCanBeRefused() {
        h.close();
        h = harness(settings(10, false, true, Timeouts.RFC6146, List.of()));
        XlatHarness.Outcome o = h.run(ipv4(SERVER4, POOL, 6, 64, 0, 1, 0, tcpHeaderAndData(80, 2999, new byte[0])));
        assertEquals(DropReason.NAT64_EXTERNAL_TCP, o.dropped());
    }

    @Test
    void addressDependentFilteringLetsOnlyTheContactedAddressIn() {
        h.close();
        h = harness(settings(10, true, false, Timeouts.RFC6146, List.of()));
        int t = u16(only(h.run(udp6(HOST, 5000, SERVER6, 53))), 20);
        XlatHarness.Outcome o = h.run(udp4("198.51.100.7", 53, POOL, t));
        assertEquals(DropReason.NAT64_FILTERED, o.dropped());
        assertTrue(o.emitted().isEmpty());
        assertEquals(HOST, dst6(only(h.run(udp4(SERVER4, 9999, POOL, t)))), "another port of the same address passes");
    }

    @Test
    void endpointIndependentFilteringLetsAnyoneReachABinding() {
        int t = u16(only(h.run(udp6(HOST, 5000, SERVER6, 53))), 20);
        assertEquals(HOST, dst6(only(h.run(udp4("198.51.100.7", 53, POOL, t)))));
    }

    @Test
    void fullTableIsAnsweredAddressUnreachable() {
        h.close();
        h = harness(settings(1, false, false, Timeouts.RFC6146, List.of()));
        only(h.run(udp6(HOST, 5000, SERVER6, 53)));
        XlatHarness.Outcome o = h.run(udp6(HOST2, 5000, SERVER6, 53));
        assertEquals(DropReason.NAT64_TABLE_FULL, o.dropped());
        assertEquals(1, o.icmpErrors());
        byte[] err = o.emitted().get(0);
        assertEquals(OWN6, src6(err));
        assertEquals(HOST2, dst6(err));
        assertEquals(1, err[40], "Destination Unreachable");
        assertEquals(3, err[41], "Address Unreachable (RFC 6146 §3.5.1.1)");
        assertValid6(err);
    }

    @Test
    void aStaticMapSourceStaysStateless() {
        h.close();
        h = harness(settings(10, false, false, Timeouts.RFC6146, List.of()),
                new MapEntry(Ipv4Prefix.parse("192.0.2.9", 32), Ipv6Prefix.parse("2001:db8::9", 128), "test"));
        byte[] out = only(h.run(udp6("2001:db8::9", 5000, SERVER6, 53)));
        assertEquals("192.0.2.9", src4(out));
        assertEquals(5000, u16(out, 20), "no port translation");
    }

    @Test
    void otherProtocolsAndNonFirstFragmentsAreDroppedWithTheirReasons() {
        XlatHarness.Outcome o = h.run(ipv6(HOST, SERVER6, 47, 47, 64, 0, new byte[0], new byte[8]));
        assertEquals(DropReason.NAT64_PROTOCOL_64, o.dropped());
        o = h.run(ipv4(SERVER4, POOL, 47, 64, 0, 1, 0, new byte[8]));
        assertEquals(DropReason.NAT64_PROTOCOL_46, o.dropped());
        o = h.run(ipv4(SERVER4, POOL, 17, 64, 0, 1, 3, new byte[16]));
        assertEquals(DropReason.NAT64_FRAGMENT_HELD, o.dropped(), "non-first, its first not seen: held for it");
        byte[] frag = {17, 0, 0, 24, 0, 0, 0, 5}; // offset 3 (24 bytes), M=0, id 5
        o = h.run(ipv6(HOST, SERVER6, 44, 17, 64, 0, frag, new byte[16]));
        assertEquals(DropReason.NAT64_FRAGMENT_HELD, o.dropped());
        assertTrue(o.emitted().isEmpty());
        o = h.run(ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmpEcho(130, 1, 1, new byte[0])));
        assertEquals(DropReason.NAT64_ICMP_QUERY_64, o.dropped(), "MLD query: not an echo");
    }

    @Test
    void echoRequestToTheOwnAddressInPool4IsAnsweredWithoutBinding() {
        h.close();
        h = new XlatHarness(new XlatSnapshot(TunxlatConfig.builder().tunDevice("nat64")
                .ipv4Addr(Addresses.parseIpv4(POOL)).ipv6Addr(Ipv6Prefix.parse(OWN6, 128))
                .prefix(Ipv6Prefix.parse("64:ff9b::/96", -1)).wkpfStrict(false)
                .nat64(settings(10, false, false, Timeouts.RFC6146, List.of(bib(Nat64Protocol.ICMP, HOST, 1, POOL, 1))))
                .build()));
        XlatHarness.Outcome o = h.run(ipv4(SERVER4, POOL, 1, 64, 0, 1, 0, icmpEcho(8, 55, 1, new byte[4])));
        assertEquals(1, o.echoReplies(), o.toString());
        byte[] viaBib = only(h.run(ipv4(SERVER4, POOL, 1, 64, 0, 1, 0, icmpEcho(8, 1, 1, new byte[4]))));
        assertEquals(HOST, dst6(viaBib), "identifier 1 has a static binding: translated, not answered");
    }
}
