// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offload;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.TcpHeader;
import net.tunxlat.header.UdpHeader;
import net.tunxlat.header.VirtioNetHeader;

/**
 * The offload facts of the packet being translated, read from its virtio_net_hdr (virtio 1.x §5.1.6, as
 * a TUN device opened with IFF_VNET_HDR uses it): whether it is a GSO super-packet, and whether its TCP
 * or UDP checksum is partial (VIRTIO_NET_HDR_F_NEEDS_CSUM: the field holds the non-inverted
 * pseudo-header sum for the kernel to finish). One per worker, reset for every packet.
 *
 * <p>The RFC 7915 steps only read these facts: a partial checksum is updated on its complement
 * ({@link #updateChecksum}) and finished ({@link #completePartial}) where a complete one is needed (an
 * ICMP error quoting the packet, fragmentation, hairpinning); a super-packet that cannot stay whole is
 * handed back to the offload layer, which cuts it into plain segments ({@link Segmenter}).
 */
public final class OffloadState {
    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final TcpHeader tcp = new TcpHeader();
    /** The packet is a GSO super-packet (its L4 checksum is partial too). */
    public boolean gso;
    /**
     * The TCP or UDP checksum field holds the pseudo-header sum for the kernel to finish: a super-packet,
     * or a plain packet kept partial so that no payload byte is read. Translation keeps the field equal to
     * the pseudo-header sum of the addresses the packet carries at every step.
     */
    public boolean partial;
    /** GSO type without the ECN bit, the ECN bit, and the segment size of the super-packet. */
    public int gsoType;
    public int gsoEcn;
    public int gsoSize;
    /** Where the plain packet kept partial is, its length, and its checksum field's offset in its L4 header. */
    private int partialOff;
    private int partialLen;
    public int partialCsumOffset;

    /** A packet without offload facts. */
    public void plain() {
        gso = false;
        partial = false;
    }

    /** A super-packet, as its (validated) virtio_net_hdr describes it. */
    public void superPacket(int type, int size) {
        gso = true;
        partial = true;
        gsoType = type & ~VirtioNetHeader.GSO_ECN;
        gsoEcn = type & VirtioNetHeader.GSO_ECN;
        gsoSize = size;
    }

    /** A plain packet at {@code buf[off, off + len)} whose checksum (at {@code csumOffset} in its L4 header) stays partial. */
    public void partialPacket(int off, int len, int csumOffset) {
        gso = false;
        partial = true;
        partialOff = off;
        partialLen = len;
        partialCsumOffset = csumOffset;
    }

    /** Whether the super-packet carries TCP (else UDP). */
    public boolean tcp() {
        return gsoType != VirtioNetHeader.GSO_UDP_L4;
    }

    /** TCP data offset or the UDP header length, for the L4 header at {@code l4} of a super-packet. */
    public int l4HeaderLength(ByteBuf buf, int l4) {
        return gsoType == VirtioNetHeader.GSO_UDP_L4 ? UdpHeader.LENGTH : tcp.wrap(buf, l4).dataOffset();
    }

    /** Segments a super-packet of {@code payload} bytes after its headers carries. */
    public int segments(int payload) {
        return (payload + gsoSize - 1) / gsoSize;
    }

    /**
     * The transport checksum field after the pseudo-header changed from {@code oldSum} to {@code newSum}:
     * RFC 1624 for a complete checksum; for a partial one (the non-inverted pseudo-header sum the kernel
     * will finish), the same update on its complement.
     */
    public int updateChecksum(int field, int oldSum, int newSum) {
        if (partial) {
            return ~Checksum.update(~field & 0xffff, oldSum, newSum) & 0xffff;
        }
        return Checksum.update(field, oldSum, newSum);
    }

    /**
     * Finishes the partial checksum of the plain packet being translated, still untranslated at
     * {@code buf[off, ...)}, in place; the rest of its translation treats it as a packet with a complete
     * checksum. For the paths that need one: an ICMP error quoting it, fragmentation, hairpinning.
     */
    public void completePartial(ByteBuf buf, int off) {
        if (!partial || gso || off != partialOff) {
            return;
        }
        partial = false;
        int l4 = ip4.wrap(buf, off).version() == 4 ? ip4.headerLength() : Ipv6Header.LENGTH;
        finishChecksum(buf, off, partialLen, l4, partialCsumOffset);
    }

    // ---------------------------------------------------------------- what a virtio_net_hdr may describe

    /**
     * Whether a plain packet with a partial checksum can stay partial through translation: TCP or UDP
     * right after an IPv4 header (not a fragment) or a bare IPv6 header, the checksum where that protocol
     * has it, and lengths that agree. Anything else is finished in software first.
     */
    public boolean keepsPartial(ByteBuf buf, int off, int len, VirtioNetHeader vnet) {
        int csumStart = vnet.csumStart();
        int csumOffset = vnet.csumOffset();
        int l4 = len < Ipv4Header.MIN_LENGTH + UdpHeader.LENGTH ? -1 : wholePacketL4(buf, off, len);
        if (l4 < 0) {
            return false;
        }
        int proto = protocolAfterHeader(buf, off);
        int field = proto == IpProtocol.TCP ? TcpHeader.CHECKSUM : proto == IpProtocol.UDP ? UdpHeader.CHECKSUM : -1;
        return csumStart == l4 && csumOffset == field && l4 + field + 2 <= len;
    }

    /** A super-packet the kernel could have built: TCP or UDP right after the IP header, checksum partial. */
    public boolean validGso(ByteBuf buf, int off, int len, VirtioNetHeader vnet) {
        int type = vnet.gsoType() & ~VirtioNetHeader.GSO_ECN;
        int size = vnet.gsoSize();
        int flags = vnet.flags();
        int csumStart = vnet.csumStart();
        int csumOffset = vnet.csumOffset();
        if (size == 0 || (flags & VirtioNetHeader.F_NEEDS_CSUM) == 0 || len < Ipv4Header.MIN_LENGTH + UdpHeader.LENGTH) {
            return false;
        }
        // The kernel sets the IP length of a super-packet to all of it; one that says otherwise lies (fuzz finding:
        // an IPv6 payload length of 0 made the segmentation emit nothing and count nothing).
        int l4 = wholePacketL4(buf, off, len);
        boolean v6 = ip4.wrap(buf, off).version() == 6;
        if (l4 < 0 || type == (v6 ? VirtioNetHeader.GSO_TCPV4 : VirtioNetHeader.GSO_TCPV6)) {
            return false;
        }
        int proto = protocolAfterHeader(buf, off);
        boolean tcp = type == VirtioNetHeader.GSO_TCPV4 || type == VirtioNetHeader.GSO_TCPV6;
        if (tcp ? proto != IpProtocol.TCP || csumOffset != TcpHeader.CHECKSUM
                : type != VirtioNetHeader.GSO_UDP_L4 || proto != IpProtocol.UDP || csumOffset != UdpHeader.CHECKSUM) {
            return false;
        }
        if (tcp && csumStart + TcpHeader.MIN_LENGTH > len) {
            return false; // not even the fixed TCP header (fuzz finding: it was taken for an 8-byte one)
        }
        int hdr = tcp ? this.tcp.wrap(buf, off + csumStart).dataOffset() : UdpHeader.LENGTH;
        return csumStart == l4 && hdr >= (tcp ? TcpHeader.MIN_LENGTH : UdpHeader.LENGTH) && csumStart + hdr < len;
    }

    /**
     * Completes a partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM on a non-GSO packet): the field holds the
     * pseudo-header sum; the checksum covers {@code [csumStart, end)}. False if the header lies.
     */
    public boolean finishChecksum(ByteBuf buf, int off, int len, int csumStart, int csumOffset) {
        int minHeader = ip4.wrap(buf, off).version() == 6 ? Ipv6Header.LENGTH : Ipv4Header.MIN_LENGTH;
        if (csumStart < minHeader || csumStart + csumOffset + 2 > len) {
            return false; // never write into the IP header on the word of a header that lies
        }
        int at = off + csumStart + csumOffset;
        int c = Checksum.finish(Checksum.add(buf, off + csumStart, len - csumStart, 0));
        buf.setShort(at, c);
        return true;
    }

    /**
     * Where the L4 header of an IPv4 packet that is not a fragment, or of an IPv6 packet taken as having
     * no extension header, starts, if its IP length is {@code len} (the whole of what was read); -1 if not.
     */
    private int wholePacketL4(ByteBuf buf, int off, int len) {
        Ipv4Header h = ip4.wrap(buf, off);
        int version = h.version();
        if (version == 4) {
            int ihl = h.headerLength();
            // The kernel never builds a super-packet out of a fragment (fuzz finding).
            boolean whole = ihl >= Ipv4Header.MIN_LENGTH && h.totalLength() == len && !h.moreFragments()
                    && h.fragmentOffset() == 0;
            return whole ? ihl : -1;
        }
        if (version == 6) {
            return Ipv6Header.LENGTH + ip6.wrap(buf, off).payloadLength() == len ? Ipv6Header.LENGTH : -1;
        }
        return -1;
    }

    /** The IPv4 Protocol or the IPv6 Next Header field. */
    private int protocolAfterHeader(ByteBuf buf, int off) {
        return ip4.wrap(buf, off).version() == 4 ? ip4.protocol() : ip6.wrap(buf, off).nextHeader();
    }
}
