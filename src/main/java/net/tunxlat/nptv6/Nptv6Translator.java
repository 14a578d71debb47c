// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nptv6;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Icmpv6Header;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv6ExtensionHeaders;
import net.tunxlat.header.Ipv6Header;

/**
 * RFC 6296 NPTv6 packet handling, one instance per worker: a sibling of NAT64 at the translator's
 * top-level dispatch. An IPv6 packet from an inside prefix has its source rewritten to the outside
 * prefix (§3.2), one to an outside prefix has its destination rewritten to the inside prefix (§3.3),
 * and one from inside to the site's own outside prefix gets both (§4.3 hairpinning). Transport
 * checksums are never touched: the rewrite keeps the one's-complement sum of the address (§2.6), so a
 * super-packet and a partial checksum pass as they are. ICMPv6 errors get the embedded packet's address
 * rewritten too (draft-bctb-6man-rfc6296-bis "ICMPv6 error forwarding").
 *
 * <p>It only rewrites and says what it did ({@link #translate}'s result); the caller counts, drops,
 * answers and emits, so this package depends on nothing of the translator's.
 */
public final class Nptv6Translator {
    private static final int PROTO_ICMPV6 = IpProtocol.ICMPV6;
    /** RFC 8200 §3: where the Source and Destination Address are in an IPv6 header. */
    private static final int SOURCE = Ipv6Header.SOURCE;
    private static final int DESTINATION = Ipv6Header.DESTINATION;
    private static final int NOT_AN_ERROR = -1;
    private static final int BAD_ERROR = -2;

    /** Not NPTv6 traffic: NAT64 has it. */
    public static final int NOT_NPTV6 = 0;
    /** Rewritten inside → outside (§3.2, and §4.3 when it hairpins). */
    public static final int OUTBOUND = 1;
    /** Rewritten outside → inside (§3.3). */
    public static final int INBOUND = 2;
    /** To an outside address no inside prefix has been seen to own (learned owners): drop, ICMPv6 1/3. */
    public static final int UNKNOWN_OWNER_IN = 3;
    /** §3.2: "If the internal subnet number has no mapping ... discard the datagram": drop, ICMPv6 1/3 SHOULD. */
    public static final int UNMAPPABLE_OUT = 4;
    /** §3.3: no mapping for the outside address (or the hairpinned destination): drop silently. */
    public static final int UNMAPPABLE_IN = 5;
    /** An ICMPv6 error to drop silently (bis draft: incomplete embedded header, bad checksum, unmappable quote). */
    public static final int BAD_ICMP_ERROR_OUT = 6;
    public static final int BAD_ICMP_ERROR_IN = 7;

    private final Ipv6Header ip6 = new Ipv6Header();
    private final Icmpv6Header icmp6 = new Icmpv6Header();
    private final Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders();
    /** The table index of the pair that rewrote the source / destination of the last packet, -1 for none. */
    private int sourcePair = -1;
    private int destinationPair = -1;

    /** The pair (index in the table) that rewrote the last packet's source, -1 if none did. For explanations. */
    public int sourcePair() {
        return sourcePair;
    }

    /** The pair (index in the table) that rewrote the last packet's destination, -1 if none did. */
    public int destinationPair() {
        return destinationPair;
    }

    /**
     * Rewrites the (validated) IPv6 packet at {@code buf[off, off + total)}, whose addresses the caller has
     * already read ({@code src*}, {@code dst*}: read once per packet), if it is NPTv6 traffic of {@code t};
     * what it did: {@link #NOT_NPTV6}, {@link #OUTBOUND}, {@link #INBOUND}, or why it must be
     * dropped (nothing written then, except that an outbound packet that hairpins to an unmappable
     * destination keeps its rewritten source, as it always did).
     */
    public int translate(ByteBuf buf, int off, int total, Nptv6Table t, long srcHi, long srcLo, long dstHi,
            long dstLo) {
        sourcePair = -1;
        destinationPair = -1;
        int out = t.findOutbound(srcHi, srcLo);
        int in = out >= 0 ? -1 : t.findInbound(dstHi, dstLo);
        if (out < 0 && in == -1) {
            return NOT_NPTV6;
        }
        if (in == -2) {
            return UNKNOWN_OWNER_IN;
        }
        int icmpAt = icmpError(buf, off, total);
        if (icmpAt == BAD_ERROR) {
            return out >= 0 ? BAD_ICMP_ERROR_OUT : BAD_ICMP_ERROR_IN;
        }
        if (out >= 0) {
            return outbound(buf, off, t, out, icmpAt, srcHi, srcLo, dstHi, dstLo);
        }
        destinationPair = in;
        return inbound(buf, off, t.mapping(in), icmpAt, dstHi, dstLo);
    }

    /** RFC 6296 §3.2 (and §4.3 hairpinning): inside → outside. */
    private int outbound(ByteBuf buf, int off, Nptv6Table t, int out, int icmpAt, long srcHi, long srcLo, long dstHi,
            long dstLo) {
        Nptv6Mapping m = t.mapping(out);
        if (!m.insideMatches(srcHi, srcLo) || m.rewriteOutbound(buf, off + SOURCE) != Nptv6Mapping.OK) {
            return UNMAPPABLE_OUT;
        }
        if (icmpAt >= 0) {
            int inner = icmpAt + Icmpv6Header.LENGTH;
            Ipv6Header q = ip6.wrap(buf, inner);
            long ih = q.destinationHi();
            long il = q.destinationLo();
            if (!m.insideMatches(ih, il) || m.rewriteOutbound(buf, inner + DESTINATION) != Nptv6Mapping.OK) {
                return BAD_ICMP_ERROR_OUT; // bis draft: "MUST be silently dropped"
            }
        }
        sourcePair = out;
        if (t.learns(out)) {
            Ipv6Header s = ip6.wrap(buf, off);
            t.learn(s.sourceHi(), s.sourceLo(), out);
        }
        // §4.3: hairpinning, an inside host talking to the site's outside address of another.
        int back = t.findInbound(dstHi, dstLo);
        if (back >= 0) {
            Nptv6Mapping b = t.mapping(back);
            if (!b.outsideMatches(dstHi, dstLo) || b.rewriteInbound(buf, off + DESTINATION) != Nptv6Mapping.OK) {
                return UNMAPPABLE_IN;
            }
            destinationPair = back;
        }
        return OUTBOUND;
    }

    /** RFC 6296 §3.3: outside → inside. */
    private int inbound(ByteBuf buf, int off, Nptv6Mapping m, int icmpAt, long dstHi, long dstLo) {
        if (!m.outsideMatches(dstHi, dstLo) || m.rewriteInbound(buf, off + DESTINATION) != Nptv6Mapping.OK) {
            return UNMAPPABLE_IN;
        }
        if (icmpAt >= 0) {
            int inner = icmpAt + Icmpv6Header.LENGTH;
            Ipv6Header q = ip6.wrap(buf, inner);
            long ih = q.sourceHi();
            long il = q.sourceLo();
            if (!m.outsideMatches(ih, il) || m.rewriteInbound(buf, inner + SOURCE) != Nptv6Mapping.OK) {
                return BAD_ICMP_ERROR_IN; // bis draft: "MUST be silently dropped"
            }
        }
        return INBOUND;
    }

    /**
     * The offset of an ICMPv6 error message (types 1-4) whose embedded packet must be rewritten,
     * {@link #NOT_AN_ERROR} for any other packet, {@link #BAD_ERROR} for an error to drop (embedded IPv6
     * header incomplete or the ICMPv6 checksum wrong: the bis draft "MUST verify that the length of the
     * embedded packet is long enough to contain the whole IPv6 header" and "SHOULD silently drop" on a
     * bad checksum).
     */
    private int icmpError(ByteBuf buf, int off, int total) {
        int first = ip6.wrap(buf, off).nextHeader();
        if (first == IpProtocol.TCP || first == IpProtocol.UDP) {
            return NOT_AN_ERROR; // the common case, without walking: no extension header, not ICMPv6
        }
        int end = off + total;
        // Not past a Fragment header, nor a chain that runs past the end (never an error to rewrite).
        Ipv6ExtensionHeaders e = ext.walk(buf, off, end);
        int p = e.upperLayerOffset();
        if (e.status() != Ipv6ExtensionHeaders.COMPLETE || e.fragmentHeaderOffset() >= 0
                || e.upperLayerProtocol() != PROTO_ICMPV6 || p + Icmpv6Header.LENGTH > end) {
            return NOT_AN_ERROR;
        }
        int type = icmp6.wrap(buf, p).type();
        if (type < Icmpv6Type.DEST_UNREACHABLE || type > Icmpv6Type.PARAMETER_PROBLEM) {
            return NOT_AN_ERROR;
        }
        if (p + Icmpv6Header.LENGTH + Ipv6Header.LENGTH > end) {
            return BAD_ERROR;
        }
        int sum = ip6.wrap(buf, off).pseudoHeaderSum(end - p, PROTO_ICMPV6);
        return Checksum.verifies(Checksum.add(buf, p, end - p, Checksum.fold(sum))) ? p : BAD_ERROR;
    }
}
