// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.config.Nptv6Entry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import java.nio.ByteBuffer;

/** NPTv6 through the translator core: checksum neutrality, ICMPv6 errors, shared prefixes, hairpinning. */
class Nptv6TranslatorTest {
    final List<byte[]> out = new ArrayList<>();
    final ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
    final ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
    final XlatCounters counters = new XlatCounters();
    final Translator translator = new Translator(counters, (b, off, len) -> {
        byte[] a = new byte[len];
        b.getBytes(off, a);
        out.add(a);
    }, scratch, () -> 0, PacketLog.OFF);

    static Nptv6Entry pair(String in, String out) {
        return new Nptv6Entry(Ipv6Prefix.parse(in, -1), Ipv6Prefix.parse(out, -1), Nptv6Entry.Direction.BOTH, "t");
    }

    static XlatSnapshot snapshot(Nptv6Entry... pairs) {
        return new XlatSnapshot(TunxlatConfig.builder().ipv6Addr(Ipv6Prefix.parse("2001:db8:ffff::1", 128))
                .nptv6(List.of(pairs)).build());
    }

    XlatSnapshot snap = snapshot(pair("fd01:203:405::/48", "2001:db8:1::/48"));

    @AfterEach
    void release() {
        packet.release();
        scratch.release();
    }

    byte[] run(byte[] in) {
        out.clear();
        packet.setBytes(Translator.HEADROOM, in);
        translator.translate(snap, packet, Translator.HEADROOM, in.length);
        return out.isEmpty() ? null : out.get(0);
    }

    static String src(byte[] p) {
        return Addresses.formatIpv6(ByteBuffer.wrap(p).getLong(8), ByteBuffer.wrap(p).getLong(16));
    }

    static String dst(byte[] p) {
        return Addresses.formatIpv6(ByteBuffer.wrap(p).getLong(24), ByteBuffer.wrap(p).getLong(32));
    }

    @Test
    void outboundAndInboundLeaveTransportChecksumBytesUnchanged() {
        for (int proto : new int[] {6, 17, 58}) {
            byte[] l4 = proto == 6 ? tcpHeaderAndData(1, 2, new byte[33]) : proto == 17 ? udpHeaderAndData(1, 2, new byte[33])
                    : icmpEcho(128, 5, 6, new byte[33]);
            byte[] in = ipv6("fd01:203:405:1::1234", "2001:db8:9::9", proto, proto, 64, 0, new byte[0], l4);
            byte[] o = run(in);
            assertEquals("2001:db8:1:d550::1234", src(o));
            assertEquals("2001:db8:9::9", dst(o));
            assertArrayEquals(Arrays.copyOfRange(in, 40, in.length), Arrays.copyOfRange(o, 40, o.length),
                    "RFC 6296 §2.6: the transport header and its checksum bytes are identical, proto " + proto);
            assertEquals(0xffff, transportSum6(o, 40, proto), "and still valid");
            assertEquals(64, o[7], "NPTv6 does not touch the hop limit");

            byte[] reply = ipv6("2001:db8:9::9", "2001:db8:1:d550::1234", proto, proto, 60, 0, new byte[0], l4);
            o = run(reply);
            assertEquals("fd01:203:405:1::1234", dst(o));
            assertArrayEquals(Arrays.copyOfRange(reply, 40, reply.length), Arrays.copyOfRange(o, 40, o.length));
        }
        assertEquals(3, counters.local(XlatCounters.PACKETS_NPTV6_OUT));
        assertEquals(3, counters.local(XlatCounters.PACKETS_NPTV6_IN));
    }

    @Test
    void untranslatableSubnetIsDroppedAndCounted() {
        assertEquals(1, run(ipv6("fd01:203:405:ffff::1", "2001:db8:9::9", 17, 17, 64, 0, new byte[0],
                udpHeaderAndData(1, 2, new byte[4])))[40], "ICMPv6 Destination Unreachable (RFC 6296 §3.2 SHOULD)");
        assertEquals(1, counters.localDrops(DropReason.NPTV6_UNMAPPABLE_OUT));
        assertNull(run(ipv6("2001:db8:9::9", "2001:db8:1:ffff::1", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4]))));
        assertEquals(1, counters.localDrops(DropReason.NPTV6_UNMAPPABLE_IN));
    }

    @Test
    void icmpv6ErrorFromOutsideGetsItsEmbeddedSourceMapped() {
        // A router outside reports an error about the packet the inside host sent (already translated).
        byte[] original = ipv6("2001:db8:1:d550::1234", "2001:db8:9::9", 17, 17, 3, 0, new byte[0], udpHeaderAndData(1, 2, new byte[20]));
        byte[] icmp = new byte[8 + original.length];
        icmp[0] = 3; // time exceeded
        System.arraycopy(original, 0, icmp, 8, original.length);
        byte[] err = ipv6("2001:db8:ffff::fe", "2001:db8:1:d550::1234", 58, 58, 60, 0, new byte[0], icmp);
        byte[] o = run(err);
        assertEquals("fd01:203:405:1::1234", dst(o), "outer destination");
        byte[] inner = Arrays.copyOfRange(o, 48, o.length);
        assertEquals("fd01:203:405:1::1234", src(inner), "embedded source (rfc6296-bis)");
        assertEquals(0xffff, transportSum6(o, 40, 58), "the ICMPv6 checksum is still valid without recomputation");
        assertArrayEquals(Arrays.copyOfRange(err, 40, 44), Arrays.copyOfRange(o, 40, 44), "checksum bytes unchanged");
        assertEquals(0xffff, transportSum6(inner, 40, 17), "the embedded UDP checksum matches the new embedded source");

        // An embedded packet that was not ours is dropped silently.
        byte[] stranger = ipv6("2001:db8:7::1", "2001:db8:9::9", 17, 17, 3, 0, new byte[0], udpHeaderAndData(1, 2, new byte[20]));
        System.arraycopy(stranger, 0, icmp, 8, stranger.length);
        assertNull(run(ipv6("2001:db8:ffff::fe", "2001:db8:1:d550::1234", 58, 58, 60, 0, new byte[0], icmp)));
        assertEquals(1, counters.localDrops(DropReason.NPTV6_ICMP_ERROR_IN));
    }

    @Test
    void severalLansBehindOneOutsidePrefixLearnTheirReplies() {
        snap = snapshot(pair("fd00:a::/64", "2001:db8:1::/64"), pair("fd00:b::/64", "2001:db8:1::/64"));
        byte[] fromA = run(ipv6("fd00:a::1", "2001:db8:9::9", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4])));
        byte[] fromB = run(ipv6("fd00:b::1", "2001:db8:9::9", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4])));
        assertNotEquals(src(fromA), src(fromB));
        byte[] toA = run(ipv6("2001:db8:9::9", src(fromA), 17, 17, 64, 0, new byte[0], udpHeaderAndData(2, 1, new byte[4])));
        byte[] toB = run(ipv6("2001:db8:9::9", src(fromB), 17, 17, 64, 0, new byte[0], udpHeaderAndData(2, 1, new byte[4])));
        assertEquals("fd00:a::1", dst(toA));
        assertEquals("fd00:b::1", dst(toB));
        assertNotNull(run(ipv6("2001:db8:9::9", "2001:db8:1::77", 17, 17, 64, 0, new byte[0], udpHeaderAndData(2, 1, new byte[4]))));
        assertEquals(1, counters.localDrops(DropReason.NPTV6_UNKNOWN_OWNER_IN), "never used from inside: no owner");
        assertEquals(2, snap.nptv6().learnedOwners(0));
    }

    @Test
    void hairpinningInsideToTheSitesOwnOutsideAddress() {
        byte[] o = run(ipv6("fd01:203:405:1::1", "2001:db8:1:d550::1234", 6, 6, 64, 0, new byte[0], tcpHeaderAndData(1, 2, new byte[8])));
        assertEquals("2001:db8:1:d550::1", src(o), "RFC 6296 §4.3");
        assertEquals("fd01:203:405:1::1234", dst(o));
        assertEquals(0xffff, transportSum6(o, 40, 6));
    }

    @Test
    void nonNptv6TrafficIsLeftToNat64() {
        snap = new XlatSnapshot(TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4("192.168.255.1"))
                .prefix(Ipv6Prefix.parse("64:ff9b:1::/96", -1)).nptv6(List.of(pair("fd01:203:405::/48", "2001:db8:1::/48")))
                .maps(List.of(TranslatorTest.map("192.168.255.2", "2001:db8:6::1"))).build());
        byte[] o = run(ipv6("fd01:203:405:1::1234", "64:ff9b:1::8.8.8.8", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4])));
        assertEquals("2001:db8:1:d550::1234", src(o), "inside sources are NPTv6-translated first");
        o = run(ipv4Like());
        assertEquals(4, (o[0] & 0xff) >>> 4, "other IPv6 traffic is translated to IPv4");
    }

    private static byte[] ipv4Like() {
        return ipv6("2001:db8:6::1", "64:ff9b:1::8.8.8.8", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4]));
    }
}
