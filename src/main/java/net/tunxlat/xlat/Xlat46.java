// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.DropReason.*;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.header.Icmpv4Header;
import net.tunxlat.header.Icmpv4Type;
import net.tunxlat.header.Icmpv6Header;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6FragmentHeader;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.TcpHeader;
import net.tunxlat.header.UdpHeader;
import net.tunxlat.offload.OffloadState;

/**
 * RFC 7915 §4, translating from IPv4 to IPv6, one instance per worker. {@link #translate} runs the steps
 * in the RFC's order: validate the IPv4 header and decide (§4.1, §4.4, everything that can drop), then
 * rewrite (§4.5 transport checksums, §4.1 IPv6 header, or §4.2/§4.3 for an ICMPv4 error, whose inner
 * packet runs through the same {@link #transportHeader} and {@link #ipv4HeaderToIpv6} steps in inner
 * mode). A packet that is dropped is left untouched.
 */
final class Xlat46 {
    private static final int PROTO_ICMP = IpProtocol.ICMP;
    private static final int PROTO_TCP = IpProtocol.TCP;
    private static final int PROTO_UDP = IpProtocol.UDP;
    private static final int PROTO_ICMPV6 = IpProtocol.ICMPV6;
    /** Bytes of a TCP header up to and including its Checksum. */
    static final int TCP_CHECKSUM_END = TcpHeader.CHECKSUM + 2;
    /** Bytes of an ICMP header up to and including its Checksum (type, code, checksum). */
    static final int ICMP_CHECKSUM_END = Icmpv4Header.CHECKSUM + 2;
    /** How many bytes longer an IPv6 header is than an IPv4 one without options. */
    static final int IPV6_GROWTH = Ipv6Header.LENGTH - Ipv4Header.MIN_LENGTH;

    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final Ipv6FragmentHeader frag = new Ipv6FragmentHeader();
    private final TcpHeader tcp = new TcpHeader();
    private final UdpHeader udp = new UdpHeader();
    private final Icmpv4Header icmp4 = new Icmpv4Header();
    private final Icmpv6Header icmp6 = new Icmpv6Header();
    private final AddressFilter filter = new AddressFilter();
    private final AddressMapper mapper;
    private final IcmpResponder responder;
    private final PacketOutput output;
    private final XlatCounters counters;
    private final ByteBuf scratch;
    private final Rfc4884 rfc4884 = new Rfc4884();
    private final Stateful64 stateful;

    Xlat46(AddressMapper mapper, IcmpResponder responder, PacketOutput output, XlatCounters counters, ByteBuf scratch,
            Stateful64 stateful) {
        this.stateful = stateful;
        this.mapper = mapper;
        this.responder = responder;
        this.output = output;
        this.counters = counters;
        this.scratch = scratch;
    }

    /**
     * RFC 7915 §4: translates the IPv4 packet of {@code c}. Returns {@link Verdict#SEGMENT} (with nothing
     * written) for a super-packet that cannot stay whole, for the offload layer to cut into segments.
     */
    Verdict translate(XlatContext c) {
        if (!ipv4Packet(c)) {
            return Verdict.DONE;
        }
        XlatSnapshot snap = c.snap;
        Ipv4Header h = ip4.wrap(c.buf, c.off);
        int ihl = h.headerLength();
        c.nat64 = stateful.ours(c.dst4); // RFC 6146: pool4 is the stateful tables' (even the translator's own address)
        if (c.dst4 == snap.ownIpv4 && !c.nat64) {
            responder.echoReply4(c, ihl, c.proto, c.fragmented);
            return Verdict.DONE;
        }
        if (c.ttl <= 1) {
            // RFC 7915 §4.1: "the translator (as any router) MUST check for zero and send the ICMPv4
            // 'TTL Exceeded'" (RFC 792 type 11 code 0).
            responder.icmp4Error(c, Icmpv4Type.TIME_EXCEEDED, Icmpv4Type.TTL_EXCEEDED, 0);
            c.drop(TTL_EXCEEDED_46);
            return Verdict.DONE;
        }
        if (h.hasUnexpiredSourceRoute()) {
            // RFC 7915 §4.1: "if an unexpired source route option is present, then the packet MUST
            // instead be discarded, and an ICMPv4 'Destination Unreachable, Source Route Failed'
            // (Type 3, Code 5) error message SHOULD be returned".
            responder.icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.SOURCE_ROUTE_FAILED, 0);
            c.drop(SOURCE_ROUTE_46);
            return Verdict.DONE;
        }
        boolean icmpError = c.proto == PROTO_ICMP && !c.fragmented && c.l4Length >= 1
                && Icmpv4Type.isError(icmp4.wrap(c.buf, c.l4).type());
        if (c.nat64 ? !stateful.mapSource46(c, this) : !mapAddresses(c, icmpError)) {
            return Verdict.DONE;
        }
        if (icmpError) {
            DropReason why = icmpv4ErrorToIcmpv6(c);
            if (why != null) {
                c.drop(why); // never an ICMP error about an ICMP error
            }
            return Verdict.DONE;
        }
        int limit = fragmentLimit(c);
        if (limit == MTU_DROPPED) {
            return Verdict.DONE;
        }
        if (limit == MTU_SEGMENT) {
            return Verdict.SEGMENT;
        }
        if (c.nat64) {
            // RFC 6146 §3.5: the binding and session (the last check that can drop), before anything is written.
            DropReason why = c.fragOffset == 0 ? stateful.inbound(c, responder) : stateful.fragment46(c);
            if (why != null) {
                if (c.dst4 == snap.ownIpv4 && stateful.echoRequestToSelf(c)) {
                    responder.echoReply4(c, ihl, c.proto, c.fragmented); // pool4 holds no binding for it: ours
                    return Verdict.DONE;
                }
                c.drop(why);
                return Verdict.DONE;
            }
        }
        if (c.fragOffset == 0) {
            // RFC 7915 §4.5: transport checksums include the pseudo-header, which changed; only the
            // first fragment carries the transport header.
            DropReason why = transportHeader(c);
            if (why != null) {
                c.drop(why);
                return Verdict.DONE;
            }
            if (c.nat64) {
                stateful.rewrite46(c);
            }
        } else if (!c.moreFragments && c.proto == PROTO_ICMP) {
            stateful.icmpFragments.last(c, true, stateful.now); // its first fragment may wait for this length
        }
        if (limit > 0) {
            fragment(c, limit);
            return Verdict.DONE;
        }
        // RFC 7915 §4.1 (and RFC 8021): a Fragment Header only when the IPv4 packet is a fragment.
        int start = c.l4 - (c.fragmented ? Ipv6Header.LENGTH + 8 : Ipv6Header.LENGTH);
        ipv4HeaderToIpv6(c, start);
        int outLength = c.l4 - start + c.l4Length;
        counters.translated(XlatCounters.DIR_46, c.proto, outLength);
        if (c.offload.gso) {
            output.emitSuperPacket(c.buf, start, outLength, c.l4, 6);
        } else {
            output.emit(c.buf, start, outLength);
        }
        return Verdict.DONE;
    }

    /**
     * RFC 7915 §4.1 with RFC 791 §3.1 and RFC 1812 §5.2.2: the IPv4 header is whole, its lengths agree
     * with what was read and its checksum verifies; the addresses pass {@link AddressFilter}. Fills the
     * header facts of {@code c}; false (counted) if the packet is dropped.
     */
    private boolean ipv4Packet(XlatContext c) {
        XlatSnapshot snap = c.snap;
        if (!snap.nat64) {
            c.drop(NO_TRANSLATION_46);
            return false;
        }
        if (c.total < Ipv4Header.MIN_LENGTH) {
            c.drop(TRUNCATED_46);
            return false;
        }
        Ipv4Header h = ip4.wrap(c.buf, c.off);
        int ihl = h.headerLength();
        int total = h.totalLength();
        if (ihl < Ipv4Header.MIN_LENGTH || total < ihl || total > c.total) {
            c.drop(TRUNCATED_46);
            return false;
        }
        c.total = total;
        if (!h.headerChecksumValid()) {
            c.drop(BAD_HEADER_CHECKSUM_46);
            return false;
        }
        c.src4 = h.source();
        c.dst4 = h.destination();
        c.proto = h.protocol();
        c.tos = h.typeOfService();
        c.ttl = h.timeToLive();
        c.identification = h.identification();
        c.fragOffset = h.fragmentOffset();
        c.moreFragments = h.moreFragments();
        c.fragmented = c.moreFragments || c.fragOffset != 0;
        if (c.fragmented) {
            counters.increment(XlatCounters.FRAGMENTS_IN_46);
        }
        c.l4 = c.off + ihl;
        c.l4Length = total - ihl;
        c.l4Available = c.l4Length;
        DropReason forbidden = filter.check46(c, ihl);
        if (forbidden != null) {
            c.drop(forbidden); // spoofed or unroutable: silently (AddressFilter)
            return false;
        }
        if (IpProtocol.isIpv6ChainHeader(c.proto)) {
            // RFC 7915 §4.1 copies Protocol into Next Header: the IPv6 side would parse the payload as an
            // extension header nobody built (a forged chain). Dropped, as the maintained TAYGA does.
            c.drop(IPV6_PROTOCOL_IN_IPV4_46);
            return false;
        }
        return true;
    }

    /**
     * RFC 7915 §4.1 Source and Destination Address, through RFC 6052 or the static map (EAM). An ICMPv4
     * error from a router the mapping does not cover still reaches the IPv6 host, from the translator's
     * own address (the IPv6 counterpart of RFC 6791). False (rejected, §4.4) if an address cannot be mapped.
     */
    private boolean mapAddresses(XlatContext c, boolean icmpError) {
        DropReason why = mapper.map4to6(c.dst4, DST_UNMAPPABLE_46, WKPF_NON_GLOBAL_46);
        if (why == WKPF_NON_GLOBAL_46 || why == POOL_UNBOUND_46) {
            // RFC 6052 §3.1 ("MUST drop") / no host holds the pool address: Host Unreachable (RFC 1812
            // §5.2.7.1), as the maintained TAYGA answers both.
            responder.icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.HOST_UNREACHABLE, 0);
            c.drop(why);
            return false;
        }
        if (why != null) {
            reject(c, why);
            return false;
        }
        c.dstHi = mapper.hi;
        c.dstLo = mapper.lo;
        c.rules.destination(mapper);
        why = mapper.map4to6(c.src4, SRC_UNMAPPABLE_46, WKPF_NON_GLOBAL_46);
        if (why == null) {
            c.srcHi = mapper.hi;
            c.srcLo = mapper.lo;
            c.rules.source(mapper);
        } else if (icmpError) {
            c.srcHi = c.snap.ownIpv6Hi;
            c.srcLo = c.snap.ownIpv6Lo;
            c.rules.ownSource();
        } else if (why == WKPF_NON_GLOBAL_46) {
            // RFC 6052 §3.1: a non-global source under the Well-Known Prefix; Host Administratively
            // Prohibited (RFC 1812 §5.2.7.1), as the maintained TAYGA answers.
            responder.icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.HOST_PROHIBITED, 0);
            c.drop(why);
            return false;
        } else {
            reject(c, why);
            return false;
        }
        return true;
    }

    private static final int MTU_WHOLE = 0;
    private static final int MTU_DROPPED = -1;
    private static final int MTU_SEGMENT = -2;

    /**
     * RFC 7915 §4.1 / §1.4: the translator is a router. A DF packet that does not fit the IPv6 next hop
     * gets Fragmentation Needed with the MTU the IPv4 sender must use; a DF=0 packet that does not fit the
     * lowest IPv6 MTU ({@code offlink-mtu}) is fragmented. Returns the fragment size limit when it must be
     * fragmented, {@link #MTU_WHOLE} when it fits, {@link #MTU_DROPPED} or, for a super-packet whose
     * segments would not fit as they are, {@link #MTU_SEGMENT}.
     */
    private int fragmentLimit(XlatContext c) {
        XlatSnapshot snap = c.snap;
        OffloadState o = c.offload;
        boolean dontFragment = ip4.wrap(c.buf, c.off).dontFragment();
        int ipv6Length = Ipv6Header.LENGTH + (c.fragmented ? Ipv6FragmentHeader.LENGTH : 0) + c.l4Length;
        int nextHop = snap.ipv6NextHopMtu(); // ipv6-egress-mtu, else the TUN MTU (as TAYGA), else unknown
        if (dontFragment && !o.gso && nextHop > 0 && ipv6Length > nextHop) {
            responder.icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.FRAG_NEEDED, nextHop - IPV6_GROWTH);
            c.drop(PACKET_TOO_BIG_46);
            return MTU_DROPPED;
        }
        int limit = nextHop > 0 ? Math.min(snap.offlinkMtu, nextHop) : snap.offlinkMtu;
        if (o.gso) {
            // A super-packet stays whole only if each of its segments fits the IPv6 side as it is.
            int segment = Ipv6Header.LENGTH + o.l4HeaderLength(c.buf, c.l4) + o.gsoSize;
            boolean fits = dontFragment ? nextHop <= 0 || segment <= nextHop : segment <= limit;
            return fits ? MTU_WHOLE : MTU_SEGMENT;
        }
        if (dontFragment || ipv6Length <= limit) {
            return MTU_WHOLE;
        }
        o.completePartial(c.buf, c.off); // fragments need the checksum complete before they are cut
        return limit;
    }

    /**
     * RFC 7915 §4.5 (and §4.2 for ICMP): the transport checksum for the new pseudo-header, in the outer
     * packet or, in inner mode (§4.3), in the packet quoted by an ICMP error, of which only
     * {@code l4Available} bytes may be there: a header too short to hold its checksum is then left as it
     * is instead of dropped. "Other transport protocols ... MUST be forwarded" unchanged. The drop
     * reason, or null.
     */
    DropReason transportHeader(XlatContext c) {
        ByteBuf b = c.pkt;
        int l4 = c.l4;
        switch (c.proto) {
            case PROTO_TCP: {
                if (c.l4Available < TCP_CHECKSUM_END) {
                    return c.inner ? null : TOO_SHORT_L4_46;
                }
                TcpHeader t = tcp.wrap(b, l4);
                t.setChecksum(c.inner ? Checksum.update(t.checksum(), oldPseudoSum(c), newPseudoSum(c))
                        : c.offload.updateChecksum(t.checksum(), oldPseudoSum(c), newPseudoSum(c)));
                return null;
            }
            case PROTO_UDP: {
                if (c.l4Available < UdpHeader.LENGTH) {
                    return c.inner ? null : TOO_SHORT_L4_46;
                }
                boolean partial = c.offload.partial && !c.inner;
                UdpHeader u = udp.wrap(b, l4);
                int sum = u.checksum();
                if (sum == 0 && !partial) {
                    return c.inner ? null : udpZeroChecksum(c);
                }
                sum = partial ? c.offload.updateChecksum(sum, oldPseudoSum(c), newPseudoSum(c))
                        : Checksum.update(sum, oldPseudoSum(c), newPseudoSum(c));
                u.setChecksum(sum == 0 && !partial ? 0xffff : sum); // RFC 768: a computed zero is sent as all ones
                return null;
            }
            case PROTO_ICMP:
                return icmpv4ToIcmpv6(c);
            case PROTO_ICMPV6:
                return c.inner ? null : ICMP_WRONG_VERSION_46; // would reach IPv6 as an ICMPv6 message nobody validated
            default:
                return null;
        }
    }

    private static int oldPseudoSum(XlatContext c) {
        return Checksum.sumIpv4(c.src4) + Checksum.sumIpv4(c.dst4);
    }

    private static int newPseudoSum(XlatContext c) {
        return Checksum.sumIpv6(c.srcHi, c.srcLo) + Checksum.sumIpv6(c.dstHi, c.dstLo);
    }

    /**
     * RFC 7915 §4.5: "a stateless translator cannot compute the UDP checksum of fragmented packets, so
     * when a stateless translator receives the first fragment of a fragmented UDP IPv4 packet and the
     * checksum field is zero, the translator SHOULD drop the packet"; unfragmented ones are dropped
     * or get a computed checksum as configured ({@code udp-cksum-mode}). Dropped ones get ICMPv4 3/13
     * (§4.4).
     */
    private DropReason udpZeroChecksum(XlatContext c) {
        UdpCksumMode mode = c.snap.udpCksumMode;
        if (mode == UdpCksumMode.FWD) {
            return null;
        }
        if (mode == UdpCksumMode.CALC && !c.fragmented) {
            int sum = Ipv6Header.pseudoHeaderSum(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.l4Length, PROTO_UDP);
            int sum2 = Checksum.finish(Checksum.add(c.buf, c.l4, c.l4Length, Checksum.fold(sum)));
            udp.wrap(c.buf, c.l4).setChecksum(sum2 == 0 ? 0xffff : sum2);
            return null;
        }
        responder.icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.ADMIN_PROHIBITED, 0);
        return c.fragmented ? UDP_ZERO_CHECKSUM_FRAGMENT_46 : UDP_ZERO_CHECKSUM_46;
    }

    /**
     * RFC 7915 §4.2, ICMPv4 query messages: Echo Request and Echo Reply (types 8 and 0) become types 128
     * and 129 "and the ICMPv6 checksum MUST be recomputed (to include the pseudo-header)"; other
     * informational messages are silently dropped. Inside an ICMP error (§4.3) only an echo may be quoted.
     */
    private DropReason icmpv4ToIcmpv6(XlatContext c) {
        int length = c.l4Length;
        if (c.inner) {
            if (c.l4Available < ICMP_CHECKSUM_END) {
                return null;
            }
        } else if (c.l4Available < Icmpv4Header.LENGTH) {
            return c.fragmented ? ICMP_FRAGMENTED_46 : TOO_SHORT_L4_46;
        } else if (c.fragmented) {
            // the pseudo-header's length is the whole message's, which the last fragment tells (IcmpFragments)
            length = IcmpTables.echoType46(icmp4.wrap(c.pkt, c.l4).type()) < 0 ? -2
                    : stateful.icmpFragments.total(c, true, stateful.now);
            if (length == -1) {
                return stateful.icmpFragments.hold(c, true, stateful.now) ? ICMP_FRAGMENT_HELD : ICMP_FRAGMENTED_46;
            }
            if (length < 0) {
                return ICMP_FRAGMENTED_46;
            }
        }
        Icmpv4Header echo = icmp4.wrap(c.pkt, c.l4);
        int newType = IcmpTables.echoType46(echo.type());
        if (newType < 0) {
            return c.inner ? ICMP_ERROR_INNER_46 : ICMP_UNTRANSLATABLE_46;
        }
        IcmpTables.rewriteEcho(echo, newType,
                Ipv6Header.pseudoHeaderSum(c.srcHi, c.srcLo, c.dstHi, c.dstLo, length, PROTO_ICMPV6), true);
        return null;
    }

    /**
     * RFC 7915 §4.1, Traffic Class: "By default, copied from the IP Type Of Service (TOS) octet"; with
     * {@code zeroize-traffic-class yes} zero, the option §4.1 asks for ("an administratively configurable option
     * to ignore the IPv4 TOS and always set the IPv6 Traffic Class (TC) to zero"). §4.3 translates the packet
     * inside an ICMP error by the same rules, so it applies there too.
     */
    private static int trafficClass(XlatContext c) {
        return c.snap.zeroizeTrafficClass ? 0 : c.tos;
    }

    /**
     * RFC 7915 §4.1: the IPv6 header at {@code at} in {@code c.pkt}: Traffic Class = TOS (or 0, see
     * {@link #trafficClass}), Flow Label 0, Payload Length = Total Length - IHL (+8 with a Fragment Header),
     * Next Header = Protocol (1 → 58),
     * Hop Limit = TTL - 1 (kept in inner mode, §4.3), and for a fragment the Fragment Header: Next Header
     * = Protocol, Fragment Offset and M copied, Identification = the IPv4 Identification in the low 16 bits.
     */
    void ipv4HeaderToIpv6(XlatContext c, int at) {
        int nextHeader = c.proto == PROTO_ICMP ? PROTO_ICMPV6 : c.proto;
        ip6.wrap(c.pkt, at).write(trafficClass(c), c.l4Length + (c.fragmented ? Ipv6FragmentHeader.LENGTH : 0),
                c.fragmented ? Ipv6Header.NEXT_HEADER_FRAGMENT : nextHeader, c.inner ? c.ttl : c.ttl - 1,
                c.srcHi, c.srcLo, c.dstHi, c.dstLo);
        if (c.fragmented) {
            frag.wrap(c.pkt, at + Ipv6Header.LENGTH).write(nextHeader, c.fragOffset, c.moreFragments, c.identification);
            if (!c.inner) {
                counters.increment(XlatCounters.FRAGMENTS_46);
            }
        }
    }

    /**
     * RFC 7915 §4.1: "the translator MUST ensure that the packet does not exceed the path MTU on the IPv6
     * side" for IPv4 packets without DF: the payload is cut into pieces of at most {@code limit - 48}
     * bytes (a multiple of 8), each with a Fragment header carrying the IPv4 Identification. Fragments are
     * emitted in order, each header written over the tail of the piece before it, which has already been
     * emitted, so the packet is never copied.
     */
    private void fragment(XlatContext c, int limit) {
        int piece = (limit - Ipv6Header.LENGTH - Ipv6FragmentHeader.LENGTH) & ~7;
        int payloadStart = c.l4;
        int payloadLength = c.l4Length;
        int firstOffset = c.fragOffset;
        boolean moreAfter = c.moreFragments;
        int nextHeader = c.proto == PROTO_ICMP ? PROTO_ICMPV6 : c.proto;
        for (int done = 0; done < payloadLength; done += piece) {
            int size = Math.min(piece, payloadLength - done);
            int start = payloadStart + done - Ipv6Header.LENGTH - Ipv6FragmentHeader.LENGTH;
            c.fragmented = true;
            c.l4Length = size;
            c.fragOffset = firstOffset + done / 8;
            c.moreFragments = done + size < payloadLength || moreAfter;
            if (done > 0) {
                output.reusing(c.buf); // this header overwrites the tail of the fragment just emitted
            }
            ipv4HeaderToIpv6(c, start);
            int length = Ipv6Header.LENGTH + Ipv6FragmentHeader.LENGTH + size;
            counters.translated(XlatCounters.DIR_46, nextHeader, length);
            output.emit(c.buf, start, length);
        }
    }

    // ---------------------------------------------------------------- ICMPv4 errors (§4.2, §4.3)

    /**
     * RFC 7915 §4.2 and §4.3: the ICMPv4 error of {@code c} (outer header validated, addresses mapped)
     * becomes an ICMPv6 error, built in the error scratch buffer (its inner packet moves relative to the
     * outer headers) and emitted. Type and code "MUST" be translated as §4.2 lists them (others are
     * silently dropped); the quoted packet is translated by the same steps in inner mode (§4.3: "the
     * translator MUST translate the IP header of the packet included in the ICMP error"), never an
     * error inside an error; RFC 4884 extensions are kept when they fit. The drop reason, or null.
     */
    private DropReason icmpv4ErrorToIcmpv6(XlatContext c) {
        ByteBuf buf = c.buf;
        int l4 = c.l4;
        int icmpLength = c.l4Length;
        int end = l4 + icmpLength;
        if (icmpLength < Icmpv4Header.LENGTH + Ipv4Header.MIN_LENGTH) {
            return ICMP_ERROR_INNER_46;
        }
        if (!Checksum.verifies(Checksum.add(buf, l4, icmpLength, 0))) {
            return ICMP_BAD_CHECKSUM_46;
        }
        Icmpv4Header e = icmp4.wrap(buf, l4);
        DropReason untranslatable = icmpv4TypeToIcmpv6(c, e);
        if (untranslatable != null) {
            return untranslatable;
        }
        int newType = c.icmpType;
        int newCode = c.icmpCode;
        long parameter = c.icmpParameter;

        // The inner packet (§4.3) and, with a non-zero RFC 4884 length, the extension after it.
        int ip = l4 + Icmpv4Header.LENGTH;
        Ipv4Header q = ip4.wrap(buf, ip);
        if (q.version() != 4) {
            return ICMP_ERROR_INNER_46;
        }
        int ihl = q.headerLength();
        if (ihl < Ipv4Header.MIN_LENGTH || ip + ihl > end) {
            return ICMP_ERROR_INNER_46;
        }
        Rfc4884 x = rfc4884;
        x.read(ip, end, e.length() * 4);
        int innerTotal = q.totalLength();
        int innerAvailable = innerTotal >= ihl ? Math.min(x.originalLength, innerTotal) : x.originalLength;
        if (innerAvailable < ihl) {
            return ICMP_ERROR_INNER_46; // not even the inner header is quoted
        }
        int innerProtocol = q.protocol();
        if (innerProtocol == PROTO_ICMPV6) {
            return ICMP_WRONG_VERSION_46; // as outside (§4.1): ICMPv6 in IPv4 would reach IPv6 unvalidated
        }
        if (IpProtocol.isIpv6ChainHeader(innerProtocol)) {
            return IPV6_PROTOCOL_IN_IPV4_46;
        }
        int innerSrc = q.source();
        int innerDst = q.destination();
        if (AddressFilter.martian4(innerSrc) || AddressFilter.martian4(innerDst)) {
            // §4.3: the inner addresses are translated like the outer ones; 127.0.0.1 and the like cannot be
            // (and the IPv6 host cannot have sent such a packet). Dropped, as the maintained TAYGA does.
            return ICMP_ERROR_INNER_46;
        }
        long innerSrcHi;
        long innerSrcLo;
        long innerDstHi;
        long innerDstLo;
        if (c.nat64) {
            if (innerSrc != c.dst4) {
                return ICMP_ERROR_MISMATCH_46; // as below: the translator sent the quoted packet from pool4
            }
            // RFC 6146 §3.4, §3.6.2: the inner packet's tuple finds the binding; the error goes to X'.
            DropReason why = stateful.error46(c, q, buf, ip + ihl, innerAvailable - ihl);
            if (why != null) {
                return why;
            }
            innerSrcHi = stateful.innerSrcHi;
            innerSrcLo = stateful.innerSrcLo;
            innerDstHi = stateful.innerDstHi;
            innerDstLo = stateful.innerDstLo;
        } else {
            if (mapper.map4to6(innerSrc, ICMP_ERROR_INNER_46, ICMP_ERROR_INNER_46) != null) {
                return ICMP_ERROR_INNER_46;
            }
            innerSrcHi = mapper.hi;
            innerSrcLo = mapper.lo;
            if (innerSrcHi != c.dstHi || innerSrcLo != c.dstLo) {
                // RFC 792 / RFC 1812 §4.3.2.3: an error goes to the source of the datagram it quotes. One that
                // does not was forged (or misrouted): its destination never sent that packet.
                return ICMP_ERROR_MISMATCH_46;
            }
            if (mapper.map4to6(innerDst, ICMP_ERROR_INNER_46, ICMP_ERROR_INNER_46) != null) {
                return ICMP_ERROR_INNER_46;
            }
            innerDstHi = mapper.hi;
            innerDstLo = mapper.lo;
        }
        boolean innerFragment = q.moreFragments() || q.fragmentOffset() != 0;
        int innerHeader6 = innerFragment ? Ipv6Header.LENGTH + Ipv6FragmentHeader.LENGTH : Ipv6Header.LENGTH;
        int translatedInner = innerHeader6 + innerAvailable - ihl;

        if (newType == Icmpv6Type.PACKET_TOO_BIG) {
            parameter = IcmpTables.packetTooBigMtu(c.snap, e.nextHopMtu(), innerTotal);
        }

        // Sizes (RFC 4443 §2.4(c): at most 1280 bytes; RFC 4884 §4: extension kept when it fits).
        int maxBody = IcmpResponder.ICMP6_ERROR_MAX - Ipv6Header.LENGTH - Icmpv6Header.LENGTH;
        x.layout(translatedInner, maxBody, newType == Icmpv6Type.DEST_UNREACHABLE || newType == Icmpv6Type.TIME_EXCEEDED, 8);
        int innerCopy = Math.max(0, Math.min(translatedInner, x.originalOut) - innerHeader6);

        int s = Translator.HEADROOM;
        int icmp = s + Ipv6Header.LENGTH;
        int inner = icmp + Icmpv6Header.LENGTH;
        ByteBuf out = scratch;
        out.setBytes(inner + innerHeader6, buf, ip + ihl, innerCopy);
        // §4.3: the same steps as for the outer packet, in inner mode, on the copy in the scratch buffer.
        c.becomeInner(out);
        c.l4 = inner + innerHeader6;
        c.l4Length = innerTotal - ihl;
        c.l4Available = innerCopy;
        c.proto = innerProtocol;
        c.src4 = innerSrc;
        c.dst4 = innerDst;
        c.srcHi = innerSrcHi;
        c.srcLo = innerSrcLo;
        c.dstHi = innerDstHi;
        c.dstLo = innerDstLo;
        c.tos = q.typeOfService();
        c.ttl = q.timeToLive();
        c.identification = q.identification();
        c.fragOffset = q.fragmentOffset();
        c.moreFragments = q.moreFragments();
        c.fragmented = innerFragment;
        DropReason why = c.fragOffset == 0 ? transportHeader(c) : null;
        if (why == null) {
            if (c.nat64) {
                stateful.rewriteInner46(c);
            }
            ipv4HeaderToIpv6(c, inner);
        }
        c.restoreOuter();
        if (why != null) {
            return why;
        }
        x.finish(out, inner, innerHeader6 + innerCopy, buf);
        int icmpLength6 = Icmpv6Header.LENGTH + x.body;
        Icmpv6Header o = icmp6.wrap(out, icmp);
        o.setType(newType);
        o.setCode(newCode);
        o.setChecksum(0);
        o.setRestOfHeader(0);
        if (newType == Icmpv6Type.DEST_UNREACHABLE || newType == Icmpv6Type.TIME_EXCEEDED) {
            // RFC 4884 §4.1 / RFC 7915 §4.2: the length attribute counts 64-bit words in ICMPv6.
            o.setLength(x.withExtension ? x.originalOut / 8 : 0);
        } else {
            o.setRestOfHeader((int) parameter);
        }
        ip6.wrap(out, s).write(trafficClass(c), icmpLength6, PROTO_ICMPV6, c.ttl - 1, c.srcHi, c.srcLo, c.dstHi, c.dstLo);
        int sum = Ipv6Header.pseudoHeaderSum(c.srcHi, c.srcLo, c.dstHi, c.dstLo, icmpLength6, PROTO_ICMPV6);
        o.setChecksum(Checksum.finish(Checksum.add(out, icmp, icmpLength6, Checksum.fold(sum))));
        int outLength = Ipv6Header.LENGTH + icmpLength6;
        counters.translated(XlatCounters.DIR_46, PROTO_ICMP, outLength);
        output.emit(out, s, outLength);
        return null;
    }

    /**
     * RFC 7915 §4.2, ICMPv4 error messages: the type and code "MUST" be translated as the RFC lists them
     * (Destination Unreachable to Destination Unreachable, Packet Too Big or Parameter Problem; Time
     * Exceeded; Parameter Problem with the pointer of Figure 3); Source Quench, Redirect and the codes the
     * RFC leaves out are silently dropped. Sets {@code c.icmpType}, {@code icmpCode}, {@code icmpParameter};
     * the drop reason, or null.
     */
    private DropReason icmpv4TypeToIcmpv6(XlatContext c, Icmpv4Header e) {
        int type = e.type();
        int code = e.code();
        int newType;
        int newCode;
        int parameter = 0;
        switch (type) {
            case Icmpv4Type.DEST_UNREACHABLE:
                newType = Icmpv6Type.DEST_UNREACHABLE;
                switch (code) {
                    case Icmpv4Type.NET_UNREACHABLE, Icmpv4Type.HOST_UNREACHABLE, Icmpv4Type.SOURCE_ROUTE_FAILED,
                            Icmpv4Type.DEST_NETWORK_UNKNOWN, Icmpv4Type.DEST_HOST_UNKNOWN,
                            Icmpv4Type.SOURCE_HOST_ISOLATED, Icmpv4Type.NETWORK_TOS_UNREACHABLE,
                            Icmpv4Type.HOST_TOS_UNREACHABLE -> newCode = Icmpv6Type.NO_ROUTE;
                    case Icmpv4Type.NETWORK_PROHIBITED, Icmpv4Type.HOST_PROHIBITED, Icmpv4Type.ADMIN_PROHIBITED,
                            Icmpv4Type.PRECEDENCE_CUTOFF -> newCode = Icmpv6Type.ADMIN_PROHIBITED;
                    case Icmpv4Type.PORT_UNREACHABLE -> newCode = Icmpv6Type.PORT_UNREACHABLE;
                    case Icmpv4Type.PROTOCOL_UNREACHABLE -> { // Parameter Problem, pointer to Next Header
                        newType = Icmpv6Type.PARAMETER_PROBLEM;
                        newCode = Icmpv6Type.UNRECOGNIZED_NEXT_HEADER;
                        parameter = Ipv6Header.NEXT_HEADER;
                    }
                    case Icmpv4Type.FRAG_NEEDED -> { // Packet Too Big
                        newType = Icmpv6Type.PACKET_TOO_BIG;
                        newCode = 0;
                    }
                    default -> {
                        return ICMP_UNTRANSLATABLE_46; // code 14 (precedence violation) and unknown codes
                    }
                }
                break;
            case Icmpv4Type.TIME_EXCEEDED: // code unchanged
                newType = Icmpv6Type.TIME_EXCEEDED;
                newCode = code;
                break;
            case Icmpv4Type.PARAMETER_PROBLEM: // codes 0 and 2 with the pointer mapped (Figure 3), else drop
                if (code != Icmpv4Type.POINTER_INDICATES_ERROR && code != Icmpv4Type.BAD_LENGTH) {
                    return ICMP_UNTRANSLATABLE_46;
                }
                int pointer = IcmpTables.pointer46(e.pointer());
                if (pointer < 0) {
                    return ICMP_UNTRANSLATABLE_46;
                }
                newType = Icmpv6Type.PARAMETER_PROBLEM;
                newCode = Icmpv6Type.ERRONEOUS_HEADER_FIELD;
                parameter = pointer;
                break;
            default:
                return ICMP_UNTRANSLATABLE_46; // Source Quench, Redirect, ...: "silently drop"
        }
        c.icmpType = newType;
        c.icmpCode = newCode;
        c.icmpParameter = parameter;
        return null;
    }

    /** RFC 7915 §4.4: a dropped IPv4 packet gets ICMPv4 3/13 back, except for {@link DropReason#silent} drops. */
    void reject(XlatContext c, DropReason why) {
        if (!why.silent()) {
            responder.icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.ADMIN_PROHIBITED, 0);
        }
        c.drop(why);
    }
}
