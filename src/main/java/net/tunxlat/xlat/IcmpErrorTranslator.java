package net.tunxlat.xlat;

import static net.tunxlat.xlat.DropReason.*;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;

/**
 * ICMP error messages, translated with the packet inside them (RFC 7915 §4.2/§4.3 and §5.2/§5.3) and
 * RFC 4884 extensions. The result is built in the worker's scratch buffer (errors are rare and their
 * inner packet moves relative to the outer headers), at {@link #outStart} for {@link #outLength}
 * bytes. The inner packet is translated like an outer one except that its TTL / hop limit is kept,
 * it is never fragmented and never causes an error; an error inside an error is dropped (§4.3: "MUST
 * stop at the first embedded header").
 */
final class IcmpErrorTranslator {
    /** RFC 4884 §4: when extensions are present the original datagram field is at least 128 bytes. */
    static final int RFC4884_MIN_ORIGINAL_DATAGRAM = 128;
    /** RFC 1191 §7 plateau table, for Fragmentation Needed messages with an MTU of zero. */
    private static final int[] PLATEAUS = {65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};

    private final AddressMapper mapper;
    private final ByteBuf out;
    private final Ipv4Header v4 = new Ipv4Header();
    private final Ipv6Header v6 = new Ipv6Header();
    private XlatSnapshot snap;
    int outStart;
    int outLength;

    IcmpErrorTranslator(AddressMapper mapper, ByteBuf scratch) {
        this.mapper = mapper;
        this.out = scratch;
    }

    void use(XlatSnapshot snapshot) {
        this.snap = snapshot;
    }

    // ---------------------------------------------------------------- IPv4 -> IPv6

    /**
     * RFC 7915 §4.2 and §4.3: the ICMPv4 error at {@code buf[l4, l4 + icmpLength)}, whose outer header
     * has been validated and whose addresses are mapped to {@code src}/{@code dst}, becomes an ICMPv6
     * error. Returns null when {@link #outStart}/{@link #outLength} hold the result.
     */
    DropReason translate46(ByteBuf buf, int l4, int icmpLength, int tos, int hopLimit,
            long srcHi, long srcLo, long dstHi, long dstLo) {
        int end = l4 + icmpLength;
        if (icmpLength < 8 + Ipv4Header.MIN_LENGTH) {
            return ICMP_ERROR_INNER_46;
        }
        if (!Checksum.verifies(Checksum.add(buf, l4, icmpLength, 0))) {
            return ICMP_BAD_CHECKSUM_46;
        }
        int type = buf.getUnsignedByte(l4);
        int code = buf.getUnsignedByte(l4 + 1);
        int newType;
        int newCode;
        long parameter = 0;
        switch (type) {
            case 3: // Destination Unreachable (RFC 7915 §4.2)
                newType = 1;
                switch (code) {
                    case 0, 1, 5, 6, 7, 8, 11, 12 -> newCode = 0; // no route to destination
                    case 9, 10, 13, 15 -> newCode = 1; // communication administratively prohibited
                    case 3 -> newCode = 4; // port unreachable
                    case 2 -> { // protocol unreachable: Parameter Problem, pointer to Next Header
                        newType = 4;
                        newCode = 1;
                        parameter = 6;
                    }
                    case 4 -> { // fragmentation needed: Packet Too Big
                        newType = 2;
                        newCode = 0;
                    }
                    default -> {
                        return ICMP_UNTRANSLATABLE_46; // code 14 (precedence cutoff) and unknown codes
                    }
                }
                break;
            case 11: // Time Exceeded: type 3, code unchanged
                newType = 3;
                newCode = code;
                break;
            case 12: // Parameter Problem: codes 0 and 2 with the pointer mapped (Figure 3), else drop
                if (code != 0 && code != 2) {
                    return ICMP_UNTRANSLATABLE_46;
                }
                int pointer = pointer46(buf.getUnsignedByte(l4 + 4));
                if (pointer < 0) {
                    return ICMP_UNTRANSLATABLE_46;
                }
                newType = 4;
                newCode = 0;
                parameter = pointer;
                break;
            default:
                return ICMP_UNTRANSLATABLE_46; // Source Quench, Redirect, ...: RFC 7915 §4.2 "silently drop"
        }

        // The inner packet (§4.3) and, with a non-zero RFC 4884 length, the extension after it.
        int ip = l4 + 8;
        if ((buf.getUnsignedByte(ip) >>> 4) != 4) {
            return ICMP_ERROR_INNER_46;
        }
        int ihl = (buf.getUnsignedByte(ip) & 0x0f) << 2;
        if (ihl < Ipv4Header.MIN_LENGTH || ip + ihl > end) {
            return ICMP_ERROR_INNER_46;
        }
        int originalLength = end - ip;
        int extensionStart = end;
        int rfc4884Words = buf.getUnsignedByte(l4 + 5);
        if (rfc4884Words != 0 && 8 + rfc4884Words * 4 <= icmpLength) {
            originalLength = rfc4884Words * 4;
            extensionStart = ip + originalLength;
        }
        int extensionLength = end - extensionStart;
        int innerTotal = buf.getUnsignedShort(ip + 2);
        int innerAvailable = innerTotal >= ihl ? Math.min(originalLength, innerTotal) : originalLength;
        if (innerAvailable < ihl) {
            return ICMP_ERROR_INNER_46; // not even the inner header is quoted
        }
        int innerSrc = buf.getInt(ip + 12);
        int innerDst = buf.getInt(ip + 16);
        if (mapper.map4to6(innerSrc, ICMP_ERROR_INNER_46, ICMP_ERROR_INNER_46) != null) {
            return ICMP_ERROR_INNER_46;
        }
        long innerSrcHi = mapper.hi;
        long innerSrcLo = mapper.lo;
        if (innerSrcHi != dstHi || innerSrcLo != dstLo) {
            // RFC 792 / RFC 1812 §4.3.2.3: an error goes to the source of the datagram it quotes. One that
            // does not was forged (or misrouted): its destination never sent that packet.
            return ICMP_ERROR_MISMATCH_46;
        }
        if (mapper.map4to6(innerDst, ICMP_ERROR_INNER_46, ICMP_ERROR_INNER_46) != null) {
            return ICMP_ERROR_INNER_46;
        }
        long innerDstHi = mapper.hi;
        long innerDstLo = mapper.lo;
        int innerFlags = buf.getUnsignedShort(ip + 6);
        int innerOffset = innerFlags & Ipv4Header.OFFSET_MASK;
        boolean innerMore = (innerFlags & Ipv4Header.FLAG_MF) != 0;
        boolean innerFragment = innerMore || innerOffset != 0;
        int innerProto = buf.getUnsignedByte(ip + 9);
        int innerHeader6 = innerFragment ? Ipv6Header.LENGTH + 8 : Ipv6Header.LENGTH;
        int innerPayloadAvailable = innerAvailable - ihl;
        int translatedInner = innerHeader6 + innerPayloadAvailable;

        if (newType == 2) {
            parameter = packetTooBigMtu(buf.getUnsignedShort(l4 + 6), innerTotal);
        }

        // Sizes (RFC 4443 §2.4(c): at most 1280 bytes; RFC 4884 §4: extension kept when it fits).
        int maxBody = Translator.ICMP6_ERROR_MAX - Ipv6Header.LENGTH - 8;
        boolean withExtension = extensionLength > 0 && (newType == 1 || newType == 3)
                && RFC4884_MIN_ORIGINAL_DATAGRAM + extensionLength <= maxBody;
        int originalOut;
        int body;
        if (withExtension) {
            originalOut = Math.max(RFC4884_MIN_ORIGINAL_DATAGRAM, Math.min(translatedInner, maxBody - extensionLength) & ~7);
            body = originalOut + extensionLength;
        } else {
            originalOut = Math.min(translatedInner, maxBody);
            body = originalOut;
        }
        int innerCopy = Math.max(0, Math.min(translatedInner, originalOut) - innerHeader6);

        // Inner transport header (only in the first fragment): checksums for the new pseudo-header.
        int s = Translator.HEADROOM;
        int icmp = s + Ipv6Header.LENGTH;
        int inner = icmp + 8;
        int innerL4 = inner + innerHeader6;
        out.setBytes(innerL4, buf, ip + ihl, innerCopy);
        int innerNextHeader = innerProto == 1 ? Ipv6Header.NEXT_HEADER_ICMPV6 : innerProto;
        if (innerOffset == 0) {
            int oldSum = Checksum.sumIpv4(innerSrc) + Checksum.sumIpv4(innerDst);
            int newSum = Checksum.sumIpv6(innerSrcHi, innerSrcLo) + Checksum.sumIpv6(innerDstHi, innerDstLo);
            if (innerProto == 6 && innerCopy >= 18) {
                out.setShort(innerL4 + 16, Checksum.update(out.getUnsignedShort(innerL4 + 16), oldSum, newSum));
            } else if (innerProto == 17 && innerCopy >= 8 && out.getUnsignedShort(innerL4 + 6) != 0) {
                int c = Checksum.update(out.getUnsignedShort(innerL4 + 6), oldSum, newSum);
                out.setShort(innerL4 + 6, c == 0 ? 0xffff : c);
            } else if (innerProto == 1 && innerCopy >= 4) {
                int nt = Translator.echoType46(out.getUnsignedByte(innerL4));
                if (nt < 0) {
                    return ICMP_ERROR_INNER_46; // an error (or anything but echo) inside an error
                }
                Translator.rewriteEcho(out, innerL4, nt, Ipv6Header.pseudoHeaderSum(innerSrcHi, innerSrcLo, innerDstHi,
                        innerDstLo, innerTotal - ihl, Ipv6Header.NEXT_HEADER_ICMPV6), true);
            }
        }
        // RFC 7915 §4.3: the inner header is translated like the outer one, but the hop limit is kept.
        v6.wrap(out, inner).write(buf.getUnsignedByte(ip + 1), innerTotal - ihl + (innerFragment ? 8 : 0),
                innerFragment ? Ipv6Header.NEXT_HEADER_FRAGMENT : innerNextHeader, buf.getUnsignedByte(ip + 8),
                innerSrcHi, innerSrcLo, innerDstHi, innerDstLo);
        if (innerFragment) {
            int fh = inner + Ipv6Header.LENGTH;
            out.setByte(fh, innerNextHeader);
            out.setByte(fh + 1, 0);
            out.setShort(fh + 2, (innerOffset << 3) | (innerMore ? 1 : 0));
            out.setInt(fh + 4, buf.getUnsignedShort(ip + 4));
        }
        int written = innerHeader6 + innerCopy;
        if (originalOut > written) {
            out.setZero(inner + written, originalOut - written); // RFC 4884 §4: zero padding
        }
        if (withExtension) {
            out.setBytes(inner + originalOut, buf, extensionStart, extensionLength);
        }
        int icmpLength6 = 8 + body;
        out.setByte(icmp, newType);
        out.setByte(icmp + 1, newCode);
        out.setShort(icmp + 2, 0);
        if (newType == 1 || newType == 3) {
            // RFC 4884 §4.1 / RFC 7915 §4.2: the length attribute counts 64-bit words in ICMPv6.
            out.setInt(icmp + 4, withExtension ? (originalOut / 8) << 24 : 0);
        } else {
            out.setInt(icmp + 4, (int) parameter);
        }
        v6.wrap(out, s).write(tos, icmpLength6, Ipv6Header.NEXT_HEADER_ICMPV6, hopLimit, srcHi, srcLo, dstHi, dstLo);
        int sum = Ipv6Header.pseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, icmpLength6, Ipv6Header.NEXT_HEADER_ICMPV6);
        out.setShort(icmp + 2, Checksum.finish(Checksum.add(out, icmp, icmpLength6, Checksum.fold(sum))));
        outStart = s;
        outLength = Ipv6Header.LENGTH + icmpLength6;
        return null;
    }

    /** RFC 7915 §4.2 Figure 3: IPv4 Parameter Problem pointer to IPv6, or -1 ("n/a": drop). */
    static int pointer46(int p) {
        if (p == 0 || p == 1) {
            return p;
        }
        if (p == 2 || p == 3) {
            return 4; // Total Length -> Payload Length
        }
        if (p == 8) {
            return 7; // TTL -> Hop Limit
        }
        if (p == 9) {
            return 6; // Protocol -> Next Header
        }
        if (p >= 12 && p <= 15) {
            return 8; // Source Address
        }
        if (p >= 16 && p <= 19) {
            return 24; // Destination Address
        }
        return -1;
    }

    /**
     * RFC 7915 §4.2: the Packet Too Big MTU is {@code min(advertised MTU + 20, MTU of the IPv6 next hop,
     * MTU of the IPv4 next hop + 20)}; an advertised MTU of zero is replaced by the RFC 1191 plateau
     * below the quoted Total Length; the result is never below 1280 (§5 and RFC 8200 §5).
     */
    int packetTooBigMtu(int mtu4, int quotedTotalLength) {
        if (mtu4 == 0) {
            mtu4 = 68;
            for (int p : PLATEAUS) {
                if (p < quotedTotalLength) {
                    mtu4 = p;
                    break;
                }
            }
        }
        int mtu6 = mtu4 + 20;
        if (snap.ipv6NextHopMtu() > 0) {
            mtu6 = Math.min(mtu6, snap.ipv6NextHopMtu());
        }
        if (snap.ipv4NextHopMtu() > 0) {
            mtu6 = Math.min(mtu6, snap.ipv4NextHopMtu() + 20);
        }
        return Math.max(Translator.IPV6_MIN_MTU, mtu6);
    }

    // ---------------------------------------------------------------- IPv6 -> IPv4

    /**
     * RFC 7915 §5.2 and §5.3: the ICMPv6 error at {@code buf[l4, l4 + icmpLength)} becomes an ICMPv4
     * error from {@code src} to {@code dst}. {@code outerSrcHi/Lo}/{@code outerDstHi/Lo} are the outer
     * IPv6 addresses (for the checksum check). {@code identification} is the outer Fragment header's
     * low 16 bits, or -1 when there is none. Returns null when the result is in the scratch buffer.
     */
    DropReason translate64(ByteBuf buf, int l4, int icmpLength, int trafficClass, int ttl, int identification,
            long outerSrcHi, long outerSrcLo, long outerDstHi, long outerDstLo, int src, int dst, int nextIdentification) {
        int end = l4 + icmpLength;
        if (icmpLength < 8 + Ipv6Header.LENGTH) {
            return ICMP_ERROR_INNER_64;
        }
        int check = Ipv6Header.pseudoHeaderSum(outerSrcHi, outerSrcLo, outerDstHi, outerDstLo, icmpLength,
                Ipv6Header.NEXT_HEADER_ICMPV6);
        if (!Checksum.verifies(Checksum.add(buf, l4, icmpLength, Checksum.fold(check)))) {
            return ICMP_BAD_CHECKSUM_64;
        }
        int type = buf.getUnsignedByte(l4);
        int code = buf.getUnsignedByte(l4 + 1);
        int newType;
        int newCode;
        int parameter = 0;
        switch (type) {
            case 1: // Destination Unreachable (RFC 7915 §5.2)
                newType = 3;
                switch (code) {
                    case 0, 2, 3 -> newCode = 1; // host unreachable
                    case 1 -> newCode = 10; // communication with destination host administratively prohibited
                    case 4 -> newCode = 3; // port unreachable
                    default -> {
                        return ICMP_UNTRANSLATABLE_64;
                    }
                }
                break;
            case 2: { // Packet Too Big: Fragmentation Needed, MTU adjusted
                newType = 3;
                newCode = 4;
                long mtu = buf.getUnsignedInt(l4 + 4) - 20;
                if (snap.ipv4NextHopMtu() > 0) {
                    mtu = Math.min(mtu, snap.ipv4NextHopMtu());
                }
                if (snap.ipv6NextHopMtu() > 0) {
                    mtu = Math.min(mtu, snap.ipv6NextHopMtu() - 20);
                }
                parameter = (int) Math.max(0, Math.min(0xffff, mtu));
                break;
            }
            case 3: // Time Exceeded: type 11, code unchanged
                newType = 11;
                newCode = code;
                break;
            case 4: // Parameter Problem
                if (code == 1) { // unrecognized Next Header: Protocol Unreachable
                    newType = 3;
                    newCode = 2;
                } else if (code == 0) {
                    int pointer = pointer64(buf.getUnsignedInt(l4 + 4));
                    if (pointer < 0) {
                        return ICMP_UNTRANSLATABLE_64;
                    }
                    newType = 12;
                    newCode = 0;
                    parameter = pointer;
                } else {
                    return ICMP_UNTRANSLATABLE_64;
                }
                break;
            default:
                return ICMP_UNTRANSLATABLE_64;
        }

        int ip = l4 + 8;
        if ((buf.getUnsignedByte(ip) >>> 4) != 6 || ip + Ipv6Header.LENGTH > end) {
            return ICMP_ERROR_INNER_64;
        }
        int originalLength = end - ip;
        int extensionStart = end;
        if (type == 1 || type == 3) {
            int words = buf.getUnsignedByte(l4 + 4);
            if (words != 0 && 8 + words * 8 <= icmpLength) {
                originalLength = words * 8;
                extensionStart = ip + originalLength;
            }
        }
        int extensionLength = end - extensionStart;
        int innerPayloadLength = buf.getUnsignedShort(ip + 4);
        int innerEnd = ip + Math.min(originalLength, Ipv6Header.LENGTH + innerPayloadLength);
        if (innerEnd < ip + Ipv6Header.LENGTH) {
            return ICMP_ERROR_INNER_64; // not even the inner header is quoted
        }
        // Skip the inner extension headers as §5.1 does for the outer ones.
        int nh = buf.getUnsignedByte(ip + 6);
        int p = ip + Ipv6Header.LENGTH;
        boolean innerFragment = false;
        int innerOffset = 0;
        boolean innerMore = false;
        int innerIdentification = 0;
        while (nh == Ipv6Header.NEXT_HEADER_HOP_BY_HOP || nh == Ipv6Header.NEXT_HEADER_DESTINATION_OPTIONS
                || nh == Ipv6Header.NEXT_HEADER_ROUTING || nh == Ipv6Header.NEXT_HEADER_FRAGMENT) {
            if (p + 8 > innerEnd || innerFragment) {
                return ICMP_ERROR_INNER_64;
            }
            if (nh == Ipv6Header.NEXT_HEADER_FRAGMENT) {
                int fo = buf.getUnsignedShort(p + 2);
                innerOffset = fo >>> 3;
                innerMore = (fo & 1) != 0;
                innerIdentification = buf.getInt(p + 4);
                innerFragment = true;
                nh = buf.getUnsignedByte(p);
                p += 8;
            } else {
                int len = (buf.getUnsignedByte(p + 1) + 1) << 3;
                if (p + len > innerEnd) {
                    return ICMP_ERROR_INNER_64;
                }
                nh = buf.getUnsignedByte(p);
                p += len;
            }
        }
        int headersLength = p - ip - Ipv6Header.LENGTH;
        long innerSrcHi = buf.getLong(ip + 8);
        long innerSrcLo = buf.getLong(ip + 16);
        long innerDstHi = buf.getLong(ip + 24);
        long innerDstLo = buf.getLong(ip + 32);
        if (innerSrcHi != outerDstHi || innerSrcLo != outerDstLo) {
            return ICMP_ERROR_MISMATCH_64; // RFC 4443 §2.4(c): an error goes to the source of the quoted packet
        }
        if (mapper.map6to4(innerSrcHi, innerSrcLo, ICMP_ERROR_INNER_64, ICMP_ERROR_INNER_64) != null) {
            return ICMP_ERROR_INNER_64;
        }
        int innerSrc = mapper.v4;
        if (mapper.map6to4(innerDstHi, innerDstLo, ICMP_ERROR_INNER_64, ICMP_ERROR_INNER_64) != null) {
            return ICMP_ERROR_INNER_64;
        }
        int innerDst = mapper.v4;
        int upperAvailable = innerEnd - p;
        int translatedInner = Ipv4Header.MIN_LENGTH + upperAvailable;

        // Sizes (RFC 1812 §4.3.2.3: at most 576 bytes; RFC 4884 §4 for the extension).
        int maxBody = Translator.ICMP4_ERROR_MAX - Ipv4Header.MIN_LENGTH - 8;
        boolean withExtension = extensionLength > 0 && (newType == 3 || newType == 11) && newCode != 4
                && RFC4884_MIN_ORIGINAL_DATAGRAM + extensionLength <= maxBody;
        int originalOut;
        int body;
        if (withExtension) {
            originalOut = Math.max(RFC4884_MIN_ORIGINAL_DATAGRAM,
                    Math.min(translatedInner, maxBody - extensionLength) & ~3);
            body = originalOut + extensionLength;
        } else {
            originalOut = Math.min(translatedInner, maxBody);
            body = originalOut;
        }
        int upperCopy = Math.max(0, Math.min(translatedInner, originalOut) - Ipv4Header.MIN_LENGTH);

        int s = Translator.HEADROOM;
        int icmp = s + Ipv4Header.MIN_LENGTH;
        int inner = icmp + 8;
        int innerL4 = inner + Ipv4Header.MIN_LENGTH;
        out.setBytes(innerL4, buf, p, upperCopy);
        int upperLength = innerPayloadLength - headersLength;
        if (!innerFragment || innerOffset == 0) {
            int oldSum = Checksum.sumIpv6(innerSrcHi, innerSrcLo) + Checksum.sumIpv6(innerDstHi, innerDstLo);
            int newSum = Checksum.sumIpv4(innerSrc) + Checksum.sumIpv4(innerDst);
            if (nh == 6 && upperCopy >= 18) {
                out.setShort(innerL4 + 16, Checksum.update(out.getUnsignedShort(innerL4 + 16), oldSum, newSum));
            } else if (nh == 17 && upperCopy >= 8 && out.getUnsignedShort(innerL4 + 6) != 0) {
                int c = Checksum.update(out.getUnsignedShort(innerL4 + 6), oldSum, newSum);
                out.setShort(innerL4 + 6, c == 0 ? 0xffff : c);
            } else if (nh == Ipv6Header.NEXT_HEADER_ICMPV6 && upperCopy >= 4) {
                int nt = Translator.echoType64(out.getUnsignedByte(innerL4));
                if (nt < 0) {
                    return ICMP_ERROR_INNER_64;
                }
                Translator.rewriteEcho(out, innerL4, nt, Ipv6Header.pseudoHeaderSum(innerSrcHi, innerSrcLo, innerDstHi,
                        innerDstLo, upperLength, Ipv6Header.NEXT_HEADER_ICMPV6), false);
            }
        }
        int innerTotal = Ipv4Header.MIN_LENGTH + upperLength;
        int innerIdent;
        int innerFlags;
        if (innerFragment) {
            innerIdent = innerIdentification & 0xffff;
            innerFlags = (innerMore ? Ipv4Header.FLAG_MF : 0) | innerOffset;
        } else {
            innerIdent = 0;
            innerFlags = innerTotal > Translator.DF_THRESHOLD ? Ipv4Header.FLAG_DF : 0;
        }
        // RFC 7915 §5.3: translated like the outer header, hop limit kept.
        v4.wrap(out, inner).write((buf.getUnsignedShort(ip) >>> 4) & 0xff, innerTotal, innerIdent, innerFlags,
                buf.getUnsignedByte(ip + 7), nh == Ipv6Header.NEXT_HEADER_ICMPV6 ? 1 : nh, innerSrc, innerDst);
        int written = Ipv4Header.MIN_LENGTH + upperCopy;
        if (originalOut > written) {
            out.setZero(inner + written, originalOut - written);
        }
        if (withExtension) {
            out.setBytes(inner + originalOut, buf, extensionStart, extensionLength);
        }
        int icmpLength4 = 8 + body;
        out.setByte(icmp, newType);
        out.setByte(icmp + 1, newCode);
        out.setShort(icmp + 2, 0);
        if (newType == 12) {
            out.setInt(icmp + 4, parameter << 24); // pointer in the first byte
        } else if (newType == 3 && newCode == 4) {
            out.setInt(icmp + 4, parameter); // next-hop MTU in the low 16 bits (RFC 1191)
        } else {
            // RFC 4884 §4.1: the length attribute (32-bit words) is the second byte.
            out.setInt(icmp + 4, withExtension ? (originalOut / 4) << 16 : 0);
        }
        out.setShort(icmp + 2, Checksum.finish(Checksum.add(out, icmp, icmpLength4, 0)));
        int total = Ipv4Header.MIN_LENGTH + icmpLength4;
        int ident = identification >= 0 ? identification : nextIdentification;
        v4.wrap(out, s).write(trafficClass, total, ident, 0, ttl, 1, src, dst);
        outStart = s;
        outLength = total;
        return null;
    }

    /** RFC 7915 §5.2 Figure 6: IPv6 Parameter Problem pointer to IPv4, or -1 ("n/a": drop). */
    static int pointer64(long p) {
        if (p == 0 || p == 1) {
            return (int) p;
        }
        if (p == 4 || p == 5) {
            return 2; // Payload Length -> Total Length
        }
        if (p == 6) {
            return 9; // Next Header -> Protocol
        }
        if (p == 7) {
            return 8; // Hop Limit -> TTL
        }
        if (p >= 8 && p <= 23) {
            return 12; // Source Address
        }
        if (p >= 24 && p <= 39) {
            return 16; // Destination Address
        }
        return -1;
    }
}
