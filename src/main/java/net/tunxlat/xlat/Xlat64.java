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
import net.tunxlat.header.Ipv6ExtensionHeaders;
import net.tunxlat.header.Ipv6FragmentHeader;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.TcpHeader;
import net.tunxlat.header.UdpHeader;
import net.tunxlat.offload.OffloadState;

/**
 * RFC 7915 §5, translating from IPv6 to IPv4, one instance per worker. {@link #translate} runs the steps
 * in the RFC's order: walk the extension headers and decide (§5.1, §5.4, everything that can drop), then
 * rewrite (§5.5 transport checksums, §5.1 IPv4 header, or §5.2/§5.3 for an ICMPv6 error, whose inner
 * packet runs through the same {@link #transportHeader} and {@link #ipv6HeaderToIpv4} steps in inner
 * mode). A packet that is dropped is left untouched.
 */
final class Xlat64 {
    /** RFC 7915 §5.1: "If the size of the translated IPv4 packet is less than or equal to 1260 bytes" DF is 0. */
    static final int DF_THRESHOLD = 1260;
    /** RFC 8200 §5: the minimum IPv6 link MTU. */
    static final int IPV6_MIN_MTU = 1280;
    private static final int PROTO_ICMP = IpProtocol.ICMP;
    private static final int PROTO_TCP = IpProtocol.TCP;
    private static final int PROTO_UDP = IpProtocol.UDP;
    private static final int PROTO_ICMPV6 = IpProtocol.ICMPV6;

    private final Ipv4Header ip4 = new Ipv4Header();
    private final Ipv6Header ip6 = new Ipv6Header();
    private final Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders();
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
    private final Ipv4Identification identifications;
    private final ByteBuf scratch;
    private final Rfc4884 rfc4884 = new Rfc4884();
    private final Stateful64 stateful;
    /** The last ICMPv6 error became an IPv4 error in place, to be translated back ({@link Verdict#AGAIN_46}). */
    private boolean looped;

    Xlat64(AddressMapper mapper, IcmpResponder responder, PacketOutput output, XlatCounters counters,
            Ipv4Identification identifications, ByteBuf scratch, Stateful64 stateful) {
        this.stateful = stateful;
        this.mapper = mapper;
        this.responder = responder;
        this.output = output;
        this.counters = counters;
        this.identifications = identifications;
        this.scratch = scratch;
    }

    /**
     * RFC 8200 §3: the IPv6 header is whole and its Payload Length agrees with what was read (no RFC 2675
     * jumbogram, which has no IPv4 equivalent); the addresses pass {@link AddressFilter}. Shared by NAT64
     * and NPTv6; fills the addresses of {@code c}; false (counted) if the packet is dropped.
     */
    boolean ipv6Packet(XlatContext c) {
        if (c.total < Ipv6Header.LENGTH) {
            c.drop(TRUNCATED_64);
            return false;
        }
        Ipv6Header h = ip6.wrap(c.buf, c.off);
        int payloadLength = h.payloadLength();
        if (payloadLength == 0 && h.nextHeader() == Ipv6Header.NEXT_HEADER_HOP_BY_HOP) {
            c.drop(JUMBOGRAM_64);
            return false;
        }
        if (Ipv6Header.LENGTH + payloadLength > c.total) {
            c.drop(TRUNCATED_64);
            return false;
        }
        c.total = Ipv6Header.LENGTH + payloadLength;
        c.srcHi = h.sourceHi();
        c.srcLo = h.sourceLo();
        c.dstHi = h.destinationHi();
        c.dstLo = h.destinationLo();
        DropReason forbidden = filter.check64(c);
        if (forbidden != null) {
            c.drop(forbidden); // spoofed or unroutable: silently (AddressFilter)
            return false;
        }
        return true;
    }

    /**
     * RFC 7915 §5: translates the IPv6 packet of {@code c}, already past {@link #ipv6Packet}. Returns
     * {@link Verdict#SEGMENT} (with nothing written) for a super-packet that cannot stay whole, for the
     * offload layer to cut into segments.
     */
    Verdict translate(XlatContext c) {
        XlatSnapshot snap = c.snap;
        if (!snap.nat64) {
            c.drop(NO_TRANSLATION_64); // e.g. the kernel's own MLD and RS on the device
            return Verdict.DONE;
        }
        if (c.dstHi == snap.ownIpv6Hi && c.dstLo == snap.ownIpv6Lo && (c.dstHi | c.dstLo) != 0) {
            responder.echoReply6(c);
            return Verdict.DONE;
        }
        if (!extensionHeaders(c)) {
            return Verdict.DONE;
        }
        Ipv6Header h = ip6.wrap(c.buf, c.off);
        c.ttl = h.hopLimit();
        c.tos = h.trafficClass();
        if (c.ttl <= 1) {
            // RFC 7915 §5.1: the translator "MUST check for zero and send the ... ICMPv6 'Hop Limit
            // Exceeded' error" (RFC 4443 type 3 code 0).
            responder.icmp6Error(c, Icmpv6Type.TIME_EXCEEDED, Icmpv6Type.HOP_LIMIT_EXCEEDED, 0);
            c.drop(HOP_LIMIT_EXCEEDED_64);
            return Verdict.DONE;
        }
        boolean icmpError = c.proto == PROTO_ICMPV6 && !c.fragmented && c.l4Length >= 1
                && Icmpv6Type.isError(icmp6.wrap(c.buf, c.l4).type());
        if (!mapAddresses(c, icmpError)) {
            return Verdict.DONE;
        }
        boolean hairpin = c.nat64 ? stateful.ours(c.dst4) : !c.dstViaStaticMap && mapper.isIpv6Host4(c.dst4);
        if (hairpin && c.offload.gso) {
            return Verdict.SEGMENT; // hairpinned segments are plain packets
        }
        if (hairpin && !icmpError) {
            c.offload.completePartial(c.buf, c.off);
            if (c.nat64) {
                stateful.hairpin(c, responder, output, counters);
            } else {
                hairpin(c);
            }
            return Verdict.DONE;
        }
        if (icmpError) {
            looped = false;
            DropReason why = icmpv6ErrorToIcmpv4(c, hairpin && c.nat64);
            if (why != null) {
                c.drop(why);
            }
            return looped ? Verdict.AGAIN_46 : Verdict.DONE;
        }
        OffloadState o = c.offload;
        int totalLength = Ipv4Header.MIN_LENGTH + c.l4Length;
        // For a super-packet, what goes on the wire is one segment: decide DF and the MTU on its size.
        int wireLength = o.gso ? Ipv4Header.MIN_LENGTH + o.l4HeaderLength(c.buf, c.l4) + o.gsoSize : totalLength;
        int mtu = snap.ipv4EgressMtu;
        if (o.gso && mtu > 0 && wireLength > mtu) {
            return Verdict.SEGMENT;
        }
        if (!o.gso && mtu > 0 && totalLength > mtu && totalLength > DF_THRESHOLD) {
            // RFC 7915 §1.4 / §5: too big for the IPv4 next hop, and IPv6 senders expect Packet Too Big
            // (the MTU includes the 20 bytes the IPv6 header adds).
            responder.icmp6Error(c, Icmpv6Type.PACKET_TOO_BIG, 0, Math.max(IPV6_MIN_MTU, mtu + Xlat46.IPV6_GROWTH));
            c.drop(PACKET_TOO_BIG_64);
            return Verdict.DONE;
        }
        if (c.nat64) {
            // RFC 6146 §3.5: the binding and session (the last check that can drop), before anything is written.
            DropReason why = c.fragOffset == 0 ? stateful.outbound(c, responder) : stateful.fragment64(c);
            if (why != null) {
                c.drop(why);
                return Verdict.DONE;
            }
        }
        if (c.fragOffset == 0) {
            DropReason why = transportHeader(c);
            if (why != null) {
                c.drop(why);
                return Verdict.DONE;
            }
            if (c.nat64) {
                stateful.rewrite64(c);
            }
        } else if (!c.moreFragments && c.proto == PROTO_ICMPV6) {
            stateful.icmpFragments.last(c, false, stateful.now); // its first fragment may wait for this length
        }
        int start = c.l4 - Ipv4Header.MIN_LENGTH;
        ipv6HeaderToIpv4(c, start, wireLength);
        counters.translated(XlatCounters.DIR_64, c.proto, totalLength);
        if (o.gso) {
            output.emitSuperPacket(c.buf, start, totalLength, c.l4, 4);
        } else {
            output.emit(c.buf, start, totalLength);
        }
        return Verdict.DONE;
    }

    /**
     * RFC 7915 §5.1: Hop-by-Hop, Destination Options and Routing headers with Segments Left 0 "MUST be
     * ignored" (the Protocol and Total Length skip them); with Segments Left non-zero the packet "MUST NOT
     * be translated" and a Parameter Problem pointing at it "SHOULD" be returned; an extension header after
     * the Fragment Header "SHOULD be dropped" (§5.4: with ICMPv6 1/1). Fills the upper-layer and fragment
     * facts of {@code c}; false (counted) if the packet is dropped.
     */
    private boolean extensionHeaders(XlatContext c) {
        ByteBuf buf = c.buf;
        Ipv6ExtensionHeaders e = ext.start(buf, c.off, c.off + c.total);
        while (e.next()) {
            int at = e.headerOffset();
            if (e.headerType() == Ipv6Header.NEXT_HEADER_ROUTING
                    && buf.getUnsignedByte(at + Ipv6ExtensionHeaders.SEGMENTS_LEFT) != 0) {
                responder.icmp6Error(c, Icmpv6Type.PARAMETER_PROBLEM, Icmpv6Type.ERRONEOUS_HEADER_FIELD,
                        at + Ipv6ExtensionHeaders.SEGMENTS_LEFT - c.off);
                c.drop(ROUTING_HEADER_64);
                return false;
            }
            if (e.headerType() == Ipv6Header.NEXT_HEADER_FRAGMENT) {
                counters.increment(XlatCounters.FRAGMENTS_IN_64);
            }
        }
        if (e.status() == Ipv6ExtensionHeaders.AFTER_FRAGMENT) {
            reject(c, EXT_HEADER_AFTER_FRAGMENT_64);
            return false;
        }
        if (e.truncated()) {
            c.drop(TRUNCATED_64);
            return false;
        }
        boolean fragment = e.fragmentHeaderOffset() >= 0;
        if (fragment) {
            Ipv6FragmentHeader f = frag.wrap(buf, e.fragmentHeaderOffset());
            c.fragOffset = f.fragmentOffset();
            c.moreFragments = f.moreFragments();
            c.identification = f.identification();
        }
        c.fragmentHeader = fragment;
        c.fragmented = fragment && (c.moreFragments || c.fragOffset != 0);
        c.proto = e.upperLayerProtocol();
        c.l4 = e.upperLayerOffset();
        c.l4Length = c.off + c.total - c.l4;
        c.l4Available = c.l4Length;
        return true;
    }

    /**
     * RFC 7915 §5.1 Source and Destination Address, through RFC 6052, the static map (EAM) or the dynamic
     * pool. An ICMPv6 error from an IPv6 router the mapping does not cover gets an RFC 6791 source. False
     * (rejected, §5.4) if an address cannot be mapped.
     */
    private boolean mapAddresses(XlatContext c, boolean icmpError) {
        DropReason why = mapper.map6to4(c.dstHi, c.dstLo, DST_UNMAPPABLE_64, WKPF_NON_GLOBAL_64);
        if (why == WKPF_NON_GLOBAL_64) {
            // RFC 6052 §3.1 ("MUST drop"); No Route to Destination (RFC 4443 §3.1), as the maintained TAYGA.
            responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.NO_ROUTE, 0);
            c.drop(why);
            return false;
        }
        if (why != null) {
            reject(c, why);
            return false;
        }
        c.dst4 = mapper.v4;
        c.dstViaStaticMap = mapper.viaStaticMap;
        c.rules.destination(mapper);
        why = icmpError ? mapper.map6to4(c.srcHi, c.srcLo, SRC_UNMAPPABLE_64, WKPF_NON_GLOBAL_64)
                : mapper.mapSource6to4(c.srcHi, c.srcLo);
        if (why == null) {
            c.src4 = mapper.v4;
            c.rules.source(mapper);
        } else if (why == SRC_UNMAPPABLE_64 && stateful.active() && !c.dstViaStaticMap) {
            c.nat64 = true; // RFC 6146: no static map, so a binding of pool4 (Stateful64, once the packet is validated)
        } else if (icmpError) {
            c.src4 = mapper.rfc6791Source(c.srcHi, c.srcLo); // RFC 6791: errors from untranslatable IPv6 routers
            c.rules.source(mapper);
        } else if (why == WKPF_NON_GLOBAL_64) {
            // RFC 6052 §3.1; Source Address Failed Ingress/Egress Policy (RFC 4443 §3.1), as the maintained TAYGA.
            responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.SOURCE_POLICY_FAILED, 0);
            c.drop(why);
            return false;
        } else {
            reject(c, why);
            return false;
        }
        return true;
    }

    /**
     * RFC 7915 §5.5 (and §5.2 for ICMPv6): the transport checksum for the new pseudo-header, in the outer
     * packet or, in inner mode (§5.3), in the packet quoted by an ICMPv6 error, of which only
     * {@code l4Available} bytes may be there: a header too short to hold its checksum is then left as it
     * is instead of dropped. A zero IPv6 UDP checksum goes to {@link #udpZeroChecksum} (in inner mode it
     * stays zero: "no checksum" in IPv4). The drop reason, or null.
     */
    DropReason transportHeader(XlatContext c) {
        ByteBuf b = c.pkt;
        int l4 = c.l4;
        boolean partial = c.offload.partial && !c.inner;
        switch (c.proto) {
            case PROTO_TCP:
                if (c.l4Available < Xlat46.TCP_CHECKSUM_END) {
                    return c.inner ? null : TOO_SHORT_L4_64;
                }
                tcpChecksum(c, b, l4, partial);
                return null;
            case PROTO_UDP:
                if (c.l4Available < UdpHeader.LENGTH) {
                    return c.inner ? null : TOO_SHORT_L4_64;
                }
                return udpChecksum(c, b, l4, partial);
            case PROTO_ICMPV6:
                return icmpv6ToIcmpv4(c);
            case PROTO_ICMP:
                return c.inner ? null : ICMP_WRONG_VERSION_64; // would reach IPv4 as an ICMPv4 message nobody validated
            default:
                return null;
        }
    }

    /**
     * RFC 8200 §8.1: an IPv6 UDP datagram with checksum zero "MUST" be discarded by an IPv6 receiver (RFC 6935
     * allows zero only for tunnel protocols). As the maintained TAYGA, {@code udp-cksum-mode} decides in this
     * direction too: {@code drop} discards it silently (§8.1 asks for a log, not an ICMP error); {@code fwd}
     * forwards checksum zero ("no checksum" in IPv4, RFC 768); {@code calc} writes the RFC 768 checksum over
     * the IPv4 pseudo-header, except for a fragment, whose other pieces it cannot see (dropped). The drop
     * reason, or null.
     */
    private DropReason udpZeroChecksum(XlatContext c) {
        UdpCksumMode mode = c.snap.udpCksumMode;
        if (mode == UdpCksumMode.FWD) {
            return null;
        }
        if (mode == UdpCksumMode.CALC && !c.fragmented) {
            int sum = Ipv4Header.pseudoHeaderSum(c.src4, c.dst4, c.l4Length, PROTO_UDP);
            int computed = Checksum.finish(Checksum.add(c.pkt, c.l4, c.l4Length, Checksum.fold(sum)));
            udp.wrap(c.pkt, c.l4).setChecksum(computed == 0 ? 0xffff : computed); // RFC 768: zero is sent as all ones
            return null;
        }
        return UDP_ZERO_CHECKSUM_64;
    }

    /** §5.5 for TCP: the checksum follows the pseudo-header (incrementally; a partial one stays partial). */
    private void tcpChecksum(XlatContext c, ByteBuf b, int l4, boolean partial) {
        TcpHeader t = tcp.wrap(b, l4);
        int sum = t.checksum();
        t.setChecksum(partial ? c.offload.updateChecksum(sum, oldPseudoSum(c), newPseudoSum(c))
                : Checksum.update(sum, oldPseudoSum(c), newPseudoSum(c)));
    }

    /** §5.5 for UDP: as TCP, except that a zero checksum ("none") goes to {@link #udpZeroChecksum}. */
    private DropReason udpChecksum(XlatContext c, ByteBuf b, int l4, boolean partial) {
        UdpHeader u = udp.wrap(b, l4);
        int sum = u.checksum();
        if (sum == 0 && !partial && !c.inner) {
            return udpZeroChecksum(c);
        }
        if (sum != 0 || partial) {
            sum = partial ? c.offload.updateChecksum(sum, oldPseudoSum(c), newPseudoSum(c))
                    : Checksum.update(sum, oldPseudoSum(c), newPseudoSum(c));
            u.setChecksum(sum == 0 && !partial ? 0xffff : sum);
        }
        return null;
    }

    private static int oldPseudoSum(XlatContext c) {
        return Checksum.sumIpv6(c.srcHi, c.srcLo) + Checksum.sumIpv6(c.dstHi, c.dstLo);
    }

    private static int newPseudoSum(XlatContext c) {
        return Checksum.sumIpv4(c.src4) + Checksum.sumIpv4(c.dst4);
    }

    /**
     * RFC 7915 §5.2: Echo Request and Echo Reply (types 128 and 129) become types 8 and 0 "and the ICMP
     * checksum MUST be recomputed (removing the pseudo-header)". MLD, Neighbor Discovery and unknown
     * informational types are "single-hop" or untranslatable and are silently dropped. Inside an ICMPv6
     * error (§5.3) only an echo may be quoted.
     */
    private DropReason icmpv6ToIcmpv4(XlatContext c) {
        int length = c.l4Length;
        if (c.inner) {
            if (c.l4Available < Xlat46.ICMP_CHECKSUM_END) {
                return null;
            }
        } else if (c.l4Available < Icmpv6Header.LENGTH) {
            return c.fragmented ? ICMP_FRAGMENTED_64 : TOO_SHORT_L4_64;
        } else if (c.fragmented) {
            // the pseudo-header's length is the whole message's, which the last fragment tells (IcmpFragments)
            length = IcmpTables.echoType64(icmp4.wrap(c.pkt, c.l4).type()) < 0 ? -2
                    : stateful.icmpFragments.total(c, false, stateful.now);
            if (length == -1) {
                return stateful.icmpFragments.hold(c, false, stateful.now) ? ICMP_FRAGMENT_HELD : ICMP_FRAGMENTED_64;
            }
            if (length < 0) {
                return ICMP_FRAGMENTED_64;
            }
        }
        Icmpv4Header echo = icmp4.wrap(c.pkt, c.l4); // an ICMPv6 echo has the ICMPv4 echo's layout
        int newType = IcmpTables.echoType64(echo.type());
        if (newType < 0) {
            return c.inner ? ICMP_ERROR_INNER_64 : ICMP_UNTRANSLATABLE_64;
        }
        IcmpTables.rewriteEcho(echo, newType,
                Ipv6Header.pseudoHeaderSum(c.srcHi, c.srcLo, c.dstHi, c.dstLo, length, PROTO_ICMPV6), false);
        return null;
    }

    /**
     * RFC 7915 §5.1: the IPv4 header at {@code at} in {@code c.pkt}: TOS = Traffic Class, Total Length =
     * Payload Length minus the extension headers + 20, TTL = Hop Limit - 1 (kept in inner mode, §5.3),
     * Protocol = the upper-layer Next Header (58 → 1), no options, header checksum computed. §5.1.1: with a
     * Fragment Header, Identification = its low-order 16 bits, MF and Fragment Offset copied, DF clear;
     * without, DF = 0 and an Identification generated here for packets whose {@code wireLength} is at most
     * 1260 bytes (none inside an error), else DF = 1.
     */
    void ipv6HeaderToIpv4(XlatContext c, int at, int wireLength) {
        int identification;
        int flags;
        if (c.fragmentHeader) {
            identification = c.identification & 0xffff;
            flags = (c.moreFragments ? Ipv4Header.FLAG_MF : 0) | c.fragOffset;
            if (!c.inner) {
                counters.increment(XlatCounters.FRAGMENTS_64);
            }
        } else if (wireLength <= DF_THRESHOLD) {
            identification = c.inner ? 0 : identifications.next();
            flags = 0;
        } else {
            identification = 0;
            flags = Ipv4Header.FLAG_DF;
        }
        ip4.wrap(c.pkt, at).write(c.tos, Ipv4Header.MIN_LENGTH + c.l4Length, identification, flags,
                c.inner ? c.ttl : c.ttl - 1, c.proto == PROTO_ICMPV6 ? PROTO_ICMP : c.proto, c.src4, c.dst4);
    }

    /**
     * RFC 7757 §4.2.2 ("intrinsic" hairpinning) and RFC 6146 §3.8: an IPv6 packet whose destination
     * maps, through the RFC 6052 prefix, to an IPv4 address that the static map gives to another IPv6
     * host goes straight back to IPv6: destination through the static map, source through the RFC 6052
     * prefix, hop limit decremented once. Addresses are rewritten in place and the transport checksum
     * updated for the IPv6 pseudo-header change.
     */
    private void hairpin(XlatContext c) {
        DropReason why = mapper.map4to6(c.dst4, DST_UNMAPPABLE_64, WKPF_NON_GLOBAL_64);
        if (why != null) {
            reject(c, why);
            return;
        }
        long newDstHi = mapper.hi;
        long newDstLo = mapper.lo;
        c.rules.destination(mapper);
        why = mapper.embed(c.src4, SRC_UNMAPPABLE_64, WKPF_NON_GLOBAL_64);
        if (why != null) {
            reject(c, why);
            return;
        }
        long newSrcHi = mapper.hi;
        long newSrcLo = mapper.lo;
        c.rules.source(mapper);
        ByteBuf buf = c.buf;
        int l4 = c.l4;
        int length = c.l4Length;
        int nh = c.proto;
        int oldSum = Checksum.sumIpv6(c.srcHi, c.srcLo) + Checksum.sumIpv6(c.dstHi, c.dstLo);
        int newSum = Checksum.sumIpv6(newSrcHi, newSrcLo) + Checksum.sumIpv6(newDstHi, newDstLo);
        if (c.fragOffset == 0) {
            if (nh == PROTO_TCP && length >= Xlat46.TCP_CHECKSUM_END) {
                tcp.wrap(buf, l4).updateChecksum(oldSum, newSum);
            } else if (nh == PROTO_UDP && length >= UdpHeader.LENGTH && udp.wrap(buf, l4).checksum() != 0) {
                int sum = Checksum.update(udp.checksum(), oldSum, newSum);
                udp.setChecksum(sum == 0 ? 0xffff : sum);
            } else if (nh == PROTO_ICMPV6 && length >= Xlat46.ICMP_CHECKSUM_END) {
                icmp6.wrap(buf, l4).updateChecksum(oldSum, newSum);
            }
        }
        Ipv6Header h = ip6.wrap(buf, c.off);
        h.setHopLimit(c.ttl - 1);
        h.setSource(newSrcHi, newSrcLo);
        h.setDestination(newDstHi, newDstLo);
        counters.translated(XlatCounters.DIR_64, nh, c.total); // hairpinned: one translation
        output.emit(buf, c.off, c.total);
    }

    // ---------------------------------------------------------------- ICMPv6 errors (§5.2, §5.3)

    /**
     * RFC 7915 §5.2 and §5.3: the ICMPv6 error of {@code c} (outer header validated, addresses mapped)
     * becomes an ICMPv4 error, built in the error scratch buffer and emitted. Type and code "MUST" be
     * translated as §5.2 lists them (others are silently dropped), after the ICMPv6 checksum is verified;
     * the quoted packet is translated by the same steps in inner mode (§5.3), never an error inside an
     * error; RFC 4884 extensions are kept when they fit in 576 bytes. The drop reason, or null.
     */
    private DropReason icmpv6ErrorToIcmpv4(XlatContext c, boolean hairpin) {
        int generated = identifications.next(); // taken for every error, as it always was
        ByteBuf buf = c.buf;
        int l4 = c.l4;
        int icmpLength = c.l4Length;
        int end = l4 + icmpLength;
        if (icmpLength < Icmpv6Header.LENGTH + Ipv6Header.LENGTH) {
            return ICMP_ERROR_INNER_64;
        }
        int check = Ipv6Header.pseudoHeaderSum(c.srcHi, c.srcLo, c.dstHi, c.dstLo, icmpLength, PROTO_ICMPV6);
        if (!Checksum.verifies(Checksum.add(buf, l4, icmpLength, Checksum.fold(check)))) {
            return ICMP_BAD_CHECKSUM_64;
        }
        Icmpv6Header e = icmp6.wrap(buf, l4);
        DropReason untranslatable = icmpv6TypeToIcmpv4(c, e);
        if (untranslatable != null) {
            return untranslatable;
        }
        int type = e.type();
        int newType = c.icmpType;
        int newCode = c.icmpCode;
        int parameter = c.icmpParameter;

        int ip = l4 + Icmpv6Header.LENGTH;
        Ipv6Header q = ip6.wrap(buf, ip);
        if (q.version() != 6 || ip + Ipv6Header.LENGTH > end) {
            return ICMP_ERROR_INNER_64;
        }
        Rfc4884 x = rfc4884;
        x.read(ip, end, type == Icmpv6Type.DEST_UNREACHABLE || type == Icmpv6Type.TIME_EXCEEDED ? e.length() * 8 : 0);
        int innerPayloadLength = q.payloadLength();
        int innerEnd = ip + Math.min(x.originalLength, Ipv6Header.LENGTH + innerPayloadLength);
        if (innerEnd < ip + Ipv6Header.LENGTH) {
            return ICMP_ERROR_INNER_64; // not even the inner header is quoted
        }
        // Skip the inner extension headers as §5.1 does for the outer ones.
        Ipv6ExtensionHeaders w = ext.walk(buf, ip, innerEnd);
        if (w.malformed()) {
            return ICMP_ERROR_INNER_64;
        }
        int nh = w.upperLayerProtocol();
        if (nh == PROTO_ICMP) {
            return ICMP_WRONG_VERSION_64; // as outside (§5.1): ICMPv4 in IPv6 would reach IPv4 unvalidated
        }
        int p = w.upperLayerOffset();
        boolean innerFragment = w.fragmentHeaderOffset() >= 0;
        int innerOffset = 0;
        boolean innerMore = false;
        int innerIdentification = 0;
        if (innerFragment) {
            Ipv6FragmentHeader f = frag.wrap(buf, w.fragmentHeaderOffset());
            innerOffset = f.fragmentOffset();
            innerMore = f.moreFragments();
            innerIdentification = f.identification();
        }
        int headersLength = p - ip - Ipv6Header.LENGTH;
        long innerSrcHi = q.sourceHi();
        long innerSrcLo = q.sourceLo();
        long innerDstHi = q.destinationHi();
        long innerDstLo = q.destinationLo();
        if (innerSrcHi != c.dstHi || innerSrcLo != c.dstLo) {
            return ICMP_ERROR_MISMATCH_64; // RFC 4443 §2.4(c): an error goes to the source of the quoted packet
        }
        int innerSrc;
        int innerDst;
        if (c.nat64) {
            // RFC 6146 §3.4, §3.6.1: the inner packet's tuple finds the binding; its destination becomes (T, t).
            DropReason why = stateful.error64(c, nh, innerOffset == 0, buf, p, innerEnd - p, innerSrcHi, innerSrcLo,
                    innerDstHi, innerDstLo);
            if (why != null) {
                return why;
            }
            innerSrc = stateful.innerSrc4;
            innerDst = stateful.innerDst4;
        } else {
            if (mapper.map6to4(innerSrcHi, innerSrcLo, ICMP_ERROR_INNER_64, ICMP_ERROR_INNER_64) != null) {
                return ICMP_ERROR_INNER_64;
            }
            innerSrc = mapper.v4;
            if (mapper.map6to4(innerDstHi, innerDstLo, ICMP_ERROR_INNER_64, ICMP_ERROR_INNER_64) != null) {
                return ICMP_ERROR_INNER_64;
            }
            innerDst = mapper.v4;
        }
        int translatedInner = Ipv4Header.MIN_LENGTH + innerEnd - p;

        // Sizes (RFC 1812 §4.3.2.3: at most 576 bytes; RFC 4884 §4 for the extension).
        int maxBody = IcmpResponder.ICMP4_ERROR_MAX - Ipv4Header.MIN_LENGTH - Icmpv4Header.LENGTH;
        x.layout(translatedInner, maxBody, (newType == Icmpv4Type.DEST_UNREACHABLE || newType == Icmpv4Type.TIME_EXCEEDED)
                && newCode != Icmpv4Type.FRAG_NEEDED, 4);
        int upperCopy = Math.max(0, Math.min(translatedInner, x.originalOut) - Ipv4Header.MIN_LENGTH);

        int s = Translator.HEADROOM;
        int icmp = s + Ipv4Header.MIN_LENGTH;
        int inner = icmp + Icmpv4Header.LENGTH;
        ByteBuf out = scratch;
        out.setBytes(inner + Ipv4Header.MIN_LENGTH, buf, p, upperCopy);
        // §5.3: the same steps as for the outer packet, in inner mode, on the copy in the scratch buffer.
        int outerTos = c.tos;
        int outerTtl = c.ttl;
        int outerSrc = c.src4;
        int outerDst = c.dst4;
        int outerIdentification = c.fragmentHeader ? c.identification & 0xffff : generated;
        c.becomeInner(out);
        c.l4 = inner + Ipv4Header.MIN_LENGTH;
        c.l4Length = innerPayloadLength - headersLength;
        c.l4Available = upperCopy;
        c.proto = nh;
        c.src4 = innerSrc;
        c.dst4 = innerDst;
        c.srcHi = innerSrcHi;
        c.srcLo = innerSrcLo;
        c.dstHi = innerDstHi;
        c.dstLo = innerDstLo;
        c.tos = q.trafficClass();
        c.ttl = q.hopLimit();
        c.fragmentHeader = innerFragment;
        c.identification = innerIdentification;
        c.fragOffset = innerOffset;
        c.moreFragments = innerMore;
        c.fragmented = innerFragment && (innerMore || innerOffset != 0);
        DropReason why = innerOffset == 0 ? transportHeader(c) : null;
        if (why == null) {
            if (c.nat64) {
                stateful.rewriteInner64(c);
            }
            ipv6HeaderToIpv4(c, inner, Ipv4Header.MIN_LENGTH + c.l4Length);
        }
        c.restoreOuter();
        if (why != null) {
            return why;
        }
        x.finish(out, inner, Ipv4Header.MIN_LENGTH + upperCopy, buf);
        int icmpLength4 = Icmpv4Header.LENGTH + x.body;
        Icmpv4Header o = icmp4.wrap(out, icmp);
        o.setType(newType);
        o.setCode(newCode);
        o.setChecksum(0);
        o.setRestOfHeader(0);
        if (newType == Icmpv4Type.PARAMETER_PROBLEM) {
            o.setPointer(parameter);
        } else if (newType == Icmpv4Type.DEST_UNREACHABLE && newCode == Icmpv4Type.FRAG_NEEDED) {
            o.setNextHopMtu(parameter); // RFC 1191
        } else {
            o.setLength(x.withExtension ? x.originalOut / 4 : 0); // RFC 4884 §4.1: 32-bit words
        }
        o.setChecksum(Checksum.finish(Checksum.add(out, icmp, icmpLength4, 0)));
        int total = Ipv4Header.MIN_LENGTH + icmpLength4;
        if (hairpin && total <= c.total) {
            // RFC 6146 §3.8: an error about a hairpinned flow goes back to IPv6 in the same step: the IPv4 error
            // replaces the packet (hop limit not yet decremented: the 4→6 translation does it once).
            ip4.wrap(out, s).write(outerTos, total, outerIdentification, 0, outerTtl, PROTO_ICMP, outerSrc, outerDst);
            c.buf.setBytes(c.off, out, s, total);
            c.total = total;
            looped = true;
            return null;
        }
        ip4.wrap(out, s).write(outerTos, total, outerIdentification, 0, outerTtl - 1, PROTO_ICMP, outerSrc, outerDst);
        counters.translated(XlatCounters.DIR_64, PROTO_ICMP, total);
        output.emit(out, s, total);
        return null;
    }

    /**
     * RFC 7915 §5.2, ICMPv6 error messages: the type and code "MUST" be translated as the RFC lists them
     * (Destination Unreachable; Packet Too Big to Fragmentation Needed with the MTU adjusted; Time
     * Exceeded; Parameter Problem to Protocol Unreachable or Parameter Problem with the pointer of Figure
     * 6); other types and codes are silently dropped. Sets {@code c.icmpType}, {@code icmpCode},
     * {@code icmpParameter}; the drop reason, or null.
     */
    private DropReason icmpv6TypeToIcmpv4(XlatContext c, Icmpv6Header e) {
        int type = e.type();
        int code = e.code();
        int newType;
        int newCode;
        int parameter = 0;
        switch (type) {
            case Icmpv6Type.DEST_UNREACHABLE:
                newType = Icmpv4Type.DEST_UNREACHABLE;
                switch (code) {
                    case Icmpv6Type.NO_ROUTE, Icmpv6Type.BEYOND_SCOPE, Icmpv6Type.ADDRESS_UNREACHABLE ->
                            newCode = Icmpv4Type.HOST_UNREACHABLE;
                    case Icmpv6Type.ADMIN_PROHIBITED -> newCode = Icmpv4Type.HOST_PROHIBITED;
                    case Icmpv6Type.PORT_UNREACHABLE -> newCode = Icmpv4Type.PORT_UNREACHABLE;
                    default -> {
                        return ICMP_UNTRANSLATABLE_64;
                    }
                }
                break;
            case Icmpv6Type.PACKET_TOO_BIG: { // Fragmentation Needed, MTU adjusted
                newType = Icmpv4Type.DEST_UNREACHABLE;
                newCode = Icmpv4Type.FRAG_NEEDED;
                long mtu = (e.mtu() & 0xffffffffL) - Xlat46.IPV6_GROWTH;
                if (c.snap.ipv4NextHopMtu() > 0) {
                    mtu = Math.min(mtu, c.snap.ipv4NextHopMtu());
                }
                if (c.snap.ipv6NextHopMtu() > 0) {
                    mtu = Math.min(mtu, c.snap.ipv6NextHopMtu() - Xlat46.IPV6_GROWTH);
                }
                parameter = (int) Math.max(0, Math.min(0xffff, mtu));
                break;
            }
            case Icmpv6Type.TIME_EXCEEDED: // code unchanged
                newType = Icmpv4Type.TIME_EXCEEDED;
                newCode = code;
                break;
            case Icmpv6Type.PARAMETER_PROBLEM:
                if (code == Icmpv6Type.UNRECOGNIZED_NEXT_HEADER) { // Protocol Unreachable
                    newType = Icmpv4Type.DEST_UNREACHABLE;
                    newCode = Icmpv4Type.PROTOCOL_UNREACHABLE;
                } else if (code == Icmpv6Type.ERRONEOUS_HEADER_FIELD) {
                    int pointer = IcmpTables.pointer64(e.pointer() & 0xffffffffL);
                    if (pointer < 0) {
                        return ICMP_UNTRANSLATABLE_64;
                    }
                    newType = Icmpv4Type.PARAMETER_PROBLEM;
                    newCode = Icmpv4Type.POINTER_INDICATES_ERROR;
                    parameter = pointer;
                } else {
                    return ICMP_UNTRANSLATABLE_64;
                }
                break;
            default:
                return ICMP_UNTRANSLATABLE_64;
        }
        c.icmpType = newType;
        c.icmpCode = newCode;
        c.icmpParameter = parameter;
        return null;
    }

    /** RFC 7915 §5.4: a dropped IPv6 packet gets ICMPv6 1/1 back, except for {@link DropReason#silent} drops. */
    void reject(XlatContext c, DropReason why) {
        if (!why.silent()) {
            responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.ADMIN_PROHIBITED, 0);
        }
        c.drop(why);
    }
}
