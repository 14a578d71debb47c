// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.management.ManagementFactory;
import net.tunxlat.pipeline.Buffers;
import org.junit.jupiter.api.Test;
import com.sun.management.ThreadMXBean;

/**
 * The views are on the hot path: wrapping, walking an extension-header chain and every checksum-keeping
 * setter allocate nothing, measured with the JVM's per-thread allocation counter over a million rounds
 * on the worker's kind of buffer (a pooled direct buffer's hot-path view).
 */
class HeaderAllocationTest {
    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final Ipv6ExtensionHeaders walker = new Ipv6ExtensionHeaders();
    private final Ipv6FragmentHeader fragment = new Ipv6FragmentHeader();
    private final UdpHeader udp = new UdpHeader();
    private final TcpHeader tcp = new TcpHeader();
    private final Icmpv4Header icmp4 = new Icmpv4Header();
    private final Icmpv6Header icmp6 = new Icmpv6Header();
    private final VirtioNetHeader vnet = new VirtioNetHeader();
    private long sink;

    @Test
    void millionRoundsAllocateNothing() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported(), "per-thread allocation accounting");
        ByteBuf owned = PooledByteBufAllocator.DEFAULT.directBuffer(512);
        try {
            ByteBuf b = Buffers.hotPathView(owned);
            b.setZero(0, 512);
            // IPv6 + Hop-by-Hop + Routing + Fragment + UDP at 0; IPv4 + TCP at 200; ICMP at 300 and 320.
            ip6.wrap(b, 0).write(0, 40, IpProtocol.HOP_BY_HOP, 64, 1, 2, 3, 4);
            b.setByte(40, IpProtocol.IPV6_ROUTING);
            b.setByte(48, IpProtocol.IPV6_FRAGMENT);
            fragment.wrap(b, 56).write(IpProtocol.UDP, 0, true, 9);
            ip4.wrap(b, 200).write(0, 40, 0, 0, 64, IpProtocol.TCP, 1, 2);
            rounds(b, 200_000);
            long before = mx.getCurrentThreadAllocatedBytes();
            rounds(b, 1_000_000);
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            // As TranslatorAllocationTest: a few bytes of JIT noise, where one object per round would be 16 MB.
            assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 1,000,000 rounds");
            assertNotEquals(0, sink);
        } finally {
            owned.release();
        }
    }

    private void rounds(ByteBuf b, int n) {
        for (int i = 0; i < n; i++) {
            walker.walk(b, 0, 72);
            sink += walker.upperLayerOffset() + walker.fragmentHeaderOffset() + walker.routingHeaderOffset();
            fragment.wrap(b, walker.fragmentHeaderOffset());
            sink += fragment.identification() + ip6.wrap(b, 0).pseudoHeaderSum(16, IpProtocol.UDP);
            ip4.wrap(b, 200).setTimeToLiveWithChecksumUpdate(i & 0xff);
            ip4.setSourceWithChecksumUpdate(i);
            ip4.setDestinationWithChecksumUpdate(~i);
            tcp.wrap(b, 220).setSourcePortWithChecksumUpdate(i & 0xffff);
            tcp.updateChecksum(i & 0xffff, 7);
            udp.wrap(b, 64).setDestinationPortWithChecksumUpdate(i & 0xffff);
            icmp4.wrap(b, 300).setIdentifierWithChecksumUpdate(i & 0xffff);
            icmp6.wrap(b, 320).setTypeAndCodeWithChecksumUpdate(i & 0xff, 0);
            vnet.wrap(b, 400).write(VirtioNetHeader.LENGTH, 1, 5, 48, 1232, 40, 6);
            sink += ip4.headerChecksum() + tcp.checksum() + icmp4.checksum() + icmp6.checksum() + vnet.gsoSize();
        }
    }
}
