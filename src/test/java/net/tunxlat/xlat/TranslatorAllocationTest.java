// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.management.ManagementFactory;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.header.VirtioNetHeader;
import net.tunxlat.pipeline.Buffers;
import net.tunxlat.pipeline.UdpCoalescer;
import org.junit.jupiter.api.Test;
import com.sun.management.ThreadMXBean;
import java.util.function.IntConsumer;

/**
 * The hot path allocates nothing: a million packets through the translator core (both directions,
 * TCP, UDP, ICMP echo, a hop-limit error and a drop) on this thread, measured with the JVM's
 * per-thread allocation counter. Counting is included: the translator counts every packet by
 * direction, protocol, drop reason and ICMP error type, and the loop ends a batch every 64 packets
 * as the worker does ({@link XlatCounters#batch} and {@link XlatCounters#publish}).
 */
class TranslatorAllocationTest {
    long emitted;

    @Test
    void millionPacketsAllocateNothing() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported(), "per-thread allocation accounting");
        XlatSnapshot snap = new XlatSnapshot(TranslatorTest.config("2001:db8:64::/96", UdpCksumMode.CALC,
                TranslatorTest.map(TranslatorTest.H6_AS4, TranslatorTest.H6)));
        byte[][] packets = {
            ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[100])),
            ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 6, 64, 0, 1, 0x4000, tcpHeaderAndData(80, 9, new byte[1400])),
            ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 1, 2, new byte[56])),
            ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 1, 64, 0, 1, 0, icmpEcho(0, 1, 2, new byte[56])),
            ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 17, 17, 1, 0, new byte[0], udpHeaderAndData(1, 2, new byte[10])),
            ipv6("2001:db8:99::1", TranslatorTest.H4_AS6, 6, 6, 64, 0, new byte[0], tcpHeaderAndData(1, 2, new byte[10])),
        };
        ByteBuf templates = PooledByteBufAllocator.DEFAULT.directBuffer(packets.length * 2048);
        ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
        ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
        try {
            for (int i = 0; i < packets.length; i++) {
                templates.setBytes(i * 2048, packets[i]);
            }
            int[] lengths = new int[packets.length];
            for (int i = 0; i < packets.length; i++) {
                lengths[i] = packets[i].length;
            }
            XlatCounters counters = new XlatCounters();
            long[] clock = {0};
            // The worker's buffers, as the worker indexes them (tests run with paranoid leak detection).
            ByteBuf packetView = Buffers.hotPathView(packet);
            ByteBuf templatesView = Buffers.hotPathView(templates);
            Translator t = new Translator(counters, (b, off, len) -> emitted += len, Buffers.hotPathView(scratch),
                    () -> clock[0] += 1000, PacketLog.OFF);
            long allocated = allocatedBy(mx,
                    n -> runPackets(t, null, 0, 2048, counters, snap, templatesView, packetView, lengths, n));
            counters.publish();
            assertTrue(counters.get(XlatCounters.PACKETS_46) > 300_000 && counters.get(XlatCounters.PACKETS_64) > 300_000);
            // what was counted: per protocol, ICMP errors by type, drops by reason, batches
            assertEquals(sent(0, packets.length), counters.translatedPackets(XlatCounters.DIR_64, XlatCounters.CLASS_UDP));
            assertEquals(sent(1, packets.length), counters.translatedPackets(XlatCounters.DIR_46, XlatCounters.CLASS_TCP));
            assertEquals(sent(2, packets.length), counters.translatedPackets(XlatCounters.DIR_64, XlatCounters.CLASS_ICMP));
            assertEquals(sent(3, packets.length), counters.translatedPackets(XlatCounters.DIR_46, XlatCounters.CLASS_ICMP));
            assertEquals(sent(4, packets.length), counters.drops(DropReason.HOP_LIMIT_EXCEEDED_64));
            assertEquals(sent(5, packets.length), counters.drops(DropReason.SRC_UNMAPPABLE_64));
            assertTrue(counters.icmpErrorsSent(6, XlatCounters.ICMP_TIME_EXCEEDED) > 0, "errors up to the rate limit");
            assertEquals(1_200_000 / 64, counters.get(XlatCounters.BATCHES));
            assertTrue(emitted > 0);
            // "almost nothing": a few KiB of slack for JIT deoptimisation or the MXBean itself.
            assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 1,000,000 packets");
        } finally {
            templates.release();
            packet.release();
            scratch.release();
        }
    }

    /**
     * The same with offloads on, as a worker on a TUN queue with USO runs it: packets behind a
     * virtio_net_hdr (GSO super-packets of TCP and UDP translated whole, one cut in software, plain
     * packets with partial and complete checksums) and the UDP coalescer on the write side, flushed as the
     * worker does when its queue is empty.
     */
    @Test
    void millionPacketsWithOffloadsAllocateNothing() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        XlatSnapshot snap = new XlatSnapshot(TranslatorTest.config("2001:db8:64::/96", UdpCksumMode.CALC,
                TranslatorTest.map(TranslatorTest.H6_AS4, TranslatorTest.H6)));
        int v = KernelVnet.V;
        // {packet, gso_type, gso_size, csum_start, csum_offset}
        Object[][] packets = {
            {superPacket(ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 6, 6, 64, 0, new byte[0],
                    tcpHeaderAndData(40000, 80, new byte[14400])), 40, 6), VirtioNetHeader.GSO_TCPV6, 1440, 40, 16},
            {superPacket(ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 17, 64, 0, 7, 0x4000,
                    udpHeaderAndData(53, 5000, new byte[5000])), 20, 17), VirtioNetHeader.GSO_UDP_L4, 1000, 20, 6},
            {superPacket(ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 6, 64, 0, 100, 0,
                    tcpHeaderAndData(80, 40000, new byte[4380])), 20, 6), VirtioNetHeader.GSO_TCPV4, 1460, 20, 16},
            {superPacket(ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 17, 17, 64, 0, new byte[0],
                    udpHeaderAndData(1, 2, new byte[64])), 40, 17), VirtioNetHeader.GSO_NONE, 0, 40, 6},
            {superPacket(ipv6(TranslatorTest.H6, TranslatorTest.H4_AS6, 17, 17, 64, 0, new byte[0],
                    udpHeaderAndData(1, 2, new byte[64])), 40, 17), VirtioNetHeader.GSO_NONE, 0, 40, 6},
            {superPacket(ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 17, 64, 0, 1, 0x4000,
                    udpHeaderAndData(53, 2, new byte[1400])), 20, 17), VirtioNetHeader.GSO_NONE, 0, 20, 6},
            {ipv4(TranslatorTest.H4, TranslatorTest.H6_AS4, 6, 64, 0, 1, 0x4000, tcpHeaderAndData(80, 9, new byte[1400])),
                    VirtioNetHeader.GSO_NONE, 0, 0, 0},
        };
        ByteBuf templates = PooledByteBufAllocator.DEFAULT.directBuffer(packets.length * 16384);
        ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
        ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
        ByteBuf segments = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
        ByteBuf batch = PooledByteBufAllocator.DEFAULT.directBuffer(UdpCoalescer.FLOWS * UdpCoalescer.SLOT);
        try {
            int[] lengths = new int[packets.length];
            for (int i = 0; i < packets.length; i++) {
                byte[] ip = (byte[]) packets[i][0];
                int at = i * 16384;
                templates.setZero(at, v);
                templates.setByte(at, (int) packets[i][3] == 0 ? 0 : 1);
                templates.setByte(at + 1, (int) packets[i][1]);
                templates.setShortLE(at + 4, (int) packets[i][2]);
                templates.setShortLE(at + 6, (int) packets[i][3]);
                templates.setShortLE(at + 8, (int) packets[i][4]);
                templates.setBytes(at + v, ip);
                lengths[i] = v + ip.length;
            }
            XlatCounters counters = new XlatCounters();
            long[] clock = {0};
            ByteBuf packetView = Buffers.hotPathView(packet);
            ByteBuf templatesView = Buffers.hotPathView(templates);
            UdpCoalescer coalescer = new UdpCoalescer(Buffers.hotPathView(batch), v, (b, off, len) -> emitted += len,
                    counters);
            Translator t = new Translator(counters, coalescer, Buffers.hotPathView(scratch), () -> clock[0] += 1000,
                    PacketLog.OFF);
            t.useVnetHeader(v, Buffers.hotPathView(segments));
            coalescer.useIdentifications(t);
            long allocated = allocatedBy(mx,
                    n -> runPackets(t, coalescer, v, 16384, counters, snap, templatesView, packetView, lengths, n));
            counters.publish();
            assertTrue(counters.get(XlatCounters.GSO_PACKETS) > 300_000, "super-packets translated whole");
            assertTrue(counters.get(XlatCounters.GSO_SOFTWARE) > 100_000, "super-packets cut in software");
            assertTrue(counters.get(XlatCounters.UDP_COALESCED_WRITES) > 100_000, "datagrams coalesced");
            assertTrue(emitted > 0);
            assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 1,000,000 packets");
        } finally {
            templates.release();
            packet.release();
            scratch.release();
            segments.release();
            batch.release();
        }
    }

    /**
     * Bytes this thread allocates for {@code run.accept(1_000_000)}, after {@code run.accept(200_000)} to warm
     * up (JIT, Netty's caches).
     */
    private static long allocatedBy(ThreadMXBean mx, IntConsumer run) {
        run.accept(200_000);
        long before = mx.getCurrentThreadAllocatedBytes();
        run.accept(1_000_000);
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    /** How often template {@code k} of {@code n} went through in the two runs (200,000 and 1,000,000 packets). */
    private static long sent(int k, int n) {
        long total = 0;
        for (int run : new int[] {200_000, 1_000_000}) {
            total += run / n + (k < run % n ? 1 : 0);
        }
        return total;
    }

    /**
     * Translates {@code n} packets, the templates in turn (each {@code stride} bytes apart in {@code templates}),
     * ending a batch every 64 as the worker does. With {@code vnet > 0} each template starts with that many bytes
     * of virtio_net_hdr and goes through {@link Translator#translateVnet}, and the coalescer (if any) is flushed
     * at each batch's end.
     */
    private static void runPackets(Translator t, UdpCoalescer coalescer, int vnet, int stride, XlatCounters counters,
            XlatSnapshot snap, ByteBuf templates, ByteBuf packet, int[] lengths, int n) {
        for (int i = 0; i < n; i++) {
            int k = i % lengths.length;
            packet.setBytes(Translator.HEADROOM - vnet, templates, k * stride, lengths[k]);
            if (vnet == 0) {
                t.translate(snap, packet, Translator.HEADROOM, lengths[k]);
            } else {
                t.translateVnet(snap, packet, Translator.HEADROOM, lengths[k] - vnet);
            }
            if ((i & 63) == 63) {
                if (coalescer != null) {
                    coalescer.flush();
                }
                counters.batch(64, 1000);
                counters.publish();
            }
        }
    }
}
