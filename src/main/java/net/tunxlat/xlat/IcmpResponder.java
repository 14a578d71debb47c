// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Icmpv4Header;
import net.tunxlat.header.Icmpv4Type;
import net.tunxlat.header.Icmpv6Header;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6ExtensionHeaders;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.TcpHeader;

/**
 * What the translator itself sends: ICMP errors about packets it cannot forward (from its own
 * {@code ipv4-addr} / {@code ipv6-addr}, within the error rate limit) and Echo Replies to pings of its
 * own addresses, as TAYGA does. Errors are built in the worker's error scratch buffer; echo replies in
 * place. Every method is about the packet of the {@link XlatContext} it is handed.
 */
final class IcmpResponder {
    /** RFC 1812 §4.3.2.3: an ICMPv4 error "SHOULD" not exceed 576 bytes. */
    static final int ICMP4_ERROR_MAX = 576;
    /** RFC 4443 §2.4(c): an ICMPv6 error "MUST NOT" exceed the minimum IPv6 MTU, 1280 bytes. */
    static final int ICMP6_ERROR_MAX = 1280;
    static final int DEFAULT_TTL = 64;
    private static final int PROTO_ICMP = IpProtocol.ICMP;
    private static final int PROTO_ICMPV6 = IpProtocol.ICMPV6;

    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final Ipv4Header err4 = new Ipv4Header();
    private final Ipv6Header err6 = new Ipv6Header();
    private final Icmpv4Header icmp4 = new Icmpv4Header();
    private final Icmpv6Header icmp6 = new Icmpv6Header();
    private final TcpHeader tcp = new TcpHeader();
    private final TcpHeader rst = new TcpHeader();
    private final Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders();
    private final ByteBuf errorBuf;
    private final int start;
    private final XlatCounters counters;
    private final PacketLog log;
    private final PacketOutput output;
    private final IcmpRateLimiter rateLimiter;
    private final Ipv4Identification identification;

    /** Errors are built at {@link Translator#HEADROOM} in {@code errorBuf}. */
    IcmpResponder(ByteBuf errorBuf, XlatCounters counters, PacketLog log, PacketOutput output,
            IcmpRateLimiter rateLimiter, Ipv4Identification identification) {
        this.errorBuf = errorBuf;
        this.start = Translator.HEADROOM;
        this.counters = counters;
        this.log = log;
        this.output = output;
        this.rateLimiter = rateLimiter;
        this.identification = identification;
    }

    /**
     * Sends an ICMPv4 error about the IPv4 packet of {@code c} to its source, from the translator's own
     * IPv4 address (RFC 1812 §4.3.2.4), quoting as much of it as fits in 576 bytes. Not sent about ICMP
     * errors, non-first fragments, or non-unicast sources (RFC 1812 §4.3.2.7), nor beyond the rate limit.
     */
    void icmp4Error(XlatContext c, int type, int code, int rest) {
        ByteBuf buf = c.buf;
        int off = c.off;
        int total = c.total;
        c.offload.completePartial(buf, off); // the quote carries the checksum the sender meant
        Ipv4Header h = ip4.wrap(buf, off);
        int src = h.source();
        int ihl = h.headerLength();
        int dst = h.destination();
        if ((h.flagsAndOffset() & Ipv4Header.OFFSET_MASK) != 0 || !isUnicast4(src) || dst >>> 28 == 0xe || dst == -1) {
            return; // RFC 1812 §4.3.2.7: not about non-first fragments, non-unicast sources, multicast or broadcast
        }
        if (h.protocol() == PROTO_ICMP && total >= ihl + 1 && Icmpv4Type.isError(icmp4.wrap(buf, off + ihl).type())) {
            return; // RFC 1812 §4.3.2.7: never an error about an ICMP error
        }
        if (!takeToken(c)) {
            return;
        }
        int quote = Math.min(total, ICMP4_ERROR_MAX - Ipv4Header.MIN_LENGTH - Icmpv4Header.LENGTH);
        int icmp = start + Ipv4Header.MIN_LENGTH;
        ByteBuf e = errorBuf;
        Icmpv4Header m = icmp4.wrap(e, icmp);
        m.setType(type);
        m.setCode(code);
        m.setChecksum(0);
        m.setRestOfHeader(rest);
        e.setBytes(icmp + Icmpv4Header.LENGTH, buf, off, quote);
        m.setChecksum(Checksum.finish(Checksum.add(e, icmp, Icmpv4Header.LENGTH + quote, 0)));
        int length = Ipv4Header.MIN_LENGTH + Icmpv4Header.LENGTH + quote;
        err4.wrap(e, start).write(0, length, identification.next(), 0, DEFAULT_TTL, PROTO_ICMP, c.snap.ownIpv4, src);
        counters.icmpErrorSent(4, type, code);
        if (log.enabled() && (c.snap.logIcmp || c.snap.logReject)) {
            log.icmpSent(4, type, code, buf, off, total);
        }
        output.emit(e, start, length);
    }

    /**
     * Sends an ICMPv6 error about the IPv6 packet of {@code c} to its source, from the translator's own
     * IPv6 address, quoting as much as fits in 1280 bytes (RFC 4443 §2.4(c)). Not sent about ICMPv6
     * errors (§2.4(e.1)), to non-unicast sources, or beyond the rate limit (§2.4(f)).
     */
    void icmp6Error(XlatContext c, int type, int code, int parameter) {
        ByteBuf buf = c.buf;
        int off = c.off;
        int total = c.total;
        XlatSnapshot snap = c.snap;
        c.offload.completePartial(buf, off); // the quote carries the checksum the sender meant
        if ((snap.ownIpv6Hi | snap.ownIpv6Lo) == 0) {
            return; // no ipv6-addr to send it from (an NPTv6-only translator without one)
        }
        Ipv6Header h = ip6.wrap(buf, off);
        long srcHi = h.sourceHi();
        long srcLo = h.sourceLo();
        if (!isUnicast6(srcHi, srcLo) || (h.destinationHi() >>> 56) == 0xff || quotesIcmp6Error(buf, off, total)) {
            return; // RFC 4443 §2.4(e): not about errors, nor packets to multicast (e.3) or from non-unicast sources
        }
        if (!takeToken(c)) {
            return;
        }
        int quote = Math.min(total, ICMP6_ERROR_MAX - Ipv6Header.LENGTH - Icmpv6Header.LENGTH);
        int icmp = start + Ipv6Header.LENGTH;
        ByteBuf e = errorBuf;
        int length = Icmpv6Header.LENGTH + quote;
        Icmpv6Header m = icmp6.wrap(e, icmp);
        m.setType(type);
        m.setCode(code);
        m.setChecksum(0);
        m.setRestOfHeader(parameter);
        e.setBytes(icmp + Icmpv6Header.LENGTH, buf, off, quote);
        int sum = Ipv6Header.pseudoHeaderSum(snap.ownIpv6Hi, snap.ownIpv6Lo, srcHi, srcLo, length, PROTO_ICMPV6);
        m.setChecksum(Checksum.finish(Checksum.add(e, icmp, length, Checksum.fold(sum))));
        err6.wrap(e, start).write(0, length, PROTO_ICMPV6, DEFAULT_TTL, snap.ownIpv6Hi, snap.ownIpv6Lo, srcHi, srcLo);
        counters.icmpErrorSent(6, type, code);
        if (log.enabled() && (snap.logIcmp || snap.logReject)) {
            log.icmpSent(6, type, code, buf, off, total);
        }
        output.emit(e, start, Ipv6Header.LENGTH + length);
    }

    /**
     * Answers the IPv6 TCP segment of {@code c} (its header at {@code c.l4}, not a RST) with a RST from the
     * address and port it was sent to, as a TCP in the CLOSED state does (RFC 9293 §3.10.7.1: with an ACK in
     * the segment the RST takes its sequence number from it; without, sequence 0 and ACK of the segment's
     * sequence plus its length). Sharded stateful NAT64 only (docs/scale-out.md, "Stateful sharding"): a
     * subscriber moved to its standby learns at once that its old connections are gone. Within the ICMP error
     * rate limit; not to non-unicast sources.
     */
    void tcpReset6(XlatContext c) {
        TcpHeader t = tcp.wrap(c.pkt, c.l4);
        int flags = t.flags();
        if ((flags & TcpHeader.RST) != 0 || !isUnicast6(c.srcHi, c.srcLo) || !takeToken(c)) {
            return;
        }
        int length = TcpHeader.MIN_LENGTH;
        int at = start + Ipv6Header.LENGTH;
        ByteBuf e = errorBuf;
        e.setZero(at, length);
        TcpHeader r = rst.wrap(e, at);
        r.setSourcePort(t.destinationPort());
        r.setDestinationPort(t.sourcePort());
        r.setDataOffset(TcpHeader.MIN_LENGTH);
        if ((flags & TcpHeader.ACK) != 0) {
            r.setSequenceNumber(t.acknowledgmentNumber());
            r.setFlags(TcpHeader.RST);
        } else {
            int data = c.l4Length - t.dataOffset() + ((flags & TcpHeader.SYN) != 0 ? 1 : 0)
                    + ((flags & TcpHeader.FIN) != 0 ? 1 : 0);
            r.setAcknowledgmentNumber(t.sequenceNumber() + data);
            r.setFlags(TcpHeader.RST | TcpHeader.ACK);
        }
        int sum = Ipv6Header.pseudoHeaderSum(c.dstHi, c.dstLo, c.srcHi, c.srcLo, length, IpProtocol.TCP);
        r.setChecksum(Checksum.finish(Checksum.add(e, at, length, Checksum.fold(sum))));
        err6.wrap(e, start).write(0, length, IpProtocol.TCP, DEFAULT_TTL, c.dstHi, c.dstLo, c.srcHi, c.srcLo);
        output.emit(e, start, Ipv6Header.LENGTH + length);
    }

    /**
     * A packet for the translator's own IPv4 address (header {@code ihl} bytes, protocol {@code proto}):
     * an Echo Request is answered (RFC 792: same identifier, sequence and data; type 0; addresses
     * swapped; options not echoed); another protocol gets Protocol Unreachable (3/2: RFC 1122 §3.2.2.1,
     * RFC 1812 §5.2.7.1; the translator serves only ICMP there, as the maintained TAYGA answers); other
     * ICMP messages are dropped without an answer.
     */
    void echoReply4(XlatContext c, int ihl, int proto, boolean fragmented) {
        ByteBuf buf = c.buf;
        int l4 = c.off + ihl;
        int length = c.total - ihl;
        if (proto != PROTO_ICMP) {
            icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.PROTOCOL_UNREACHABLE, 0);
            c.drop(DropReason.TO_SELF_46);
            return;
        }
        if (fragmented || length < Icmpv4Header.LENGTH || icmp4.wrap(buf, l4).type() != Icmpv4Type.ECHO_REQUEST) {
            c.drop(DropReason.TO_SELF_46);
            return;
        }
        icmp4.setTypeAndCodeWithChecksumUpdate(Icmpv4Type.ECHO_REPLY, icmp4.code());
        int at = l4 - Ipv4Header.MIN_LENGTH;
        ip4.wrap(buf, at).write(0, Ipv4Header.MIN_LENGTH + length, identification.next(), 0, DEFAULT_TTL,
                PROTO_ICMP, c.snap.ownIpv4, c.src4);
        counters.increment(XlatCounters.ECHO_REPLIES_SENT);
        output.emit(buf, at, Ipv4Header.MIN_LENGTH + length);
    }

    /**
     * A packet for the translator's own IPv6 address: an Echo Request right after the IPv6 header is
     * answered (RFC 4443 §4.2; swapping the addresses keeps the pseudo-header sum). An upper-layer protocol
     * other than ICMPv6 gets Parameter Problem code 1, "unrecognized Next Header type encountered", pointing
     * at the Next Header field that names it (RFC 4443 §3.4: 6 without extension headers, as the maintained
     * TAYGA answers); other ICMPv6 messages and malformed chains are dropped without an answer.
     */
    void echoReply6(XlatContext c) {
        ByteBuf buf = c.buf;
        Ipv6Header h = ip6.wrap(buf, c.off);
        int l4 = c.off + Ipv6Header.LENGTH;
        int length = c.total - Ipv6Header.LENGTH;
        if (h.nextHeader() != PROTO_ICMPV6) {
            Ipv6ExtensionHeaders e = ext.start(buf, c.off, c.off + c.total);
            int field = Ipv6Header.NEXT_HEADER;
            while (e.next()) {
                field = e.headerOffset() - c.off; // an extension header's Next Header is its first octet
            }
            if (!e.malformed() && e.upperLayerProtocol() != PROTO_ICMPV6) {
                icmp6Error(c, Icmpv6Type.PARAMETER_PROBLEM, Icmpv6Type.UNRECOGNIZED_NEXT_HEADER, field);
            }
            c.drop(DropReason.TO_SELF_64);
            return;
        }
        if (length < Icmpv6Header.LENGTH || icmp6.wrap(buf, l4).type() != Icmpv6Type.ECHO_REQUEST) {
            c.drop(DropReason.TO_SELF_64);
            return;
        }
        icmp6.setTypeAndCodeWithChecksumUpdate(Icmpv6Type.ECHO_REPLY, icmp6.code());
        h.write(0, length, PROTO_ICMPV6, DEFAULT_TTL, c.dstHi, c.dstLo, c.srcHi, c.srcLo);
        counters.increment(XlatCounters.ECHO_REPLIES_SENT);
        output.emit(buf, c.off, c.total);
    }

    private boolean takeToken(XlatContext c) {
        if (rateLimiter.take(c.snap.icmpErrorsPerSecond)) {
            return true;
        }
        counters.increment(XlatCounters.ICMP_ERRORS_RATE_LIMITED);
        return false;
    }

    /** RFC 4443 §2.4(e): true if the packet is itself an ICMPv6 error (after any HBH/DST/Routing headers). */
    private boolean quotesIcmp6Error(ByteBuf buf, int off, int total) {
        return isIcmpv6Error(ext, icmp6, buf, off, total);
    }

    /** Whether the IPv6 packet at {@code buf[off, off + total)} is an ICMPv6 error (see {@link #icmpv6Message}). */
    static boolean isIcmpv6Error(Ipv6ExtensionHeaders ext, Icmpv6Header icmp6, ByteBuf buf, int off, int total) {
        int at = icmpv6Message(ext, buf, off, off + total);
        return at >= 0 && at < off + total && Icmpv6Type.isError(icmp6.wrap(buf, at).type());
    }

    /**
     * Where the ICMPv6 message of the IPv6 packet at {@code buf[off, end)} starts, after any Hop-by-Hop,
     * Destination Options and Routing headers; -1 if it carries none, has a Fragment header, or a header
     * reaches past {@code end}. Reads no byte past {@code end}.
     */
    static int icmpv6Message(Ipv6ExtensionHeaders ext, ByteBuf buf, int off, int end) {
        Ipv6ExtensionHeaders e = ext.walk(buf, off, end);
        boolean icmp = e.status() == Ipv6ExtensionHeaders.COMPLETE && e.fragmentHeaderOffset() < 0
                && e.upperLayerProtocol() == PROTO_ICMPV6;
        return icmp ? e.upperLayerOffset() : -1;
    }

    private static boolean isUnicast4(int a) {
        int o1 = a >>> 24;
        return o1 != 0 && o1 != 127 && o1 < 224;
    }

    private static boolean isUnicast6(long hi, long lo) {
        return (hi >>> 56) != 0xff && !(hi == 0 && (lo == 0 || lo == 1));
    }
}
