// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

public class TranslatorTest {
    public static final String OWN4 = "192.168.255.1";
    public static final String OWN6 = "2001:db8:64::c0a8:ff01";
    public static final String H6 = "2001:db8:6::2";
    public static final String H6_AS4 = "192.168.255.2";
    public static final String H4 = "203.0.113.2";
    public static final String H4_AS6 = "2001:db8:64::cb00:7102";

    final List<byte[]> out = new ArrayList<>();
    final ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
    final ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
    long now = 1_000_000_000L;
    final XlatCounters counters = new XlatCounters();
    final Translator translator = new Translator(counters, (b, off, len) -> {
        byte[] a = new byte[len];
        b.getBytes(off, a);
        out.add(a);
    }, scratch, () -> now, PacketLog.OFF);

    public static TunxlatConfig config(String prefix, UdpCksumMode mode, MapEntry... maps) {
        return TunxlatConfig.builder().source(Path.of("test.conf")).ipv4Addr(Addresses.parseIpv4(OWN4))
                .prefix(Ipv6Prefix.parse(prefix, -1)).maps(List.of(maps)).udpCksumMode(mode).build();
    }

    public static MapEntry map(String v4, String v6) {
        return new MapEntry(Ipv4Prefix.parse(v4, 32), Ipv6Prefix.parse(v6, 128), "test");
    }

    XlatSnapshot snap = new XlatSnapshot(config("2001:db8:64::/96", UdpCksumMode.DROP, map(H6_AS4, H6)));

    @AfterEach
    void release() {
        assertEquals(1, packet.refCnt());
        packet.release();
        scratch.release();
    }

    byte[] run(byte[] in) {
        out.clear();
        packet.setBytes(Translator.HEADROOM, in);
        translator.translate(snap, packet, Translator.HEADROOM, in.length);
        return out.isEmpty() ? null : out.get(0);
    }

    static int u16(byte[] p, int i) {
        return ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
    }

    static void assertIpv4HeaderValid(byte[] p) {
        assertEquals(0x45, p[0] & 0xff, "version/IHL");
        assertEquals(p.length, u16(p, 2), "total length");
        assertEquals(0xffff, naiveSum(p, 0, 20), "IPv4 header checksum");
    }

    static String src4(byte[] p) {
        return Addresses.formatIpv4(ByteBuffer.wrap(p).getInt(12));
    }

    static String dst4(byte[] p) {
        return Addresses.formatIpv4(ByteBuffer.wrap(p).getInt(16));
    }

    static String src6(byte[] p) {
        ByteBuffer b = ByteBuffer.wrap(p);
        return Addresses.formatIpv6(b.getLong(8), b.getLong(16));
    }

    static String dst6(byte[] p) {
        ByteBuffer b = ByteBuffer.wrap(p);
        return Addresses.formatIpv6(b.getLong(24), b.getLong(32));
    }

    @Test
    void udp64TranslatesHeaderAndChecksum() {
        byte[] data = "hello across the translator".getBytes();
        byte[] in = ipv6(H6, H4_AS6, 17, 17, 64, 0xb8, new byte[0], udpHeaderAndData(5000, 53, data));
        byte[] o = run(in);
        assertNotNull(o);
        assertIpv4HeaderValid(o);
        assertEquals(0xb8, o[1] & 0xff, "RFC 7915 §5.1: TOS = traffic class");
        assertEquals(0, u16(o, 6) & 0x4000, "DF clear for packets of at most 1260 bytes");
        assertEquals(63, o[8] & 0xff, "TTL = hop limit - 1");
        assertEquals(17, o[9]);
        assertEquals(H6_AS4, src4(o));
        assertEquals(H4, dst4(o));
        assertEquals(0xffff, transportSum4(o), "UDP checksum valid after translation");
        assertArrayEquals(Arrays.copyOfRange(in, 40, in.length), withZeroChecksum(Arrays.copyOfRange(o, 20, o.length), in, 40));
        assertEquals(1, counters.local(XlatCounters.PACKETS_64));
    }

    /** The payload is unchanged apart from the checksum field. */
    private static byte[] withZeroChecksum(byte[] l4out, byte[] in, int l4in) {
        byte[] r = l4out.clone();
        r[6] = in[l4in + 6];
        r[7] = in[l4in + 7];
        return r;
    }

    @Test
    void tcp46TranslatesHeaderAndChecksum() {
        byte[] in = ipv4(H4, H6_AS4, 6, 50, 0x10, 777, 0x4000, tcpHeaderAndData(80, 40000, new byte[100]));
        byte[] o = run(in);
        assertNotNull(o);
        assertEquals(6, (o[0] & 0xff) >>> 4);
        assertEquals(0x10, ((u16(o, 0) >>> 4) & 0xff), "traffic class = TOS");
        assertEquals(0, ByteBuffer.wrap(o).getInt(0) & 0xfffff, "flow label 0");
        assertEquals(in.length - 20, u16(o, 4), "payload length");
        assertEquals(6, o[6], "next header");
        assertEquals(49, o[7] & 0xff, "hop limit = TTL - 1");
        assertEquals(H4_AS6, src6(o));
        assertEquals(H6, dst6(o));
        assertEquals(0xffff, transportSum6(o, 40, 6), "TCP checksum valid after translation");
        assertEquals(in.length + 20, o.length, "no Fragment header for an unfragmented packet (DF set or not)");
    }

    @Test
    void unfragmentedDf0PacketGetsNoFragmentHeader() {
        byte[] in = ipv4(H4, H6_AS4, 17, 64, 0, 4321, 0, udpHeaderAndData(1, 2, new byte[10]));
        byte[] o = run(in);
        assertEquals(17, o[6], "RFC 7915 §4.1 / RFC 8021: no atomic fragment");
    }

    @Test
    void wrongTransportChecksumStaysWrongBySameAmount() {
        byte[] in = ipv4(H4, H6_AS4, 6, 64, 0, 1, 0, tcpHeaderAndData(80, 40000, new byte[33]));
        int good = u16(in, 20 + 16);
        int bad = (good + 5) & 0xffff;
        in[36] = (byte) (bad >> 8);
        in[37] = (byte) bad;
        int before = transportSum4(in);
        byte[] o = run(in);
        assertNotNull(o, "RFC 1624: not dropped");
        assertEquals(before, transportSum6(o, 40, 6), "the error is carried over unchanged, not fixed");
        assertNotEquals(0xffff, transportSum6(o, 40, 6));
    }

    @Test
    void echo64And46ChecksumsAndTypes() {
        byte[] req = ipv6(H6, H4_AS6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 0x1234, 7, "ping".getBytes()));
        byte[] o = run(req);
        assertIpv4HeaderValid(o);
        assertEquals(1, o[9], "protocol ICMP");
        assertEquals(8, o[20], "echo request type 8");
        assertEquals(0xffff, naiveSum(o, 20, o.length), "ICMPv4 checksum (no pseudo-header)");

        byte[] rep = ipv4(H4, H6_AS4, 1, 64, 0, 9, 0, icmpEcho(0, 0x1234, 7, "ping".getBytes()));
        o = run(rep);
        assertEquals(58, o[6]);
        assertEquals(129, o[40] & 0xff, "echo reply type 129");
        assertEquals(0xffff, transportSum6(o, 40, 58), "ICMPv6 checksum includes the pseudo-header");
    }

    @Test
    void hopLimitOneGetsTimeExceededFromOwnAddress() {
        byte[] in = ipv6(H6, H4_AS6, 17, 17, 1, 0, new byte[0], udpHeaderAndData(33434, 33435, new byte[20]));
        byte[] o = run(in);
        assertNotNull(o);
        assertEquals(1, out.size(), "only the error, the packet itself is dropped");
        assertEquals(58, o[6]);
        assertEquals(OWN6, src6(o));
        assertEquals(H6, dst6(o));
        assertEquals(3, o[40], "Time Exceeded");
        assertEquals(0, o[41], "hop limit exceeded in transit");
        assertEquals(0xffff, transportSum6(o, 40, 58));
        assertArrayEquals(in, Arrays.copyOfRange(o, 48, o.length), "quotes the packet");
        assertEquals(1, counters.localDrops(DropReason.HOP_LIMIT_EXCEEDED_64));
    }

    @Test
    void ttlOneGetsTimeExceededV4() {
        byte[] in = ipv4(H4, H6_AS4, 17, 1, 0, 1, 0, udpHeaderAndData(1, 2, new byte[3]));
        byte[] o = run(in);
        assertIpv4HeaderValid(o);
        assertEquals(OWN4, src4(o));
        assertEquals(H4, dst4(o));
        assertEquals(11, o[20]);
        assertEquals(0xffff, naiveSum(o, 20, o.length));
        assertEquals(1, counters.localDrops(DropReason.TTL_EXCEEDED_46));
    }

    @Test
    void noErrorAboutAnIcmpError() {
        byte[] err = ipv6(H6, H4_AS6, 58, 58, 1, 0, new byte[0], icmpEcho(1, 0, 0, new byte[48]));
        assertNull(run(err), "RFC 4443 §2.4(e): no ICMPv6 error about an ICMPv6 error");
        assertEquals(1, counters.localDrops(DropReason.HOP_LIMIT_EXCEEDED_64));
    }

    @Test
    void routingHeaderWithSegmentsLeftGetsParameterProblem() {
        byte[] rh = new byte[24];
        rh[0] = 17; // next header
        rh[1] = 2; // length: (2+1)*8 = 24
        rh[2] = 0; // type 0... (type irrelevant here)
        rh[3] = 1; // segments left
        byte[] in = ipv6(H6, H4_AS6, 43, 17, 64, 0, rh, udpHeaderAndData(1, 2, new byte[4]));
        byte[] o = run(in);
        assertNotNull(o);
        assertEquals(4, o[40], "Parameter Problem");
        assertEquals(0, o[41], "erroneous header field");
        assertEquals(43, ByteBuffer.wrap(o).getInt(44), "pointer to Segments Left");
        assertEquals(1, counters.localDrops(DropReason.ROUTING_HEADER_64));
    }

    @Test
    void routingHeaderWithNoSegmentsLeftIsSkipped() {
        byte[] rh = new byte[8];
        rh[0] = 17;
        byte[] in = ipv6(H6, H4_AS6, 43, 17, 64, 0, rh, udpHeaderAndData(1, 2, new byte[4]));
        byte[] o = run(in);
        assertIpv4HeaderValid(o);
        assertEquals(17, o[9]);
        assertEquals(20 + 12, o.length, "the extension header is not translated");
        assertEquals(0xffff, transportSum4(o));
    }

    @Test
    void ipv4FragmentBecomesFragmentHeader() {
        // first fragment, MF set, offset 0
        byte[] in = ipv4(H4, H6_AS4, 17, 64, 0, 0xbeef, 0x2000, udpHeaderAndData(1, 2, new byte[16]));
        byte[] o = run(in);
        assertEquals(44, o[6], "Fragment header");
        assertEquals(17, o[40], "its next header");
        assertEquals(1, u16(o, 42) & 1, "M flag");
        assertEquals(0, u16(o, 42) >>> 3, "offset");
        assertEquals(0xbeef, ByteBuffer.wrap(o).getInt(44), "identification");
        assertEquals(in.length - 20 + 8, u16(o, 4));
        // a later fragment: offset 3 (24 bytes), no transport header to touch
        byte[] later = ipv4(H4, H6_AS4, 17, 64, 0, 0xbeef, 3, new byte[24]);
        o = run(later);
        assertEquals(3, u16(o, 42) >>> 3);
        assertEquals(0, u16(o, 42) & 1);
        assertArrayEquals(new byte[24], Arrays.copyOfRange(o, 48, o.length));
    }

    @Test
    void ipv6FragmentBecomesIpv4Fragment() {
        byte[] fh = new byte[8];
        fh[0] = 17;
        fh[3] = 1; // offset 0, M=1
        ByteBuffer.wrap(fh).putInt(4, 0x12345678);
        byte[] in = ipv6(H6, H4_AS6, 44, -1, 64, 0, fh, udpHeaderAndData(1, 2, new byte[16]));
        in[54] = 0x12; // a first fragment's UDP checksum (over the whole datagram): any value but zero, which
        in[55] = 0x34; // RFC 8200 §8.1 discards (udp-cksum-mode drop, issue 14 item 4)
        byte[] o = run(in);
        assertIpv4HeaderValid(o);
        assertEquals(0x5678, u16(o, 4), "RFC 7915 §5.1.1: low 16 bits of the identification");
        assertEquals(0x2000, u16(o, 6), "MF, DF clear, offset 0");
        assertEquals(17, o[9]);
    }

    @Test
    void largePacket64SetsDf() {
        byte[] in = ipv6(H6, H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[1300]));
        byte[] o = run(in);
        assertEquals(0x4000, u16(o, 6), "RFC 7915 §5.1: DF set above 1260 bytes");
        assertEquals(0, u16(o, 4), "identification zero");
    }

    @Test
    void answersPingOnOwnAddresses() {
        byte[] o = run(ipv4(H4, OWN4, 1, 64, 0, 5, 0, icmpEcho(8, 1, 1, "abc".getBytes())));
        assertIpv4HeaderValid(o);
        assertEquals(OWN4, src4(o));
        assertEquals(H4, dst4(o));
        assertEquals(0, o[20], "echo reply");
        assertEquals(0xffff, naiveSum(o, 20, o.length));

        o = run(ipv6(H6, OWN6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 1, 1, "abc".getBytes())));
        assertEquals(OWN6, src6(o));
        assertEquals(H6, dst6(o));
        assertEquals(129, o[40] & 0xff);
        assertEquals(0xffff, transportSum6(o, 40, 58));
        assertEquals(2, counters.local(XlatCounters.ECHO_REPLIES_SENT));
    }

    @Test
    void udpZeroChecksumModes() {
        byte[] in = ipv4(H4, H6_AS4, 17, 64, 0, 1, 0, udpHeaderAndData(1, 2, "zero".getBytes()));
        in[26] = 0;
        in[27] = 0;
        byte[] rejected = run(in);
        assertEquals(4, (rejected[0] & 0xff) >>> 4, "drop is the default: not translated...");
        assertEquals(3, rejected[20], "...but answered with ICMPv4 Destination Unreachable");
        assertEquals(13, rejected[21], "code 13, RFC 7915 §4.4");
        assertEquals(H4, dst4(rejected));
        assertEquals(1, counters.localDrops(DropReason.UDP_ZERO_CHECKSUM_46));

        snap = new XlatSnapshot(config("2001:db8:64::/96", UdpCksumMode.FWD, map(H6_AS4, H6)));
        byte[] o = run(in);
        assertEquals(0, u16(o, 46), "fwd keeps zero");

        snap = new XlatSnapshot(config("2001:db8:64::/96", UdpCksumMode.CALC, map(H6_AS4, H6)));
        o = run(in);
        assertNotEquals(0, u16(o, 46));
        assertEquals(0xffff, transportSum6(o, 40, 17), "calc computes a valid checksum");

        byte[] frag = ipv4(H4, H6_AS4, 17, 64, 0, 1, 0x2000, udpHeaderAndData(1, 2, new byte[8]));
        frag[26] = 0;
        frag[27] = 0;
        byte[] o2 = run(frag);
        assertEquals(4, (o2[0] & 0xff) >>> 4, "a fragmented zero-checksum datagram cannot be fixed, even in calc mode");
        assertEquals(1, counters.localDrops(DropReason.UDP_ZERO_CHECKSUM_FRAGMENT_46));
    }

    @Test
    void unmappableSourceIsRejectedWithIcmp() {
        byte[] in = ipv6("2001:db8:99::1", H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4]));
        byte[] o = run(in);
        assertEquals(1, o[40], "Destination Unreachable");
        assertEquals(1, o[41], "RFC 7915 §5.4: code 1, administratively prohibited");
        assertEquals(1, counters.localDrops(DropReason.SRC_UNMAPPABLE_64));

        in = ipv4(H4, "198.51.100.9", 17, 64, 0, 1, 0, udpHeaderAndData(1, 2, new byte[4]));
        snap = new XlatSnapshot(config("2001:db8:64::/96", UdpCksumMode.DROP)); // no map: dst is embeddable
        o = run(in);
        assertEquals(6, (o[0] & 0xff) >>> 4, "without a map, RFC 6052 maps both addresses");
    }

    @Test
    void wellKnownPrefixRefusesNonGlobalAddressesWithDestinationUnreachable() {
        // Issue 14 item 1: refused (RFC 6052 §3.1) and answered from ipv6-addr, as the maintained TAYGA does;
        // this test asserted a silent drop before.
        snap = new XlatSnapshot(TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4(OWN4))
                .ipv6Addr(Ipv6Prefix.parse("2001:db8::1", 128)).prefix(Rfc6052.WELL_KNOWN_PREFIX)
                .maps(List.of(map(H6_AS4, H6))).build());
        byte[] o = run(ipv6(H6, "64:ff9b::10.1.1.1", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4])));
        assertEquals(58, o[6], "ICMPv6");
        assertEquals("2001:db8::1", src6(o), "from ipv6-addr");
        assertEquals(1, o[40], "Destination Unreachable");
        assertEquals(0, o[41], "no route to destination");
        assertEquals(1, counters.localDrops(DropReason.WKPF_NON_GLOBAL_64));
        assertNotNull(run(ipv6(H6, "64:ff9b::8.8.8.8", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4]))));
    }

    @Test
    void staticMapPrefixesUseRfc7757SuffixPlacement() {
        snap = new XlatSnapshot(config("2001:db8:64::/96", UdpCksumMode.DROP,
                map("10.0.0.0/24", "2001:db8:2::/120"), map("192.168.7.0/24", "2001:db8:77::/64")));
        byte[] o = run(ipv4("10.0.0.7", "192.168.7.9", 17, 64, 0, 1, 0, udpHeaderAndData(1, 2, new byte[4])));
        assertEquals("2001:db8:2::7", src6(o));
        assertEquals("2001:db8:77:0:900::", dst6(o), "suffix bits right after the /64");
        o = run(ipv6("2001:db8:77:0:900::", "2001:db8:2::7", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4])));
        assertEquals("192.168.7.9", src4(o));
        assertEquals("10.0.0.7", dst4(o));
    }

    @Test
    void dynamicPoolBindsNewIpv6HostsBothWays() {
        long[] clock = {1_700_000_000L};
        TunxlatConfig cfg = TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4(OWN4))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).dynamicPool(Ipv4Prefix.parse("192.168.255.0/30", -1))
                .build();
        XlatState state = XlatState.forConfig(cfg, () -> clock[0]);
        snap = state.install(new XlatSnapshot(cfg, state));
        byte[] o = run(ipv6("2001:db8:6::77", H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4])));
        String bound = src4(o);
        assertTrue(bound.equals("192.168.255.2") || bound.equals("192.168.255.3"), bound);
        assertEquals(0xffff, transportSum4(o));
        o = run(ipv4(H4, bound, 17, 64, 0, 1, 0, udpHeaderAndData(2, 1, new byte[4])));
        assertEquals("2001:db8:6::77", dst6(o), "the reply reaches the bound host");
        run(ipv6("2001:db8:6::78", H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4])));
        o = run(ipv6("2001:db8:6::79", H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4])));
        assertEquals(1, o[40], "exhausted: ICMPv6 Destination Unreachable back");
        assertEquals(1, counters.localDrops(DropReason.POOL_EXHAUSTED_64));
        o = run(ipv4(H4, "192.168.255.0", 17, 64, 0, 1, 0, udpHeaderAndData(2, 1, new byte[4])));
        assertEquals(3, o[20], "an unbound pool address is unreachable, not embedded in the prefix");
    }

    @Test
    void icmpErrorsAreRateLimitedWithAConfigurableBudget() {
        snap = new XlatSnapshot(TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4(OWN4))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).maps(List.of(map(H6_AS4, H6))).icmpRateLimit(5).build());
        byte[] expiring = ipv6(H6, H4_AS6, 17, 17, 1, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4]));
        int sent = 0;
        for (int i = 0; i < 50; i++) {
            if (run(expiring) != null) {
                sent++;
            }
        }
        assertEquals(5, sent, "a burst of at most icmp-rate-limit errors (RFC 4443 §2.4(f))");
        assertEquals(50, counters.localDrops(DropReason.HOP_LIMIT_EXCEEDED_64), "every packet is still counted");
        assertEquals(45, counters.local(XlatCounters.ICMP_ERRORS_RATE_LIMITED));
        now += 1_000_000_000L;
        assertNotNull(run(expiring), "the budget refills with time");
        snap = new XlatSnapshot(TunxlatConfig.builder().ipv4Addr(Addresses.parseIpv4(OWN4))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).maps(List.of(map(H6_AS4, H6))).icmpRateLimit(0).build());
        now += 5_000_000_000L;
        assertNull(run(expiring), "icmp-rate-limit 0 sends no errors");
    }

    @Test
    void hairpinningThroughTheStaticMapDecrementsHopLimitOnce() {
        // RFC 7757 §4.2.2: 2001:db8:6::2 (= 192.168.255.2 by EAM) sends to 2001:db8:64::192.168.255.3, the
        // prefix form of another EAM host 2001:db8:7::3: it comes back as IPv6 straight away.
        snap = new XlatSnapshot(config("2001:db8:64::/96", UdpCksumMode.DROP, map(H6_AS4, H6),
                map("192.168.255.3", "2001:db8:7::3")));
        byte[] in = ipv6(H6, "2001:db8:64::c0a8:ff03", 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[10]));
        byte[] o = run(in);
        assertEquals(6, (o[0] & 0xff) >>> 4);
        assertEquals("2001:db8:64::c0a8:ff02", src6(o), "source in its RFC 6052 form");
        assertEquals("2001:db8:7::3", dst6(o), "destination through the static map");
        assertEquals(63, o[7] & 0xff, "hop limit decremented once");
        assertEquals(0xffff, transportSum6(o, 40, 17), "UDP checksum follows the address change");
    }

    @Test
    void icmpv4ErrorIsTranslatedWithItsInnerPacket() {
        // The IPv4 host answers a UDP datagram that came from the IPv6 host with Port Unreachable.
        byte[] original = ipv4(H6_AS4, H4, 17, 63, 0, 7, 0, udpHeaderAndData(40000, 33434, new byte[12]));
        byte[] icmp = new byte[8 + original.length];
        icmp[0] = 3;
        icmp[1] = 3;
        System.arraycopy(original, 0, icmp, 8, original.length);
        byte[] err = ipv4(H4, H6_AS4, 1, 64, 0, 9, 0, icmp);
        byte[] o = run(err);
        assertEquals(58, o[6]);
        assertEquals(1, o[40], "Destination Unreachable");
        assertEquals(4, o[41], "port unreachable (RFC 7915 §4.2)");
        assertEquals(0xffff, transportSum6(o, 40, 58), "ICMPv6 checksum");
        byte[] inner = Arrays.copyOfRange(o, 48, o.length);
        assertEquals(6, (inner[0] & 0xff) >>> 4, "inner packet translated to IPv6");
        assertEquals(H6, src6(inner));
        assertEquals(H4_AS6, dst6(inner));
        assertEquals(63, inner[7] & 0xff, "inner hop limit not decremented");
        assertEquals(0xffff, transportSum6(inner, 40, 17), "inner UDP checksum updated");

        err[22] ^= 0x10; // a wrong ICMPv4 checksum
        assertNull(run(err), "an ICMP error with a bad checksum is dropped, not answered");
        assertEquals(1, counters.localDrops(DropReason.ICMP_BAD_CHECKSUM_46));
    }

    @Test
    void packetTooBigBecomesFragmentationNeededWithAdjustedMtu() {
        byte[] original = ipv6(H4_AS6, H6, 6, 6, 60, 0, new byte[0], tcpHeaderAndData(80, 5000, new byte[1400]));
        byte[] icmp = new byte[8 + 1232];
        icmp[0] = 2;
        ByteBuffer.wrap(icmp).putInt(4, 1400);
        System.arraycopy(original, 0, icmp, 8, 1232);
        byte[] ptb = ipv6("2001:db8:6::1", H4_AS6, 58, 58, 64, 0, new byte[0], icmp);
        byte[] o = run(ptb);
        assertIpv4HeaderValid(o);
        assertEquals(OWN4, src4(o), "RFC 6791: an unmappable IPv6 router's error comes from ipv4-addr");
        assertEquals(H4, dst4(o));
        assertEquals(3, o[20]);
        assertEquals(4, o[21], "Fragmentation Needed");
        assertEquals(1380, u16(o, 26), "MTU 1400 - 20 (RFC 7915 §5.2)");
        assertEquals(576, o.length, "truncated to 576 bytes");
        assertEquals(0xffff, naiveSum(o, 20, o.length));
    }

    @Test
    void dfZeroPacketsLargerThanOfflinkMtuAreFragmented() {
        byte[] in = ipv4(H4, H6_AS4, 17, 64, 0, 0x1234, 0, udpHeaderAndData(1, 2, new byte[2000]));
        out.clear();
        packet.setBytes(Translator.HEADROOM, in);
        translator.translate(snap, packet, Translator.HEADROOM, in.length);
        assertEquals(2, out.size(), "2008 bytes of UDP in pieces of 1232");
        byte[] f1 = out.get(0);
        byte[] f2 = out.get(1);
        assertEquals(1280, f1.length);
        assertEquals(40 + 8 + 2008 - 1232, f2.length);
        assertEquals(0x1234, ByteBuffer.wrap(f1).getInt(44));
        assertEquals(0x1234, ByteBuffer.wrap(f2).getInt(44));
        assertEquals(1, u16(f1, 42) & 1, "M set on the first");
        assertEquals(1232 / 8, u16(f2, 42) >>> 3, "offset of the second");
        assertEquals(0, u16(f2, 42) & 1, "M clear on the last");
        byte[] whole = new byte[2008 + 40];
        System.arraycopy(f1, 0, whole, 0, 40);
        System.arraycopy(f1, 48, whole, 40, 1232);
        System.arraycopy(f2, 48, whole, 40 + 1232, 2008 - 1232);
        assertEquals(0xffff, transportSum6(whole, 40, 17), "the reassembled datagram's checksum is valid");
    }

    @Test
    void badIpv4HeaderChecksumIsDropped() {
        byte[] in = ipv4(H4, H6_AS4, 17, 64, 0, 1, 0, udpHeaderAndData(1, 2, new byte[4]));
        in[10] ^= 1;
        assertNull(run(in));
        assertEquals(1, counters.localDrops(DropReason.BAD_HEADER_CHECKSUM_46));
    }

    @Test
    void garbageNeverThrowsAndEveryDropIsCounted() {
        Random r = new Random(42);
        byte[] good = ipv6(H6, H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[30]));
        for (int i = 0; i < 20000; i++) {
            byte[] p = (i % 2 == 0 ? good : ipv4(H4, H6_AS4, 6, 64, 0, 1, 0, tcpHeaderAndData(1, 2, new byte[30]))).clone();
            int len = r.nextInt(p.length + 1);
            for (int k = r.nextInt(4); k > 0; k--) {
                p[r.nextInt(p.length)] = (byte) r.nextInt();
            }
            long before = totalHandled();
            out.clear();
            packet.setBytes(Translator.HEADROOM, p, 0, len);
            translator.translate(snap, packet, Translator.HEADROOM, len);
            assertEquals(before + 1, totalHandled(), "each packet is translated, answered, or dropped with a reason");
        }
        assertNotNull(run(good), "the next good packet still passes");
    }

    private long totalHandled() {
        long t = counters.local(XlatCounters.PACKETS_46) + counters.local(XlatCounters.PACKETS_64)
                + counters.local(XlatCounters.ECHO_REPLIES_SENT);
        for (DropReason d : DropReason.values()) {
            t += counters.localDrops(d);
        }
        return t;
    }
}
