// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.header.VirtioNetHeader;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stateful NAT64 under TUN offloads: a GSO super-packet is one table lookup and one rewrite (its ports, its
 * partial checksum left as the new pseudo-header sum); a plain packet whose checksum the kernel finishes stays
 * partial, and the kernel's sum over the new ports comes out right.
 */
class StatefulOffloadTest {
    static final int V = KernelVnet.V;
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
    final XlatSnapshot snap = new XlatSnapshot(config(settings(100, false, false, Timeouts.RFC6146,
            List.of(bib(Nat64Protocol.TCP, HOST, 2000, POOL, 2000)))));

    StatefulOffloadTest() {
        translator.useVnetHeader(V, segments);
    }

    @AfterEach
    void release() {
        packet.release();
        scratch.release();
        segments.release();
    }

    List<byte[]> run(byte[] ip, int gsoType, int gsoSize, int csumStart, int csumOffset) {
        out.clear();
        int v = Translator.HEADROOM - V;
        packet.setZero(v, V);
        packet.setByte(v, csumStart == 0 ? 0 : 1);
        packet.setByte(v + 1, gsoType);
        packet.setShortLE(v + 4, gsoSize);
        packet.setShortLE(v + 6, csumStart);
        packet.setShortLE(v + 8, csumOffset);
        packet.setBytes(Translator.HEADROOM, ip);
        translator.beginBatch(snap, 0);
        try {
            translator.translateVnet(snap, packet, Translator.HEADROOM, ip.length);
        } finally {
            translator.endBatch();
        }
        return out;
    }

    @Test
    void tcpSuperPacketIsOneLookupWithItsPortsRewritten() {
        byte[] syn = ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], tcpHeaderAndData(40000, 80, new byte[0]));
        byte[] first = run(syn, VirtioNetHeader.GSO_NONE, 0, 0, 0).get(0);
        int t = u16(first, V + 20);
        byte[] seg = tcpHeaderAndData(40000, 80, new byte[14400]);
        seg[13] = 0x10;
        byte[] ip = superPacket(ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], seg), 40, 6);
        List<byte[]> o = run(ip, VirtioNetHeader.GSO_TCPV6, 1440, 40, 16);
        assertEquals(1, o.size(), "one super-packet in, one out: translated whole");
        byte[] p = Arrays.copyOfRange(o.get(0), V, o.get(0).length);
        assertEquals(POOL, src4(p));
        assertEquals(t, u16(p, 20), "the binding's port, looked up once for the whole super-packet");
        byte[] ph = new byte[12];
        System.arraycopy(p, 12, ph, 0, 8);
        ph[9] = 6;
        ph[10] = (byte) ((p.length - 20) >>> 8);
        ph[11] = (byte) (p.length - 20);
        assertEquals(naiveSum(ph, 0, 12), u16(p, 36), "partial checksum = the IPv4 pseudo-header sum, ports aside");
        assertEquals(1, counters.local(XlatCounters.GSO_PACKETS));
        assertEquals(1, snap.state().nat64().sessions(Nat64Protocol.TCP), "one session");
        assertEquals(2, snap.state().nat64().bibEntries(Nat64Protocol.TCP), "the static BIB entry and the new one");
    }

    @Test
    void plainPartialPacketFinishedByTheKernelHasARightChecksum() {
        byte[] udp = ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(5000, 53, new byte[100]));
        // What the kernel hands over for a locally sent datagram: the field holds the pseudo-header sum.
        byte[] partial = udp.clone();
        int ps = pseudo6(partial);
        partial[46] = (byte) (ps >>> 8);
        partial[47] = (byte) ps;
        List<byte[]> o = run(partial, VirtioNetHeader.GSO_NONE, 0, 40, 6);
        assertEquals(1, o.size());
        assertEquals(1, o.get(0)[0] & 1, "still NEEDS_CSUM");
        byte[] p = KernelVnet.finish(o.get(0));
        assertEquals(POOL, src4(p));
        assertTrue(u16(p, 20) >= 1024 && u16(p, 20) <= 3000, "a pool4 port");
        assertValid4(p);
    }

    private static int pseudo6(byte[] p) {
        byte[] ph = new byte[40];
        System.arraycopy(p, 8, ph, 0, 32);
        int len = p.length - 40;
        ph[34] = (byte) (len >>> 8);
        ph[35] = (byte) len;
        ph[39] = 17;
        return naiveSum(ph, 0, 40);
    }
}
