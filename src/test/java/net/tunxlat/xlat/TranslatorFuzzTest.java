// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static org.junit.jupiter.api.Assertions.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.pipeline.Buffers;
import net.tunxlat.LeakWatch;
import net.tunxlat.offline.OfflineTranslator;

/**
 * Coverage-guided fuzz tests of the translator core (issue 9), in every direction: IPv4 → IPv6, IPv6 →
 * IPv4, NPTv6, ICMP errors with fuzzed inner packets, GSO super-packets behind a virtio_net_hdr, and raw
 * bytes. Without {@code JAZZER_FUZZ} each {@code @FuzzTest} replays its committed corpus
 * ({@code src/test/resources/net/tunxlat/xlat/TranslatorFuzzTestInputs/<method>/}) as a regression test;
 * {@code packaging/fuzz.sh} fuzzes for real. For every input:
 *
 * <ul>
 *   <li>nothing escapes (no exception) and nothing is read or written past the packet: the packet sits in
 *       a pooled direct buffer of exactly {@code HEADROOM + length} bytes and the error scratch is the
 *       smallest the translator accepts, so Netty's bounds checks throw on any overrun;
 *   <li>the packet is accounted for exactly once: translated, echoed, or dropped with one reason; and every
 *       emitted packet is one the counters know of;
 *   <li>every emitted packet is well formed ({@link PacketInvariants}): lengths, IPv4 header checksum, ICMP
 *       error checksums and sizes, and transport checksums valid whenever the input's were;
 *   <li>no buffer leaks: reference counts are checked on every input, and the tests run under Netty's
 *       paranoid leak detector.
 * </ul>
 *
 * The fuzzed bytes are "repaired" where that lets the fuzzer go deeper (version nibble, IP lengths and
 * checksums, chosen by a flags byte); {@link #rawBytes} repairs nothing.
 */
class TranslatorFuzzTest {
    /** Configurations the fuzzer picks from (first byte of the input). */
    static final String[] CONFIGS = {
        // SIIT with a network-specific prefix, an EAM range, a dynamic pool with an allow-list, RFC 6791,
        // computed zero UDP checksums and both egress MTUs.
        """
        tun-device nat64
        ipv4-addr 192.168.255.1
        prefix 2001:db8:64::/96
        map 192.168.255.2 2001:db8:6::2
        map 10.0.0.0/24 2001:db8:a::/120
        dynamic-pool 192.168.254.0/24
        dynamic-pool-allow 2001:db8:6::/48
        dynamic-pool-rate 10
        rfc6791-pool 203.0.113.8/29
        udp-cksum-mode calc
        ipv4-egress-mtu 1400
        ipv6-egress-mtu 1300
        """,
        // The Well-Known Prefix (RFC 6052 §3.1 strict), TAYGA's defaults otherwise.
        """
        tun-device nat64
        ipv4-addr 198.51.100.1
        ipv6-addr 2001:db8:1::1
        prefix 64:ff9b::/96
        map 198.51.100.2 2001:db8:6::2
        offlink-mtu 1400
        icmp-rate-limit 5
        """,
        // NPTv6 next to NAT64, with a /32 prefix (RFC 6052 u-octet).
        """
        tun-device nat64
        ipv4-addr 192.168.255.1
        prefix 2001:db9::/32
        map 192.168.255.2 2001:dba:6::2
        nptv6 fd00:1::/48 2001:db8:100::/48
        nptv6 fd00:2::/64 2001:db8:200::/64 outbound
        nptv6 fd00:3::/64 2001:db8:200::/64 inbound
        udp-cksum-mode fwd
        """,
    };
    static final TunxlatConfig[] PARSED = new TunxlatConfig[CONFIGS.length];

    static {
        for (int i = 0; i < CONFIGS.length; i++) {
            try {
                PARSED[i] = ConfigParser.parse(CONFIGS[i], Path.of("fuzz-" + i + ".conf"));
            } catch (Exception e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** Addresses the repairs put in, so that fuzzed packets reach the mapping code: per config, v6 and v4 ones. */
    static final String[][] V6 = {
        {"2001:db8:6::2", "2001:db8:64::cb00:7102", "2001:db8:a::5", "2001:db8:6:1::9", "2001:db8:64::c0a8:ff01"},
        {"2001:db8:6::2", "64:ff9b::808:808", "64:ff9b::c0a8:1", "2001:db8:1::1", "2001:db8:7::7"},
        {"fd00:1::5", "2001:db8:100::5", "2001:db8:200::7", "2001:dba:6::2", "2001:db9:cb00:7102::"},
    };
    static final String[][] V4 = {
        {"203.0.113.2", "192.168.255.2", "10.0.0.5", "192.168.254.7", "192.168.255.1"},
        {"8.8.8.8", "198.51.100.2", "198.51.100.1", "192.168.0.1", "203.0.113.9"},
        {"203.0.113.2", "192.168.255.2", "192.168.255.1", "198.51.100.77", "10.1.2.3"},
    };

    /** Leaks Netty had reported before these tests (another class's, on purpose: LeakWatchTest). */
    static final int LEAK_MARK = LeakWatch.mark();

    @org.junit.jupiter.api.AfterAll
    static void noBufferLeaked() {
        LeakWatch.assertNoLeaks(LEAK_MARK);
    }

    // ---------------------------------------------------------------- targets

    /** Raw bytes as read from the TUN device: nothing repaired. */
    @FuzzTest(maxDuration = "5m")
    void rawBytes(byte[] data) {
        if (data.length < 1) {
            return;
        }
        run(data[0] & 0xff, Arrays.copyOfRange(data, 1, data.length));
    }

    /** IPv4 → IPv6: version, Total Length, addresses, header and transport checksums repaired per the flags byte. */
    @FuzzTest(maxDuration = "5m")
    void ipv4ToIpv6(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int flags = data[0] & 0xff;
        byte[] p = Arrays.copyOfRange(data, 1, Math.min(data.length, 1 + Translator.MAX_PACKET));
        repair4(p, flags);
        run(flags, p);
    }

    /** IPv6 → IPv4 (and hairpinning, and packets for the translator): version, lengths, addresses, checksums repaired. */
    @FuzzTest(maxDuration = "5m")
    void ipv6ToIpv4(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int flags = data[0] & 0xff;
        byte[] p = Arrays.copyOfRange(data, 1, Math.min(data.length, 1 + Translator.MAX_PACKET));
        repair6(p, flags);
        run(flags, p);
    }

    /** NPTv6 (config 2): IPv6 packets with inside / outside prefixes and ICMPv6 errors about them. */
    @FuzzTest(maxDuration = "5m")
    void nptv6(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int flags = (data[0] & 0xfc) | 2; // config 2
        byte[] p = Arrays.copyOfRange(data, 1, Math.min(data.length, 1 + Translator.MAX_PACKET));
        repair6(p, flags);
        run(2, p);
    }

    /**
     * ICMP errors whose inner packet is fuzzed: the outer IPv4 / IPv6 header and ICMP header are built valid
     * (addressed to a mapped host, type and code from the input, checksum right), the quoted packet is the
     * fuzzed bytes, lightly repaired so that its addresses map (RFC 7915 §4.3, §5.3, RFC 4884).
     */
    @FuzzTest(maxDuration = "5m")
    void icmpErrorWithInnerPacket(byte[] data) {
        if (data.length < 9) {
            return;
        }
        int flags = data[0] & 0xff;
        int config = config(flags);
        boolean v6 = (flags & 0x10) != 0;
        byte[] inner = Arrays.copyOfRange(data, 9, Math.min(data.length, 1400));
        // The quoted packet was sent by the error's destination (unless bit 7 says to forge it), to anyone;
        // its lengths and checksums are repaired unless bit 6 says not to.
        if ((flags & 0x80) == 0) {
            put(inner, v6 ? 8 : 12, v6 ? TestPackets.v6(V6[config][1]) : TestPackets.v4(V4[config][1]));
        }
        int innerFlags = config | (flags & 0x40);
        if (v6) {
            repair6(inner, innerFlags);
        } else {
            repair4(inner, innerFlags);
        }
        // type selector, code, checksum (recomputed), rest of header (RFC 4884 length, MTU, pointer)
        byte[] icmpHeader = Arrays.copyOfRange(data, 1, 9);
        byte[] p = v6 ? icmp6Error(config, icmpHeader, inner, flags) : icmp4Error(config, icmpHeader, inner, flags);
        run(config, p);
    }

    /** GSO super-packets and checksum offload: a fuzzed virtio_net_hdr in front of the packet (tun-offload). */
    @FuzzTest(maxDuration = "5m")
    void offloadedSuperPackets(byte[] data) {
        if (data.length < 12) {
            return;
        }
        int flags = data[0] & 0xff;
        byte[] vnet = Arrays.copyOfRange(data, 1, 11);
        byte[] p = Arrays.copyOfRange(data, 11, Math.min(data.length, 11 + Translator.MAX_PACKET));
        if ((flags & 0x10) != 0) {
            repair6(p, flags);
        } else {
            repair4(p, flags);
        }
        runVnet(config(flags), vnet, p);
    }

    // ---------------------------------------------------------------- running and checking

    /** The configuration a flags byte picks: its two low bits (3 means 0). */
    static int config(int flags) {
        return (flags & 3) % CONFIGS.length;
    }

    static void run(int flags, byte[] p) {
        LeakWatch.assertNoNewLeaks(LEAK_MARK);
        int config = config(flags);
        XlatSnapshot snap = new XlatSnapshot(PARSED[config]);
        boolean inputValid = PacketInvariants.transportChecksumValid(p, p.length);
        try (XlatHarness x = new XlatHarness(snap)) {
            XlatHarness.Outcome o = x.run(p);
            assertTrue(o.accountedOnce(), () -> "every packet is translated, echoed or dropped once: " + o);
            assertEquals(o.translated() + o.echoReplies() + o.icmpErrors(), o.emitted().size(),
                    () -> "every emitted packet is counted: " + o);
            for (byte[] out : o.emitted()) {
                String wrong = PacketInvariants.check(out, inputValid, o.nptv6() > 0);
                assertNull(wrong, () -> wrong + " in " + OfflineTranslator.describe(out, 0, out.length)
                        + " (input " + OfflineTranslator.describe(p, 0, p.length) + ")");
            }
        }
    }

    static void runVnet(int config, byte[] vnet, byte[] p) {
        LeakWatch.assertNoNewLeaks(LEAK_MARK);
        XlatSnapshot snap = new XlatSnapshot(PARSED[config]);
        XlatCounters counters = new XlatCounters();
        List<byte[]> out = new ArrayList<>();
        int hdr = 10;
        ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + Translator.ICMP6_ERROR_MAX,
                Translator.HEADROOM + Translator.ICMP6_ERROR_MAX);
        ByteBuf segments = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + Translator.MAX_PACKET,
                Translator.HEADROOM + Translator.MAX_PACKET);
        ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + p.length,
                Translator.HEADROOM + p.length);
        try {
            Translator t = new Translator(counters, (b, off, len) -> {
                assertTrue(len >= hdr, "a virtio_net_hdr in front of every packet");
                byte[] a = new byte[len - hdr];
                b.getBytes(off + hdr, a);
                out.add(a);
            }, Buffers.hotPathView(scratch), () -> 5_000_000_000L, PacketLog.OFF);
            t.useVnetHeader(hdr, Buffers.hotPathView(segments));
            ByteBuf b = Buffers.hotPathView(packet);
            b.setBytes(Translator.HEADROOM - hdr, vnet);
            b.setBytes(Translator.HEADROOM, p);
            t.translateVnet(snap, b, Translator.HEADROOM, p.length);
            long handled = counters.local(XlatCounters.PACKETS_46) + counters.local(XlatCounters.PACKETS_64)
                    + counters.local(XlatCounters.ECHO_REPLIES_SENT) + counters.local(XlatCounters.PACKETS_NPTV6_IN)
                    + counters.local(XlatCounters.PACKETS_NPTV6_OUT);
            long drops = 0;
            for (DropReason d : DropReason.values()) {
                drops += counters.localDrops(d);
            }
            assertTrue(handled + drops >= 1, "a super-packet (or each of its segments) is accounted for");
            long errors = counters.local(XlatCounters.ICMP_ERRORS_SENT_4) + counters.local(XlatCounters.ICMP_ERRORS_SENT_6);
            assertEquals(handled + errors, out.size(), "every emitted packet is counted");
            for (byte[] o : out) {
                // A super-packet's L4 checksum is partial (the kernel finishes it): check the IP layer only.
                String wrong = PacketInvariants.check(o, false);
                assertNull(wrong, () -> wrong + " in " + OfflineTranslator.describe(o, 0, o.length));
            }
            assertEquals(1, packet.refCnt());
            assertEquals(1, segments.refCnt());
            assertEquals(1, scratch.refCnt());
        } finally {
            packet.release();
            segments.release();
            scratch.release();
        }
    }

    // ---------------------------------------------------------------- repairs

    static void put(byte[] p, int at, byte[] v) {
        if (at + v.length <= p.length) {
            System.arraycopy(v, 0, p, at, v.length);
        }
    }

    /**
     * Flags: bit 2-3 pick the source, bit 4-5 the destination among {@link #V4} (else the fuzzed bytes stay),
     * bit 6 keeps the fuzzed Total Length, bit 7 keeps the fuzzed header checksum; the transport checksum is
     * fixed unless the fuzzed Total Length is kept.
     */
    static void repair4(byte[] p, int flags) {
        if (p.length < 1) {
            return;
        }
        int config = config(flags);
        p[0] = (byte) (0x40 | (p[0] & 0x0f));
        if (p.length < 20) {
            return;
        }
        if ((flags & 0x0c) != 0) {
            put(p, 12, TestPackets.v4(V4[config][((flags >>> 2) & 3)]));
        }
        if ((flags & 0x30) != 0) {
            put(p, 16, TestPackets.v4(V4[config][((flags >>> 4) & 3) + 1]));
        }
        if ((flags & 0x40) == 0) {
            int total = Math.min(p.length, 65535);
            p[2] = (byte) (total >> 8);
            p[3] = (byte) total;
            fixTransport(p, total);
        }
        if ((flags & 0x80) == 0) {
            fixHeaderChecksum(p);
        }
    }

    static void fixHeaderChecksum(byte[] p) {
        int ihl = Math.max(20, (p[0] & 0x0f) * 4);
        if (ihl <= p.length) {
            p[10] = 0;
            p[11] = 0;
            int c = ~TestPackets.naiveSum(p, 0, ihl) & 0xffff;
            p[10] = (byte) (c >> 8);
            p[11] = (byte) c;
        }
    }

    /** Flags as for {@link #repair4}, with {@link #V6} addresses and the Payload Length. */
    static void repair6(byte[] p, int flags) {
        if (p.length < 1) {
            return;
        }
        int config = config(flags);
        p[0] = (byte) (0x60 | (p[0] & 0x0f));
        if (p.length < 40) {
            return;
        }
        if ((flags & 0x0c) != 0) {
            put(p, 8, TestPackets.v6(V6[config][((flags >>> 2) & 3)]));
        }
        if ((flags & 0x30) != 0) {
            put(p, 24, TestPackets.v6(V6[config][((flags >>> 4) & 3) + 1]));
        }
        if ((flags & 0x40) == 0) {
            int payload = Math.min(p.length - 40, 65535);
            p[4] = (byte) (payload >> 8);
            p[5] = (byte) payload;
            fixTransport(p, 40 + payload);
        }
    }

    /** Makes the transport checksum of an unfragmented TCP, UDP or ICMP packet valid (when it can be found). */
    static void fixTransport(byte[] p, int len) {
        PacketInvariants.Upper u = PacketInvariants.upper(p, len);
        if (u == null) {
            return;
        }
        boolean v6 = (p[0] & 0xf0) == 0x60;
        int co = switch (u.protocol()) {
            case 6 -> 16;
            case 17 -> 6;
            case 1, 58 -> 2;
            default -> -1;
        };
        if (co < 0 || u.offset() + co + 2 > u.end()) {
            return;
        }
        p[u.offset() + co] = 0;
        p[u.offset() + co + 1] = 0;
        int length = u.end() - u.offset();
        long sum;
        if (u.protocol() == 1 && !v6) {
            sum = TestPackets.naiveSum(p, u.offset(), u.end());
        } else if (v6) {
            sum = TestPackets.naiveSum(p, 8, 40) + (length >>> 16) + (length & 0xffff) + u.protocol()
                    + TestPackets.naiveSum(p, u.offset(), u.end());
        } else {
            sum = TestPackets.naiveSum(p, 12, 20) + length + u.protocol() + TestPackets.naiveSum(p, u.offset(), u.end());
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        int c = ~(int) sum & 0xffff;
        if (u.protocol() == 17 && c == 0) {
            c = 0xffff;
        }
        p[u.offset() + co] = (byte) (c >> 8);
        p[u.offset() + co + 1] = (byte) c;
    }

    /** An ICMPv4 error from an IPv4 router to the mapped IPv6 host, quoting {@code inner}. */
    static byte[] icmp4Error(int config, byte[] header, byte[] inner, int flags) {
        byte[] l4 = new byte[8 + inner.length];
        System.arraycopy(header, 0, l4, 0, 8);
        l4[0] = (byte) (new int[] {3, 11, 12, 3, 4, 5, 3, 3}[(header[0] & 0xff) % 8]);
        l4[2] = 0;
        l4[3] = 0;
        System.arraycopy(inner, 0, l4, 8, inner.length);
        String src = (flags & 0x20) != 0 ? "198.51.100.250" : V4[config][0];
        return TestPackets.ipv4(src, V4[config][1], 1, 64, 0, 77, 0, l4);
    }

    /** An ICMPv6 error from an IPv6 router to an IPv4 host (as the prefix shows it), quoting {@code inner}. */
    static byte[] icmp6Error(int config, byte[] header, byte[] inner, int flags) {
        byte[] l4 = new byte[8 + inner.length];
        System.arraycopy(header, 0, l4, 0, 8);
        l4[0] = (byte) (1 + (header[0] & 0xff) % 4);
        l4[2] = 0;
        l4[3] = 0;
        System.arraycopy(inner, 0, l4, 8, inner.length);
        String src = (flags & 0x20) != 0 ? "2001:db8:ffff::1" : V6[config][0];
        return TestPackets.ipv6(src, V6[config][1], 58, 58, 64, 0, new byte[0], l4);
    }

}
