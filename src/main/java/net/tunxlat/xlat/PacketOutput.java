// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.TcpHeader;
import net.tunxlat.header.UdpHeader;
import net.tunxlat.header.VirtioNetHeader;
import net.tunxlat.offload.OffloadState;

/**
 * Where every packet the translator writes goes: to the {@link PacketSink}, behind a virtio_net_hdr when
 * the TUN device uses one ({@link Translator#useVnetHeader}). The header says what the kernel must still
 * do: finish a partial checksum, or cut a super-packet into segments.
 */
final class PacketOutput {
    private final PacketSink sink;
    private final OffloadState offload;
    private final XlatCounters counters;
    private final VirtioNetHeader header = new VirtioNetHeader();
    private final Ipv4Header ip4 = new Ipv4Header();
    /** Bytes of virtio_net_hdr in front of every packet on the TUN device (0: none). */
    int vnet;

    PacketOutput(PacketSink sink, OffloadState offload, XlatCounters counters) {
        this.sink = sink;
        this.offload = offload;
        this.counters = counters;
    }

    /** Before {@code b}, emitted from, is written again ({@link PacketSink#reusing}). */
    void reusing(ByteBuf b) {
        sink.reusing(b);
    }

    /** A plain packet (or one whose checksum stays partial) at {@code b[start, start + length)}. */
    void emit(ByteBuf b, int start, int length) {
        if (vnet == 0) {
            sink.emit(b, start, length);
            return;
        }
        int v = start - vnet;
        if (offload.partial && !offload.gso) {
            // A plain packet kept partial: the kernel finishes its checksum, which starts right after the
            // output's IP header (20 bytes: tunxlat writes no IPv4 options; 40: no IPv6 extension headers).
            int csumStart = ip4.wrap(b, start).version() == 4 ? Ipv4Header.MIN_LENGTH : Ipv6Header.LENGTH;
            header.wrap(b, v).write(vnet, VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 0, csumStart,
                    offload.partialCsumOffset);
        } else {
            header.wrap(b, v).write(vnet, 0, VirtioNetHeader.GSO_NONE, 0, 0, 0, 0);
        }
        sink.emit(b, v, length + vnet);
    }

    /**
     * A translated super-packet whose L4 header is at {@code l4}, now IP version {@code ipVersionOut}:
     * gso_type flips between TCPV4 and TCPV6, csum_start and hdr_len are recomputed (never trust hdr_len
     * from a read), gso_size is kept. Counted with the segments it carries.
     */
    void emitSuperPacket(ByteBuf b, int start, int length, int l4, int ipVersionOut) {
        boolean tcp = offload.tcp();
        int l4Header = offload.l4HeaderLength(b, l4);
        counters.increment(XlatCounters.GSO_PACKETS);
        counters.add(XlatCounters.GSO_SEGMENTS, offload.segments(length - (l4 - start) - l4Header));
        int gsoType = (tcp ? (ipVersionOut == 6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4)
                : VirtioNetHeader.GSO_UDP_L4) | offload.gsoEcn;
        int csumStart = l4 - start;
        int v = start - vnet;
        header.wrap(b, v).write(vnet, VirtioNetHeader.F_NEEDS_CSUM, gsoType, csumStart + l4Header, offload.gsoSize,
                csumStart, tcp ? TcpHeader.CHECKSUM : UdpHeader.CHECKSUM);
        sink.emit(b, v, length + vnet);
    }
}
