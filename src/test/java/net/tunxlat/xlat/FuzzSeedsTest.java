// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seed corpus of {@link TranslatorFuzzTest}: a few valid packets of each kind per target, in
 * {@code src/test/resources/net/tunxlat/xlat/TranslatorFuzzTestInputs/<target>/seed-*}. This test checks
 * that the committed corpus is exactly what {@link #seeds} generates; run it with
 * {@code -Dtunxlat.fuzz.writeSeeds=true} to (re)write it. Findings of long fuzzing runs go next to the seeds
 * as {@code crash-*} files (Jazzer replays them too) and become regression tests.
 */
class FuzzSeedsTest {
    static final Path DIR = Path.of("src/test/resources/net/tunxlat/xlat/TranslatorFuzzTestInputs");

    static byte[] cat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] r = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, r, at, p.length);
            at += p.length;
        }
        return r;
    }

    static byte[] b(int... v) {
        byte[] r = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (byte) v[i];
        }
        return r;
    }

    static byte[] data(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 7 + 3);
        }
        return d;
    }

    static byte[] icmp(int type, int code, int rest, byte[] body) {
        ByteBuffer x = ByteBuffer.allocate(8 + body.length);
        x.put((byte) type).put((byte) code).putShort((short) 0).putInt(rest).put(body);
        return x.array();
    }

    /** virtio_net_hdr (10 bytes, little-endian). */
    static byte[] vnet(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        return ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte) flags).put((byte) gsoType)
                .putShort((short) hdrLen).putShort((short) gsoSize).putShort((short) csumStart)
                .putShort((short) csumOffset).array();
    }

    /** Target name → seed name → bytes. */
    static Map<String, Map<String, byte[]>> seeds() {
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        String[] h4 = TranslatorFuzzTest.V4[0];
        String[] h6 = TranslatorFuzzTest.V6[0];
        String[] w4 = TranslatorFuzzTest.V4[1];
        String[] w6 = TranslatorFuzzTest.V6[1];
        String[] n6 = TranslatorFuzzTest.V6[2];
        String[] n4 = TranslatorFuzzTest.V4[2];

        // IPv4 -> IPv6, flags byte = the configuration (no address override, lengths and checksums repaired).
        Map<String, byte[]> v4 = new LinkedHashMap<>();
        v4.put("udp", cat(b(0), ipv4(h4[0], h4[1], 17, 64, 0, 1, 0, udpHeaderAndData(53, 5000, data(40)))));
        v4.put("tcp-df", cat(b(0), ipv4(h4[0], h4[1], 6, 64, 0, 2, 0x4000, tcpHeaderAndData(80, 5000, data(100)))));
        v4.put("tcp-eam", cat(b(0), ipv4(h4[0], h4[2], 6, 64, 0, 2, 0x4000, tcpHeaderAndData(80, 5000, data(10)))));
        v4.put("echo", cat(b(0), ipv4(h4[0], h4[1], 1, 64, 0, 3, 0, icmpEcho(8, 1, 1, data(56)))));
        v4.put("echo-to-translator", cat(b(0), ipv4(h4[0], h4[4], 1, 64, 0, 3, 0, icmpEcho(8, 1, 1, data(16)))));
        v4.put("udp-zero-checksum", cat(b(0x40), ipv4(h4[0], h4[1], 17, 64, 0, 4, 0, udpHeaderAndData(53, 53, data(9)))));
        v4.put("first-fragment", cat(b(0), ipv4(h4[0], h4[1], 17, 64, 0, 5, 0x2000, udpHeaderAndData(53, 53, data(64)))));
        v4.put("middle-fragment", cat(b(0), ipv4(h4[0], h4[1], 17, 64, 0, 5, 0x2000 | 9, data(64))));
        v4.put("big-no-df", cat(b(0), ipv4(h4[0], h4[1], 17, 64, 0, 6, 0, udpHeaderAndData(53, 53, data(3000)))));
        v4.put("big-df", cat(b(0), ipv4(h4[0], h4[1], 6, 64, 0, 6, 0x4000, tcpHeaderAndData(53, 53, data(1500)))));
        v4.put("ttl-1", cat(b(0), ipv4(h4[0], h4[1], 17, 1, 0, 7, 0, udpHeaderAndData(53, 53, data(20)))));
        byte[] opts = ipv4(h4[0], h4[1], 17, 64, 0, 8, 0, cat(b(0x83, 7, 4, 1, 2, 3, 4, 1), udpHeaderAndData(1, 2, data(8))));
        opts[0] = 0x47; // IHL 7: LSRR (pointer 4, unexpired) + NOP
        v4.put("source-route", cat(b(0), opts));
        v4.put("error-3-3", cat(b(0), ipv4(h4[0], h4[1], 1, 64, 0, 9, 0,
                icmp(3, 3, 0, ipv4(h4[1], h4[0], 17, 63, 0, 1, 0, udpHeaderAndData(5000, 53, data(20)))))));
        v4.put("wkpf-udp", cat(b(1), ipv4(w4[0], w4[1], 17, 64, 0, 1, 0, udpHeaderAndData(53, 5000, data(12)))));
        v4.put("nptv6-config", cat(b(2), ipv4(n4[0], n4[1], 6, 64, 0, 1, 0, tcpHeaderAndData(1, 2, data(12)))));
        all.put("ipv4ToIpv6", v4);

        // IPv6 -> IPv4.
        Map<String, byte[]> v6 = new LinkedHashMap<>();
        byte[] none = new byte[0];
        v6.put("udp", cat(b(0), ipv6(h6[0], h6[1], 17, 17, 64, 0, none, udpHeaderAndData(5000, 53, data(40)))));
        v6.put("tcp", cat(b(0), ipv6(h6[0], h6[1], 6, 6, 64, 0, none, tcpHeaderAndData(5000, 80, data(100)))));
        v6.put("echo", cat(b(0), ipv6(h6[0], h6[1], 58, 58, 64, 0, none, icmpEcho(128, 1, 1, data(56)))));
        v6.put("echo-to-translator", cat(b(0), ipv6(h6[0], h6[4], 58, 58, 64, 0, none, icmpEcho(128, 1, 1, data(8)))));
        v6.put("pool-source", cat(b(0), ipv6(h6[3], h6[1], 17, 17, 64, 0, none, udpHeaderAndData(1, 2, data(8)))));
        v6.put("hairpin", cat(b(0), ipv6(h6[2], "2001:db8:64::c0a8:ff02", 17, 17, 64, 0, none, udpHeaderAndData(1, 2, data(8)))));
        v6.put("atomic-fragment", cat(b(0), ipv6(h6[0], h6[1], 44, 17, 64, 0, b(17, 0, 0, 0, 0x87, 0x65, 0x43, 0x21),
                udpHeaderAndData(1, 2, data(8)))));
        v6.put("first-fragment", cat(b(0x40), ipv6(h6[0], h6[1], 44, 17, 64, 0, b(17, 0, 0, 1, 0, 0, 0, 9),
                udpHeaderAndData(1, 2, data(64)))));
        v6.put("later-fragment", cat(b(0x40), ipv6(h6[0], h6[1], 44, 17, 64, 0, b(17, 0, 0, 0x48, 0, 0, 0, 9), data(64))));
        v6.put("hop-by-hop-dest-routing", cat(b(0), ipv6(h6[0], h6[1], 0, 17, 64, 0,
                cat(b(60, 0, 1, 4, 0, 0, 0, 0), b(43, 0, 1, 4, 0, 0, 0, 0), b(17, 0, 0, 0, 0, 0, 0, 0)),
                udpHeaderAndData(1, 2, data(8)))));
        v6.put("routing-segments-left", cat(b(0), ipv6(h6[0], h6[1], 43, 17, 64, 0,
                b(17, 2, 0, 1, 0, 0, 0, 0, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
                udpHeaderAndData(1, 2, data(8)))));
        v6.put("hop-limit-1", cat(b(0), ipv6(h6[0], h6[1], 17, 17, 1, 0, none, udpHeaderAndData(1, 2, data(8)))));
        v6.put("big", cat(b(0), ipv6(h6[0], h6[1], 6, 6, 64, 0, none, tcpHeaderAndData(1, 2, data(1500)))));
        v6.put("error-1-4", cat(b(0), ipv6("2001:db8:6::1", h6[1], 58, 58, 64, 0, none,
                icmp(1, 4, 0, ipv6(h6[1], h6[0], 17, 17, 63, 0, none, udpHeaderAndData(53, 5000, data(20)))))));
        v6.put("wkpf-tcp", cat(b(1), ipv6(w6[0], w6[1], 6, 6, 64, 0, none, tcpHeaderAndData(1, 2, data(12)))));
        v6.put("wkpf-nonglobal", cat(b(1), ipv6(w6[0], w6[2], 17, 17, 64, 0, none, udpHeaderAndData(1, 2, data(12)))));
        v6.put("prefix32", cat(b(2), ipv6(n6[3], n6[4], 17, 17, 64, 0, none, udpHeaderAndData(1, 2, data(12)))));
        all.put("ipv6ToIpv4", v6);

        Map<String, byte[]> npt = new LinkedHashMap<>();
        npt.put("outbound", cat(b(2), ipv6(n6[0], "2001:db8:ffff::1", 6, 6, 64, 0, none, tcpHeaderAndData(1, 2, data(20)))));
        npt.put("inbound", cat(b(2), ipv6("2001:db8:ffff::1", n6[1], 17, 17, 64, 0, none, udpHeaderAndData(1, 2, data(20)))));
        npt.put("outbound-shared", cat(b(2), ipv6("fd00:2::7", "2001:db8:ffff::1", 17, 17, 64, 0, none,
                udpHeaderAndData(1, 2, data(20)))));
        npt.put("inbound-shared", cat(b(2), ipv6("2001:db8:ffff::1", n6[2], 17, 17, 64, 0, none,
                udpHeaderAndData(1, 2, data(20)))));
        npt.put("error-inbound", cat(b(2), ipv6("2001:db8:ffff::9", n6[1], 58, 58, 64, 0, none,
                icmp(1, 4, 0, ipv6(n6[1], "2001:db8:ffff::1", 17, 17, 63, 0, none, udpHeaderAndData(1, 2, data(20)))))));
        npt.put("echo-outbound", cat(b(2), ipv6(n6[0], "2001:db8:ffff::1", 58, 58, 64, 0, none, icmpEcho(128, 1, 1, data(8)))));
        all.put("nptv6", npt);

        // ICMP errors: flags, 8 bytes of ICMP header (type selector, code, checksum, rest), then the quoted packet.
        Map<String, byte[]> err = new LinkedHashMap<>();
        err.put("v4-port-unreachable", cat(b(0, 0, 3, 0, 0, 0, 0, 0, 0),
                ipv4(h4[1], h4[0], 17, 63, 0, 1, 0, udpHeaderAndData(5000, 53, data(20)))));
        err.put("v4-time-exceeded-tcp", cat(b(0, 1, 0, 0, 0, 0, 0, 0, 0),
                ipv4(h4[1], h4[0], 6, 1, 0, 1, 0x4000, tcpHeaderAndData(5000, 80, data(40)))));
        err.put("v4-frag-needed", cat(b(0, 0, 4, 0, 0, 0, 0, 0x05, 0x78),
                ipv4(h4[1], h4[0], 6, 63, 0, 1, 0x4000, tcpHeaderAndData(5000, 80, data(1400)))));
        err.put("v4-param-problem", cat(b(0, 2, 0, 0, 0, 12, 0, 0, 0),
                ipv4(h4[1], h4[0], 17, 63, 0, 1, 0, udpHeaderAndData(5000, 53, data(8)))));
        err.put("v4-rfc4884", cat(b(0, 1, 0, 0, 0, 0, 32, 0, 0), ipv4(h4[1], h4[0], 17, 63, 0, 1, 0,
                udpHeaderAndData(5000, 53, data(100))), b(0x20, 0, 0, 0, 0, 8, 1, 1, 0, 0, 0, 0)));
        err.put("v4-inner-echo", cat(b(0, 0, 1, 0, 0, 0, 0, 0, 0),
                ipv4(h4[1], h4[0], 1, 63, 0, 1, 0, icmpEcho(8, 7, 7, data(20)))));
        err.put("v4-inner-fragment", cat(b(0, 0, 3, 0, 0, 0, 0, 0, 0),
                ipv4(h4[1], h4[0], 17, 63, 0, 1, 0x2000, udpHeaderAndData(5000, 53, data(64)))));
        err.put("v4-wkpf", cat(b(1, 0, 3, 0, 0, 0, 0, 0, 0),
                ipv4(w4[1], w4[0], 17, 63, 0, 1, 0, udpHeaderAndData(5000, 53, data(20)))));
        err.put("v6-port-unreachable", cat(b(0x10, 0, 4, 0, 0, 0, 0, 0, 0),
                ipv6(h6[1], h6[0], 17, 17, 63, 0, none, udpHeaderAndData(53, 5000, data(20)))));
        err.put("v6-packet-too-big", cat(b(0x10, 1, 0, 0, 0, 0, 0, 0x05, 0),
                ipv6(h6[1], h6[0], 6, 6, 63, 0, none, tcpHeaderAndData(80, 5000, data(1300)))));
        err.put("v6-time-exceeded", cat(b(0x10, 2, 0, 0, 0, 0, 0, 0, 0),
                ipv6(h6[1], h6[0], 58, 58, 1, 0, none, icmpEcho(129, 7, 7, data(20)))));
        err.put("v6-param-problem", cat(b(0x10, 3, 0, 0, 0, 0, 0, 0, 6),
                ipv6(h6[1], h6[0], 17, 17, 63, 0, none, udpHeaderAndData(53, 5000, data(8)))));
        err.put("v6-inner-fragment", cat(b(0x10, 0, 4, 0, 0, 0, 0, 0, 0),
                ipv6(h6[1], h6[0], 44, 17, 63, 0, b(17, 0, 0, 1, 0, 0, 0, 5), udpHeaderAndData(53, 5000, data(64)))));
        err.put("v6-rfc4884", cat(b(0x10, 0, 4, 0, 0, 21, 0, 0, 0), ipv6(h6[1], h6[0], 17, 17, 63, 0, none,
                udpHeaderAndData(53, 5000, data(120))), b(0x20, 0, 0, 0, 0, 8, 1, 1, 0, 0, 0, 0)));
        err.put("v6-unmappable-router", cat(b(0x30, 0, 4, 0, 0, 0, 0, 0, 0),
                ipv6(h6[1], h6[0], 17, 17, 63, 0, none, udpHeaderAndData(53, 5000, data(20)))));
        all.put("icmpErrorWithInnerPacket", err);

        // GSO super-packets: flags (bit 4: IPv6), virtio_net_hdr, packet.
        Map<String, byte[]> gso = new LinkedHashMap<>();
        gso.put("tcpv4", cat(b(0x40), vnet(1, 1, 40, 1400, 20, 16),
                ipv4(h4[0], h4[1], 6, 64, 0, 1, 0x4000, tcpHeaderAndData(80, 5000, data(8000)))));
        gso.put("tcpv6", cat(b(0x50), vnet(1, 4, 60, 1400, 40, 16),
                ipv6(h6[0], h6[1], 6, 6, 64, 0, none, tcpHeaderAndData(5000, 80, data(8000)))));
        gso.put("udp-l4", cat(b(0x50), vnet(1, 5, 48, 1200, 40, 6),
                ipv6(h6[0], h6[1], 17, 17, 64, 0, none, udpHeaderAndData(5000, 53, data(5000)))));
        gso.put("needs-csum", cat(b(0x00), vnet(1, 0, 0, 0, 20, 6),
                ipv4(h4[0], h4[1], 17, 64, 0, 1, 0, udpHeaderAndData(53, 5000, data(100)))));
        gso.put("plain", cat(b(0x10), vnet(0, 0, 0, 0, 0, 0),
                ipv6(h6[0], h6[1], 17, 17, 64, 0, none, udpHeaderAndData(5000, 53, data(100)))));
        gso.put("tcpv4-fragmenting", cat(b(0x40), vnet(1, 1, 40, 1400, 20, 16),
                ipv4(h4[0], h4[1], 6, 64, 0, 1, 0, tcpHeaderAndData(80, 5000, data(8000)))));
        all.put("offloadedSuperPackets", gso);

        // Raw: the packets above, unrepaired.
        Map<String, byte[]> raw = new LinkedHashMap<>();
        for (String k : new String[] {"udp", "tcp-df", "echo", "error-3-3", "first-fragment", "source-route"}) {
            raw.put("v4-" + k, v4.get(k));
        }
        for (String k : new String[] {"udp", "tcp", "echo", "error-1-4", "hop-by-hop-dest-routing", "hairpin"}) {
            raw.put("v6-" + k, v6.get(k));
        }
        raw.put("nptv6-outbound", npt.get("outbound"));
        all.put("rawBytes", raw);
        return all;
    }

    @Test
    void theCommittedCorpusIsTheGeneratedOne() throws IOException {
        boolean write = Boolean.getBoolean("tunxlat.fuzz.writeSeeds");
        for (Map.Entry<String, Map<String, byte[]>> target : seeds().entrySet()) {
            Path dir = DIR.resolve(target.getKey());
            for (Map.Entry<String, byte[]> seed : target.getValue().entrySet()) {
                Path file = dir.resolve("seed-" + seed.getKey());
                if (write) {
                    Files.createDirectories(dir);
                    Files.write(file, seed.getValue());
                } else {
                    assertTrue(Files.isRegularFile(file), file + " is missing: run FuzzSeedsTest with"
                            + " -Dtunxlat.fuzz.writeSeeds=true and commit the corpus");
                    assertTrue(Arrays.equals(seed.getValue(), Files.readAllBytes(file)), file + " differs from its generator");
                }
            }
        }
    }
}
