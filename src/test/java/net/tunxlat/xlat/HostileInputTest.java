// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.DropReason.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import net.tunxlat.LeakWatch;

/**
 * The hostile-input catalogue (issue 9): every packet here is malformed, lying, spoofed or forged. Each is
 * dropped and counted under its own reason (and answered with an ICMP error only where RFC 7915 asks for
 * one and the source is a real host), nothing reads or writes outside the packet ({@link XlatHarness} uses
 * exact-size buffers), and the next good packet in both directions still passes. The few hostile-looking
 * inputs that a stateless translator passes on by design are in {@link #passedOnByDesign}, with why.
 */
class HostileInputTest {
    static final String OWN4 = TranslatorTest.OWN4;
    static final String OWN6 = TranslatorTest.OWN6;
    static final String H6 = TranslatorTest.H6;
    static final String H6_AS4 = TranslatorTest.H6_AS4;
    static final String H4 = TranslatorTest.H4;
    static final String H4_AS6 = TranslatorTest.H4_AS6;

    static XlatSnapshot snapshot() {
        TunxlatConfig c = TunxlatConfig.builder().source(Path.of("hostile.conf")).ipv4Addr(Addresses.parseIpv4(OWN4))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1))
                .maps(List.of(new MapEntry(Ipv4Prefix.parse(H6_AS4, 32), Ipv6Prefix.parse(H6, 128), "test"))).build();
        return new XlatSnapshot(c);
    }

    /** Leaks Netty had reported before these tests (another class's, on purpose: LeakWatchTest). */
    static final int LEAK_MARK = LeakWatch.mark();

    @org.junit.jupiter.api.AfterAll
    static void noBufferLeaked() {
        LeakWatch.assertNoLeaks(LEAK_MARK);
    }

    final XlatHarness x = new XlatHarness(snapshot());

    @AfterEach
    void close() {
        x.close();
    }

    // ---------------------------------------------------------------- packets

    static byte[] udp4(String src, String dst, int ttl) {
        return ipv4(src, dst, 17, ttl, 0, 7, 0, udpHeaderAndData(1000, 53, new byte[20]));
    }

    static byte[] udp6(String src, String dst, int hop) {
        return ipv6(src, dst, 17, 17, hop, 0, new byte[0], udpHeaderAndData(1000, 53, new byte[20]));
    }

    static byte[] good46() {
        return ipv4(H4, H6_AS4, 6, 64, 0, 1, 0x4000, tcpHeaderAndData(80, 5000, new byte[40]));
    }

    static byte[] good64() {
        return udp6(H6, H4_AS6, 64);
    }

    /** Recomputes the IPv4 header checksum after a field was changed. */
    static byte[] fixHeaderChecksum(byte[] p) {
        int ihl = Math.max(20, (p[0] & 0x0f) * 4);
        if (p.length < 20) {
            return p;
        }
        p[10] = 0;
        p[11] = 0;
        int c = ~naiveSum(p, 0, Math.min(ihl, p.length)) & 0xffff;
        p[10] = (byte) (c >> 8);
        p[11] = (byte) c;
        return p;
    }

    static byte[] with(byte[] p, int at, int... bytes) {
        byte[] q = p.clone();
        for (int i = 0; i < bytes.length; i++) {
            q[at + i] = (byte) bytes[i];
        }
        return q;
    }

    /** An ICMPv4 error message (checksum valid) quoting {@code inner}. */
    static byte[] icmp4Error(String src, String dst, int type, int code, byte[] inner) {
        byte[] l4 = new byte[8 + inner.length];
        l4[0] = (byte) type;
        l4[1] = (byte) code;
        System.arraycopy(inner, 0, l4, 8, inner.length);
        return ipv4(src, dst, 1, 64, 0, 9, 0, l4);
    }

    /** An ICMPv6 error message (checksum valid) quoting {@code inner}. */
    static byte[] icmp6Error(String src, String dst, int type, int code, byte[] inner) {
        byte[] l4 = new byte[8 + inner.length];
        l4[0] = (byte) type;
        l4[1] = (byte) code;
        System.arraycopy(inner, 0, l4, 8, inner.length);
        return ipv6(src, dst, 58, 58, 64, 0, new byte[0], l4);
    }

    static byte[] extensionHeader(int nextHeader, int length8) {
        byte[] h = new byte[(length8 + 1) * 8];
        h[0] = (byte) nextHeader;
        h[1] = (byte) length8;
        h[2] = 1; // PadN option covering the rest
        h[3] = (byte) (h.length - 4);
        return h;
    }

    static Arguments drop(String name, byte[] packet, DropReason reason) {
        return Arguments.of(name, packet, reason);
    }

    // ---------------------------------------------------------------- the catalogue

    static Stream<Arguments> catalogue() {
        List<Arguments> c = new ArrayList<>();
        c.add(drop("empty packet", new byte[0], UNKNOWN_IP_VERSION));
        c.add(drop("IP version 5", with(good46(), 0, 0x55), UNKNOWN_IP_VERSION));
        c.add(drop("IP version 0, one byte", new byte[1], UNKNOWN_IP_VERSION));

        // Truncated headers at every length: the capture ends before the headers (or the datagram) do.
        byte[] v4 = good46();
        for (int len = 1; len < v4.length; len++) {
            c.add(drop("IPv4 truncated to " + len + " of " + v4.length + " bytes", Arrays.copyOf(v4, len), TRUNCATED_46));
        }
        byte[] v6 = good64();
        for (int len = 1; len < v6.length; len++) {
            c.add(drop("IPv6 truncated to " + len + " of " + v6.length + " bytes", Arrays.copyOf(v6, len), TRUNCATED_64));
        }
        // Transport headers cut short, with IP lengths that agree (the first fragment of RFC 7112 "tiny" ones too).
        for (int l = 0; l < 18; l++) {
            c.add(drop("IPv4 TCP header of " + l + " bytes", ipv4(H4, H6_AS4, 6, 64, 0, 1, 0, new byte[l]), TOO_SHORT_L4_46));
            c.add(drop("IPv6 TCP header of " + l + " bytes", ipv6(H6, H4_AS6, 6, 6, 64, 0, new byte[0], new byte[l]),
                    TOO_SHORT_L4_64));
        }
        for (int l = 0; l < 8; l++) {
            c.add(drop("IPv4 UDP header of " + l + " bytes", ipv4(H4, H6_AS4, 17, 64, 0, 1, 0, new byte[l]), TOO_SHORT_L4_46));
            c.add(drop("IPv6 UDP header of " + l + " bytes", ipv6(H6, H4_AS6, 17, 17, 64, 0, new byte[0], new byte[l]),
                    TOO_SHORT_L4_64));
            byte[] echo4 = new byte[l];
            byte[] echo6 = new byte[l];
            if (l > 0) {
                echo4[0] = 8;
                echo6[0] = (byte) 128;
            }
            c.add(drop("IPv4 ICMP echo of " + l + " bytes", ipv4(H4, H6_AS4, 1, 64, 0, 1, 0, echo4), TOO_SHORT_L4_46));
            c.add(drop("IPv6 ICMP echo of " + l + " bytes", ipv6(H6, H4_AS6, 58, 58, 64, 0, new byte[0], echo6),
                    TOO_SHORT_L4_64));
        }
        c.add(drop("first IPv4 fragment of 8 bytes: TCP header in a later fragment (RFC 1858 tiny fragment)",
                ipv4(H4, H6_AS4, 6, 64, 0, 1, 0x2000, new byte[8]), TOO_SHORT_L4_46));
        byte[] frag6 = {17, 0, 0, 1, 0, 0, 0, 42}; // offset 0, M=1
        c.add(drop("first IPv6 fragment holding 4 bytes of the UDP header (RFC 7112)",
                ipv6(H6, H4_AS6, 44, 17, 64, 0, frag6, new byte[4]), TOO_SHORT_L4_64));

        // Lying length fields.
        c.add(drop("IPv4 total length 1 byte longer than the packet",
                fixHeaderChecksum(with(v4, 2, (v4.length + 1) >> 8, v4.length + 1)), TRUNCATED_46));
        c.add(drop("IPv4 total length 65535 on a short packet", fixHeaderChecksum(with(v4, 2, 0xff, 0xff)), TRUNCATED_46));
        c.add(drop("IPv4 total length 19, below the header", fixHeaderChecksum(with(v4, 2, 0, 19)), TRUNCATED_46));
        c.add(drop("IPv4 total length 0", fixHeaderChecksum(with(v4, 2, 0, 0)), TRUNCATED_46));
        for (int ihl = 0; ihl < 5; ihl++) {
            c.add(drop("IPv4 IHL " + ihl, fixHeaderChecksum(with(v4, 0, 0x40 | ihl)), TRUNCATED_46));
        }
        c.add(drop("IPv4 IHL 15 (60 bytes) beyond a 28-byte datagram",
                fixHeaderChecksum(with(udp4(H4, H6_AS4, 64), 0, 0x4f)), TRUNCATED_46));
        c.add(drop("IPv4 header checksum wrong", with(v4, 10, v4[10] ^ 0x55), BAD_HEADER_CHECKSUM_46));
        c.add(drop("IPv6 payload length 1 byte longer than the packet",
                with(v6, 4, (v6.length - 39) >> 8, v6.length - 39), TRUNCATED_64));
        c.add(drop("IPv6 payload length 65535 on a short packet", with(v6, 4, 0xff, 0xff), TRUNCATED_64));
        c.add(drop("IPv6 payload length 0: nothing after the header", with(v6, 4, 0, 0), TOO_SHORT_L4_64));
        c.add(drop("IPv6 extension header longer than the packet",
                ipv6(H6, H4_AS6, 60, 17, 64, 0, with(extensionHeader(17, 0), 1, 200), udpHeaderAndData(1, 2, new byte[8])),
                TRUNCATED_64));
        c.add(drop("IPv6 extension header cut in its first 8 bytes",
                ipv6(H6, H4_AS6, 0, 59, 64, 0, new byte[0], new byte[6]), TRUNCATED_64));

        // Jumbograms (RFC 2675): payload length 0 with a Hop-by-Hop header.
        byte[] jumbo = {17, 0, (byte) 0xc2, 4, 0, 1, 0, 0};
        c.add(drop("IPv6 jumbogram", with(ipv6(H6, H4_AS6, 0, 17, 64, 0, jumbo, udpHeaderAndData(1, 2, new byte[8])), 4, 0, 0),
                JUMBOGRAM_64));

        // Extension headers: after the Fragment header, a Routing header with segments left.
        c.add(drop("Destination Options after the Fragment header",
                ipv6(H6, H4_AS6, 44, 17, 64, 0, concat(new byte[] {60, 0, 0, 0, 0, 0, 0, 7}, extensionHeader(17, 0)),
                        udpHeaderAndData(1, 2, new byte[8])), EXT_HEADER_AFTER_FRAGMENT_64));
        c.add(drop("two Fragment headers",
                ipv6(H6, H4_AS6, 44, 17, 64, 0, new byte[] {44, 0, 0, 0, 0, 0, 0, 7, 17, 0, 0, 0, 0, 0, 0, 7},
                        udpHeaderAndData(1, 2, new byte[8])), EXT_HEADER_AFTER_FRAGMENT_64));
        byte[] routing = {17, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        c.add(drop("Routing header with segments left 1", ipv6(H6, H4_AS6, 43, 17, 64, 0, routing,
                udpHeaderAndData(1, 2, new byte[8])), ROUTING_HEADER_64));

        // ICMP errors inside ICMP errors (RFC 7915 §4.3, §5.3: stop at the first embedded header).
        byte[] innerError4 = icmp4Error(H6_AS4, H4, 3, 1, udp4(H4, H6_AS4, 64));
        c.add(drop("ICMPv4 error quoting an ICMPv4 error", icmp4Error("198.51.100.9", H6_AS4, 3, 3,
                icmp4Error(H6_AS4, H4, 3, 1, udp4(H6_AS4, H4, 64))), ICMP_ERROR_INNER_46));
        c.add(drop("ICMPv6 error quoting an ICMPv6 error", icmp6Error("2001:db8:6::1", H4_AS6, 1, 4,
                icmp6Error(H4_AS6, H6, 1, 0, udp6(H4_AS6, H6, 64))), ICMP_ERROR_INNER_64));
        assertNotNull(innerError4);
        c.add(drop("ICMPv4 error with a wrong checksum",
                with(icmp4Error("198.51.100.9", H6_AS4, 3, 3, udp4(H6_AS4, H4, 64)), 22, 0x12, 0x34), ICMP_BAD_CHECKSUM_46));
        c.add(drop("ICMPv4 error quoting 19 bytes (not a whole header)",
                icmp4Error("198.51.100.9", H6_AS4, 3, 3, Arrays.copyOf(udp4(H6_AS4, H4, 64), 19)), ICMP_ERROR_INNER_46));
        c.add(drop("ICMPv6 error quoting 39 bytes (not a whole header)",
                icmp6Error("2001:db8:6::1", H4_AS6, 1, 4, Arrays.copyOf(udp6(H4_AS6, H6, 64), 39)), ICMP_ERROR_INNER_64));

        // ICMP of the other IP version: it would arrive as an ICMP message whose checksum and contents nobody checked.
        c.add(drop("IPv4 packet carrying an ICMPv6 Packet Too Big", ipv4(H4, H6_AS4, 58, 64, 0, 1, 0,
                icmpEcho(2, 0, 0, new byte[40])), ICMP_WRONG_VERSION_46));
        c.add(drop("IPv6 packet carrying an ICMPv4 error", ipv6(H6, H4_AS6, 1, 1, 64, 0, new byte[0],
                icmp4Error(H4, H6_AS4, 3, 3, udp4(H4, H6_AS4, 64))), ICMP_WRONG_VERSION_64));

        // Errors quoting packets the translator never sent: the quoted source is not the error's destination.
        c.add(drop("ICMPv4 error to a host about another host's packet",
                icmp4Error("198.51.100.9", H6_AS4, 3, 3, udp4("192.168.255.77", H4, 64)), ICMP_ERROR_MISMATCH_46));
        c.add(drop("ICMPv4 error to a host about a packet it received",
                icmp4Error("198.51.100.9", H6_AS4, 3, 3, udp4(H4, H6_AS4, 64)), ICMP_ERROR_MISMATCH_46));
        c.add(drop("ICMPv6 error to an IPv4 host about another host's packet",
                icmp6Error("2001:db8:6::1", H4_AS6, 1, 4, udp6("2001:db8:64::c633:6401", H6, 64)), ICMP_ERROR_MISMATCH_64));
        c.add(drop("ICMPv6 error to an IPv4 host about a packet it received",
                icmp6Error("2001:db8:6::1", H4_AS6, 1, 4, udp6(H6, H4_AS6, 64)), ICMP_ERROR_MISMATCH_64));

        // Spoofed sources and unroutable destinations (RFC 1812 §5.3.7, RFC 4291, Jool's denylist, RFC 6052 §3.1).
        for (String s : List.of("0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "169.254.1.1", "224.0.0.1",
                "239.255.255.250", "255.255.255.255", OWN4)) { // 240.0.0.1 (class E) is translated: passedOnByDesign
            c.add(drop("IPv4 source " + s, udp4(s, H6_AS4, 64), FORBIDDEN_SRC_46));
        }
        c.add(drop("ICMPv4 error claiming to come from the translator", icmp4Error(OWN4, H6_AS4, 3, 3, udp4(H6_AS4, H4, 64)),
                FORBIDDEN_SRC_46));
        for (String d : List.of("0.0.0.0", "127.0.0.1", "169.254.9.9", "224.0.0.251", "255.255.255.255")) {
            c.add(drop("IPv4 destination " + d, udp4(H4, d, 64), FORBIDDEN_DST_46));
        }
        for (String s : List.of("::", "::1", "fe80::1", "febf::1", "ff02::1", "ff0e::1", OWN6,
                "2001:db8:64::7f00:1", "2001:db8:64::1", "2001:db8:64::a9fe:101", "2001:db8:64::e000:1",
                "2001:db8:64::ffff:ffff")) {
            c.add(drop("IPv6 source " + s, udp6(s, H4_AS6, 64), FORBIDDEN_SRC_64));
        }
        for (String d : List.of("::", "::1", "fe80::1", "ff02::1", "ff05::2", "2001:db8:64::7f00:1", "2001:db8:64::e000:fb",
                "2001:db8:64::ffff:ffff")) {
            c.add(drop("IPv6 destination " + d, udp6(H6, d, 64), FORBIDDEN_DST_64));
        }
        return c.stream();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void droppedCountedByReasonAndTheNextGoodPacketPasses(String name, byte[] packet, DropReason reason) {
        x.now += 1_000_000_000L; // a fresh ICMP error budget per case
        XlatHarness.Outcome o = x.run(packet);
        assertEquals(reason, o.dropped(), name + ": " + o);
        assertEquals(1, o.drops(), name + ": one drop, one reason: " + o);
        assertEquals(0, o.translated(), name);
        assertTrue(o.accountedOnce(), name);
        assertEquals(o.icmpErrors(), o.emitted().size(), name + ": nothing emitted but an ICMP error");
        if (reason.silent()) {
            assertEquals(0, o.icmpErrors(), name + ": dropped silently");
        }
        assertGoodPacketsPass();
    }

    private void assertGoodPacketsPass() {
        XlatHarness.Outcome a = x.run(good46());
        assertEquals(1, a.translated(), "the next good IPv4 packet passes: " + a);
        XlatHarness.Outcome b = x.run(good64());
        assertEquals(1, b.translated(), "the next good IPv6 packet passes: " + b);
    }

    // ---------------------------------------------------------------- passed on by design, and limits

    /**
     * What a stateless translator passes on, with the reason: it cannot see that a fragment overlaps
     * another (it keeps no fragments; RFC 5722 makes the IPv6 endpoint drop overlapping ones, and the
     * firewall can apply RFC 1858's rule for TCP offset 1), and RFC 7915 §5.1 says to ignore extension
     * headers, however many (walking them is bounded by the packet: 8 bytes per header).
     */
    @Test
    void passedOnByDesign() {
        // A class E source (240/4 but the broadcast): translated, as the maintained TAYGA does (issue 14 item 2).
        XlatHarness.Outcome e = x.run(udp4("240.0.0.1", H6_AS4, 64));
        assertEquals(1, e.translated(), e.toString());
        // Overlapping fragments: offset 1 (8 bytes) of a TCP datagram, RFC 1858's overwrite of the TCP flags.
        byte[] overlap = ipv4(H4, H6_AS4, 6, 64, 0, 0x1234, 1, new byte[16]);
        XlatHarness.Outcome o = x.run(overlap);
        assertEquals(1, o.translated(), o.toString());
        assertEquals(48 + 16, o.emitted().get(0).length, "an IPv6 fragment, offset 1 copied");
        // A chain of 600 Destination Options headers (4800 bytes) ahead of UDP: skipped, the packet translated.
        byte[] chain = new byte[0];
        for (int i = 0; i < 600; i++) {
            chain = concat(chain, extensionHeader(i == 599 ? 17 : 60, 0));
        }
        o = x.run(ipv6(H6, H4_AS6, 60, 17, 64, 0, chain, udpHeaderAndData(1, 2, new byte[8])));
        assertEquals(1, o.translated(), o.toString());
        assertEquals(20 + 16, o.emitted().get(0).length, "the IPv4 packet carries only the UDP datagram");
        assertEquals(0xffff, transportSum4(o.emitted().get(0)), "UDP checksum valid");
        // Trailing bytes after the datagram (total length shorter than the packet read): ignored.
        byte[] padded = Arrays.copyOf(good46(), good46().length + 30);
        o = x.run(padded);
        assertEquals(1, o.translated());
        assertEquals(good46().length + 20, o.emitted().get(0).length, "only the datagram is translated");
        // A UDP length field that lies is the endpoint's business (RFC 768); the checksum covers it.
        byte[] udpLies = good64();
        udpLies[45] = (byte) 200;
        o = x.run(udpLies);
        assertEquals(1, o.translated(), o.toString());
        // An ICMPv6 error from a link-local router (RFC 7404 numbering) is translated from the RFC 6791 source.
        o = x.run(icmp6Error("fe80::1", H4_AS6, 3, 0, udp6(H4_AS6, H6, 1)));
        assertEquals(1, o.translated(), o.toString());
        assertEquals(OWN4, Addresses.formatIpv4(ByteBuffer.wrap(o.emitted().get(0)).getInt(12)), "from ipv4-addr");
        // An ICMPv4 error from a martian source is translated, as Jool does (graybox siit-095/096).
        o = x.run(icmp4Error("127.0.0.1", H6_AS4, 3, 3, udp4(H6_AS4, H4, 64)));
        assertEquals(1, o.translated(), o.toString());
        assertEquals("2001:db8:64::7f00:1", Addresses.formatIpv6(ByteBuffer.wrap(o.emitted().get(0)).getLong(8),
                ByteBuffer.wrap(o.emitted().get(0)).getLong(16)));
    }

    /** Zero and maximum lengths: the largest datagrams of either version are translated whole or in pieces. */
    @Test
    void largestPacketsOfEitherVersion() {
        // IPv4 65535 bytes with DF: one IPv6 packet of 65555 bytes (the kernel enforces the link MTU).
        byte[] big4 = ipv4(H4, H6_AS4, 17, 64, 0, 5, 0x4000, udpHeaderAndData(1, 2, new byte[65535 - 28]));
        XlatHarness.Outcome o = x.run(big4);
        assertEquals(1, o.translated(), o.toString());
        assertEquals(65555, o.emitted().get(0).length);
        assertEquals(0xffff, transportSum6(o.emitted().get(0), 40, 17), "UDP checksum valid");
        // Without DF: fragmented to offlink-mtu (1280), pieces of 1232 bytes.
        byte[] frag = ipv4(H4, H6_AS4, 17, 64, 0, 5, 0, udpHeaderAndData(1, 2, new byte[65535 - 28]));
        o = x.run(frag);
        assertEquals((65535 - 20 + 1231) / 1232, o.translated(), o.toString());
        int sum = 0;
        for (byte[] p : o.emitted()) {
            assertTrue(p.length <= 1280);
            sum += p.length - 48;
        }
        assertEquals(65535 - 20, sum, "every byte of the payload, once");
        // IPv6 with the largest payload the 64 KiB TUN read can hold: IPv4 of 65515 bytes.
        byte[] big6 = ipv6(H6, H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[65535 - 48]));
        o = x.run(big6);
        assertEquals(1, o.translated(), o.toString());
        assertEquals(65515, o.emitted().get(0).length);
        assertEquals(0xffff, transportSum4(o.emitted().get(0)), "UDP checksum valid");
    }

    /**
     * No amplification: one packet in gives at most one ICMP error out, at most {@code icmp-rate-limit}
     * (100) a second per worker, never bigger than 576 (IPv4) or 1280 (IPv6) bytes, never about an ICMP
     * error, and none to a forbidden source.
     */
    @Test
    void icmpErrorsCannotBeAmplified() {
        int sent = 0;
        int limited = 0;
        for (int i = 0; i < 10_000; i++) {
            XlatHarness.Outcome o = x.run(i % 2 == 0 ? udp4(H4, H6_AS4, 1) : udp6(H6, H4_AS6, 1));
            assertTrue(o.icmpErrors() <= 1);
            sent += o.icmpErrors();
            limited += o.rateLimited();
            for (byte[] p : o.emitted()) {
                assertTrue(p.length <= ((p[0] & 0xf0) == 0x40 ? 576 : 1280));
            }
            x.now += 10_000; // 10,000 packets in 0.1 s
        }
        assertTrue(sent >= 100 && sent <= 110, "100 burst + 10 a second for 0.1 s, got " + sent);
        assertEquals(10_000, sent + limited, "every error not sent is counted");
        x.now += 2_000_000_000L;
        XlatHarness.Outcome o = x.run(icmp4Error(H4, H6_AS4, 11, 0, udp4(H6_AS4, H4, 1)));
        assertEquals(0, o.icmpErrors(), "never an error about an error");
        x.now += 2_000_000_000L;
        byte[] lie = ipv6("2001:db8:64::7f00:1", H4_AS6, 17, 17, 1, 0, new byte[0], udpHeaderAndData(1, 2, new byte[8]));
        o = x.run(lie);
        assertEquals(FORBIDDEN_SRC_64, o.dropped());
        assertEquals(0, o.icmpErrors(), "no Time Exceeded to a forbidden source");
    }
}
