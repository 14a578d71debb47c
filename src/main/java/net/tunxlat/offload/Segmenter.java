// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offload;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.TcpHeader;
import net.tunxlat.header.UdpHeader;

/**
 * Software segmentation of a GSO super-packet that cannot stay whole through translation (an MTU it
 * exceeds on the other side, hairpinning): cuts it into the plain packets the kernel would have put on
 * the wire, one at a time into a scratch buffer, each with complete checksums, so that every RFC 7915
 * rule then holds per segment. TCP segments get consecutive sequence numbers, FIN and PSH only on the
 * last and CWR only on the first; IPv4 segments get consecutive Identifications.
 *
 * <p>Use: {@link #begin}, then {@link #next} until it returns false, translating each segment at
 * {@link #start()} for {@link #length()} bytes of {@link #buffer()}. Allocates nothing.
 */
public final class Segmenter {
    private final ByteBuf seg;
    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final TcpHeader tcpHeader = new TcpHeader();
    private final UdpHeader udpHeader = new UdpHeader();
    private final int s;
    private ByteBuf buf;
    private int off;
    private int l4Rel;
    private int headers;
    private int payload;
    private int gsoSize;
    private boolean tcp;
    private int version;
    private long seq;
    private int tcpFlags;
    private int id;
    private int done;
    private int index;
    private int segLength;

    /** @param scratch at least {@code headroom + 65535} bytes; segments are cut at {@code headroom} */
    public Segmenter(ByteBuf scratch, int headroom) {
        this.seg = scratch;
        this.s = headroom;
    }

    /** Starts on the (validated) super-packet at {@code buf[off, off + total)} whose L4 header is at {@code l4}. */
    public void begin(ByteBuf buf, int off, int total, int l4, OffloadState o) {
        this.buf = buf;
        this.off = off;
        this.tcp = o.tcp();
        this.gsoSize = o.gsoSize;
        int l4Header = o.l4HeaderLength(buf, l4);
        this.l4Rel = l4 - off;
        this.headers = l4Rel + l4Header;
        this.payload = total - headers;
        Ipv4Header h = ip4.wrap(buf, off);
        this.version = h.version();
        this.id = version == 4 ? h.identification() : 0;
        this.seq = tcp ? tcpHeader.wrap(buf, l4).sequenceNumber() & 0xffffffffL : 0;
        this.tcpFlags = tcp ? tcpHeader.flags() : 0;
        this.done = 0;
        this.index = 0;
    }

    public ByteBuf buffer() {
        return seg;
    }

    public int start() {
        return s;
    }

    public int length() {
        return segLength;
    }

    /** Cuts the next segment; false when the payload is used up. */
    public boolean next() {
        if (done >= payload) {
            return false;
        }
        int chunk = Math.min(gsoSize, payload - done);
        boolean last = done + chunk >= payload;
        seg.setBytes(s, buf, off, headers);
        seg.setBytes(s + headers, buf, off + headers + done, chunk);
        int segLen = headers + chunk;
        int sl4 = s + l4Rel;
        if (tcp) {
            TcpHeader t = tcpHeader.wrap(seg, sl4);
            t.setSequenceNumber((int) (seq + done));
            int f = tcpFlags;
            if (!last) {
                f &= ~(TcpHeader.FIN | TcpHeader.PSH); // only on the last segment
            }
            if (index > 0) {
                f &= ~TcpHeader.CWR; // only on the first
            }
            t.setFlags(f);
        } else {
            udpHeader.wrap(seg, sl4).setLength(headers - l4Rel + chunk);
        }
        int proto = tcp ? IpProtocol.TCP : IpProtocol.UDP;
        int sum;
        if (version == 4) {
            Ipv4Header h = ip4.wrap(seg, s);
            h.setTotalLength(segLen);
            h.setIdentification((id + index) & 0xffff);
            h.updateHeaderChecksum();
            sum = Ipv4Header.pseudoHeaderSum(h.source(), h.destination(), segLen - l4Rel, proto);
        } else {
            Ipv6Header h = ip6.wrap(seg, s);
            h.setPayloadLength(segLen - Ipv6Header.LENGTH);
            sum = h.pseudoHeaderSum(segLen - l4Rel, proto);
        }
        int c;
        if (tcp) {
            tcpHeader.setChecksum(0);
            c = Checksum.finish(Checksum.add(seg, sl4, segLen - l4Rel, Checksum.fold(sum)));
            tcpHeader.setChecksum(c);
        } else {
            udpHeader.setChecksum(0);
            c = Checksum.finish(Checksum.add(seg, sl4, segLen - l4Rel, Checksum.fold(sum)));
            udpHeader.setChecksum(c == 0 ? 0xffff : c);
        }
        segLength = segLen;
        done += gsoSize;
        index++;
        return true;
    }
}
