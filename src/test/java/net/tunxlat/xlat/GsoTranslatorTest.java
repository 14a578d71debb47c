// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.header.VirtioNetHeader;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import java.util.Random;

/** GSO super-packets behind a virtio_net_hdr: translated whole, or cut into segments in software. */
class GsoTranslatorTest {
    static final int V = 12;
    final List<byte[]> out = new ArrayList<>();
    final ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
    final ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
    final ByteBuf segments = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
    final XlatCounters counters = new XlatCounters();
    final Translator translator = new Translator(counters, (b, off, len) -> {
        byte[] a = new byte[len];
        b.getBytes(off, a);
        out.add(a);
    }, scratch, () -> 0, PacketLog.OFF);
    XlatSnapshot snap = new XlatSnapshot(TranslatorTest.config("2001:db8:64::/96", UdpCksumMode.DROP,
            TranslatorTest.map(TranslatorTest.H6_AS4, TranslatorTest.H6)));

    GsoTranslatorTest() {
        translator.useVnetHeader(V, segments);
    }

    @AfterEach
    void release() {
        packet.release();
        scratch.release();
        segments.release();
        plainPacket.release();
        plainScratch.release();
    }

    List<byte[]> run(byte[] ip, int gsoType, int gsoSize, int csumStart, int csumOffset) {
        out.clear();
        int v = Translator.HEADROOM - V;
        packet.setZero(v, V);
        packet.setByte(v, csumStart == 0 ? 0 : 1); // NEEDS_CSUM unless it is a plain packet
        packet.setByte(v + 1, gsoType);
        packet.setShortLE(v + 2, 1500); // a hdr_len the kernel may well get wrong
        packet.setShortLE(v + 4, gsoSize);
        packet.setShortLE(v + 6, csumStart);
        packet.setShortLE(v + 8, csumOffset);
        packet.setBytes(Translator.HEADROOM, ip);
        translator.translateVnet(snap, packet, Translator.HEADROOM, ip.length);
        return out;
    }

    static int le16(byte[] a, int i) {
        return (a[i] & 0xff) | (a[i + 1] & 0xff) << 8;
    }

    static int u16(byte[] p, int i) {
        return ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
    }

    @Test
    void tcpSuperPacket64IsTranslatedWholeWithItsVnetHeader() {
        byte[] ip = superPacket(ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 6, 6, 64, 0, new byte[0],
                tcpHeaderAndData(40000, 80, new byte[14400])), 40, 6);
        List<byte[]> o = run(ip, VirtioNetHeader.GSO_TCPV6 | VirtioNetHeader.GSO_ECN, 1440, 40, 16);
        assertEquals(1, o.size(), "one super-packet in, one out");
        byte[] w = o.get(0);
        assertEquals(1, w[0], "NEEDS_CSUM kept");
        assertEquals(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN, w[1] & 0xff, "TCPV6 -> TCPV4, ECN bit kept");
        assertEquals(40, le16(w, 2), "hdr_len recomputed: 20 + 20");
        assertEquals(1440, le16(w, 4), "gso_size kept");
        assertEquals(20, le16(w, 6), "csum_start");
        assertEquals(16, le16(w, 8), "csum_offset");
        byte[] p = Arrays.copyOfRange(w, V, w.length);
        TranslatorTest.assertIpv4HeaderValid(p);
        assertEquals(ip.length - 20, p.length);
        assertEquals(0x4000, u16(p, 6) & 0x4000, "segments of 1480 bytes: DF");
        // The partial field must now be the IPv4 pseudo-header sum the kernel expects.
        byte[] ph = new byte[12];
        System.arraycopy(p, 12, ph, 0, 8);
        ph[9] = 6;
        ph[10] = (byte) ((p.length - 20) >>> 8);
        ph[11] = (byte) (p.length - 20);
        assertEquals(naiveSum(ph, 0, 12), u16(p, 36), "partial checksum = IPv4 pseudo-header sum");
        assertArrayEquals(Arrays.copyOfRange(ip, 60, ip.length), Arrays.copyOfRange(p, 40, p.length), "payload untouched");
        assertEquals(1, counters.local(XlatCounters.GSO_PACKETS));
        assertEquals(10, counters.local(XlatCounters.GSO_SEGMENTS));
    }

    @Test
    void udpSuperPacket46IsTranslatedWhole() {
        byte[] ip = superPacket(ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 17, 64, 0, 7, 0x4000,
                udpHeaderAndData(53, 5000, new byte[5000])), 20, 17);
        List<byte[]> o = run(ip, VirtioNetHeader.GSO_UDP_L4, 1000, 20, 6);
        assertEquals(1, o.size());
        byte[] w = o.get(0);
        assertEquals(VirtioNetHeader.GSO_UDP_L4, w[1]);
        assertEquals(48, le16(w, 2), "hdr_len: 40 + 8");
        assertEquals(40, le16(w, 6));
        byte[] p = Arrays.copyOfRange(w, V, w.length);
        assertEquals(6, (p[0] & 0xff) >>> 4);
        assertEquals(ip.length + 20, p.length);
        byte[] ph = new byte[40];
        System.arraycopy(p, 8, ph, 0, 32);
        ph[34] = (byte) ((p.length - 40) >>> 8);
        ph[35] = (byte) (p.length - 40);
        ph[39] = 17;
        assertEquals(naiveSum(ph, 0, 40), u16(p, 46), "partial checksum = IPv6 pseudo-header sum");
    }

    @Test
    void superPacketThatDoesNotFitIsSegmentedAndEachSegmentFollowsRfc7915() {
        // DF=0 TCP over IPv4 with 1460-byte segments: 1520 bytes in IPv6 exceed offlink-mtu 1280, so each
        // segment is cut in software and then fragmented like any DF=0 packet.
        byte[] data = new byte[4380];
        new Random(3).nextBytes(data);
        byte[] ip = superPacket(ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 6, 64, 0, 100, 0,
                tcpHeaderAndData(80, 40000, data)), 20, 6);
        List<byte[]> o = run(ip, VirtioNetHeader.GSO_TCPV4, 1460, 20, 16);
        assertEquals(1, counters.local(XlatCounters.GSO_SOFTWARE));
        assertEquals(6, o.size(), "3 segments, each in 2 IPv6 fragments");
        byte[] reassembled = new byte[0];
        for (int k = 0; k < o.size(); k += 2) {
            byte[] f1 = Arrays.copyOfRange(o.get(k), V, o.get(k).length);
            byte[] f2 = Arrays.copyOfRange(o.get(k + 1), V, o.get(k + 1).length);
            assertEquals(0, o.get(k)[1], "plain packets: gso_type none");
            assertEquals(44, f1[6]);
            byte[] whole = new byte[40 + (f1.length - 48) + (f2.length - 48)];
            System.arraycopy(f1, 0, whole, 0, 40);
            System.arraycopy(f1, 48, whole, 40, f1.length - 48);
            System.arraycopy(f2, 48, whole, 40 + f1.length - 48, f2.length - 48);
            assertEquals(0xffff, transportSum6(whole, 40, 6), "segment " + k / 2 + " has a complete valid checksum");
            reassembled = concat(reassembled, Arrays.copyOfRange(whole, 60, whole.length));
            assertEquals(1000 + k / 2 * 1460, ByteBuffer.wrap(whole).getInt(44), "sequence number advances");
        }
        assertArrayEquals(data, reassembled, "every payload byte arrives, in order");
    }

    @Test
    void superPacketAboveIpv4EgressMtuGetsPacketTooBigPerSegment() {
        snap = new XlatSnapshot(TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4(TranslatorTest.OWN4))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).maps(List.of(TranslatorTest.map(TranslatorTest.H6_AS4,
                        TranslatorTest.H6))).ipv4EgressMtu(1400).build());
        byte[] ip = superPacket(ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 6, 6, 64, 0, new byte[0],
                tcpHeaderAndData(40000, 80, new byte[2880])), 40, 6);
        List<byte[]> o = run(ip, VirtioNetHeader.GSO_TCPV6, 1440, 40, 16);
        assertEquals(2, o.size());
        for (byte[] w : o) {
            byte[] p = Arrays.copyOfRange(w, V, w.length);
            assertEquals(2, p[40], "Packet Too Big");
            assertEquals(1420, ByteBuffer.wrap(p).getInt(44), "MTU 1400 + 20");
        }
        assertEquals(2, counters.localDrops(DropReason.PACKET_TOO_BIG_64));
    }

    @Test
    void superPacketWhoseSegmentsFitTheIpv4EgressMtuStaysWhole() {
        snap = new XlatSnapshot(TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4(TranslatorTest.OWN4))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).maps(List.of(TranslatorTest.map(TranslatorTest.H6_AS4,
                        TranslatorTest.H6))).ipv4EgressMtu(1400).build());
        // After path MTU discovery (PTB 1420): MSS 1348 plus 12 bytes of TCP timestamps = 1400 as IPv4.
        byte[] tcp = tcpHeaderAndData(40000, 80, new byte[12 + 2696]);
        tcp[12] = (byte) 0x80; // data offset 8 words: 32-byte header
        byte[] ip = superPacket(ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 6, 6, 64, 0, new byte[0], tcp), 40, 6);
        List<byte[]> o = run(ip, VirtioNetHeader.GSO_TCPV6, 1348, 40, 16);
        assertEquals(1, o.size(), "translated whole, no Packet Too Big");
        assertEquals(VirtioNetHeader.GSO_TCPV4, o.get(0)[1]);
        assertEquals(52, le16(o.get(0), 2), "hdr_len 20 + 32");
        assertEquals(0, counters.localDrops(DropReason.PACKET_TOO_BIG_64));
    }

    final List<byte[]> plainOut = new ArrayList<>();
    final ByteBuf plainPacket = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
    final ByteBuf plainScratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
    /** A translator without offloads, fed the same packets as {@link #translator} (same identifications). */
    final Translator plainTranslator = new Translator(new XlatCounters(), (b, off, len) -> {
        byte[] a = new byte[len];
        b.getBytes(off, a);
        plainOut.add(a);
    }, plainScratch, () -> 0, PacketLog.OFF);

    /** The same packet translated without offloads (checksum complete on the way in). */
    List<byte[]> plain(byte[] ip) {
        plainOut.clear();
        plainPacket.setBytes(Translator.HEADROOM, ip);
        plainTranslator.translate(snap, plainPacket, Translator.HEADROOM, ip.length);
        return new ArrayList<>(plainOut);
    }

    /** A plain packet as the kernel hands over a locally sent one: checksum field = pseudo-header sum. */
    List<byte[]> runPartial(byte[] complete, int l4, int proto) {
        byte[] ip = superPacket(complete, l4, proto);
        return run(ip, VirtioNetHeader.GSO_NONE, 0, l4, proto == 6 ? 16 : 6);
    }

    @Test
    void plainUdpWithPartialChecksumStaysPartialAndTheKernelFinishesWhatPlainTranslationWrites() {
        byte[] ip = ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 17, 17, 64, 0, new byte[0],
                udpHeaderAndData(1, 2, new byte[100]));
        List<byte[]> o = runPartial(ip, 40, 17);
        assertEquals(1, o.size());
        byte[] w = o.get(0);
        assertEquals(1, w[0], "NEEDS_CSUM kept: the payload is never read");
        assertEquals(0, w[1], "gso_type none");
        assertEquals(20, le16(w, 6), "csum_start after the IPv4 header");
        assertEquals(6, le16(w, 8), "csum_offset of UDP");
        byte[] p = KernelVnet.finish(w);
        assertEquals(0xffff, transportSum4(p), "a valid checksum once the kernel finishes it");
        assertArrayEquals(plain(ip).get(0), p, "identical to translating the packet with a complete checksum");
    }

    @Test
    void partialChecksumsOfTcpAndUdpBothWaysAndNptv6MatchPlainTranslation() {
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] data = new byte[r.nextInt(1400)];
            r.nextBytes(data);
            boolean tcp = r.nextBoolean();
            int proto = tcp ? 6 : 17;
            byte[] l4 = tcp ? tcpHeaderAndData(r.nextInt(65536), 80, data) : udpHeaderAndData(r.nextInt(65536), 53, data);
            byte[] ip;
            int l4at;
            if (r.nextBoolean()) {
                ip = ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, proto, proto, 2 + r.nextInt(200), r.nextInt(256),
                        new byte[0], l4);
                l4at = 40;
            } else {
                ip = ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, proto, 2 + r.nextInt(200), r.nextInt(256),
                        r.nextInt(65536), r.nextBoolean() ? 0x4000 : 0, l4);
                l4at = 20;
            }
            List<byte[]> o = runPartial(ip, l4at, proto);
            List<byte[]> expected = plain(ip);
            assertEquals(expected.size(), o.size(), "packet " + i);
            for (int k = 0; k < o.size(); k++) {
                assertArrayEquals(expected.get(k), KernelVnet.finish(o.get(k)), "packet " + i + " output " + k);
            }
        }
    }

    @Test
    void partialPacketThatGetsAnIcmpErrorIsQuotedWithItsChecksumComplete() {
        byte[] ip = ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 17, 17, 1, 0, new byte[0],
                udpHeaderAndData(1, 2, new byte[64]));
        List<byte[]> o = runPartial(ip, 40, 17);
        assertEquals(1, o.size());
        assertArrayEquals(new byte[V], Arrays.copyOfRange(o.get(0), 0, V), "the error is a plain packet");
        byte[] err = Arrays.copyOfRange(o.get(0), V, o.get(0).length);
        assertEquals(3, err[40], "Time Exceeded");
        assertArrayEquals(ip, Arrays.copyOfRange(err, 48, 48 + ip.length), "quotes the packet as its sender meant it");
        assertArrayEquals(plain(ip).get(0), err);
    }

    @Test
    void partialPacketThatMustBeFragmentedGetsItsChecksumCompletedFirst() {
        // DF=0 IPv4 UDP of 2000 bytes: fragmented for IPv6 (offlink-mtu 1280); fragments cannot carry a partial sum.
        byte[] ip = ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 17, 64, 0, 9, 0, udpHeaderAndData(1, 2, new byte[1972]));
        List<byte[]> o = runPartial(ip, 20, 17);
        List<byte[]> expected = plain(ip);
        assertEquals(2, o.size());
        for (int k = 0; k < o.size(); k++) {
            assertArrayEquals(new byte[V], Arrays.copyOfRange(o.get(k), 0, V), "fragment " + k + " is a plain packet");
            assertArrayEquals(expected.get(k), Arrays.copyOfRange(o.get(k), V, o.get(k).length));
        }
    }

    @Test
    void hairpinnedPartialPacketGetsItsChecksumCompleted() {
        snap = new XlatSnapshot(TranslatorTest.config("2001:db8:64::/96", UdpCksumMode.DROP,
                TranslatorTest.map(TranslatorTest.H6_AS4, TranslatorTest.H6),
                TranslatorTest.map("192.168.255.3", "2001:db8:6::3")));
        byte[] ip = ipv6("2001:db8:6::3", "2001:db8:64::c0a8:ff02", 6, 6, 64, 0, new byte[0],
                tcpHeaderAndData(40000, 80, new byte[300]));
        List<byte[]> o = runPartial(ip, 40, 6);
        assertEquals(1, o.size());
        assertArrayEquals(new byte[V], Arrays.copyOfRange(o.get(0), 0, V));
        byte[] p = Arrays.copyOfRange(o.get(0), V, o.get(0).length);
        assertEquals(TranslatorTest.H6, TranslatorTest.dst6(p), "hairpinned to the IPv6 host behind 192.168.255.2");
        assertEquals(0xffff, transportSum6(p, 40, 6), "complete and valid");
        assertArrayEquals(plain(ip).get(0), p);
    }

    @Test
    void gsoHeaderThatLiesIsDroppedAndCounted() {
        byte[] ip = ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[100]));
        assertTrue(run(ip, VirtioNetHeader.GSO_TCPV6, 1000, 40, 16).isEmpty(), "TCPV6 on a UDP packet");
        assertTrue(run(ip, VirtioNetHeader.GSO_TCPV4, 1000, 40, 6).isEmpty(), "TCPV4 on an IPv6 packet");
        assertTrue(run(ip, VirtioNetHeader.GSO_UDP_L4, 0, 40, 6).isEmpty(), "gso_size 0");
        assertTrue(run(ip, VirtioNetHeader.GSO_NONE, 0, 4, 6).isEmpty(), "csum_start inside the IP header");
        assertEquals(4, counters.local(XlatCounters.GSO_INVALID));
        assertFalse(run(ip, VirtioNetHeader.GSO_NONE, 0, 0, 0).isEmpty(), "the next good packet passes");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
