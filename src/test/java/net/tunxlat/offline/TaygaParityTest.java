// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offline;

import static net.tunxlat.xlat.TestPackets.icmpEcho;
import static net.tunxlat.xlat.TestPackets.ipv4;
import static net.tunxlat.xlat.TestPackets.ipv6;
import static net.tunxlat.xlat.TestPackets.naiveSum;
import static net.tunxlat.xlat.TestPackets.tcpHeaderAndData;
import static net.tunxlat.xlat.TestPackets.transportSum4;
import static net.tunxlat.xlat.TestPackets.udpHeaderAndData;
import static net.tunxlat.xlat.TestPackets.v4;
import static net.tunxlat.xlat.TestPackets.v6;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;
import org.junit.jupiter.api.Test;
import net.tunxlat.xlat.TestPackets;

/**
 * Issue 14 items 1-10: packets the maintained TAYGA (apalrd/tayga, nat64.c / addrmap.c) answers or drops
 * differently from tunxlat before this change, each through the offline translate mode (a worker over an
 * in-memory queue, exactly what {@code tunxlat translate} runs) with a TAYGA-style configuration, asserting
 * TAYGA's answer: the ICMP error's type, code and source, or the drop under its own reason. The table of
 * every difference, with the RFC sections and the decisions, is docs/tayga-differences.md.
 */
class TaygaParityTest {
    static final String OWN4 = "192.0.2.1";
    static final String OWN6 = "2001:db8:ffff::1";
    /** An IPv6 host with a static map. */
    static final String H6 = "2001:db8:1::10";
    static final String H6_AS4 = "192.0.2.10";
    /** A global IPv4 host and a non-global one (RFC 1918), under the Well-Known Prefix. */
    static final String G4 = "8.8.8.8";
    static final String G4_WKP = "64:ff9b::808:808";
    static final String P4 = "10.1.2.3";
    static final String P4_WKP = "64:ff9b::a01:203";

    static final String WKP_CONF = String.join("\n",
            "tun-device nat64",
            "ipv4-addr " + OWN4,
            "ipv6-addr " + OWN6,
            "prefix 64:ff9b::/96",
            "wkpf-strict yes",
            "map " + H6_AS4 + " " + H6,
            "");

    static final String NSP_CONF = String.join("\n",
            "tun-device nat64",
            "ipv4-addr " + OWN4,
            "ipv6-addr " + OWN6,
            "prefix 2001:db8:64::/96",
            "map " + H6_AS4 + " " + H6,
            "");

    static TunxlatConfig config(String text) throws Exception {
        return ConfigParser.parse(text, Path.of("tayga.conf"));
    }

    /** One packet through a fresh offline translator (TUN MTU 1500, as TAYGA's default tun device). */
    static OfflineTranslator.Result run(String conf, byte[] packet) throws Exception {
        TunxlatConfig c = config(conf);
        XlatState state = XlatState.forConfig(c, () -> 1_700_000_000L);
        XlatSnapshot snapshot = new XlatSnapshot(c, state, 1500);
        state.install(snapshot);
        try (OfflineTranslator x = new OfflineTranslator(snapshot)) {
            return x.translate(packet, 0);
        }
    }

    // ------------------------------------------------------------------ packet helpers

    static byte[] udp4(String src, String dst) {
        return ipv4(src, dst, 17, 64, 0, 7, 0, udpHeaderAndData(1000, 53, new byte[20]));
    }

    static byte[] udp6(String src, String dst) {
        return ipv6(src, dst, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1000, 53, new byte[20]));
    }

    static byte[] only(OfflineTranslator.Result r) {
        assertEquals(1, r.packets().size(), r.explain("", ""));
        return r.packets().get(0);
    }

    /** Asserts {@code p} is an ICMPv4 error type/code from {@code src} to {@code dst} with valid checksums. */
    static void assertIcmp4Error(byte[] p, int type, int code, String src, String dst, String why) {
        assertEquals(0x45, p[0] & 0xff, why);
        assertEquals(1, p[9], why + ": ICMPv4");
        assertArrayEquals(v4(src), Arrays.copyOfRange(p, 12, 16), why + ": source");
        assertArrayEquals(v4(dst), Arrays.copyOfRange(p, 16, 20), why + ": destination");
        assertEquals(type, p[20] & 0xff, why + ": type");
        assertEquals(code, p[21] & 0xff, why + ": code");
        assertEquals(0xffff, naiveSum(p, 0, 20), why + ": header checksum");
        assertEquals(0xffff, naiveSum(p, 20, p.length), why + ": ICMP checksum");
    }

    /** Asserts {@code p} is an ICMPv6 error type/code from {@code src} to {@code dst}; returns its parameter. */
    static long assertIcmp6Error(byte[] p, int type, int code, String src, String dst, String why) {
        assertEquals(6, (p[0] & 0xff) >> 4, why);
        assertEquals(58, p[6] & 0xff, why + ": ICMPv6");
        assertArrayEquals(v6(src), Arrays.copyOfRange(p, 8, 24), why + ": source");
        assertArrayEquals(v6(dst), Arrays.copyOfRange(p, 24, 40), why + ": destination");
        assertEquals(type, p[40] & 0xff, why + ": type");
        assertEquals(code, p[41] & 0xff, why + ": code");
        assertEquals(0xffff, TestPackets.transportSum6(p, 40, 58), why + ": ICMPv6 checksum");
        return ByteBuffer.wrap(p, 44, 4).getInt() & 0xffffffffL;
    }

    static void assertDropped(OfflineTranslator.Result r, String label) {
        assertEquals(OfflineTranslator.Kind.DROPPED, r.kind(), r.explain("", ""));
        assertTrue(r.packets().isEmpty(), r.explain("", ""));
        assertTrue(r.outcome().contains("dropped: " + label + " ("), "counted under " + label + ": " + r.outcome());
    }

    // ------------------------------------------------------------------ item 1: Well-Known Prefix, non-global

    @Test
    void item1_ipv6ToANonGlobalAddressUnderTheStrictWkpGetsDestinationUnreachableFromIpv6Addr() throws Exception {
        OfflineTranslator.Result r = run(WKP_CONF, udp6(H6, P4_WKP));
        assertEquals(OfflineTranslator.Kind.ANSWERED, r.kind(), r.explain("", ""));
        assertIcmp6Error(only(r), 1, 0, OWN6, H6, "TAYGA: host_send_icmp6_error(1, 0) on ERROR_REJECT");
        assertTrue(r.outcome().contains("wkpf_non_global_64"), r.outcome());
    }

    @Test
    void item1_ipv6FromANonGlobalAddressUnderTheStrictWkpGetsSourceFailedPolicyFromIpv6Addr() throws Exception {
        OfflineTranslator.Result r = run(WKP_CONF, udp6(P4_WKP, "64:ff9b::808:808"));
        assertIcmp6Error(only(r), 1, 5, OWN6, P4_WKP, "TAYGA: 1/5 when the source is rejected");
    }

    @Test
    void item1_ipv4FromANonGlobalSourceUnderTheStrictWkpGetsCode10FromIpv4Addr() throws Exception {
        OfflineTranslator.Result r = run(WKP_CONF, udp4(P4, H6_AS4));
        assertEquals(OfflineTranslator.Kind.ANSWERED, r.kind(), r.explain("", ""));
        assertIcmp4Error(only(r), 3, 10, OWN4, P4, "TAYGA: host_send_icmp4_error(3, 10) for the source");
        assertTrue(r.outcome().contains("wkpf_non_global_46"), r.outcome());
    }

    @Test
    void item1_ipv4ToANonGlobalDestinationUnderTheStrictWkpGetsHostUnreachableFromIpv4Addr() throws Exception {
        OfflineTranslator.Result r = run(WKP_CONF, udp4(G4, "10.9.9.9"));
        assertIcmp4Error(only(r), 3, 1, OWN4, G4, "TAYGA: host_send_icmp4_error(3, 1) for the destination");
    }

    @Test
    void item1_globalAddressesUnderTheWkpStillTranslate() throws Exception {
        assertEquals(OfflineTranslator.Kind.TRANSLATED, run(WKP_CONF, udp6(H6, G4_WKP)).kind());
        assertEquals(OfflineTranslator.Kind.TRANSLATED, run(WKP_CONF, udp4(G4, H6_AS4)).kind());
    }

    // ------------------------------------------------------------------ item 2: class E

    @Test
    void item2_classESourcesAndDestinationsAreTranslated() throws Exception {
        OfflineTranslator.Result r = run(NSP_CONF, udp4("240.1.2.3", H6_AS4));
        assertEquals(OfflineTranslator.Kind.TRANSLATED, r.kind(), r.explain("", ""));
        assertArrayEquals(v6("2001:db8:64::f001:203"), Arrays.copyOfRange(only(r), 8, 24));
        r = run(NSP_CONF, udp6(H6, "2001:db8:64::f001:203"));
        assertEquals(OfflineTranslator.Kind.TRANSLATED, r.kind(), r.explain("", ""));
        byte[] o = only(r);
        assertArrayEquals(v4("240.1.2.3"), Arrays.copyOfRange(o, 16, 20));
        assertEquals(0xffff, transportSum4(o));
    }

    @Test
    void item2_theLimitedBroadcastStaysForbidden() throws Exception {
        assertDropped(run(NSP_CONF, udp4(G4, "255.255.255.255")), "forbidden_dst_46");
        assertDropped(run(NSP_CONF, udp6(H6, "2001:db8:64::ffff:ffff")), "forbidden_dst_64");
    }

    // ------------------------------------------------------------------ item 3: RFC 6052 u-octet

    static final String NSP64_CONF = NSP_CONF.replace("prefix 2001:db8:64::/96", "prefix 2001:db8:64::/64");

    @Test
    void item3_anAddressWhoseUOctetIsNotZeroIsDropped() throws Exception {
        // 8.8.8.8 under 2001:db8:64::/64 is 2001:db8:64:0:8:808:800:0 (RFC 6052 §2.2: bits 64-71 are the u octet)
        OfflineTranslator.Result ok = run(NSP64_CONF, udp6(H6, "2001:db8:64:0:8:808:800:0"));
        assertEquals(OfflineTranslator.Kind.TRANSLATED, ok.kind(), ok.explain("", ""));
        assertDropped(run(NSP64_CONF, udp6(H6, "2001:db8:64:0:108:808:800:0")), "rfc6052_u_octet_64");
        assertDropped(run(NSP64_CONF, udp6("2001:db8:64:0:ff08:808:800:0", H6)), "rfc6052_u_octet_64");
    }

    // ------------------------------------------------------------------ item 4: IPv6 UDP zero checksum

    static byte[] udp6ZeroChecksum() {
        byte[] p = udp6(H6, "2001:db8:64::808:808");
        p[46] = 0;
        p[47] = 0;
        return p;
    }

    @Test
    void item4_zeroChecksumUdpFromIpv6IsDroppedInDropMode() throws Exception {
        assertDropped(run(NSP_CONF + "udp-cksum-mode drop\n", udp6ZeroChecksum()), "udp_zero_checksum_64");
    }

    @Test
    void item4_zeroChecksumUdpFromIpv6GetsARealIpv4ChecksumInCalcMode() throws Exception {
        OfflineTranslator.Result r = run(NSP_CONF + "udp-cksum-mode calc\n", udp6ZeroChecksum());
        assertEquals(OfflineTranslator.Kind.TRANSLATED, r.kind(), r.explain("", ""));
        byte[] o = only(r);
        assertNotEquals(0, ((o[26] & 0xff) << 8) | (o[27] & 0xff), "a checksum was computed");
        assertEquals(0xffff, transportSum4(o), "and it verifies (RFC 768 pseudo-header)");
    }

    @Test
    void item4_zeroChecksumUdpFromIpv6IsForwardedWithZeroInFwdMode() throws Exception {
        OfflineTranslator.Result r = run(NSP_CONF + "udp-cksum-mode fwd\n", udp6ZeroChecksum());
        byte[] o = only(r);
        assertEquals(0, ((o[26] & 0xff) << 8) | (o[27] & 0xff), "IPv4 allows no checksum (RFC 768)");
    }

    // ------------------------------------------------------------------ item 5: IPv6 protocols in IPv4

    @Test
    void item5_ipv4CarryingAnIpv6ExtensionHeaderProtocolIsDropped() throws Exception {
        for (int proto : new int[] {0, 43, 44, 60}) {
            byte[] p = ipv4(G4, H6_AS4, proto, 64, 0, 7, 0, new byte[16]);
            assertDropped(run(NSP_CONF, p), "ipv6_protocol_in_ipv4_46");
        }
        assertDropped(run(NSP_CONF, ipv4(G4, H6_AS4, 58, 64, 0, 7, 0, new byte[16])), "icmp_wrong_version_46");
    }

    @Test
    void item5_anIcmpv4ErrorQuotingSuchAPacketIsDroppedToo() throws Exception {
        byte[] inner = ipv4(H6_AS4, G4, 43, 64, 0, 7, 0, new byte[16]);
        byte[] err = ipv4(G4, H6_AS4, 1, 64, 0, 8, 0, icmpError(3, 3, inner));
        assertDropped(run(NSP_CONF, err), "ipv6_protocol_in_ipv4_46");
        inner = ipv4(H6_AS4, G4, 58, 64, 0, 7, 0, new byte[16]);
        err = ipv4(G4, H6_AS4, 1, 64, 0, 8, 0, icmpError(3, 3, inner));
        assertDropped(run(NSP_CONF, err), "icmp_wrong_version_46");
    }

    /** An ICMP error message (either version) quoting {@code inner}; ipv4() / ipv6() fill in the checksum. */
    static byte[] icmpError(int type, int code, byte[] inner) {
        byte[] m = new byte[8 + inner.length];
        m[0] = (byte) type;
        m[1] = (byte) code;
        System.arraycopy(inner, 0, m, 8, inner.length);
        return m;
    }

    // ------------------------------------------------------------------ item 6: inner addresses

    @Test
    void item6_anIcmpv4ErrorQuotingALoopbackAddressIsDropped() throws Exception {
        byte[] inner = ipv4(H6_AS4, "127.0.0.1", 17, 64, 0, 7, 0, udpHeaderAndData(53, 1000, new byte[8]));
        byte[] err = ipv4(G4, H6_AS4, 1, 64, 0, 8, 0, icmpError(3, 3, inner));
        assertDropped(run(NSP_CONF, err), "icmp_error_inner_46");
    }

    @Test
    void item6_anIcmpv6ErrorQuotingAnAddressOutsideEveryPrefixAndMapIsDropped() throws Exception {
        byte[] inner = udp6(H6, "2001:db8:999::1");
        byte[] err = ipv6("2001:db8:64::808:808", H6, 58, 58, 64, 0, new byte[0], icmpError(1, 4, inner));
        assertDropped(run(NSP_CONF, err), "icmp_error_inner_64");
    }

    @Test
    void item6_anIcmpv6ErrorQuotingAnAddressStandingForLoopbackIsDropped() throws Exception {
        byte[] inner = udp6(H6, "2001:db8:64::7f00:1");
        byte[] err = ipv6("2001:db8:64::808:808", H6, 58, 58, 64, 0, new byte[0], icmpError(1, 4, inner));
        assertDropped(run(NSP_CONF, err), "icmp_error_inner_64");
    }

    // ------------------------------------------------------------------ item 7: what the explanation says

    @Test
    void item7_anIcmpv4ErrorWhoseTtlRunsOutIsDroppedAndTheExplanationDoesNotClaimAnAnswer() throws Exception {
        byte[] inner = ipv4(H6_AS4, G4, 17, 64, 0, 7, 0, udpHeaderAndData(53, 1000, new byte[8]));
        byte[] err = ipv4(G4, H6_AS4, 1, 1, 0, 8, 0, icmpError(3, 3, inner));
        OfflineTranslator.Result r = run(NSP_CONF, err);
        assertDropped(r, "ttl_exceeded_46");
        assertFalse(r.outcome().contains("answered:") || r.outcome().contains("Time Exceeded sent"),
                "nothing was sent: " + r.outcome());
        assertTrue(r.outcome().contains("no ICMP error"), "says that no error was sent, and why: " + r.outcome());
    }

    @Test
    void item7_anUdpPacketWhoseTtlRunsOutIsAnsweredAndSaysSo() throws Exception {
        OfflineTranslator.Result r = run(NSP_CONF, ipv4(G4, H6_AS4, 17, 1, 0, 7, 0, udpHeaderAndData(1, 2, new byte[8])));
        assertIcmp4Error(only(r), 11, 0, OWN4, G4, "Time Exceeded in transit");
        assertTrue(r.outcome().contains("ICMPv4 Time Exceeded (11/0, TTL exceeded in transit) sent"), r.outcome());
    }

    /** Kept (RFC 4443 §2.4 allows it; TAYGA answers only echo requests): listed in docs/tayga-differences.md. */
    @Test
    void item7_kept_anIcmpv6EchoReplyWhoseHopLimitRunsOutGetsTimeExceeded() throws Exception {
        byte[] reply = ipv6(H6, "2001:db8:64::808:808", 58, 58, 1, 0, new byte[0], icmpEcho(129, 1, 1, new byte[8]));
        OfflineTranslator.Result r = run(NSP_CONF, reply);
        assertIcmp6Error(only(r), 3, 0, OWN6, H6, "Time Exceeded, as a router sends it (RFC 4443 §3.3)");
    }

    // ------------------------------------------------------------------ item 8: Fragmentation Needed

    @Test
    void item8_aDfPacketTooBigForTheIpv6SideGetsFragmentationNeededFromIpv4Addr() throws Exception {
        // TUN MTU 1500: an IPv4 packet of 1481 bytes or more becomes more than 1500 bytes of IPv6
        byte[] p = ipv4(G4, H6_AS4, 6, 64, 0, 7, 0x4000, tcpHeaderAndData(80, 5000, new byte[1481 - 40]));
        OfflineTranslator.Result r = run(NSP_CONF, p);
        byte[] o = only(r);
        assertIcmp4Error(o, 3, 4, OWN4, G4, "TAYGA: host_send_icmp4_error(3, 4, mtu - 20)");
        assertEquals(1480, ((o[26] & 0xff) << 8) | (o[27] & 0xff), "next-hop MTU: TUN MTU - 20");
        byte[] fits = ipv4(G4, H6_AS4, 6, 64, 0, 7, 0x4000, tcpHeaderAndData(80, 5000, new byte[1480 - 40]));
        assertEquals(OfflineTranslator.Kind.TRANSLATED, run(NSP_CONF, fits).kind());
    }

    // ------------------------------------------------------------------ item 9: the translator's own addresses

    @Test
    void item9_aProtocolTheTranslatorDoesNotServeOnIpv6AddrGetsParameterProblemCode1() throws Exception {
        OfflineTranslator.Result r = run(NSP_CONF, udp6(H6, OWN6));
        long pointer = assertIcmp6Error(only(r), 4, 1, OWN6, H6, "RFC 4443 §3.4 unrecognized Next Header");
        assertEquals(6, pointer, "points at the Next Header field");
        assertTrue(r.outcome().contains("to_self_64"), r.outcome());
    }

    @Test
    void item9_aProtocolTheTranslatorDoesNotServeOnIpv4AddrGetsProtocolUnreachable() throws Exception {
        OfflineTranslator.Result r = run(NSP_CONF, udp4(G4, OWN4));
        assertIcmp4Error(only(r), 3, 2, OWN4, G4, "RFC 1122 §3.2.2.1 Protocol Unreachable");
        assertTrue(r.outcome().contains("to_self_46"), r.outcome());
    }

    @Test
    void item9_pingsToTheOwnAddressesAreStillAnswered() throws Exception {
        assertEquals(OfflineTranslator.Kind.ECHO_REPLY,
                run(NSP_CONF, ipv4(G4, OWN4, 1, 64, 0, 7, 0, icmpEcho(8, 1, 1, new byte[8]))).kind());
        assertEquals(OfflineTranslator.Kind.ECHO_REPLY,
                run(NSP_CONF, ipv6(H6, OWN6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 1, 1, new byte[8]))).kind());
    }

    @Test
    void item9_anIcmpErrorToTheOwnAddressIsNotAnsweredWithAnError() throws Exception {
        byte[] inner = udp6(OWN6, H6);
        byte[] err = ipv6(H6, OWN6, 58, 58, 64, 0, new byte[0], icmpError(1, 4, inner));
        OfflineTranslator.Result r = run(NSP_CONF, err);
        assertTrue(r.packets().isEmpty(), r.explain("", ""));
    }

    // ------------------------------------------------------------------ item 10: unbound pool address

    @Test
    void item10_anIpv4PacketToAnUnboundPoolAddressGetsHostUnreachableFromIpv4Addr() throws Exception {
        String conf = NSP_CONF + "dynamic-pool 198.18.0.0/24\n";
        OfflineTranslator.Result r = run(conf, udp4(G4, "198.18.0.77"));
        assertIcmp4Error(only(r), 3, 1, OWN4, G4, "TAYGA: ERROR_REJECT for an unbound pool address -> 3/1");
        assertTrue(r.outcome().contains("pool_unbound_46"), r.outcome());
    }
}
