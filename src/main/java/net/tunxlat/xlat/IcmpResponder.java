package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;

/**
 * What the translator itself sends: ICMP errors about packets it cannot forward (from its own
 * {@code ipv4-addr} / {@code ipv6-addr}, within the error rate limit) and Echo Replies to pings of its
 * own addresses, as TAYGA does. Errors are built in the worker's error scratch buffer; echo replies in
 * place. Every method is about the packet of the {@link XlatContext} it is handed.
 */
public final class IcmpResponder {
    /** RFC 1812 §4.3.2.3: an ICMPv4 error "SHOULD" not exceed 576 bytes. */
    static final int ICMP4_ERROR_MAX = 576;
    /** RFC 4443 §2.4(c): an ICMPv6 error "MUST NOT" exceed the minimum IPv6 MTU, 1280 bytes. */
    static final int ICMP6_ERROR_MAX = 1280;
    static final int DEFAULT_TTL = 64;
    private static final int PROTO_ICMP = 1;
    private static final int PROTO_ICMPV6 = 58;

    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final Ipv4Header err4 = new Ipv4Header();
    private final Ipv6Header err6 = new Ipv6Header();
    private final ByteBuf errorBuf;
    private final int start;
    private final XlatCounters counters;
    private final PacketLog log;
    private final PacketOutput output;
    private final IcmpRateLimiter rateLimiter;
    private final Ipv4Identification identification;

    IcmpResponder(ByteBuf errorBuf, int headroom, XlatCounters counters, PacketLog log, PacketOutput output,
            IcmpRateLimiter rateLimiter, Ipv4Identification identification) {
        this.errorBuf = errorBuf;
        this.start = headroom;
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
    public void icmp4Error(XlatContext c, int type, int code, int rest) {
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
        if (h.protocol() == PROTO_ICMP && total >= ihl + 1 && isIcmp4Error(buf.getUnsignedByte(off + ihl))) {
            return;
        }
        if (!takeToken(c)) {
            return;
        }
        int quote = Math.min(total, ICMP4_ERROR_MAX - Ipv4Header.MIN_LENGTH - 8);
        int icmp = start + Ipv4Header.MIN_LENGTH;
        ByteBuf e = errorBuf;
        e.setByte(icmp, type);
        e.setByte(icmp + 1, code);
        e.setShort(icmp + 2, 0);
        e.setInt(icmp + 4, rest);
        e.setBytes(icmp + 8, buf, off, quote);
        e.setShort(icmp + 2, Checksum.finish(Checksum.add(e, icmp, 8 + quote, 0)));
        int length = Ipv4Header.MIN_LENGTH + 8 + quote;
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
    public void icmp6Error(XlatContext c, int type, int code, int parameter) {
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
        int quote = Math.min(total, ICMP6_ERROR_MAX - Ipv6Header.LENGTH - 8);
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
        output.emit(e, start, Ipv6Header.LENGTH + length);
    }

    /**
     * A packet for the translator's own IPv4 address (header {@code ihl} bytes, protocol {@code proto}):
     * an Echo Request is answered (RFC 792: same identifier, sequence and data; type 0; addresses
     * swapped; options not echoed), anything else dropped.
     */
    void echoReply4(XlatContext c, int ihl, int proto, boolean fragmented) {
        ByteBuf buf = c.buf;
        int l4 = c.off + ihl;
        int length = c.total - ihl;
        if (proto != PROTO_ICMP || fragmented || length < 8 || buf.getUnsignedByte(l4) != 8) {
            c.drop(DropReason.TO_SELF_46);
            return;
        }
        int code = buf.getUnsignedByte(l4 + 1);
        int sum = buf.getUnsignedShort(l4 + 2);
        buf.setByte(l4, 0);
        buf.setShort(l4 + 2, Checksum.update(sum, (8 << 8) | code, code));
        int at = l4 - Ipv4Header.MIN_LENGTH;
        ip4.wrap(buf, at).write(0, Ipv4Header.MIN_LENGTH + length, identification.next(), 0, DEFAULT_TTL,
                PROTO_ICMP, c.snap.ownIpv4, c.src4);
        counters.increment(XlatCounters.ECHO_REPLIES_SENT);
        output.emit(buf, at, Ipv4Header.MIN_LENGTH + length);
    }

    /**
     * A packet for the translator's own IPv6 address: an Echo Request right after the IPv6 header is
     * answered (RFC 4443 §4.2; swapping the addresses keeps the pseudo-header sum), anything else dropped.
     */
    void echoReply6(XlatContext c) {
        ByteBuf buf = c.buf;
        Ipv6Header h = ip6.wrap(buf, c.off);
        int l4 = c.off + Ipv6Header.LENGTH;
        int length = c.total - Ipv6Header.LENGTH;
        if (h.nextHeader() != PROTO_ICMPV6 || length < 8 || buf.getUnsignedByte(l4) != 128) {
            c.drop(DropReason.TO_SELF_64);
            return;
        }
        int code = buf.getUnsignedByte(l4 + 1);
        int sum = buf.getUnsignedShort(l4 + 2);
        buf.setByte(l4, 129);
        buf.setShort(l4 + 2, Checksum.update(sum, (128 << 8) | code, (129 << 8) | code));
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

    /** ICMPv4 error types: Destination Unreachable, Source Quench, Redirect, Time Exceeded, Parameter Problem. */
    static boolean isIcmp4Error(int type) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    private static boolean isUnicast4(int a) {
        int o1 = a >>> 24;
        return o1 != 0 && o1 != 127 && o1 < 224;
    }

    private static boolean isUnicast6(long hi, long lo) {
        return (hi >>> 56) != 0xff && !(hi == 0 && (lo == 0 || lo == 1));
    }
}
