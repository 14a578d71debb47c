package net.tunxlat.xlat;

import static net.tunxlat.xlat.DropReason.*;

import io.netty.buffer.ByteBuf;
import java.util.function.LongSupplier;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.nptv6.Nptv6Mapping;
import net.tunxlat.nptv6.Nptv6Table;
import net.tunxlat.config.UdpCksumMode;

/**
 * The stateless IP/ICMP translator of RFC 7915, one instance per worker thread. It rewrites a packet
 * in place in the buffer it is handed and passes the result to its {@link PacketSink}; generated
 * ICMP errors are built in a scratch buffer of its own. Per packet it allocates nothing, takes no
 * lock and throws nothing: a packet it cannot translate is dropped with one {@link DropReason}.
 *
 * <p>Each method first validates and decides (bounds, lookups) and only then rewrites, so a dropped
 * packet is left untouched.
 *
 * <p>The caller must leave {@link #HEADROOM} writable bytes in front of the packet: IPv4 → IPv6 grows
 * the header by 20 bytes, or 28 with a Fragment header.
 */
public final class Translator {
    /** Bytes the caller must leave free in front of each packet. */
    public static final int HEADROOM = 64;
    /** Largest packet the translator handles (the IPv4/IPv6 maximum without jumbograms). */
    public static final int MAX_PACKET = 65535;
    /** RFC 7915 §5.1: "If the size of the translated IPv4 packet is less than or equal to 1260 bytes" DF is 0. */
    static final int DF_THRESHOLD = 1260;
    /** RFC 1812 §4.3.2.3: an ICMPv4 error "SHOULD" not exceed 576 bytes. */
    static final int ICMP4_ERROR_MAX = 576;
    /** RFC 4443 §2.4(c): an ICMPv6 error "MUST NOT" exceed the minimum IPv6 MTU, 1280 bytes. */
    static final int ICMP6_ERROR_MAX = 1280;
    static final int DEFAULT_TTL = 64;
    /** RFC 8200 §5: the minimum IPv6 link MTU. */
    static final int IPV6_MIN_MTU = 1280;

    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_ICMP = 1;
    private static final int PROTO_ICMPV6 = 58;

    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final Ipv4Header err4 = new Ipv4Header();
    private final Ipv6Header err6 = new Ipv6Header();
    private final XlatCounters counters;
    private final PacketSink sink;
    private final ByteBuf errorBuf;
    private final LongSupplier nanoClock;
    private final PacketLog log;

    private final AddressMapper mapper = new AddressMapper();
    private final IcmpErrorTranslator errors;
    private XlatSnapshot snap;
    /** IPv4 Identification for unfragmented 6→4 packets of at most 1260 bytes (this worker's, from the state). */
    private final Ipv4Identification identification;
    /** This worker's ICMP error rate limiter (from the state). */
    private final IcmpRateLimiter icmpErrors;

    // ---- virtio_net_hdr / GSO state (only with a TUN device opened with IFF_VNET_HDR) ----
    /** Bytes of virtio_net_hdr in front of every packet on the TUN device (0: none). */
    private int vnet;
    /** Scratch for software segmentation of super-packets that cannot stay whole; null without vnet. */
    private ByteBuf segmentBuf;
    /** The packet being translated is a GSO super-packet (its L4 checksum is partial too). */
    private boolean gso;
    /**
     * The TCP or UDP checksum field of the packet being translated holds the (non-inverted) pseudo-header
     * sum for the kernel to finish (VIRTIO_NET_HDR_F_NEEDS_CSUM): a super-packet, or a plain packet that
     * is kept partial through translation so that no payload byte is read. Translation keeps the field
     * equal to the pseudo-header sum of the addresses the packet carries at every step, so
     * {@link #completePartial} can finish it wherever a complete checksum is needed.
     */
    private boolean partial;
    /** Where the plain packet kept partial is, and its checksum field's offset in its L4 header (6 or 16). */
    private int partialOff;
    private int partialLen;
    private int partialCsumOffset;
    private int gsoType;
    private int gsoEcn;
    private int gsoSize;
    /** The vnet header to put in front of the next translated packet; zero means "plain packet". */
    private int outVnetFlags;
    private int outGsoType;
    private int outHdrLen;
    private int outGsoSize;
    private int outCsumStart;
    private int outCsumOffset;

    static final int VNET_F_NEEDS_CSUM = 1;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;
    static final int GSO_UDP_L4 = 5;
    static final int GSO_ECN = 0x80;

    /**
     * @param errorBuf  scratch buffer of at least {@code HEADROOM + 1280} bytes, owned by this translator
     * @param nanoClock {@link System#nanoTime} or a test clock (ICMP rate limiting)
     */
    public Translator(XlatCounters counters, PacketSink sink, ByteBuf errorBuf, LongSupplier nanoClock, PacketLog log) {
        this(counters, sink, errorBuf, nanoClock, log, XlatState.PerWorker.fresh(nanoClock));
    }

    /** @param worker this worker's own state ({@link XlatState#newWorker}, on {@code nanoClock}), kept across reloads */
    public Translator(XlatCounters counters, PacketSink sink, ByteBuf errorBuf, LongSupplier nanoClock, PacketLog log,
            XlatState.PerWorker worker) {
        if (errorBuf.capacity() < HEADROOM + ICMP6_ERROR_MAX) {
            throw new IllegalArgumentException("error buffer too small");
        }
        this.counters = counters;
        this.sink = sink;
        this.errorBuf = errorBuf;
        this.nanoClock = nanoClock;
        this.log = log;
        this.errors = new IcmpErrorTranslator(mapper, errorBuf);
        this.identification = worker.identification();
        this.icmpErrors = worker.icmpErrors();
    }

    public XlatCounters counters() {
        return counters;
    }

    /** Translates the packet at {@code buf[offset, offset + length)}; {@code offset >= HEADROOM}. */
    public void translate(XlatSnapshot snapshot, ByteBuf buf, int offset, int length) {
        if (snapshot != snap) {
            snap = snapshot;
            mapper.use(snapshot);
            errors.use(snapshot);
        }
        if (length >= 1) {
            int version = buf.getUnsignedByte(offset) >>> 4;
            if (version == 4) {
                translate46(buf, offset, length);
                return;
            }
            if (version == 6) {
                translate64(buf, offset, length);
                return;
            }
        }
        drop(UNKNOWN_IP_VERSION, buf, offset, length);
    }

    /**
     * Uses a {@code vnetHeaderLength}-byte virtio_net_hdr in front of every packet (TUN offloads): input
     * through {@link #translateVnet}, output with a header written before each emitted packet.
     * {@code segmentScratch} (at least {@code HEADROOM + 65535} bytes, owned by this translator) is where
     * super-packets that cannot stay whole are cut into segments.
     */
    public void useVnetHeader(int vnetHeaderLength, ByteBuf segmentScratch) {
        if (vnetHeaderLength != 0 && (vnetHeaderLength < 10 || vnetHeaderLength > HEADROOM - 48
                || segmentScratch.capacity() < HEADROOM + MAX_PACKET)) {
            throw new IllegalArgumentException("bad vnet header length or segment buffer");
        }
        this.vnet = vnetHeaderLength;
        this.segmentBuf = segmentScratch;
    }

    /**
     * Translates a packet read from a TUN device with offloads: the virtio_net_hdr is at
     * {@code buf[offset - vnet, offset)}, the IP packet at {@code buf[offset, offset + length)}. A GSO
     * super-packet (TCP or UDP, up to 64 KiB) is translated whole: only its headers are rewritten, the
     * payload is never read, the L4 checksum stays partial for the kernel to finish, {@code gso_type}
     * flips between TCPV4 and TCPV6, {@code csum_start} and {@code hdr_len} are recomputed and
     * {@code gso_size} kept. One that cannot stay whole (an ICMP error about it, fragmentation, an MTU
     * it exceeds, extension headers or options, hairpinning) is cut into segments in software and each
     * segment translated as a plain packet, so every RFC 7915 rule still holds per segment.
     */
    public void translateVnet(XlatSnapshot snapshot, ByteBuf buf, int offset, int length) {
        int v = offset - vnet;
        int flags = buf.getUnsignedByte(v);
        int type = buf.getUnsignedByte(v + 1);
        int size = buf.getUnsignedShortLE(v + 4);
        int csumStart = buf.getUnsignedShortLE(v + 6);
        int csumOffset = buf.getUnsignedShortLE(v + 8);
        if ((type & ~GSO_ECN) == GSO_NONE) {
            if ((flags & VNET_F_NEEDS_CSUM) != 0) {
                if (keepsPartial(buf, offset, length, csumStart, csumOffset)) {
                    translatePartial(snapshot, buf, offset, length, csumOffset);
                    return;
                }
                if (!finishChecksum(buf, offset, length, csumStart, csumOffset)) {
                    counters.increment(XlatCounters.GSO_INVALID);
                    drop(TRUNCATED_64, buf, offset, length);
                    return;
                }
            }
            translate(snapshot, buf, offset, length);
            return;
        }
        if (!validGso(buf, offset, length, type & ~GSO_ECN, size, flags, csumStart, csumOffset)) {
            counters.increment(XlatCounters.GSO_INVALID);
            drop((buf.getUnsignedByte(offset) >>> 4) == 4 ? TRUNCATED_46 : TRUNCATED_64, buf, offset, length);
            return;
        }
        gso = true;
        partial = true;
        gsoType = type & ~GSO_ECN;
        gsoEcn = type & GSO_ECN;
        gsoSize = size;
        try {
            translate(snapshot, buf, offset, length);
        } finally {
            gso = false;
            partial = false;
        }
    }

    /**
     * Whether a plain packet with a partial checksum can stay partial through translation: TCP or UDP
     * right after an IPv4 header (not a fragment) or a bare IPv6 header, the checksum where that protocol
     * has it, and lengths that agree. Anything else is finished in software first, as before.
     */
    private static boolean keepsPartial(ByteBuf buf, int off, int len, int csumStart, int csumOffset) {
        int l4 = len < 28 ? -1 : wholePacketL4(buf, off, len);
        if (l4 < 0) {
            return false;
        }
        int proto = protocolAfterHeader(buf, off);
        int field = proto == PROTO_TCP ? 16 : proto == PROTO_UDP ? 6 : -1;
        return csumStart == l4 && csumOffset == field && l4 + field + 2 <= len;
    }

    /**
     * Where the L4 header of an IPv4 packet that is not a fragment, or of an IPv6 packet taken as having
     * no extension header, starts, if its IP length is {@code len} (the whole of what was read); -1 if not.
     */
    private static int wholePacketL4(ByteBuf buf, int off, int len) {
        int version = buf.getUnsignedByte(off) >>> 4;
        if (version == 4) {
            int ihl = (buf.getUnsignedByte(off) & 0x0f) << 2;
            // The kernel never builds a super-packet out of a fragment (fuzz finding).
            boolean whole = ihl >= Ipv4Header.MIN_LENGTH && buf.getUnsignedShort(off + 2) == len
                    && (buf.getUnsignedShort(off + 6) & 0x3fff) == 0;
            return whole ? ihl : -1;
        }
        if (version == 6) {
            return Ipv6Header.LENGTH + buf.getUnsignedShort(off + 4) == len ? Ipv6Header.LENGTH : -1;
        }
        return -1;
    }

    /** The IPv4 Protocol or the IPv6 Next Header field. */
    private static int protocolAfterHeader(ByteBuf buf, int off) {
        return buf.getUnsignedByte(off + ((buf.getUnsignedByte(off) >>> 4) == 4 ? 9 : 6));
    }

    /** Translates a plain packet whose checksum stays partial: emitted with NEEDS_CSUM for the kernel to finish. */
    private void translatePartial(XlatSnapshot snapshot, ByteBuf buf, int offset, int length, int csumOffset) {
        partial = true;
        partialOff = offset;
        partialLen = length;
        partialCsumOffset = csumOffset;
        try {
            translate(snapshot, buf, offset, length);
        } finally {
            partial = false;
        }
    }

    /**
     * Finishes the partial checksum of the plain packet being translated, still untranslated at
     * {@code buf[off, ...)}, in place; the rest of its translation treats it as a packet with a complete
     * checksum. For the paths that need one: an ICMP error quoting it, fragmentation, hairpinning.
     */
    private void completePartial(ByteBuf buf, int off) {
        if (!partial || gso || off != partialOff) {
            return;
        }
        partial = false;
        int l4 = (buf.getUnsignedByte(off) >>> 4) == 4 ? (buf.getUnsignedByte(off) & 0x0f) << 2 : Ipv6Header.LENGTH;
        finishChecksum(buf, off, partialLen, l4, partialCsumOffset);
    }

    /** A super-packet the kernel could have built: TCP or UDP right after the IP header, checksum partial. */
    private static boolean validGso(ByteBuf buf, int off, int len, int type, int size, int flags, int csumStart,
            int csumOffset) {
        if (size == 0 || (flags & VNET_F_NEEDS_CSUM) == 0 || len < 28) {
            return false;
        }
        // The kernel sets the IP length of a super-packet to all of it; one that says otherwise lies (fuzz finding:
        // an IPv6 payload length of 0 made the segmentation emit nothing and count nothing).
        int l4 = wholePacketL4(buf, off, len);
        boolean v6 = (buf.getUnsignedByte(off) >>> 4) == 6;
        if (l4 < 0 || type == (v6 ? GSO_TCPV4 : GSO_TCPV6)) {
            return false;
        }
        int proto = protocolAfterHeader(buf, off);
        boolean tcp = type == GSO_TCPV4 || type == GSO_TCPV6;
        if (tcp ? proto != PROTO_TCP || csumOffset != 16 : type != GSO_UDP_L4 || proto != PROTO_UDP || csumOffset != 6) {
            return false;
        }
        if (tcp && csumStart + 20 > len) {
            return false; // not even the fixed TCP header (fuzz finding: it was taken for an 8-byte one)
        }
        int hdr = tcp ? (buf.getUnsignedByte(off + csumStart + 12) >>> 4) << 2 : 8;
        return csumStart == l4 && hdr >= (tcp ? 20 : 8) && csumStart + hdr < len;
    }

    /**
     * Completes a partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM on a non-GSO packet): the field holds the
     * pseudo-header sum; the checksum covers {@code [csumStart, end)}.
     */
    private static boolean finishChecksum(ByteBuf buf, int off, int len, int csumStart, int csumOffset) {
        int minHeader = (buf.getUnsignedByte(off) >>> 4) == 6 ? Ipv6Header.LENGTH : Ipv4Header.MIN_LENGTH;
        if (csumStart < minHeader || csumStart + csumOffset + 2 > len) {
            return false; // never write into the IP header on the word of a header that lies
        }
        int at = off + csumStart + csumOffset;
        int c = Checksum.finish(Checksum.add(buf, off + csumStart, len - csumStart, 0));
        buf.setShort(at, c);
        return true;
    }

    /** Hands a packet to the sink, behind a virtio_net_hdr when the TUN device uses one. */
    private void emit(ByteBuf b, int start, int length) {
        if (vnet == 0) {
            sink.emit(b, start, length);
            return;
        }
        int v = start - vnet;
        if (partial && !gso) {
            // A plain packet kept partial: the kernel finishes its checksum, which starts right after the
            // output's IP header (20 bytes: tunxlat writes no IPv4 options; 40: no IPv6 extension headers).
            outVnetFlags = VNET_F_NEEDS_CSUM;
            outCsumStart = (b.getUnsignedByte(start) >>> 4) == 4 ? Ipv4Header.MIN_LENGTH : Ipv6Header.LENGTH;
            outCsumOffset = partialCsumOffset;
        }
        b.setByte(v, outVnetFlags);
        b.setByte(v + 1, outGsoType);
        b.setShortLE(v + 2, outHdrLen);
        b.setShortLE(v + 4, outGsoSize);
        b.setShortLE(v + 6, outCsumStart);
        b.setShortLE(v + 8, outCsumOffset);
        for (int i = 10; i < vnet; i++) {
            b.setByte(v + i, 0);
        }
        outVnetFlags = 0;
        outGsoType = 0;
        outHdrLen = 0;
        outGsoSize = 0;
        outCsumStart = 0;
        outCsumOffset = 0;
        sink.emit(b, v, length + vnet);
    }

    /** Sets the vnet header of the next emitted packet: a super-packet whose L4 header starts at {@code l4}. */
    private void gsoHeader(ByteBuf buf, int start, int l4, int ipVersionOut) {
        boolean tcp = gsoType != GSO_UDP_L4;
        int l4Header = tcp ? (buf.getUnsignedByte(l4 + 12) >>> 4) << 2 : 8;
        outVnetFlags = VNET_F_NEEDS_CSUM;
        outGsoType = (tcp ? (ipVersionOut == 6 ? GSO_TCPV6 : GSO_TCPV4) : GSO_UDP_L4) | gsoEcn;
        outCsumStart = l4 - start;
        outCsumOffset = tcp ? 16 : 6;
        outHdrLen = outCsumStart + l4Header; // pitfall: never trust hdr_len from a read, recompute it
        outGsoSize = gsoSize;
    }

    /** Whether the super-packet being translated needs software segmentation; if so, it is segmented. */
    private boolean segmentInSoftware(ByteBuf buf, int off, int total, int l4) {
        boolean tcp = gsoType != GSO_UDP_L4;
        int l4Header = tcp ? (buf.getUnsignedByte(l4 + 12) >>> 4) << 2 : 8;
        int headers = l4 + l4Header - off;
        int payload = total - headers;
        gso = false; // the segments are plain packets, with complete checksums
        partial = false;
        counters.increment(XlatCounters.GSO_SOFTWARE);
        int version = buf.getUnsignedByte(off) >>> 4;
        int proto = tcp ? PROTO_TCP : PROTO_UDP;
        long seq = tcp ? buf.getUnsignedInt(l4 + 4) : 0;
        int tcpFlags = tcp ? buf.getUnsignedByte(l4 + 13) : 0;
        int id = version == 4 ? buf.getUnsignedShort(off + 4) : 0;
        ByteBuf seg = segmentBuf;
        int s = HEADROOM;
        int i = 0;
        for (int done = 0; done < payload; done += gsoSize, i++) {
            int chunk = Math.min(gsoSize, payload - done);
            boolean last = done + chunk >= payload;
            seg.setBytes(s, buf, off, headers);
            seg.setBytes(s + headers, buf, off + headers + done, chunk);
            int segLen = headers + chunk;
            int sl4 = s + (l4 - off);
            if (tcp) {
                seg.setInt(sl4 + 4, (int) (seq + done));
                int f = tcpFlags;
                if (!last) {
                    f &= ~0x09; // FIN and PSH only on the last segment
                }
                if (i > 0) {
                    f &= ~0x80; // CWR only on the first
                }
                seg.setByte(sl4 + 13, f);
            } else {
                seg.setShort(sl4 + 4, l4Header + chunk);
            }
            int sum;
            if (version == 4) {
                seg.setShort(s + 2, segLen);
                seg.setShort(s + 4, (id + i) & 0xffff);
                seg.setShort(s + 10, 0);
                seg.setShort(s + 10, Checksum.finish(Checksum.add(seg, s, l4 - off, 0)));
                sum = Checksum.sumIpv4(seg.getInt(s + 12)) + Checksum.sumIpv4(seg.getInt(s + 16)) + proto
                        + (segLen - (l4 - off));
            } else {
                seg.setShort(s + 4, segLen - Ipv6Header.LENGTH);
                sum = Ipv6Header.pseudoHeaderSum(seg.getLong(s + 8), seg.getLong(s + 16), seg.getLong(s + 24),
                        seg.getLong(s + 32), segLen - (l4 - off), proto);
            }
            int co = sl4 + (tcp ? 16 : 6);
            seg.setShort(co, 0);
            int c = Checksum.finish(Checksum.add(seg, sl4, segLen - (l4 - off), Checksum.fold(sum)));
            seg.setShort(co, !tcp && c == 0 ? 0xffff : c);
            counters.increment(XlatCounters.GSO_SEGMENTS);
            translate(snap, seg, s, segLen);
        }
        return true;
    }

    // ---------------------------------------------------------------- IPv4 -> IPv6 (RFC 7915 §4)

    private void translate46(ByteBuf buf, int off, int len) {
        if (!snap.nat64) {
            drop(NO_TRANSLATION_46, buf, off, len);
            return;
        }
        if (len < Ipv4Header.MIN_LENGTH) {
            drop(TRUNCATED_46, buf, off, len);
            return;
        }
        Ipv4Header h = ip4.wrap(buf, off);
        int ihl = h.headerLength();
        int total = h.totalLength();
        if (ihl < Ipv4Header.MIN_LENGTH || total < ihl || total > len) {
            drop(TRUNCATED_46, buf, off, len);
            return;
        }
        if (!h.headerChecksumValid()) {
            drop(BAD_HEADER_CHECKSUM_46, buf, off, total);
            return;
        }
        int src = h.source();
        int dst = h.destination();
        int proto = h.protocol();
        int flags = h.flagsAndOffset();
        int fragOffset = flags & Ipv4Header.OFFSET_MASK;
        boolean moreFragments = (flags & Ipv4Header.FLAG_MF) != 0;
        boolean fragmented = moreFragments || fragOffset != 0;
        if (fragmented) {
            counters.increment(XlatCounters.FRAGMENTS_IN_46);
        }
        int l4 = off + ihl;
        int payloadLength = total - ihl;
        DropReason forbidden = AddressFilter.check46(snap, buf, off, ihl, total);
        if (forbidden != null) {
            drop(forbidden, buf, off, total); // spoofed or unroutable: silently (AddressFilter)
            return;
        }
        if (dst == snap.ownIpv4) {
            local4(buf, off, total, ihl, src, proto, fragmented);
            return;
        }
        int ttl = h.timeToLive();
        if (ttl <= 1) {
            // RFC 7915 §4.1: "the translator (as any router) MUST check for zero and send the ICMPv4
            // 'TTL Exceeded'" (RFC 792 type 11 code 0).
            icmp4Error(buf, off, total, 11, 0, 0);
            drop(TTL_EXCEEDED_46, buf, off, total);
            return;
        }
        if (ihl > Ipv4Header.MIN_LENGTH && hasUnexpiredSourceRoute(buf, off + Ipv4Header.MIN_LENGTH, off + ihl)) {
            // RFC 7915 §4.1: "if an unexpired source route option is present, then the packet MUST
            // instead be discarded, and an ICMPv4 'Destination Unreachable, Source Route Failed'
            // (Type 3, Code 5) error message SHOULD be returned".
            icmp4Error(buf, off, total, 3, 5, 0);
            drop(SOURCE_ROUTE_46, buf, off, total);
            return;
        }
        DropReason why = mapper.map4to6(dst, DST_UNMAPPABLE_46, WKPF_NON_GLOBAL_46);
        if (why != null) {
            reject46(why, buf, off, total);
            return;
        }
        long dstHi = mapper.hi;
        long dstLo = mapper.lo;
        boolean icmpError = proto == PROTO_ICMP && !fragmented && payloadLength >= 1
                && isIcmp4Error(buf.getUnsignedByte(l4));
        why = mapper.map4to6(src, SRC_UNMAPPABLE_46, WKPF_NON_GLOBAL_46);
        long srcHi;
        long srcLo;
        if (why == null) {
            srcHi = mapper.hi;
            srcLo = mapper.lo;
        } else if (icmpError) {
            // An ICMPv4 error from a router the mapping does not cover still reaches the IPv6 host, from
            // the translator's own address (the IPv6 counterpart of RFC 6791).
            srcHi = snap.ownIpv6Hi;
            srcLo = snap.ownIpv6Lo;
        } else {
            reject46(why, buf, off, total);
            return;
        }
        int tos = h.typeOfService();
        if (icmpError) {
            why = errors.translate46(buf, l4, payloadLength, tos, ttl - 1, srcHi, srcLo, dstHi, dstLo);
            if (why != null) {
                drop(why, buf, off, total); // never an ICMP error about an ICMP error
                return;
            }
            counters.translated(XlatCounters.DIR_46, PROTO_ICMP, errors.outLength);
            emit(errorBuf, errors.outStart, errors.outLength);
            return;
        }

        // RFC 7915 §4.1 / §1.4: the translator is a router. A DF packet that does not fit the IPv6 next
        // hop gets Fragmentation Needed with the MTU the IPv4 sender must use; a DF=0 packet that does
        // not fit the lowest IPv6 MTU (offlink-mtu) is fragmented.
        boolean dontFragment = (flags & Ipv4Header.FLAG_DF) != 0;
        int ipv6Length = Ipv6Header.LENGTH + (fragmented ? 8 : 0) + payloadLength;
        if (dontFragment && !gso && snap.ipv6EgressMtu > 0 && ipv6Length > snap.ipv6EgressMtu) {
            icmp4Error(buf, off, total, 3, 4, snap.ipv6EgressMtu - 20);
            drop(PACKET_TOO_BIG_46, buf, off, total);
            return;
        }
        int fragmentLimit = snap.ipv6EgressMtu > 0 ? Math.min(snap.offlinkMtu, snap.ipv6EgressMtu) : snap.offlinkMtu;
        boolean split = !dontFragment && ipv6Length > fragmentLimit;
        if (gso) {
            // A super-packet stays whole only if each of its segments fits the IPv6 side as it is.
            int segment = Ipv6Header.LENGTH + l4HeaderLength(buf, l4) + gsoSize;
            if (dontFragment ? snap.ipv6EgressMtu > 0 && segment > snap.ipv6EgressMtu : segment > fragmentLimit) {
                segmentInSoftware(buf, off, total, l4);
                return;
            }
            split = false;
        } else if (split) {
            completePartial(buf, off); // fragments need the checksum complete before they are cut
        }

        int nextHeader = proto == PROTO_ICMP ? PROTO_ICMPV6 : proto;
        if (fragOffset == 0) {
            // RFC 7915 §4.5: transport checksums include the pseudo-header, which changed; only the
            // first fragment carries the transport header.
            why = transport46(buf, off, total, l4, payloadLength, proto, fragmented, src, dst, srcHi, srcLo, dstHi, dstLo);
            if (why != null) {
                drop(why, buf, off, total);
                return;
            }
        }
        int identification = h.identification();
        if (split) {
            fragment46(buf, l4, payloadLength, tos, nextHeader, ttl - 1, identification, fragOffset, moreFragments,
                    fragmentLimit, srcHi, srcLo, dstHi, dstLo);
            return;
        }
        // RFC 7915 §4.1 (and RFC 8021): a Fragment Header only when the IPv4 packet is a fragment.
        int ipv6HeaderLength = fragmented ? Ipv6Header.LENGTH + 8 : Ipv6Header.LENGTH;
        int start = l4 - ipv6HeaderLength;
        // RFC 7915 §4.1: Traffic Class = TOS, Flow Label 0, Payload Length = Total Length - IHL (+8 with a
        // Fragment Header), Next Header = Protocol (1 → 58), Hop Limit = TTL - 1.
        ip6.wrap(buf, start).write(tos, payloadLength + (fragmented ? 8 : 0),
                fragmented ? Ipv6Header.NEXT_HEADER_FRAGMENT : nextHeader, ttl - 1, srcHi, srcLo, dstHi, dstLo);
        if (fragmented) {
            writeFragmentHeader(buf, start + Ipv6Header.LENGTH, nextHeader, fragOffset, moreFragments, identification);
            counters.increment(XlatCounters.FRAGMENTS_46);
        }
        int outLength = ipv6HeaderLength + payloadLength;
        counters.translated(XlatCounters.DIR_46, proto, outLength);
        if (gso) {
            gsoHeader(buf, start, l4, 6);
            countSuperPacket(payloadLength - l4HeaderLength(buf, l4));
        }
        emit(buf, start, outLength);
    }

    /** TCP data offset or the UDP header length, for the L4 header at {@code l4} of a super-packet. */
    private int l4HeaderLength(ByteBuf buf, int l4) {
        return gsoType == GSO_UDP_L4 ? 8 : (buf.getUnsignedByte(l4 + 12) >>> 4) << 2;
    }

    private void countSuperPacket(int payload) {
        counters.increment(XlatCounters.GSO_PACKETS);
        counters.add(XlatCounters.GSO_SEGMENTS, (payload + gsoSize - 1) / gsoSize);
    }

    /**
     * The transport checksum field after the pseudo-header changed from {@code oldSum} to {@code newSum}:
     * RFC 1624 for a complete checksum; for a super-packet's partial one (the non-inverted pseudo-header
     * sum the kernel will finish), the same update on its complement.
     */
    private int updateChecksum(int field, int oldSum, int newSum) {
        if (partial) {
            return ~Checksum.update(~field & 0xffff, oldSum, newSum) & 0xffff;
        }
        return Checksum.update(field, oldSum, newSum);
    }

    /**
     * RFC 7915 §4.1 Fragment Header: Next Header = Protocol, Fragment Offset and M copied, Identification =
     * the IPv4 Identification in the low-order 16 bits.
     */
    private static void writeFragmentHeader(ByteBuf buf, int at, int nextHeader, int offset8, boolean more, int id) {
        buf.setByte(at, nextHeader);
        buf.setByte(at + 1, 0);
        buf.setShort(at + 2, (offset8 << 3) | (more ? 1 : 0));
        buf.setInt(at + 4, id);
    }

    /**
     * RFC 7915 §4.1: "the translator MUST ensure that the packet does not exceed the path MTU on the IPv6
     * side" for IPv4 packets without DF: the payload is cut into pieces of at most {@code limit - 48}
     * bytes (a multiple of 8), each with a Fragment header carrying the IPv4 Identification. Fragments are
     * emitted in order, each header written over the tail of the piece before it, which has already been
     * emitted, so the packet is never copied.
     */
    private void fragment46(ByteBuf buf, int payloadStart, int payloadLength, int tos, int nextHeader, int hopLimit,
            int identification, int fragOffset, boolean moreFragments, int limit,
            long srcHi, long srcLo, long dstHi, long dstLo) {
        int piece = (limit - Ipv6Header.LENGTH - 8) & ~7;
        for (int done = 0; done < payloadLength; done += piece) {
            int size = Math.min(piece, payloadLength - done);
            boolean last = done + size >= payloadLength;
            int start = payloadStart + done - Ipv6Header.LENGTH - 8;
            ip6.wrap(buf, start).write(tos, size + 8, Ipv6Header.NEXT_HEADER_FRAGMENT, hopLimit, srcHi, srcLo, dstHi, dstLo);
            writeFragmentHeader(buf, start + Ipv6Header.LENGTH, nextHeader, fragOffset + done / 8,
                    !last || moreFragments, identification);
            counters.increment(XlatCounters.FRAGMENTS_46);
            counters.translated(XlatCounters.DIR_46, nextHeader, Ipv6Header.LENGTH + 8 + size);
            emit(buf, start, Ipv6Header.LENGTH + 8 + size);
        }
    }

    /** RFC 7915 §4.5 and §4.2: updates the transport checksum (and ICMP type); the drop reason, or null. */
    private DropReason transport46(ByteBuf buf, int off, int total, int l4, int length, int proto, boolean fragmented,
            int src, int dst, long srcHi, long srcLo, long dstHi, long dstLo) {
        switch (proto) {
            case PROTO_TCP: {
                if (length < 18) {
                    return TOO_SHORT_L4_46;
                }
                int c = buf.getUnsignedShort(l4 + 16);
                buf.setShort(l4 + 16, updateChecksum(c, Checksum.sumIpv4(src) + Checksum.sumIpv4(dst),
                        Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo)));
                return null;
            }
            case PROTO_UDP: {
                if (length < 8) {
                    return TOO_SHORT_L4_46;
                }
                int c = buf.getUnsignedShort(l4 + 6);
                if (c == 0 && !partial) {
                    return udpZeroChecksum46(buf, off, total, l4, length, fragmented, srcHi, srcLo, dstHi, dstLo);
                }
                c = updateChecksum(c, Checksum.sumIpv4(src) + Checksum.sumIpv4(dst),
                        Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo));
                buf.setShort(l4 + 6, c == 0 && !partial ? 0xffff : c); // RFC 768: a computed zero is sent as all ones
                return null;
            }
            case PROTO_ICMP:
                if (fragmented) {
                    return ICMP_FRAGMENTED_46;
                }
                return icmp46(buf, l4, length, srcHi, srcLo, dstHi, dstLo);
            case PROTO_ICMPV6:
                return ICMP_WRONG_VERSION_46; // would reach IPv6 as an ICMPv6 message nobody validated
            default:
                // RFC 7915 §4.5: "other transport protocols ... MUST be forwarded" unchanged.
                return null;
        }
    }

    /**
     * RFC 7915 §4.5: "a stateless translator cannot compute the UDP checksum of fragmented packets, so
     * when a stateless translator receives the first fragment of a fragmented UDP IPv4 packet and the
     * checksum field is zero, the translator SHOULD drop the packet"; unfragmented ones are dropped
     * or get a computed checksum as configured ({@code udp-cksum-mode}). Dropped ones get ICMPv4 3/13
     * (§4.4).
     */
    private DropReason udpZeroChecksum46(ByteBuf buf, int off, int total, int l4, int length, boolean fragmented,
            long srcHi, long srcLo, long dstHi, long dstLo) {
        UdpCksumMode mode = snap.udpCksumMode;
        if (mode == UdpCksumMode.FWD) {
            return null;
        }
        if (mode == UdpCksumMode.CALC && !fragmented) {
            int sum = Ipv6Header.pseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, length, PROTO_UDP);
            int c = Checksum.finish(Checksum.add(buf, l4, length, Checksum.fold(sum)));
            buf.setShort(l4 + 6, c == 0 ? 0xffff : c);
            return null;
        }
        icmp4Error(buf, off, total, 3, 13, 0);
        return fragmented ? UDP_ZERO_CHECKSUM_FRAGMENT_46 : UDP_ZERO_CHECKSUM_46;
    }

    /**
     * RFC 7915 §4.2: ICMPv4 query messages: Echo Request and Echo Reply (types 8 and 0) become types 128
     * and 129 "and the ICMPv6 checksum MUST be recomputed (to include the pseudo-header)". Other
     * informational messages are dropped; errors go to {@link IcmpErrorTranslator}.
     */
    private DropReason icmp46(ByteBuf buf, int l4, int length, long srcHi, long srcLo, long dstHi, long dstLo) {
        if (length < 8) {
            return TOO_SHORT_L4_46;
        }
        int newType = echoType46(buf.getUnsignedByte(l4));
        if (newType < 0) {
            return ICMP_UNTRANSLATABLE_46;
        }
        rewriteEcho(buf, l4, newType, Ipv6Header.pseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, length, PROTO_ICMPV6), true);
        return null;
    }

    /** Echo Request 8 → 128 and Echo Reply 0 → 129; -1 for anything else. */
    static int echoType46(int type) {
        return type == 8 ? 128 : type == 0 ? 129 : -1;
    }

    /** Echo Request 128 → 8 and Echo Reply 129 → 0; -1 for anything else. */
    static int echoType64(int type) {
        return type == 128 ? 8 : type == 129 ? 0 : -1;
    }

    /**
     * Rewrites the echo header at {@code l4} to {@code newType} and updates its checksum incrementally
     * (RFC 1624): the ICMPv6 checksum covers the pseudo-header ({@code pseudoSum}), the ICMPv4 one does
     * not, so it is added going to IPv6 and removed going to IPv4.
     */
    static void rewriteEcho(ByteBuf buf, int l4, int newType, int pseudoSum, boolean toIpv6) {
        int type = buf.getUnsignedByte(l4);
        int code = buf.getUnsignedByte(l4 + 1);
        int oldWord = (type << 8) | code;
        int newWord = (newType << 8) | code;
        int c = buf.getUnsignedShort(l4 + 2);
        c = toIpv6 ? Checksum.update(c, oldWord, Checksum.fold(pseudoSum) + newWord)
                : Checksum.update(c, Checksum.fold(pseudoSum) + oldWord, newWord);
        buf.setByte(l4, newType);
        buf.setShort(l4 + 2, c);
    }

    /** RFC 7915 §4.1: looks for an LSRR (131) or SSRR (137) option whose pointer is not past its end. */
    private static boolean hasUnexpiredSourceRoute(ByteBuf buf, int p, int end) {
        while (p < end) {
            int type = buf.getUnsignedByte(p);
            if (type == 0) {
                return false; // end of option list
            }
            if (type == 1) {
                p++; // no-operation
                continue;
            }
            if (p + 1 >= end) {
                return false;
            }
            int optLen = buf.getUnsignedByte(p + 1);
            if (optLen < 2) {
                return false;
            }
            if ((type == 131 || type == 137) && optLen >= 3 && p + 2 < end) {
                int pointer = buf.getUnsignedByte(p + 2);
                if (pointer <= optLen) {
                    return true;
                }
            }
            p += optLen;
        }
        return false;
    }

    /** RFC 7915 §4.4: a dropped IPv4 packet gets ICMPv4 3/13 back, except for {@link DropReason#silent} drops. */
    private void reject46(DropReason why, ByteBuf buf, int off, int total) {
        if (!why.silent()) {
            icmp4Error(buf, off, total, 3, 13, 0);
        }
        drop(why, buf, off, total);
    }

    /** Packets for the translator's own IPv4 address: it answers Echo Requests, as TAYGA does. */
    private void local4(ByteBuf buf, int off, int total, int ihl, int src, int proto, boolean fragmented) {
        int l4 = off + ihl;
        int length = total - ihl;
        if (proto != PROTO_ICMP || fragmented || length < 8 || buf.getUnsignedByte(l4) != 8) {
            drop(TO_SELF_46, buf, off, total);
            return;
        }
        // Echo Reply (RFC 792): same identifier, sequence and data; type 0; addresses swapped.
        int code = buf.getUnsignedByte(l4 + 1);
        int c = buf.getUnsignedShort(l4 + 2);
        buf.setByte(l4, 0);
        buf.setShort(l4 + 2, Checksum.update(c, (8 << 8) | code, code));
        int start = l4 - Ipv4Header.MIN_LENGTH; // options are not echoed
        ip4.wrap(buf, start).write(0, Ipv4Header.MIN_LENGTH + length, nextIdentification(), 0, DEFAULT_TTL,
                PROTO_ICMP, snap.ownIpv4, src);
        counters.increment(XlatCounters.ECHO_REPLIES_SENT);
        emit(buf, start, Ipv4Header.MIN_LENGTH + length);
    }

    // ---------------------------------------------------------------- IPv6 -> IPv4 (RFC 7915 §5)

    private void translate64(ByteBuf buf, int off, int len) {
        if (len < Ipv6Header.LENGTH) {
            drop(TRUNCATED_64, buf, off, len);
            return;
        }
        Ipv6Header h = ip6.wrap(buf, off);
        int payloadLength = h.payloadLength();
        int nh = h.nextHeader();
        if (payloadLength == 0 && nh == Ipv6Header.NEXT_HEADER_HOP_BY_HOP) {
            drop(JUMBOGRAM_64, buf, off, len); // RFC 2675 jumbograms have no IPv4 equivalent
            return;
        }
        if (Ipv6Header.LENGTH + payloadLength > len) {
            drop(TRUNCATED_64, buf, off, len);
            return;
        }
        int end = off + Ipv6Header.LENGTH + payloadLength;
        int total6 = end - off;
        long srcHi = h.sourceHi();
        long srcLo = h.sourceLo();
        long dstHi = h.destinationHi();
        long dstLo = h.destinationLo();
        DropReason forbidden = AddressFilter.check64(snap, buf, off, total6, srcHi, srcLo, dstHi, dstLo);
        if (forbidden != null) {
            drop(forbidden, buf, off, total6); // spoofed or unroutable: silently (AddressFilter)
            return;
        }
        if (snap.nptv6 != null && nptv6(buf, off, total6, srcHi, srcLo, dstHi, dstLo)) {
            return;
        }
        if (!snap.nat64) {
            drop(NO_TRANSLATION_64, buf, off, total6); // e.g. the kernel's own MLD and RS on the device
            return;
        }
        if (dstHi == snap.ownIpv6Hi && dstLo == snap.ownIpv6Lo && (dstHi | dstLo) != 0) {
            local6(buf, off, total6, srcHi, srcLo, dstHi, dstLo);
            return;
        }

        // RFC 7915 §5.1: Hop-by-Hop, Destination Options and Routing headers with Segments Left 0 "MUST
        // be ignored"; the Protocol and Total Length "skip" them.
        int p = off + Ipv6Header.LENGTH;
        boolean fragment = false;
        int fragIdentification = 0;
        int fragOffset = 0;
        boolean moreFragments = false;
        walk:
        while (true) {
            switch (nh) {
                case Ipv6Header.NEXT_HEADER_HOP_BY_HOP:
                case Ipv6Header.NEXT_HEADER_DESTINATION_OPTIONS:
                case Ipv6Header.NEXT_HEADER_ROUTING: {
                    if (fragment) {
                        // RFC 7915 §5.1: an extension header after the Fragment Header "SHOULD be dropped"
                        // (and, §5.4, answered with ICMPv6 1/1).
                        reject64(EXT_HEADER_AFTER_FRAGMENT_64, buf, off, total6);
                        return;
                    }
                    if (p + 8 > end) {
                        drop(TRUNCATED_64, buf, off, total6);
                        return;
                    }
                    int extLength = (buf.getUnsignedByte(p + 1) + 1) << 3;
                    if (p + extLength > end) {
                        drop(TRUNCATED_64, buf, off, total6);
                        return;
                    }
                    if (nh == Ipv6Header.NEXT_HEADER_ROUTING && buf.getUnsignedByte(p + 3) != 0) {
                        // RFC 7915 §5.1: with Segments Left non-zero the packet "MUST NOT be translated",
                        // and an ICMPv6 Parameter Problem (type 4, code 0) pointing at Segments Left
                        // "SHOULD" be returned.
                        icmp6Error(buf, off, total6, 4, 0, p + 3 - off);
                        drop(ROUTING_HEADER_64, buf, off, total6);
                        return;
                    }
                    nh = buf.getUnsignedByte(p);
                    p += extLength;
                    continue;
                }
                case Ipv6Header.NEXT_HEADER_FRAGMENT: {
                    if (fragment) {
                        reject64(EXT_HEADER_AFTER_FRAGMENT_64, buf, off, total6);
                        return;
                    }
                    if (p + 8 > end) {
                        drop(TRUNCATED_64, buf, off, total6);
                        return;
                    }
                    int fo = buf.getUnsignedShort(p + 2);
                    fragOffset = fo >>> 3;
                    moreFragments = (fo & 1) != 0;
                    fragIdentification = buf.getInt(p + 4);
                    fragment = true;
                    counters.increment(XlatCounters.FRAGMENTS_IN_64);
                    nh = buf.getUnsignedByte(p);
                    p += 8;
                    continue;
                }
                default:
                    break walk;
            }
        }
        int l4 = p;
        int upperLength = end - p;
        boolean fragmented = fragment && (moreFragments || fragOffset != 0);

        int hopLimit = h.hopLimit();
        if (hopLimit <= 1) {
            // RFC 7915 §5.1: the translator "MUST check for zero and send the ... ICMPv6 'Hop Limit
            // Exceeded' error" (RFC 4443 type 3 code 0).
            icmp6Error(buf, off, total6, 3, 0, 0);
            drop(HOP_LIMIT_EXCEEDED_64, buf, off, total6);
            return;
        }
        DropReason why = mapper.map6to4(dstHi, dstLo, DST_UNMAPPABLE_64, WKPF_NON_GLOBAL_64);
        if (why != null) {
            reject64(why, buf, off, total6);
            return;
        }
        int dst = mapper.v4;
        boolean dstViaStaticMap = mapper.viaStaticMap;
        boolean icmpError = nh == PROTO_ICMPV6 && !fragmented && upperLength >= 1 && buf.getUnsignedByte(l4) < 128;
        why = icmpError ? mapper.map6to4(srcHi, srcLo, SRC_UNMAPPABLE_64, WKPF_NON_GLOBAL_64)
                : mapper.mapSource6to4(srcHi, srcLo);
        int src;
        if (why == null) {
            src = mapper.v4;
        } else if (icmpError) {
            src = mapper.rfc6791Source(srcHi, srcLo); // RFC 6791: errors from untranslatable IPv6 routers
        } else {
            reject64(why, buf, off, total6);
            return;
        }
        if (gso && !dstViaStaticMap && mapper.isIpv6Host4(dst)) {
            segmentInSoftware(buf, off, total6, l4); // hairpinned segments are plain packets
            return;
        }
        if (!dstViaStaticMap && !icmpError && mapper.isIpv6Host4(dst)) {
            completePartial(buf, off);
            hairpin(buf, off, total6, l4, upperLength, nh, fragOffset, src, dst, srcHi, srcLo, dstHi, dstLo);
            return;
        }
        if (icmpError) {
            why = errors.translate64(buf, l4, upperLength, h.trafficClass(), hopLimit - 1,
                    fragment ? fragIdentification & 0xffff : -1, srcHi, srcLo, dstHi, dstLo, src, dst, nextIdentification());
            if (why != null) {
                drop(why, buf, off, total6);
                return;
            }
            counters.translated(XlatCounters.DIR_64, PROTO_ICMP, errors.outLength);
            emit(errorBuf, errors.outStart, errors.outLength);
            return;
        }
        int totalLength = Ipv4Header.MIN_LENGTH + upperLength;
        // For a super-packet, what goes on the wire is one segment: decide DF and the MTU on its size.
        int wireLength = gso ? Ipv4Header.MIN_LENGTH + l4HeaderLength(buf, l4) + gsoSize : totalLength;
        if (gso && snap.ipv4EgressMtu > 0 && wireLength > snap.ipv4EgressMtu) {
            segmentInSoftware(buf, off, total6, l4);
            return;
        }
        if (!gso && snap.ipv4EgressMtu > 0 && totalLength > snap.ipv4EgressMtu && totalLength > DF_THRESHOLD) {
            // RFC 7915 §1.4 / §5: too big for the IPv4 next hop, and IPv6 senders expect Packet Too Big
            // (the MTU includes the 20 bytes the IPv6 header adds).
            icmp6Error(buf, off, total6, 2, 0, Math.max(IPV6_MIN_MTU, snap.ipv4EgressMtu + 20));
            drop(PACKET_TOO_BIG_64, buf, off, total6);
            return;
        }

        if (fragOffset == 0) {
            why = transport64(buf, l4, upperLength, nh, fragmented, src, dst, srcHi, srcLo, dstHi, dstLo);
            if (why != null) {
                drop(why, buf, off, total6);
                return;
            }
        }
        int trafficClass = h.trafficClass();
        int identification;
        int flags;
        if (fragment) {
            // RFC 7915 §5.1.1: Identification = low-order 16 bits of the Fragment Header's; MF and
            // Fragment Offset copied; DF clear.
            identification = fragIdentification & 0xffff;
            flags = (moreFragments ? Ipv4Header.FLAG_MF : 0) | fragOffset;
            counters.increment(XlatCounters.FRAGMENTS_64);
        } else if (wireLength <= DF_THRESHOLD) {
            // RFC 7915 §5.1: DF = 0 for packets up to 1260 bytes, with an Identification generated here.
            identification = nextIdentification();
            flags = 0;
        } else {
            identification = 0;
            flags = Ipv4Header.FLAG_DF;
        }
        int start = l4 - Ipv4Header.MIN_LENGTH;
        // RFC 7915 §5.1: TOS = Traffic Class, TTL = Hop Limit - 1, Protocol = the upper-layer Next Header
        // (58 → 1), no options, header checksum computed.
        ip4.wrap(buf, start).write(trafficClass, totalLength, identification, flags, hopLimit - 1,
                nh == PROTO_ICMPV6 ? PROTO_ICMP : nh, src, dst);
        counters.translated(XlatCounters.DIR_64, nh, totalLength);
        if (gso) {
            gsoHeader(buf, start, l4, 4);
            countSuperPacket(upperLength - l4HeaderLength(buf, l4));
        }
        emit(buf, start, totalLength);
    }

    // ---------------------------------------------------------------- NPTv6 (RFC 6296)

    /**
     * RFC 6296: an IPv6 packet from an inside prefix has its source rewritten to the outside prefix
     * (§3.2), one to an outside prefix has its destination rewritten to the inside prefix (§3.3), and
     * one from inside to the site's own outside prefix gets both (§4.3 hairpinning). Transport
     * checksums are never touched: the rewrite keeps the one's-complement sum of the address (§2.6).
     * ICMPv6 errors get the embedded packet's address rewritten too (draft-bctb-6man-rfc6296-bis
     * "ICMPv6 error forwarding"). Returns false if the packet is not NPTv6 traffic.
     */
    private boolean nptv6(ByteBuf buf, int off, int total, long srcHi, long srcLo, long dstHi, long dstLo) {
        Nptv6Table t = snap.nptv6;
        int out = t.findOutbound(srcHi, srcLo);
        int in = out >= 0 ? -1 : t.findInbound(dstHi, dstLo);
        if (out < 0 && in == -1) {
            return false;
        }
        if (in == -2) {
            drop(NPTV6_UNKNOWN_OWNER_IN, buf, off, total);
            icmp6Error(buf, off, total, 1, 3, 0);
            return true;
        }
        int icmpAt = nptIcmpError(buf, off, total);
        if (icmpAt == -2) {
            drop(out >= 0 ? NPTV6_ICMP_ERROR_OUT : NPTV6_ICMP_ERROR_IN, buf, off, total);
            return true;
        }
        if (out >= 0) {
            Nptv6Mapping m = t.mapping(out);
            // §3.2: "If the internal subnet number has no mapping ... discard the datagram" (ICMPv6 1/3 SHOULD).
            if (!m.insideMatches(srcHi, srcLo) || m.rewriteOutbound(buf, off + 8) != Nptv6Mapping.OK) {
                drop(NPTV6_UNMAPPABLE_OUT, buf, off, total);
                icmp6Error(buf, off, total, 1, 3, 0);
                return true;
            }
            if (icmpAt >= 0) {
                int inner = icmpAt + 8;
                long ih = buf.getLong(inner + 24);
                long il = buf.getLong(inner + 32);
                if (!m.insideMatches(ih, il) || m.rewriteOutbound(buf, inner + 24) != Nptv6Mapping.OK) {
                    drop(NPTV6_ICMP_ERROR_OUT, buf, off, total); // bis draft: "MUST be silently dropped"
                    return true;
                }
            }
            if (t.learns(out)) {
                t.learn(buf.getLong(off + 8), buf.getLong(off + 16), out);
            }
            // §4.3: hairpinning, an inside host talking to the site's outside address of another.
            int back = t.findInbound(dstHi, dstLo);
            if (back >= 0) {
                Nptv6Mapping b = t.mapping(back);
                if (!b.outsideMatches(dstHi, dstLo) || b.rewriteInbound(buf, off + 24) != Nptv6Mapping.OK) {
                    drop(NPTV6_UNMAPPABLE_IN, buf, off, total);
                    return true;
                }
            }
            counters.increment(XlatCounters.PACKETS_NPTV6_OUT);
            counters.add(XlatCounters.BYTES_NPTV6_OUT, total);
        } else {
            Nptv6Mapping m = t.mapping(in);
            if (!m.outsideMatches(dstHi, dstLo) || m.rewriteInbound(buf, off + 24) != Nptv6Mapping.OK) {
                drop(NPTV6_UNMAPPABLE_IN, buf, off, total);
                return true;
            }
            if (icmpAt >= 0) {
                int inner = icmpAt + 8;
                long ih = buf.getLong(inner + 8);
                long il = buf.getLong(inner + 16);
                if (!m.outsideMatches(ih, il) || m.rewriteInbound(buf, inner + 8) != Nptv6Mapping.OK) {
                    drop(NPTV6_ICMP_ERROR_IN, buf, off, total); // bis draft: "MUST be silently dropped"
                    return true;
                }
            }
            counters.increment(XlatCounters.PACKETS_NPTV6_IN);
            counters.add(XlatCounters.BYTES_NPTV6_IN, total);
        }
        if (gso) {
            // Checksum-neutral: the partial checksum and the whole super-packet stay as they are.
            gsoHeader(buf, off, off + Ipv6Header.LENGTH, 6);
            countSuperPacket(total - Ipv6Header.LENGTH - l4HeaderLength(buf, off + Ipv6Header.LENGTH));
        }
        emit(buf, off, total);
        return true;
    }

    /**
     * For NPTv6: the offset of an ICMPv6 error message (types 1-4) whose embedded packet must be
     * rewritten, -1 for any other packet, -2 for an error to drop (embedded IPv6 header incomplete or
     * the ICMPv6 checksum wrong: the bis draft "MUST verify that the length of the embedded packet is
     * long enough to contain the whole IPv6 header" and "SHOULD silently drop" on a bad checksum).
     */
    private static int nptIcmpError(ByteBuf buf, int off, int total) {
        int nh = buf.getUnsignedByte(off + 6);
        int p = off + Ipv6Header.LENGTH;
        int end = off + total;
        while ((nh == 0 || nh == 60 || nh == 43) && p + 8 <= end) {
            nh = buf.getUnsignedByte(p);
            p += (buf.getUnsignedByte(p + 1) + 1) << 3;
        }
        if (nh != PROTO_ICMPV6 || p + 8 > end) {
            return -1;
        }
        int type = buf.getUnsignedByte(p);
        if (type < 1 || type > 4) {
            return -1;
        }
        if (p + 8 + Ipv6Header.LENGTH > end) {
            return -2;
        }
        int sum = Ipv6Header.pseudoHeaderSum(buf.getLong(off + 8), buf.getLong(off + 16), buf.getLong(off + 24),
                buf.getLong(off + 32), end - p, PROTO_ICMPV6);
        return Checksum.verifies(Checksum.add(buf, p, end - p, Checksum.fold(sum))) ? p : -2;
    }

    /**
     * RFC 7757 §4.2.2 ("intrinsic" hairpinning) and RFC 6146 §3.8: an IPv6 packet whose destination
     * maps, through the RFC 6052 prefix, to an IPv4 address that the static map gives to another IPv6
     * host goes straight back to IPv6: destination through the static map, source through the RFC 6052
     * prefix, hop limit decremented once. Addresses are rewritten in place and the transport checksum
     * updated for the IPv6 pseudo-header change.
     */
    private void hairpin(ByteBuf buf, int off, int total6, int l4, int upperLength, int nh, int fragOffset,
            int src, int dst, long srcHi, long srcLo, long dstHi, long dstLo) {
        DropReason why = mapper.map4to6(dst, DST_UNMAPPABLE_64, WKPF_NON_GLOBAL_64);
        if (why != null) {
            reject64(why, buf, off, total6);
            return;
        }
        long newDstHi = mapper.hi;
        long newDstLo = mapper.lo;
        why = mapper.embed(src, SRC_UNMAPPABLE_64, WKPF_NON_GLOBAL_64);
        if (why != null) {
            reject64(why, buf, off, total6);
            return;
        }
        long newSrcHi = mapper.hi;
        long newSrcLo = mapper.lo;
        int checksumAt = fragOffset != 0 ? -1
                : nh == PROTO_TCP && upperLength >= 18 ? l4 + 16
                : nh == PROTO_UDP && upperLength >= 8 && buf.getUnsignedShort(l4 + 6) != 0 ? l4 + 6
                : nh == PROTO_ICMPV6 && upperLength >= 4 ? l4 + 2 : -1;
        if (checksumAt >= 0) {
            int c = Checksum.update(buf.getUnsignedShort(checksumAt),
                    Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo),
                    Checksum.sumIpv6(newSrcHi, newSrcLo) + Checksum.sumIpv6(newDstHi, newDstLo));
            buf.setShort(checksumAt, nh == PROTO_UDP && c == 0 ? 0xffff : c);
        }
        buf.setByte(off + 7, buf.getUnsignedByte(off + 7) - 1);
        buf.setLong(off + 8, newSrcHi);
        buf.setLong(off + 16, newSrcLo);
        buf.setLong(off + 24, newDstHi);
        buf.setLong(off + 32, newDstLo);
        counters.translated(XlatCounters.DIR_64, nh, total6); // hairpinned: one translation
        emit(buf, off, total6);
    }

    /** RFC 7915 §5.5 and §5.2: transport checksums for the new pseudo-header; the drop reason, or null. */
    private DropReason transport64(ByteBuf buf, int l4, int length, int nh, boolean fragmented,
            int src, int dst, long srcHi, long srcLo, long dstHi, long dstLo) {
        switch (nh) {
            case PROTO_TCP: {
                if (length < 18) {
                    return TOO_SHORT_L4_64;
                }
                int c = buf.getUnsignedShort(l4 + 16);
                buf.setShort(l4 + 16, updateChecksum(c, Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo),
                        Checksum.sumIpv4(src) + Checksum.sumIpv4(dst)));
                return null;
            }
            case PROTO_UDP: {
                if (length < 8) {
                    return TOO_SHORT_L4_64;
                }
                int c = buf.getUnsignedShort(l4 + 6);
                if (c != 0 || partial) { // a zero IPv6 UDP checksum (RFC 6935) stays zero: "no checksum" in IPv4
                    c = updateChecksum(c, Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo),
                            Checksum.sumIpv4(src) + Checksum.sumIpv4(dst));
                    buf.setShort(l4 + 6, c == 0 && !partial ? 0xffff : c);
                }
                return null;
            }
            case PROTO_ICMPV6:
                if (fragmented) {
                    return ICMP_FRAGMENTED_64;
                }
                return icmp64(buf, l4, length, srcHi, srcLo, dstHi, dstLo);
            case PROTO_ICMP:
                return ICMP_WRONG_VERSION_64; // would reach IPv4 as an ICMPv4 message nobody validated
            default:
                return null;
        }
    }

    /**
     * RFC 7915 §5.2: Echo Request and Echo Reply (types 128 and 129) become types 8 and 0 "and the ICMP
     * checksum MUST be recomputed (removing the pseudo-header)". MLD, Neighbor Discovery and unknown
     * informational types are "single-hop" or untranslatable and are silently dropped.
     */
    private DropReason icmp64(ByteBuf buf, int l4, int length, long srcHi, long srcLo, long dstHi, long dstLo) {
        if (length < 8) {
            return TOO_SHORT_L4_64;
        }
        int newType = echoType64(buf.getUnsignedByte(l4));
        if (newType < 0) {
            return ICMP_UNTRANSLATABLE_64;
        }
        rewriteEcho(buf, l4, newType, Ipv6Header.pseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, length, PROTO_ICMPV6), false);
        return null;
    }

    /** RFC 7915 §5.4: a dropped IPv6 packet gets ICMPv6 1/1 back, except for {@link DropReason#silent} drops. */
    private void reject64(DropReason why, ByteBuf buf, int off, int total) {
        if (!why.silent()) {
            icmp6Error(buf, off, total, 1, 1, 0);
        }
        drop(why, buf, off, total);
    }

    /** Packets for the translator's own IPv6 address: it answers Echo Requests, as TAYGA does. */
    private void local6(ByteBuf buf, int off, int total, long srcHi, long srcLo, long dstHi, long dstLo) {
        int l4 = off + Ipv6Header.LENGTH;
        int length = total - Ipv6Header.LENGTH;
        if (ip6.nextHeader() != PROTO_ICMPV6 || length < 8 || buf.getUnsignedByte(l4) != 128) {
            drop(TO_SELF_64, buf, off, total);
            return;
        }
        // Echo Reply (RFC 4443 §4.2). Swapping the addresses keeps the pseudo-header sum.
        int code = buf.getUnsignedByte(l4 + 1);
        int c = buf.getUnsignedShort(l4 + 2);
        buf.setByte(l4, 129);
        buf.setShort(l4 + 2, Checksum.update(c, (128 << 8) | code, (129 << 8) | code));
        ip6.write(0, length, PROTO_ICMPV6, DEFAULT_TTL, dstHi, dstLo, srcHi, srcLo);
        counters.increment(XlatCounters.ECHO_REPLIES_SENT);
        emit(buf, off, total);
    }

    // ---------------------------------------------------------------- errors the translator sends

    /**
     * Sends an ICMPv4 error about the IPv4 packet at {@code buf[off, off+total)} to its source, from the
     * translator's own IPv4 address (RFC 1812 §4.3.2.4), quoting as much of it as fits in 576 bytes.
     * Not sent about ICMP errors, non-first fragments, or non-unicast sources (RFC 1812 §4.3.2.7), nor
     * beyond the rate limit (RFC 4443 §2.4(f) in spirit).
     */
    private void icmp4Error(ByteBuf buf, int off, int total, int type, int code, int rest) {
        completePartial(buf, off); // the quote carries the checksum the sender meant
        Ipv4Header h = ip4.wrap(buf, off);
        int src = h.source();
        int ihl = h.headerLength();
        int dst = h.destination();
        if ((h.flagsAndOffset() & Ipv4Header.OFFSET_MASK) != 0 || !isUnicast4(src) || dst >>> 28 == 0xe || dst == -1) {
            return; // RFC 1812 §4.3.2.7: not about non-first fragments, non-unicast sources, multicast or broadcast
        }
        if (h.protocol() == PROTO_ICMP && total >= ihl + 1 && isIcmp4Error(buf.getUnsignedByte(off + ihl))) {
            return;
        }
        if (!takeIcmpToken()) {
            return;
        }
        int quote = Math.min(total, ICMP4_ERROR_MAX - Ipv4Header.MIN_LENGTH - 8);
        int start = HEADROOM;
        int icmp = start + Ipv4Header.MIN_LENGTH;
        ByteBuf e = errorBuf;
        e.setByte(icmp, type);
        e.setByte(icmp + 1, code);
        e.setShort(icmp + 2, 0);
        e.setInt(icmp + 4, rest);
        e.setBytes(icmp + 8, buf, off, quote);
        e.setShort(icmp + 2, Checksum.finish(Checksum.add(e, icmp, 8 + quote, 0)));
        int length = Ipv4Header.MIN_LENGTH + 8 + quote;
        err4.wrap(e, start).write(0, length, nextIdentification(), 0, DEFAULT_TTL, PROTO_ICMP, snap.ownIpv4, src);
        counters.icmpErrorSent(4, type, code);
        if (log.enabled() && (snap.logIcmp || snap.logReject)) {
            log.icmpSent(4, type, code, buf, off, total);
        }
        emit(e, start, length);
    }

    /**
     * Sends an ICMPv6 error about the IPv6 packet at {@code buf[off, off+total)} to its source, from the
     * translator's own IPv6 address, quoting as much as fits in 1280 bytes (RFC 4443 §2.4(c)). Not sent
     * about ICMPv6 errors (§2.4(e.1)), to non-unicast sources, or beyond the rate limit (§2.4(f)).
     */
    private void icmp6Error(ByteBuf buf, int off, int total, int type, int code, int parameter) {
        completePartial(buf, off); // the quote carries the checksum the sender meant
        if ((snap.ownIpv6Hi | snap.ownIpv6Lo) == 0) {
            return; // no ipv6-addr to send it from (an NPTv6-only translator without one)
        }
        Ipv6Header h = ip6.wrap(buf, off);
        long srcHi = h.sourceHi();
        long srcLo = h.sourceLo();
        if (!isUnicast6(srcHi, srcLo) || (h.destinationHi() >>> 56) == 0xff || quotesIcmp6Error(buf, off, total)) {
            return; // RFC 4443 §2.4(e): not about errors, nor packets to multicast (e.3) or from non-unicast sources
        }
        if (!takeIcmpToken()) {
            return;
        }
        int quote = Math.min(total, ICMP6_ERROR_MAX - Ipv6Header.LENGTH - 8);
        int start = HEADROOM;
        int icmp = start + Ipv6Header.LENGTH;
        ByteBuf e = errorBuf;
        int length = 8 + quote;
        e.setByte(icmp, type);
        e.setByte(icmp + 1, code);
        e.setShort(icmp + 2, 0);
        e.setInt(icmp + 4, parameter);
        e.setBytes(icmp + 8, buf, off, quote);
        int sum = Ipv6Header.pseudoHeaderSum(snap.ownIpv6Hi, snap.ownIpv6Lo, srcHi, srcLo, length, PROTO_ICMPV6);
        e.setShort(icmp + 2, Checksum.finish(Checksum.add(e, icmp, length, Checksum.fold(sum))));
        err6.wrap(e, start).write(0, length, PROTO_ICMPV6, DEFAULT_TTL, snap.ownIpv6Hi, snap.ownIpv6Lo, srcHi, srcLo);
        counters.icmpErrorSent(6, type, code);
        if (log.enabled() && (snap.logIcmp || snap.logReject)) {
            log.icmpSent(6, type, code, buf, off, total);
        }
        emit(e, start, Ipv6Header.LENGTH + length);
    }

    /** RFC 4443 §2.4(e): true if the packet is itself an ICMPv6 error (directly after the IPv6 header). */
    private static boolean quotesIcmp6Error(ByteBuf buf, int off, int total) {
        int nh = buf.getUnsignedByte(off + 6);
        int p = off + Ipv6Header.LENGTH;
        int end = off + total;
        while ((nh == 0 || nh == 60 || nh == 43) && p + 8 <= end) {
            nh = buf.getUnsignedByte(p);
            p += (buf.getUnsignedByte(p + 1) + 1) << 3;
        }
        return nh == PROTO_ICMPV6 && p < end && buf.getUnsignedByte(p) < 128;
    }

    private static boolean isIcmp4Error(int type) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    private static boolean isUnicast4(int a) {
        int o1 = a >>> 24;
        return o1 != 0 && o1 != 127 && o1 < 224;
    }

    private static boolean isUnicast6(long hi, long lo) {
        return (hi >>> 56) != 0xff && !(hi == 0 && (lo == 0 || lo == 1));
    }

    /** Token bucket: {@code icmpErrorsPerSecond} tokens per second, as many in a burst. */
    private boolean takeIcmpToken() {
        if (icmpErrors.take(snap.icmpErrorsPerSecond)) {
            return true;
        }
        counters.increment(XlatCounters.ICMP_ERRORS_RATE_LIMITED);
        return false;
    }

    private int nextIdentification() {
        return identification.next();
    }

    /**
     * Takes {@code count} consecutive IPv4 Identifications from the ones this translator hands out (RFC 7915
     * §5.1: "set according to a Fragment Identification generation algorithm at the translator"); the first.
     * For datagrams written as one UDP super-packet, which the kernel numbers first, first + 1, ...
     */
    public int reserveIdentifications(int count) {
        return identification.reserve(count);
    }

    private void drop(DropReason reason, ByteBuf buf, int offset, int length) {
        counters.drop(reason);
        if (log.enabled() && snap != null && (snap.logDrop || (snap.logSelf && (reason == TO_SELF_46 || reason == TO_SELF_64)))) {
            log.dropped(reason, buf, offset, length);
        }
    }
}
