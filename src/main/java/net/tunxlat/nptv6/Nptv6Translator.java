package net.tunxlat.nptv6;

import static net.tunxlat.xlat.DropReason.*;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Icmpv6Header;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv6ExtensionHeaders;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.xlat.IcmpResponder;
import net.tunxlat.xlat.PacketOutput;
import net.tunxlat.xlat.XlatContext;
import net.tunxlat.xlat.XlatCounters;

/**
 * RFC 6296 NPTv6 packet handling, one instance per worker: a sibling of NAT64 at the translator's
 * top-level dispatch. An IPv6 packet from an inside prefix has its source rewritten to the outside
 * prefix (§3.2), one to an outside prefix has its destination rewritten to the inside prefix (§3.3),
 * and one from inside to the site's own outside prefix gets both (§4.3 hairpinning). Transport
 * checksums are never touched: the rewrite keeps the one's-complement sum of the address (§2.6), so a
 * super-packet and a partial checksum pass as they are. ICMPv6 errors get the embedded packet's address
 * rewritten too (draft-bctb-6man-rfc6296-bis "ICMPv6 error forwarding").
 */
public final class Nptv6Translator {
    private static final int PROTO_ICMPV6 = IpProtocol.ICMPV6;
    /** RFC 8200 §3: where the Source and Destination Address are in an IPv6 header. */
    private static final int SOURCE = Ipv6Header.SOURCE;
    private static final int DESTINATION = Ipv6Header.DESTINATION;
    private static final int NOT_AN_ERROR = -1;
    private static final int BAD_ERROR = -2;

    private final IcmpResponder responder;
    private final PacketOutput output;
    private final Ipv6Header ip6 = new Ipv6Header();
    private final Icmpv6Header icmp6 = new Icmpv6Header();
    private final Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders();

    public Nptv6Translator(IcmpResponder responder, PacketOutput output) {
        this.responder = responder;
        this.output = output;
    }

    /**
     * Handles the (validated) IPv6 packet of {@code c} if it is NPTv6 traffic of {@code t}: rewritten and
     * emitted, or dropped and counted. False if it is not NPTv6 traffic (NAT64 then has it).
     */
    public boolean translate(XlatContext c, Nptv6Table t) {
        int out = t.findOutbound(c.srcHi, c.srcLo);
        int in = out >= 0 ? -1 : t.findInbound(c.dstHi, c.dstLo);
        if (out < 0 && in == -1) {
            return false;
        }
        if (in == -2) {
            c.drop(NPTV6_UNKNOWN_OWNER_IN);
            responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.ADDRESS_UNREACHABLE, 0);
            return true;
        }
        int icmpAt = icmpError(c);
        if (icmpAt == BAD_ERROR) {
            c.drop(out >= 0 ? NPTV6_ICMP_ERROR_OUT : NPTV6_ICMP_ERROR_IN);
            return true;
        }
        if (!(out >= 0 ? outbound(c, t, out, icmpAt) : inbound(c, t.mapping(in), icmpAt))) {
            return true;
        }
        if (c.offload.gso) {
            // Checksum-neutral: the partial checksum and the whole super-packet stay as they are.
            output.emitSuperPacket(c.buf, c.off, c.total, c.off + Ipv6Header.LENGTH, 6);
        } else {
            output.emit(c.buf, c.off, c.total);
        }
        return true;
    }

    /** RFC 6296 §3.2 (and §4.3 hairpinning): inside → outside; false if dropped. */
    private boolean outbound(XlatContext c, Nptv6Table t, int out, int icmpAt) {
        ByteBuf buf = c.buf;
        Nptv6Mapping m = t.mapping(out);
        // §3.2: "If the internal subnet number has no mapping ... discard the datagram" (ICMPv6 1/3 SHOULD).
        if (!m.insideMatches(c.srcHi, c.srcLo) || m.rewriteOutbound(buf, c.off + SOURCE) != Nptv6Mapping.OK) {
            c.drop(NPTV6_UNMAPPABLE_OUT);
            responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.ADDRESS_UNREACHABLE, 0);
            return false;
        }
        if (icmpAt >= 0) {
            int inner = icmpAt + Icmpv6Header.LENGTH;
            Ipv6Header q = ip6.wrap(buf, inner);
            long ih = q.destinationHi();
            long il = q.destinationLo();
            if (!m.insideMatches(ih, il) || m.rewriteOutbound(buf, inner + DESTINATION) != Nptv6Mapping.OK) {
                c.drop(NPTV6_ICMP_ERROR_OUT); // bis draft: "MUST be silently dropped"
                return false;
            }
        }
        if (t.learns(out)) {
            Ipv6Header h = ip6.wrap(buf, c.off);
            t.learned().record(h.sourceHi(), h.sourceLo(), out, t.now());
        }
        // §4.3: hairpinning, an inside host talking to the site's outside address of another.
        int back = t.findInbound(c.dstHi, c.dstLo);
        if (back >= 0) {
            Nptv6Mapping b = t.mapping(back);
            if (!b.outsideMatches(c.dstHi, c.dstLo) || b.rewriteInbound(buf, c.off + DESTINATION) != Nptv6Mapping.OK) {
                c.drop(NPTV6_UNMAPPABLE_IN);
                return false;
            }
        }
        c.counters().increment(XlatCounters.PACKETS_NPTV6_OUT);
        c.counters().add(XlatCounters.BYTES_NPTV6_OUT, c.total);
        return true;
    }

    /** RFC 6296 §3.3: outside → inside; false if dropped. */
    private boolean inbound(XlatContext c, Nptv6Mapping m, int icmpAt) {
        ByteBuf buf = c.buf;
        if (!m.outsideMatches(c.dstHi, c.dstLo) || m.rewriteInbound(buf, c.off + DESTINATION) != Nptv6Mapping.OK) {
            c.drop(NPTV6_UNMAPPABLE_IN);
            return false;
        }
        if (icmpAt >= 0) {
            int inner = icmpAt + Icmpv6Header.LENGTH;
            Ipv6Header q = ip6.wrap(buf, inner);
            long ih = q.sourceHi();
            long il = q.sourceLo();
            if (!m.outsideMatches(ih, il) || m.rewriteInbound(buf, inner + SOURCE) != Nptv6Mapping.OK) {
                c.drop(NPTV6_ICMP_ERROR_IN); // bis draft: "MUST be silently dropped"
                return false;
            }
        }
        c.counters().increment(XlatCounters.PACKETS_NPTV6_IN);
        c.counters().add(XlatCounters.BYTES_NPTV6_IN, c.total);
        return true;
    }

    /**
     * The offset of an ICMPv6 error message (types 1-4) whose embedded packet must be rewritten,
     * {@link #NOT_AN_ERROR} for any other packet, {@link #BAD_ERROR} for an error to drop (embedded IPv6
     * header incomplete or the ICMPv6 checksum wrong: the bis draft "MUST verify that the length of the
     * embedded packet is long enough to contain the whole IPv6 header" and "SHOULD silently drop" on a
     * bad checksum).
     */
    private int icmpError(XlatContext c) {
        ByteBuf buf = c.buf;
        int end = c.off + c.total;
        int p = IcmpResponder.icmpv6Message(ext, buf, c.off, end);
        if (p < 0 || p + Icmpv6Header.LENGTH > end) {
            return NOT_AN_ERROR;
        }
        int type = icmp6.wrap(buf, p).type();
        if (type < Icmpv6Type.DEST_UNREACHABLE || type > Icmpv6Type.PARAMETER_PROBLEM) {
            return NOT_AN_ERROR;
        }
        if (p + Icmpv6Header.LENGTH + Ipv6Header.LENGTH > end) {
            return BAD_ERROR;
        }
        int sum = ip6.wrap(buf, c.off).pseudoHeaderSum(end - p, PROTO_ICMPV6);
        return Checksum.verifies(Checksum.add(buf, p, end - p, Checksum.fold(sum))) ? p : BAD_ERROR;
    }
}
