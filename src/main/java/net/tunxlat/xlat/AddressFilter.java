// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import net.tunxlat.header.Icmpv4Header;
import net.tunxlat.header.Icmpv4Type;
import net.tunxlat.header.Icmpv6Header;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6ExtensionHeaders;
import net.tunxlat.mapping.Rfc6052;

/**
 * Addresses that no router forwards, checked before anything else is decided about a packet (the
 * validation stage): a packet with one of them is spoofed or misrouted, and translating it would hand
 * the other side a packet it must not see. Such packets are dropped silently (no ICMP error goes to a
 * source that is not a real host) and counted under {@code forbidden_src_*} / {@code forbidden_dst_*}.
 * The lists follow Jool's built-in denylist.
 *
 * <ul>
 *   <li>IPv4 (RFC 1812 §5.3.7 "martian" addresses, RFC 3927 §2.7): 0.0.0.0/8 ("this network"),
 *       127.0.0.0/8 (loopback), 169.254.0.0/16 (link-local), 224.0.0.0/4 (multicast) and the limited
 *       broadcast 255.255.255.255, as source or destination; and the translator's own {@code ipv4-addr} as
 *       a source. The rest of 240.0.0.0/4 (reserved, "class E") is translated, as the maintained TAYGA
 *       does: some networks number with it internally, and nothing in RFC 7915 forbids it (issue 14 item
 *       2; under the Well-Known Prefix it is still non-global, RFC 6052 §3.1).
 *   <li>IPv6 (RFC 4291 §2.5.2, §2.5.3, §2.5.6, §2.7): :: (unspecified), ::1 (loopback), fe80::/10
 *       (link-local) and ff00::/8 (multicast), as source or destination; and the translator's own
 *       {@code ipv6-addr} as a source; and an address of the RFC 6052 prefix standing for a forbidden IPv4
 *       address (or, as a source, for the translator's {@code ipv4-addr}). {@link AddressMapper#map6to4}
 *       refuses those too, for the packets inside ICMP errors.
 * </ul>
 *
 * <p>One exception, as Jool makes it (its graybox tests siit-095/096): an ICMPv4 <em>error</em> from a
 * martian source (a misconfigured router reporting from 127.0.0.1 or 0.0.0.0) is still translated, with
 * its source embedded in the prefix, because the error is about the host's own traffic and drops
 * nothing but information; likewise an ICMPv6 error from a link-local source (a router of a network
 * numbered with link-local addresses only, RFC 7404), which gets an RFC 6791 source. Errors claiming to
 * come from the translator's own address are not exempt.
 */
final class AddressFilter {
    private final Ipv4Header ip4 = new Ipv4Header();
    private final Icmpv4Header icmp4 = new Icmpv4Header();
    private final Icmpv6Header icmp6 = new Icmpv6Header();
    private final Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders();

    /**
     * RFC 1812 §5.3.7 / RFC 3927 §2.7: 0/8, 127/8, 169.254/16, 224/4 (multicast) and 255.255.255.255
     * (the limited broadcast); not the rest of 240/4 (see the class comment).
     */
    static boolean martian4(int a) {
        int o1 = a >>> 24;
        return o1 == 0 || o1 == 127 || (o1 >= 224 && o1 < 240) || a == 0xffffffff || (a >>> 16) == 0xa9fe;
    }

    /** RFC 4291: ::, ::1, fe80::/10 and ff00::/8, which no router forwards between links. */
    static boolean martian6(long hi, long lo) {
        return (hi == 0 && (lo == 0 || lo == 1)) || linkLocal6(hi) || (hi >>> 56) == 0xff;
    }

    /**
     * The validation-stage check of the IPv4 packet of {@code c}, whose header ({@code ihl} bytes) has
     * been validated: the drop reason, or null if it may be translated.
     */
    DropReason check46(XlatContext c, int ihl) {
        XlatSnapshot snap = c.snap;
        Ipv4Header h = ip4.wrap(c.buf, c.off);
        int src = h.source();
        int dst = h.destination();
        if (martian4(dst)) {
            return DropReason.FORBIDDEN_DST_46;
        }
        if (src == snap.ownIpv4 && !c.hairpinned) { // a hairpinned error the translator itself turned to IPv4
            return DropReason.FORBIDDEN_SRC_46;
        }
        if (martian4(src) && !isIcmp4Error(h, ihl, c.total)) {
            return DropReason.FORBIDDEN_SRC_46;
        }
        return null;
    }

    /**
     * The validation-stage check of an IPv6 packet's addresses: the drop reason, or null. Addresses in the
     * RFC 6052 prefix are checked for the IPv4 address they stand for, so that nothing (not even a Time
     * Exceeded) is sent to a source that claims to be 127.0.0.1 or the translator.
     */
    DropReason check64(XlatContext c) {
        XlatSnapshot snap = c.snap;
        long srcHi = c.srcHi;
        long srcLo = c.srcLo;
        long dstHi = c.dstHi;
        long dstLo = c.dstLo;
        Rfc6052 p = snap.rfc6052;
        if (martian6(dstHi, dstLo) || (p != null && p.matches(dstHi, dstLo) && martian4(p.extract(dstHi, dstLo)))) {
            return DropReason.FORBIDDEN_DST_64;
        }
        if (martian6(srcHi, srcLo) && !(linkLocal6(srcHi) && isIcmp6Error(c.buf, c.off, c.total))) {
            return DropReason.FORBIDDEN_SRC_64;
        }
        if (srcHi == snap.ownIpv6Hi && srcLo == snap.ownIpv6Lo && (srcHi | srcLo) != 0) {
            return DropReason.FORBIDDEN_SRC_64;
        }
        if (p != null && p.matches(srcHi, srcLo)) {
            int a = p.extract(srcHi, srcLo);
            if (martian4(a) || a == snap.ownIpv4) {
                return DropReason.FORBIDDEN_SRC_64;
            }
        }
        return null;
    }

    static boolean linkLocal6(long hi) {
        return (hi >>> 54) == (0xfe80L >>> 6);
    }

    /** An ICMPv6 error message (type below 128) after the IPv6 header and any Hop-by-Hop / Destination / Routing headers. */
    private boolean isIcmp6Error(ByteBuf buf, int off, int total) {
        return IcmpResponder.isIcmpv6Error(ext, icmp6, buf, off, total);
    }

    /** An unfragmented ICMPv4 message of an error type (3, 4, 5, 11, 12). */
    private boolean isIcmp4Error(Ipv4Header h, int ihl, int total) {
        if (h.protocol() != IpProtocol.ICMP || total < ihl + 1 || h.moreFragments() || h.fragmentOffset() != 0) {
            return false;
        }
        return Icmpv4Type.isError(icmp4.wrap(h.buffer(), h.offset() + ihl).type());
    }
}
