// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import com.sun.management.ThreadMXBean;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.header.VirtioNetHeader;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Timeouts;
import net.tunxlat.pipeline.Buffers;
import org.junit.jupiter.api.Test;

/**
 * Stateful NAT64 allocates nothing per packet: a million packets of existing flows (TCP, UDP, ICMP echo, both
 * directions, one of them hairpinned), with offloads off and on (GSO super-packets and partial checksums),
 * through the translator with the worker's batch hooks (the tables' epoch entered and left every 64 packets).
 */
class StatefulAllocationTest {
    private static final int STRIDE = 16384;
    private long emitted;
    private final List<byte[]> captured = new ArrayList<>();
    private boolean capture;

    @Test
    void existingFlowsAllocateNothingWithOffloadsOffAndOn() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        XlatSnapshot snap = new XlatSnapshot(config(settings(1000, false, false, Timeouts.RFC6146,
                List.of(bib(Nat64Protocol.TCP, HOST, 2000, POOL, 2000), bib(Nat64Protocol.ICMP, HOST, 1, POOL, 1),
                        bib(Nat64Protocol.UDP, "2001:db8:1::5", 1001, POOL, 1000)))));
        ByteBuf templates = PooledByteBufAllocator.DEFAULT.directBuffer(16 * STRIDE);
        ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
        ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
        ByteBuf segments = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
        try {
            XlatCounters counters = new XlatCounters();
            long[] clock = {1_000_000_000L};
            ByteBuf packetView = Buffers.hotPathView(packet);
            Translator t = new Translator(counters, (b, off, len) -> {
                emitted += len;
                if (capture) {
                    byte[] a = new byte[len];
                    b.getBytes(off, a);
                    captured.add(a);
                }
            }, Buffers.hotPathView(scratch), () -> clock[0], PacketLog.OFF);
            t.useVnetHeader(KernelVnet.V, Buffers.hotPathView(segments));
            // The flows exist before the measurement: a dynamic UDP binding (its port learnt from the first
            // packet), a TCP connection on the static binding, an echo on the static identifier.
            byte[] udpOut = ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(5000, 53, new byte[100]));
            int t1 = u16(firstVnet(t, snap, packetView, udpOut), KernelVnet.V + 20);
            byte[] syn = ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], tcpHeaderAndData(2000, 80, new byte[0]));
            firstVnet(t, snap, packetView, syn);
            byte[] synAck = tcpHeaderAndData(80, 2000, new byte[0]);
            synAck[13] = 0x12;
            firstVnet(t, snap, packetView, ipv4(SERVER4, POOL, 6, 64, 0, 1, 0, synAck));
            byte[] ack6 = tcpHeaderAndData(2000, 80, new byte[1000]);
            ack6[13] = 0x10;
            byte[] ack4 = tcpHeaderAndData(80, 2000, new byte[1000]);
            ack4[13] = 0x10;
            byte[] bigAck6 = tcpHeaderAndData(2000, 80, new byte[14400]);
            bigAck6[13] = 0x10;
            // {packet, gso_type, gso_size, csum_start, csum_offset}
            Object[][] packets = {
                {udpOut, VirtioNetHeader.GSO_NONE, 0, 0, 0},
                {ipv4(SERVER4, POOL, 17, 64, 0, 2, 0, udpHeaderAndData(53, t1, new byte[100])), VirtioNetHeader.GSO_NONE, 0, 0, 0},
                {ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], ack6), VirtioNetHeader.GSO_NONE, 0, 0, 0},
                {ipv4(SERVER4, POOL, 6, 64, 0, 3, 0x4000, ack4), VirtioNetHeader.GSO_NONE, 0, 0, 0},
                {ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 1, 9, new byte[56])), VirtioNetHeader.GSO_NONE, 0, 0, 0},
                {ipv4(SERVER4, POOL, 1, 64, 0, 4, 0, icmpEcho(0, 1, 9, new byte[56])), VirtioNetHeader.GSO_NONE, 0, 0, 0},
                {ipv6(HOST, "64:ff9b::192.0.2.2", 17, 17, 64, 0, new byte[0], udpHeaderAndData(5000, 1000, new byte[64])),
                        VirtioNetHeader.GSO_NONE, 0, 0, 0},
                {superPacket(ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], bigAck6), 40, 6), VirtioNetHeader.GSO_TCPV6, 1440,
                        40, 16},
                {superPacket(ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(5000, 53, new byte[64])),
                        40, 17), VirtioNetHeader.GSO_NONE, 0, 40, 6},
            };
            int[] lengths = new int[packets.length];
            for (int i = 0; i < packets.length; i++) {
                byte[] ip = (byte[]) packets[i][0];
                int at = i * STRIDE;
                templates.setZero(at, KernelVnet.V);
                templates.setByte(at, (int) packets[i][3] == 0 ? 0 : 1);
                templates.setByte(at + 1, (int) packets[i][1]);
                templates.setShortLE(at + 4, (int) packets[i][2]);
                templates.setShortLE(at + 6, (int) packets[i][3]);
                templates.setShortLE(at + 8, (int) packets[i][4]);
                templates.setBytes(at + KernelVnet.V, ip);
                lengths[i] = KernelVnet.V + ip.length;
            }
            ByteBuf templatesView = Buffers.hotPathView(templates);
            run(t, counters, snap, templatesView, packetView, lengths, clock, 200_000);
            long before = mx.getCurrentThreadAllocatedBytes();
            run(t, counters, snap, templatesView, packetView, lengths, clock, 1_000_000);
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            counters.publish();
            long translated = counters.get(XlatCounters.PACKETS_46) + counters.get(XlatCounters.PACKETS_64);
            assertEquals(1_200_000 + 3, translated, "every packet of an existing flow translated (and the 3 that set them up)");
            assertTrue(counters.get(XlatCounters.GSO_PACKETS) > 100_000, "super-packets translated whole");
            assertEquals(1, snap.state().nat64().bibEntries(Nat64Protocol.UDP) - 1, "one dynamic UDP binding, reused");
            assertTrue(emitted > 0);
            assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 1,000,000 stateful packets");
        } finally {
            templates.release();
            packet.release();
            scratch.release();
            segments.release();
        }
    }

    private byte[] firstVnet(Translator t, XlatSnapshot snap, ByteBuf packet, byte[] ip) {
        captured.clear();
        capture = true;
        packet.setZero(Translator.HEADROOM - KernelVnet.V, KernelVnet.V);
        packet.setBytes(Translator.HEADROOM, ip);
        t.beginBatch(snap, 1_000_000_000L);
        t.translateVnet(snap, packet, Translator.HEADROOM, ip.length);
        t.endBatch();
        capture = false;
        return captured.get(0);
    }

    /** {@code n} packets, the templates in turn, in batches of 64 between the worker's hooks; the clock moves 1 µs each. */
    private static void run(Translator t, XlatCounters counters, XlatSnapshot snap, ByteBuf templates, ByteBuf packet,
            int[] lengths, long[] clock, int n) {
        int v = KernelVnet.V;
        for (int i = 0; i < n; i += 64) {
            t.beginBatch(snap, clock[0]);
            for (int j = i; j < i + 64 && j < n; j++) {
                int k = j % lengths.length;
                packet.setBytes(Translator.HEADROOM - v, templates, k * STRIDE, lengths[k]);
                t.translateVnet(snap, packet, Translator.HEADROOM, lengths[k] - v);
                clock[0] += 1000;
            }
            t.endBatch();
            counters.batch(64, 1000);
            counters.publish();
        }
    }
}
