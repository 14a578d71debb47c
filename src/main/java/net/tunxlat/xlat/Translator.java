package net.tunxlat.xlat;

import static net.tunxlat.xlat.DropReason.*;

import io.netty.buffer.ByteBuf;
import java.util.function.LongSupplier;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.mapping.Rfc6052;
import net.tunxlat.mapping.StaticMap;

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

    private XlatSnapshot snap;
    /** Result of {@link #map4to6}. */
    private long mappedHi;
    private long mappedLo;
    /** Result of {@link #map6to4}. */
    private int mapped4;
    /** IPv4 Identification for unfragmented 6→4 packets of at most 1260 bytes. */
    private int nextIdentification;
    private long icmpTokens;
    private long icmpRefillAt;

    /**
     * @param errorBuf  scratch buffer of at least {@code HEADROOM + 1280} bytes, owned by this translator
     * @param nanoClock {@link System#nanoTime} or a test clock (ICMP rate limiting)
     */
    public Translator(XlatCounters counters, PacketSink sink, ByteBuf errorBuf, LongSupplier nanoClock, PacketLog log) {
        if (errorBuf.capacity() < HEADROOM + ICMP6_ERROR_MAX) {
            throw new IllegalArgumentException("error buffer too small");
        }
        this.counters = counters;
        this.sink = sink;
        this.errorBuf = errorBuf;
        this.nanoClock = nanoClock;
        this.log = log;
        this.nextIdentification = (int) (nanoClock.getAsLong() & 0xffff);
        this.icmpRefillAt = nanoClock.getAsLong();
        this.icmpTokens = -1; // filled to the burst size on first use
    }

    public XlatCounters counters() {
        return counters;
    }

    /** Translates the packet at {@code buf[offset, offset + length)}; {@code offset >= HEADROOM}. */
    public void translate(XlatSnapshot snapshot, ByteBuf buf, int offset, int length) {
        this.snap = snapshot;
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

    // ---------------------------------------------------------------- IPv4 -> IPv6 (RFC 7915 §4)

    private void translate46(ByteBuf buf, int off, int len) {
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
        DropReason why = map4to6(dst, DST_UNMAPPABLE_46, WKPF_NON_GLOBAL_46);
        if (why != null) {
            reject46(why, buf, off, total);
            return;
        }
        long dstHi = mappedHi;
        long dstLo = mappedLo;
        why = map4to6(src, SRC_UNMAPPABLE_46, WKPF_NON_GLOBAL_46);
        if (why != null) {
            reject46(why, buf, off, total);
            return;
        }
        long srcHi = mappedHi;
        long srcLo = mappedLo;

        int nextHeader = proto == PROTO_ICMP ? PROTO_ICMPV6 : proto;
        if (fragOffset == 0) {
            // RFC 7915 §4.5: transport checksums include the pseudo-header, which changed; only the
            // first fragment carries the transport header.
            if (!transport46(buf, l4, payloadLength, proto, fragmented, src, dst, srcHi, srcLo, dstHi, dstLo)) {
                return;
            }
        }
        int tos = h.typeOfService();
        int identification = h.identification();
        // RFC 7915 §4.1 (and RFC 8021): a Fragment Header only when the IPv4 packet is a fragment.
        int ipv6HeaderLength = fragmented ? Ipv6Header.LENGTH + 8 : Ipv6Header.LENGTH;
        int start = l4 - ipv6HeaderLength;
        // RFC 7915 §4.1: Traffic Class = TOS, Flow Label 0, Payload Length = Total Length - IHL (+8 with a
        // Fragment Header), Next Header = Protocol (1 → 58), Hop Limit = TTL - 1.
        ip6.wrap(buf, start).write(tos, payloadLength + (fragmented ? 8 : 0),
                fragmented ? Ipv6Header.NEXT_HEADER_FRAGMENT : nextHeader, ttl - 1, srcHi, srcLo, dstHi, dstLo);
        if (fragmented) {
            // RFC 7915 §4.1 Fragment Header: Next Header = Protocol, Fragment Offset and M copied,
            // Identification = the IPv4 Identification in the low-order 16 bits.
            int fh = start + Ipv6Header.LENGTH;
            buf.setByte(fh, nextHeader);
            buf.setByte(fh + 1, 0);
            buf.setShort(fh + 2, (fragOffset << 3) | (moreFragments ? 1 : 0));
            buf.setInt(fh + 4, identification);
            counters.increment(XlatCounters.FRAGMENTS_46);
        }
        int outLength = ipv6HeaderLength + payloadLength;
        counters.translated(XlatCounters.DIR_46, proto, outLength);
        sink.emit(buf, start, outLength);
    }

    /** RFC 7915 §4.5 and §4.2: updates the transport checksum (and ICMP type); false if dropped. */
    private boolean transport46(ByteBuf buf, int l4, int length, int proto, boolean fragmented,
            int src, int dst, long srcHi, long srcLo, long dstHi, long dstLo) {
        switch (proto) {
            case PROTO_TCP: {
                if (length < 18) {
                    drop(TOO_SHORT_L4_46, buf, l4, length);
                    return false;
                }
                int c = buf.getUnsignedShort(l4 + 16);
                buf.setShort(l4 + 16, Checksum.update(c, Checksum.sumIpv4(src) + Checksum.sumIpv4(dst),
                        Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo)));
                return true;
            }
            case PROTO_UDP: {
                if (length < 8) {
                    drop(TOO_SHORT_L4_46, buf, l4, length);
                    return false;
                }
                int c = buf.getUnsignedShort(l4 + 6);
                if (c == 0) {
                    return udpZeroChecksum46(buf, l4, length, fragmented, srcHi, srcLo, dstHi, dstLo);
                }
                c = Checksum.update(c, Checksum.sumIpv4(src) + Checksum.sumIpv4(dst),
                        Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo));
                buf.setShort(l4 + 6, c == 0 ? 0xffff : c); // RFC 768: a computed zero is sent as all ones
                return true;
            }
            case PROTO_ICMP:
                if (fragmented) {
                    drop(ICMP_FRAGMENTED_46, buf, l4, length);
                    return false;
                }
                return icmp46(buf, l4, length, srcHi, srcLo, dstHi, dstLo);
            default:
                // RFC 7915 §4.5: "other transport protocols ... MUST be forwarded" unchanged.
                return true;
        }
    }

    /**
     * RFC 7915 §4.5: "a stateless translator cannot compute the UDP checksum of fragmented packets, so
     * when a stateless translator receives the first fragment of a fragmented UDP IPv4 packet and the
     * checksum field is zero, the translator SHOULD drop the packet"; unfragmented ones are dropped
     * or get a computed checksum as configured ({@code udp-cksum-mode}).
     */
    private boolean udpZeroChecksum46(ByteBuf buf, int l4, int length, boolean fragmented,
            long srcHi, long srcLo, long dstHi, long dstLo) {
        switch (snap.udpCksumMode) {
            case FWD:
                return true;
            case CALC:
                if (fragmented) {
                    drop(UDP_ZERO_CHECKSUM_FRAGMENT_46, buf, l4, length);
                    return false;
                }
                int sum = Ipv6Header.pseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, length, PROTO_UDP);
                int c = Checksum.finish(Checksum.add(buf, l4, length, Checksum.fold(sum)));
                buf.setShort(l4 + 6, c == 0 ? 0xffff : c);
                return true;
            case DROP:
            default:
                drop(fragmented ? UDP_ZERO_CHECKSUM_FRAGMENT_46 : UDP_ZERO_CHECKSUM_46, buf, l4, length);
                return false;
        }
    }

    /**
     * RFC 7915 §4.2: ICMPv4 query messages: Echo Request and Echo Reply (types 8 and 0) become types 128
     * and 129 "and the ICMPv6 checksum MUST be recomputed (to include the pseudo-header)". Everything
     * else that the RFC says to drop is dropped (errors with inner packets are not translated yet).
     */
    private boolean icmp46(ByteBuf buf, int l4, int length, long srcHi, long srcLo, long dstHi, long dstLo) {
        if (length < 8) {
            drop(TOO_SHORT_L4_46, buf, l4, length);
            return false;
        }
        int type = buf.getUnsignedByte(l4);
        int code = buf.getUnsignedByte(l4 + 1);
        int newType;
        switch (type) {
            case 8:
                newType = 128;
                break;
            case 0:
                newType = 129;
                break;
            case 3:
            case 11:
            case 12:
                drop(ICMP_ERROR_INNER_46, buf, l4, length);
                return false;
            default:
                drop(ICMP_UNTRANSLATABLE_46, buf, l4, length);
                return false;
        }
        int c = buf.getUnsignedShort(l4 + 2);
        int pseudo = Ipv6Header.pseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, length, PROTO_ICMPV6);
        c = Checksum.update(c, (type << 8) | code, Checksum.fold(pseudo) + ((newType << 8) | code));
        buf.setByte(l4, newType);
        buf.setShort(l4 + 2, c);
        return true;
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

    /**
     * Maps an IPv4 address to IPv6 into {@link #mappedHi}/{@link #mappedLo}: the static map first
     * (RFC 7757 §3.2, longest match), then the RFC 6052 prefix. Null on success, else why not.
     */
    private DropReason map4to6(int a, DropReason unmappable, DropReason wkpf) {
        StaticMap m = snap.staticMap;
        int i = m.lookup4(a);
        if (i >= 0) {
            mappedHi = m.translate4to6Hi(i, a);
            mappedLo = m.translate4to6Lo(i, a);
            return null;
        }
        Rfc6052 p = snap.rfc6052;
        if (p == null) {
            return unmappable;
        }
        if (p.isWellKnown() && snap.wkpfStrict && Rfc6052.isNonGlobalIpv4(a)) {
            return wkpf; // RFC 6052 §3.1: MUST NOT translate, MUST drop
        }
        mappedHi = p.embedHi(a);
        mappedLo = p.embedLo(a);
        return null;
    }

    /** RFC 7915 §4.4: a dropped IPv4 packet gets ICMPv4 3/13 back, except for RFC 6052 §3.1 drops (silent). */
    private void reject46(DropReason why, ByteBuf buf, int off, int total) {
        if (why != WKPF_NON_GLOBAL_46) {
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
        sink.emit(buf, start, Ipv4Header.MIN_LENGTH + length);
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
        if (dstHi == snap.ownIpv6Hi && dstLo == snap.ownIpv6Lo) {
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
                        // RFC 7915 §5.1: an extension header after the Fragment Header "SHOULD be dropped".
                        drop(EXT_HEADER_AFTER_FRAGMENT_64, buf, off, total6);
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
                        drop(EXT_HEADER_AFTER_FRAGMENT_64, buf, off, total6);
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
        DropReason why = map6to4(dstHi, dstLo, DST_UNMAPPABLE_64, WKPF_NON_GLOBAL_64);
        if (why != null) {
            reject64(why, buf, off, total6);
            return;
        }
        int dst = mapped4;
        why = map6to4(srcHi, srcLo, SRC_UNMAPPABLE_64, WKPF_NON_GLOBAL_64);
        if (why != null) {
            reject64(why, buf, off, total6);
            return;
        }
        int src = mapped4;

        if (fragOffset == 0) {
            if (!transport64(buf, l4, upperLength, nh, fragmented, src, dst, srcHi, srcLo, dstHi, dstLo)) {
                return;
            }
        }
        int trafficClass = h.trafficClass();
        int totalLength = Ipv4Header.MIN_LENGTH + upperLength;
        int identification;
        int flags;
        if (fragment) {
            // RFC 7915 §5.1.1: Identification = low-order 16 bits of the Fragment Header's; MF and
            // Fragment Offset copied; DF clear.
            identification = fragIdentification & 0xffff;
            flags = (moreFragments ? Ipv4Header.FLAG_MF : 0) | fragOffset;
            counters.increment(XlatCounters.FRAGMENTS_64);
        } else if (totalLength <= DF_THRESHOLD) {
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
        sink.emit(buf, start, totalLength);
    }

    /** RFC 7915 §5.5 and §5.2: transport checksums for the new pseudo-header; false if dropped. */
    private boolean transport64(ByteBuf buf, int l4, int length, int nh, boolean fragmented,
            int src, int dst, long srcHi, long srcLo, long dstHi, long dstLo) {
        switch (nh) {
            case PROTO_TCP: {
                if (length < 18) {
                    drop(TOO_SHORT_L4_64, buf, l4, length);
                    return false;
                }
                int c = buf.getUnsignedShort(l4 + 16);
                buf.setShort(l4 + 16, Checksum.update(c, Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo),
                        Checksum.sumIpv4(src) + Checksum.sumIpv4(dst)));
                return true;
            }
            case PROTO_UDP: {
                if (length < 8) {
                    drop(TOO_SHORT_L4_64, buf, l4, length);
                    return false;
                }
                int c = buf.getUnsignedShort(l4 + 6);
                if (c != 0) { // a zero IPv6 UDP checksum (RFC 6935) stays zero: "no checksum" in IPv4
                    c = Checksum.update(c, Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo),
                            Checksum.sumIpv4(src) + Checksum.sumIpv4(dst));
                    buf.setShort(l4 + 6, c == 0 ? 0xffff : c);
                }
                return true;
            }
            case PROTO_ICMPV6:
                if (fragmented) {
                    drop(ICMP_FRAGMENTED_64, buf, l4, length);
                    return false;
                }
                return icmp64(buf, l4, length, srcHi, srcLo, dstHi, dstLo);
            default:
                return true;
        }
    }

    /**
     * RFC 7915 §5.2: Echo Request and Echo Reply (types 128 and 129) become types 8 and 0 "and the ICMP
     * checksum MUST be recomputed (removing the pseudo-header)". MLD, Neighbor Discovery and unknown
     * informational types are "single-hop" or untranslatable and are silently dropped.
     */
    private boolean icmp64(ByteBuf buf, int l4, int length, long srcHi, long srcLo, long dstHi, long dstLo) {
        if (length < 8) {
            drop(TOO_SHORT_L4_64, buf, l4, length);
            return false;
        }
        int type = buf.getUnsignedByte(l4);
        int code = buf.getUnsignedByte(l4 + 1);
        int newType;
        switch (type) {
            case 128:
                newType = 8;
                break;
            case 129:
                newType = 0;
                break;
            case 1:
            case 2:
            case 3:
            case 4:
                drop(ICMP_ERROR_INNER_64, buf, l4, length);
                return false;
            default:
                drop(ICMP_UNTRANSLATABLE_64, buf, l4, length);
                return false;
        }
        int c = buf.getUnsignedShort(l4 + 2);
        int pseudo = Ipv6Header.pseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, length, PROTO_ICMPV6);
        c = Checksum.update(c, Checksum.fold(pseudo) + ((type << 8) | code), (newType << 8) | code);
        buf.setByte(l4, newType);
        buf.setShort(l4 + 2, c);
        return true;
    }

    /**
     * Maps an IPv6 address to IPv4 into {@link #mapped4}: the static map first (RFC 7757 §3.2, longest
     * match), then the RFC 6052 prefix (§2.3). Null on success, else why not.
     */
    private DropReason map6to4(long hi, long lo, DropReason unmappable, DropReason wkpf) {
        StaticMap m = snap.staticMap;
        int i = m.lookup6(hi, lo);
        if (i >= 0) {
            mapped4 = m.translate6to4(i, hi, lo);
            return null;
        }
        Rfc6052 p = snap.rfc6052;
        if (p == null || !p.matches(hi, lo)) {
            return unmappable;
        }
        int a = p.extract(hi, lo);
        if (p.isWellKnown() && snap.wkpfStrict && Rfc6052.isNonGlobalIpv4(a)) {
            return wkpf; // RFC 6052 §3.1
        }
        mapped4 = a;
        return null;
    }

    /** RFC 7915 §5.4: a dropped IPv6 packet gets ICMPv6 1/1 back, except for RFC 6052 §3.1 drops (silent). */
    private void reject64(DropReason why, ByteBuf buf, int off, int total) {
        if (why != WKPF_NON_GLOBAL_64) {
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
        sink.emit(buf, off, total);
    }

    // ---------------------------------------------------------------- errors the translator sends

    /**
     * Sends an ICMPv4 error about the IPv4 packet at {@code buf[off, off+total)} to its source, from the
     * translator's own IPv4 address (RFC 1812 §4.3.2.4), quoting as much of it as fits in 576 bytes.
     * Not sent about ICMP errors, non-first fragments, or non-unicast sources (RFC 1812 §4.3.2.7), nor
     * beyond the rate limit (RFC 4443 §2.4(f) in spirit).
     */
    private void icmp4Error(ByteBuf buf, int off, int total, int type, int code, int rest) {
        Ipv4Header h = ip4.wrap(buf, off);
        int src = h.source();
        int ihl = h.headerLength();
        if ((h.flagsAndOffset() & Ipv4Header.OFFSET_MASK) != 0 || !isUnicast4(src)) {
            return;
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
        sink.emit(e, start, length);
    }

    /**
     * Sends an ICMPv6 error about the IPv6 packet at {@code buf[off, off+total)} to its source, from the
     * translator's own IPv6 address, quoting as much as fits in 1280 bytes (RFC 4443 §2.4(c)). Not sent
     * about ICMPv6 errors (§2.4(e.1)), to non-unicast sources, or beyond the rate limit (§2.4(f)).
     */
    private void icmp6Error(ByteBuf buf, int off, int total, int type, int code, int parameter) {
        Ipv6Header h = ip6.wrap(buf, off);
        long srcHi = h.sourceHi();
        long srcLo = h.sourceLo();
        if (!isUnicast6(srcHi, srcLo) || quotesIcmp6Error(buf, off, total)) {
            return;
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
        sink.emit(e, start, Ipv6Header.LENGTH + length);
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
        long now = nanoClock.getAsLong();
        int rate = snap.icmpErrorsPerSecond;
        if (icmpTokens < 0) {
            icmpTokens = rate;
        }
        if (now - icmpRefillAt >= 1_000_000_000L / Math.max(1, rate)) {
            long add = (now - icmpRefillAt) * rate / 1_000_000_000L;
            icmpTokens = Math.min(rate, icmpTokens + add);
            icmpRefillAt = now;
        }
        if (icmpTokens > 0) {
            icmpTokens--;
            return true;
        }
        counters.increment(XlatCounters.ICMP_ERRORS_RATE_LIMITED);
        return false;
    }

    private int nextIdentification() {
        int id = nextIdentification = (nextIdentification + 1) & 0xffff;
        return id;
    }

    private void drop(DropReason reason, ByteBuf buf, int offset, int length) {
        counters.drop(reason);
        if (log.enabled() && snap != null && (snap.logDrop || (snap.logSelf && (reason == TO_SELF_46 || reason == TO_SELF_64)))) {
            log.dropped(reason, buf, offset, length);
        }
    }
}
