// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.tunxlat.xlat.KernelVnet;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.Translator;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * UDP GRO on the TUN write path: what goes in as single datagrams comes out of the kernel's segmentation
 * (modelled here after Linux's __udp_gso_segment and inet_gso_segment) as exactly those datagrams, in
 * order, with their checksums finished; everything else passes unchanged and in order.
 */
class UdpCoalescerTest {
    static final int V = 12;
    final List<byte[]> written = new ArrayList<>();
    final ByteBuf batch = PooledByteBufAllocator.DEFAULT.directBuffer(UdpCoalescer.FLOWS * UdpCoalescer.SLOT);
    final ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(V + 65535);
    final ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
    final XlatCounters counters = new XlatCounters();
    final UdpCoalescer coalescer = new UdpCoalescer(batch, V, (b, off, len) -> {
        byte[] a = new byte[len];
        b.getBytes(off, a);
        written.add(a);
    }, counters);
    /** Where DF=0 super-packets take their Identifications: 1, 2, 3, ... (its clock starts at 0). */
    final Translator translator = new Translator(new XlatCounters(), (b, off, len) -> { }, scratch, () -> 0,
            PacketLog.OFF);

    UdpCoalescerTest() {
        coalescer.useIdentifications(translator);
    }

    /** The Identification the translator gives a DF=0 packet it writes (as it numbers them one by one). */
    int id() {
        return translator.reserveIdentifications(1);
    }

    @AfterEach
    void release() {
        batch.release();
        in.release();
        scratch.release();
    }

    // ---------------------------------------------------------------- packets as the translator emits them

    /** IPv4 UDP, partial checksum, behind a NEEDS_CSUM vnet header (csum_start 20, csum_offset 6). */
    static byte[] udp4(int src, int dst, int sport, int dport, int id, int flags, int ttl, int tos, byte[] data) {
        int ipLen = 28 + data.length;
        ByteBuffer b = ByteBuffer.allocate(V + ipLen);
        b.put(0, (byte) 1).putShort(6, Short.reverseBytes((short) 20)).putShort(8, Short.reverseBytes((short) 6));
        b.put(V, (byte) 0x45).put(V + 1, (byte) tos).putShort(V + 2, (short) ipLen).putShort(V + 4, (short) id)
                .putShort(V + 6, (short) flags).put(V + 8, (byte) ttl).put(V + 9, (byte) 17).putInt(V + 12, src)
                .putInt(V + 16, dst);
        b.putShort(V + 10, (short) ~sum(b.array(), V, V + 20));
        b.putShort(V + 20, (short) sport).putShort(V + 22, (short) dport).putShort(V + 24, (short) (8 + data.length));
        b.put(V + 28, data, 0, data.length);
        byte[] p = b.array();
        byte[] ph = ByteBuffer.allocate(12).putInt(src).putInt(dst).putShort((short) 17).putShort((short) (8 + data.length))
                .array();
        ByteBuffer.wrap(p).putShort(V + 26, (short) sum(ph, 0, 12));
        return p;
    }

    /** IPv6 UDP, partial checksum (csum_start 40). */
    static byte[] udp6(long srcLo, long dstLo, int sport, int hop, byte[] data) {
        int ipLen = 48 + data.length;
        ByteBuffer b = ByteBuffer.allocate(V + ipLen);
        b.put(0, (byte) 1).putShort(6, Short.reverseBytes((short) 40)).putShort(8, Short.reverseBytes((short) 6));
        b.putInt(V, 0x60000000).putShort(V + 4, (short) (8 + data.length)).put(V + 6, (byte) 17).put(V + 7, (byte) hop)
                .putLong(V + 8, 0x20010db800060000L).putLong(V + 16, srcLo).putLong(V + 24, 0x20010db800640000L)
                .putLong(V + 32, dstLo);
        b.putShort(V + 40, (short) sport).putShort(V + 42, (short) 53).putShort(V + 44, (short) (8 + data.length));
        b.put(V + 48, data, 0, data.length);
        byte[] ph = new byte[40];
        System.arraycopy(b.array(), V + 8, ph, 0, 32);
        ph[34] = (byte) ((8 + data.length) >>> 8);
        ph[35] = (byte) (8 + data.length);
        ph[39] = 17;
        b.putShort(V + 46, (short) sum(ph, 0, 40));
        return b.array();
    }

    static int sum(byte[] a, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i += 2) {
            s += ((a[i] & 0xff) << 8) | (i + 1 < to ? a[i + 1] & 0xff : 0);
        }
        while (s > 0xffff) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    static int le16(byte[] a, int i) {
        return (a[i] & 0xff) | (a[i + 1] & 0xff) << 8;
    }

    static int u16(byte[] a, int i) {
        return ((a[i] & 0xff) << 8) | (a[i + 1] & 0xff);
    }

    /** What the kernel finishes for one plain packet with NEEDS_CSUM. */
    static byte[] finish(byte[] w) {
        return KernelVnet.finish(w);
    }

    /**
     * The kernel's segmentation of a written packet (Linux __udp_gso_segment and inet_gso_segment): each
     * segment gets the headers, gso_size bytes of payload (the last the rest), its UDP length, its IP
     * length (IPv4: Identification first + i, header checksum), and its checksum finished from the partial
     * one adjusted for its length. A plain packet comes out as it is, its checksum finished.
     */
    static List<byte[]> kernelSegments(byte[] w) {
        List<byte[]> segs = new ArrayList<>();
        if (w[1] == 0) {
            segs.add(finish(w));
            return segs;
        }
        assertEquals(5, w[1], "GSO_UDP_L4");
        assertEquals(1, w[0], "NEEDS_CSUM");
        byte[] p = Arrays.copyOfRange(w, V, w.length);
        int l4 = le16(w, 6);
        assertEquals(6, le16(w, 8));
        assertEquals(l4 + 8, le16(w, 2), "hdr_len");
        int mss = le16(w, 4);
        int payload = p.length - l4 - 8;
        assertTrue(payload > mss, "a super-packet carries at least two segments");
        assertEquals(8 + payload, u16(p, l4 + 4), "UDP length of the whole");
        boolean v4 = (p[0] >>> 4 & 0xf) == 4;
        int id = v4 ? u16(p, 4) : 0;
        for (int done = 0, i = 0; done < payload; done += mss, i++) {
            int n = Math.min(mss, payload - done);
            byte[] s = new byte[l4 + 8 + n];
            System.arraycopy(p, 0, s, 0, l4 + 8);
            System.arraycopy(p, l4 + 8 + done, s, l4 + 8, n);
            ByteBuffer b = ByteBuffer.wrap(s);
            int oldLen = u16(p, l4 + 4);
            int check = u16(p, l4 + 6);
            // csum16_add(csum16_sub(uh->check, uh->len), newlen)
            long c = check + (~oldLen & 0xffff) + 8 + n;
            while (c > 0xffff) {
                c = (c & 0xffff) + (c >>> 16);
            }
            b.putShort(l4 + 4, (short) (8 + n)).putShort(l4 + 6, (short) c);
            if (v4) {
                b.putShort(2, (short) s.length).putShort(4, (short) (id + i)).putShort(10, (short) 0);
                b.putShort(10, (short) ~sum(s, 0, 20));
            } else {
                b.putShort(4, (short) (s.length - 40));
            }
            int f = ~sum(s, l4, s.length) & 0xffff;
            b.putShort(l4 + 6, (short) f);
            segs.add(s);
        }
        return segs;
    }

    void offer(byte[] packet) {
        in.setBytes(0, packet);
        coalescer.emit(in, 0, packet.length);
    }

    /** Every packet the kernel delivers from what was written, in order. */
    List<byte[]> delivered() {
        List<byte[]> all = new ArrayList<>();
        for (byte[] w : written) {
            all.addAll(kernelSegments(w));
        }
        return all;
    }

    /**
     * The same datagrams, flow by flow in the same order (flows may interleave differently), each as its
     * sender's kernel would have finished it; IPv4 Identifications (and so header checksums) aside, which
     * {@link #assertIdentificationsUnique} checks.
     */
    static void assertSamePackets(List<byte[]> sent, List<byte[]> delivered) {
        assertEquals(sent.size(), delivered.size(), "datagrams delivered");
        Map<String, List<byte[]>> want = new LinkedHashMap<>();
        Map<String, List<byte[]>> got = new LinkedHashMap<>();
        for (byte[] p : sent) {
            byte[] f = finish(p);
            want.computeIfAbsent(flow(f), k -> new ArrayList<>()).add(withoutIdentification(f));
        }
        for (byte[] p : delivered) {
            got.computeIfAbsent(flow(p), k -> new ArrayList<>()).add(withoutIdentification(p));
        }
        assertEquals(want.keySet(), got.keySet(), "flows");
        for (String k : want.keySet()) {
            List<byte[]> w = want.get(k);
            List<byte[]> g = got.get(k);
            assertEquals(w.size(), g.size(), "datagrams of flow " + k);
            for (int i = 0; i < w.size(); i++) {
                assertArrayEquals(w.get(i), g.get(i), "flow " + k + " datagram " + i);
            }
        }
    }

    /** Addresses and ports. */
    static String flow(byte[] ip) {
        boolean v4 = (ip[0] >>> 4 & 0xf) == 4;
        int from = v4 ? 12 : 8;
        int to = v4 ? 24 : 44;
        return HexFormat.of().formatHex(ip, from, to);
    }

    static byte[] withoutIdentification(byte[] ip) {
        byte[] c = ip.clone();
        if ((c[0] >>> 4 & 0xf) == 4) {
            c[4] = c[5] = c[10] = c[11] = 0;
        }
        return c;
    }

    /** Delivered IPv4 datagrams without DF have Identifications that are all different, and valid headers. */
    static void assertIdentificationsUnique(List<byte[]> delivered) {
        Set<Integer> seen = new HashSet<>();
        for (byte[] p : delivered) {
            if ((p[0] >>> 4 & 0xf) == 4) {
                assertEquals(0xffff, sum(p, 0, 20), "IPv4 header checksum");
                if ((p[6] & 0x40) == 0) {
                    assertTrue(seen.add(u16(p, 4)), "Identification " + u16(p, 4) + " used twice");
                }
            }
        }
    }

    static final int A = 0xc0a8ff02;
    static final int B = 0xcb007102;

    // ---------------------------------------------------------------- tests

    @Test
    void consecutiveDatagramsOfOneFlowBecomeOneSuperPacketThatSegmentsBackIntoThem() {
        List<byte[]> sent = new ArrayList<>();
        Random r = new Random(1);
        for (int i = 0; i < 10; i++) {
            byte[] data = new byte[64];
            r.nextBytes(data);
            sent.add(udp4(A, B, 40000, 5201, 100 + i, 0, 63, 0, data));
        }
        sent.forEach(this::offer);
        assertTrue(written.isEmpty(), "held until the flush");
        coalescer.flush();
        assertEquals(1, written.size(), "one write for ten datagrams");
        assertEquals(64, le16(written.get(0), 4), "gso_size = the datagrams' payload");
        List<byte[]> d = delivered();
        assertSamePackets(sent, d);
        for (int i = 0; i < 10; i++) {
            assertEquals(1 + i, u16(d.get(i), 4), "Identifications: one block taken from the translator's");
        }
        assertEquals(11, translator.reserveIdentifications(1), "the translator hands out what follows");
        assertEquals(1, counters.local(XlatCounters.UDP_COALESCED_WRITES));
        assertEquals(10, counters.local(XlatCounters.UDP_COALESCED_DATAGRAMS));
    }

    @Test
    void aSingleDatagramIsWrittenExactlyAsItCame() {
        byte[] p = udp4(A, B, 1, 2, 7, 0, 63, 0, new byte[100]);
        offer(p);
        coalescer.flush();
        assertEquals(1, written.size());
        assertArrayEquals(p, written.get(0));
        assertEquals(0, counters.local(XlatCounters.UDP_COALESCED_WRITES));
        coalescer.flush();
        assertEquals(1, written.size(), "nothing pending: a flush writes nothing");
    }

    @Test
    void aShorterDatagramEndsTheSuperPacketAndOrderIsKept() {
        List<byte[]> sent = new ArrayList<>();
        sent.add(udp4(A, B, 1, 2, 1, 0, 63, 0, new byte[100]));
        sent.add(udp4(A, B, 1, 2, 2, 0, 63, 0, new byte[100]));
        sent.add(udp4(A, B, 1, 2, 3, 0, 63, 0, new byte[40])); // the last may be shorter
        sent.add(udp4(A, B, 1, 2, 4, 0, 63, 0, new byte[100])); // but nothing after it
        sent.add(udp4(A, B, 1, 2, 5, 0, 63, 0, new byte[200])); // nor a longer one
        sent.forEach(this::offer);
        coalescer.flush();
        assertEquals(3, written.size(), "[100 100 40] [100] [200]");
        assertSamePackets(sent, delivered());
    }

    @Test
    void otherPacketsFlushEverythingFirstAndEachFlowKeepsItsOrder() {
        byte[] tcp = udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[30]);
        tcp[V + 9] = 6; // not UDP: passes unchanged
        byte[] complete = udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[30]);
        complete[0] = 0; // no NEEDS_CSUM, and a checksum field that does not verify: never coalesced
        List<byte[]> sent = List.of(
                udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64]),
                udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64]),
                udp4(A, B, 1, 3, id(), 0, 63, 0, new byte[64]), // another flow (destination port): its own slot
                udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64]), // joins the first flow's
                tcp, // everything pending goes first
                udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64]),
                complete,
                udp4(A, B, 1, 2, id(), 0, 62, 0, new byte[64]), // same flow, other TTL: starts over
                udp4(A, B, 1, 2, id(), 0, 62, 0x20, new byte[64]), // other TOS: writes the one before, starts over
                udp4(A, 0xcb007103, 1, 2, id(), 0, 62, 0x20, new byte[64])); // other address: another slot
        sent.forEach(this::offer);
        coalescer.flush();
        assertEquals(8, written.size(), "[1 2 4] [3] tcp [5] complete [6] [7] [10]");
        assertArrayEquals(tcp, written.get(2), "unchanged, after what came before it");
        assertArrayEquals(complete, written.get(4), "unchanged");
        List<byte[]> d = delivered();
        List<byte[]> udp = new ArrayList<>(sent);
        udp.remove(tcp);
        udp.remove(complete);
        d.removeIf(p -> p.length == 58); // tcp and complete (30-byte payload), checked above
        assertSamePackets(udp, d);
        assertIdentificationsUnique(d);
    }

    @Test
    void interleavedFlowsAreEachCoalescedInTheirOwnOrder() {
        List<byte[]> sent = new ArrayList<>();
        Random r = new Random(4);
        // More flows, round robin, than it gathers at once: the oldest is written to make room, which is the
        // one that comes next, so nothing joins (as with the kernel's GRO); nothing is lost or reordered either.
        int flows = UdpCoalescer.FLOWS + 2;
        for (int i = 0; i < 40 * flows; i++) {
            byte[] data = new byte[100];
            r.nextBytes(data);
            int f = i % flows;
            sent.add(f % 2 == 0 ? udp4(A, B, 1000 + f, 53, id(), 0, 63, 0, data) : udp6(2, 3, 1000 + f, 63, data));
        }
        sent.forEach(this::offer);
        coalescer.flush();
        List<byte[]> d = delivered();
        assertSamePackets(sent, d);
        assertIdentificationsUnique(d);

        written.clear();
        sent.clear();
        int fit = UdpCoalescer.FLOWS;
        for (int i = 0; i < 40 * fit; i++) { // as many flows as it gathers: each becomes one super-packet
            sent.add(udp4(A, B, 2000 + i % fit, 53, id(), 0, 63, 0, new byte[64]));
        }
        sent.forEach(this::offer);
        coalescer.flush();
        assertEquals(fit, written.size());
        assertSamePackets(sent, delivered());
        assertIdentificationsUnique(delivered());
    }

    @Test
    void dontFragmentDatagramsKeepTheKernelsNumberingOthersTakeABlockOfIdentifications() {
        // RFC 7915 §5.1 writes Identification 0 with DF for IPv6 -> IPv4 packets over 1260 bytes; after the
        // kernel's segmentation they carry 0, 1, 2 (RFC 6864 §4.1: meaningless in atomic datagrams).
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(udp4(A, B, 1, 2, 0, 0x4000, 63, 0, new byte[1400]));
        }
        sent.forEach(this::offer);
        coalescer.flush();
        assertEquals(1, written.size());
        List<byte[]> d = delivered();
        assertEquals(3, d.size());
        for (int i = 0; i < 3; i++) {
            byte[] expect = finish(sent.get(i));
            expect[4] = 0;
            expect[5] = (byte) i;
            ByteBuffer.wrap(expect).putShort(10, (short) 0).putShort(10, (short) ~sum(expect, 0, 20));
            assertArrayEquals(expect, d.get(i), "datagram " + i + ": only the Identification (and header checksum) differ");
        }
        written.clear();
        offer(udp4(A, B, 1, 2, 0, 0, 63, 0, new byte[100]));
        offer(udp4(A, B, 1, 2, 0, 0, 63, 0, new byte[100]));
        coalescer.flush();
        assertEquals(1, written.size(), "without DF they join too: their Identifications are taken anew");
        List<byte[]> two = delivered();
        assertEquals(2, two.size());
        assertIdentificationsUnique(two);
    }

    /** The same datagram as it comes from a wire: its checksum complete, no NEEDS_CSUM (vnet header all zero). */
    static byte[] complete(byte[] partial) {
        byte[] ip = finish(partial);
        byte[] w = new byte[V + ip.length];
        System.arraycopy(ip, 0, w, V, ip.length);
        return w;
    }

    @Test
    void datagramsWithCompleteChecksumsThatVerifyAreCoalescedAsFromAWire() {
        List<byte[]> sent = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < 20; i++) {
            byte[] data = new byte[1400];
            r.nextBytes(data);
            sent.add(complete(i < 10 ? udp4(A, B, 40000, 443, id(), 0, 63, 0, data) : udp6(2, 3, 443, 63, data)));
        }
        sent.add(2, udp4(A, B, 40000, 443, id(), 0, 63, 0, new byte[1400])); // a partial one joins them
        sent.forEach(this::offer);
        coalescer.flush();
        assertEquals(2, written.size(), "one IPv4 and one IPv6 super-packet");
        assertEquals(1400, le16(written.get(0), 4));
        List<byte[]> d = delivered();
        assertSamePackets(sent, d);
        assertIdentificationsUnique(d);
        assertEquals(21, counters.local(XlatCounters.UDP_COALESCED_DATAGRAMS));
    }

    @Test
    void aDatagramWhoseChecksumIsWrongOrAbsentIsWrittenAsItCameInItsPlace() {
        byte[] wrong = complete(udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64]));
        wrong[wrong.length - 1] ^= 1; // a bit flipped on the way: the checksum no longer verifies
        byte[] none = complete(udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64]));
        none[V + 26] = none[V + 27] = 0; // IPv4 without a checksum (RFC 768)
        byte[] wrong6 = complete(udp6(2, 3, 1, 63, new byte[64]));
        wrong6[V + 20] ^= 1; // the source address changed, not the checksum: the pseudo-header does not verify
        List<byte[]> sent = new ArrayList<>();
        for (byte[] odd : List.of(wrong, none, wrong6)) {
            sent.add(complete(udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64])));
            sent.add(complete(udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64])));
            sent.add(odd);
        }
        sent.add(complete(udp4(A, B, 1, 2, id(), 0, 63, 0, new byte[64])));
        sent.forEach(this::offer);
        coalescer.flush();
        assertEquals(7, written.size(), "[1 2] wrong [4 5] none [7 8] wrong6 [10]");
        assertArrayEquals(wrong, written.get(1), "unchanged: its receiver drops it, as it would have");
        assertArrayEquals(none, written.get(3), "unchanged: no checksum is made up for it");
        assertArrayEquals(wrong6, written.get(5), "unchanged");
        assertEquals(3, counters.local(XlatCounters.UDP_COALESCED_WRITES));
    }

    @Test
    void ipv6DatagramsJoinWhenTheirHeadersAgree() {
        List<byte[]> sent = new ArrayList<>();
        Random r = new Random(2);
        for (int i = 0; i < 5; i++) {
            byte[] data = new byte[1400];
            r.nextBytes(data);
            sent.add(udp6(2, 3, 9999, 63, data));
        }
        sent.add(udp6(2, 3, 9999, 62, new byte[1400])); // other hop limit
        sent.forEach(this::offer);
        coalescer.flush();
        assertEquals(2, written.size());
        assertEquals(40, le16(written.get(0), 6), "csum_start after the IPv6 header");
        assertSamePackets(sent, delivered());
    }

    @Test
    void superPacketsStayWithinSixtyFourSegmentsAnd64KiB() {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            sent.add(udp4(A, B, 1, 2, i, 0, 63, 0, new byte[64]));
        }
        for (int i = 0; i < 100; i++) {
            sent.add(udp6(2, 3, 1, 63, new byte[1400]));
        }
        sent.forEach(this::offer);
        coalescer.flush();
        for (byte[] w : written) {
            assertTrue(w.length - V <= 65535, "IP length " + (w.length - V));
            assertTrue(kernelSegments(w).size() <= UdpCoalescer.MAX_SEGMENTS);
        }
        assertEquals(3 + 3, written.size(), "64+64+22 small ones; 46+46+8 of 1400 bytes");
        assertSamePackets(sent, delivered());
    }

    @Test
    void randomMixesAlwaysComeOutAsTheyWentIn() {
        Random r = new Random(3);
        for (int round = 0; round < 50; round++) {
            written.clear();
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int size = r.nextInt(4) == 0 ? 1 + r.nextInt(1400) : 64 * (1 + r.nextInt(2));
                byte[] data = new byte[size];
                r.nextBytes(data);
                sent.add(r.nextBoolean() ? udp4(A, B, 1, 2 + r.nextInt(2), id(), 0, 63, 0, data)
                        : udp6(2, 3, 1 + r.nextInt(2), 63, data));
            }
            sent.forEach(this::offer);
            coalescer.flush();
            List<byte[]> d = delivered();
            assertSamePackets(sent, d);
            assertIdentificationsUnique(d);
        }
    }
}
