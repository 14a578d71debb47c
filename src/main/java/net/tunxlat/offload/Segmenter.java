package net.tunxlat.offload;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Ipv6Header;

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
        this.version = buf.getUnsignedByte(off) >>> 4;
        this.seq = tcp ? buf.getUnsignedInt(l4 + 4) : 0;
        this.tcpFlags = tcp ? buf.getUnsignedByte(l4 + 13) : 0;
        this.id = version == 4 ? buf.getUnsignedShort(off + 4) : 0;
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
            seg.setInt(sl4 + 4, (int) (seq + done));
            int f = tcpFlags;
            if (!last) {
                f &= ~0x09; // FIN and PSH only on the last segment
            }
            if (index > 0) {
                f &= ~0x80; // CWR only on the first
            }
            seg.setByte(sl4 + 13, f);
        } else {
            seg.setShort(sl4 + 4, headers - l4Rel + chunk);
        }
        int proto = tcp ? 6 : 17;
        int sum;
        if (version == 4) {
            seg.setShort(s + 2, segLen);
            seg.setShort(s + 4, (id + index) & 0xffff);
            seg.setShort(s + 10, 0);
            seg.setShort(s + 10, Checksum.finish(Checksum.add(seg, s, l4Rel, 0)));
            sum = Checksum.sumIpv4(seg.getInt(s + 12)) + Checksum.sumIpv4(seg.getInt(s + 16)) + proto
                    + (segLen - l4Rel);
        } else {
            seg.setShort(s + 4, segLen - Ipv6Header.LENGTH);
            sum = Ipv6Header.pseudoHeaderSum(seg.getLong(s + 8), seg.getLong(s + 16), seg.getLong(s + 24),
                    seg.getLong(s + 32), segLen - l4Rel, proto);
        }
        int co = sl4 + (tcp ? 16 : 6);
        seg.setShort(co, 0);
        int c = Checksum.finish(Checksum.add(seg, sl4, segLen - l4Rel, Checksum.fold(sum)));
        seg.setShort(co, !tcp && c == 0 ? 0xffff : c);
        segLength = segLen;
        done += gsoSize;
        index++;
        return true;
    }
}
