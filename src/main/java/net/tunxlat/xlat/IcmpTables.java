// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Icmpv4Header;
import net.tunxlat.header.Icmpv4Type;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;

/**
 * The ICMP tables of RFC 7915 written out as data: the Parameter Problem pointer maps (§4.2 Figure 3,
 * §5.2 Figure 6), the echo type maps (§4.2, §5.2), the Packet Too Big MTU (§4.2, RFC 1191 §7 plateaus)
 * and the incremental echo checksum rewrite shared by both directions and by inner mode.
 */
final class IcmpTables {
    private IcmpTables() {}

    /** RFC 1191 §7 plateau table, for Fragmentation Needed messages with an MTU of zero. */
    private static final int[] PLATEAUS = {65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};

    /** RFC 7915 §4.2 Figure 3: IPv4 Parameter Problem pointer to IPv6, or -1 ("n/a": drop). */
    static int pointer46(int p) {
        if (p == Ipv4Header.VERSION_IHL || p == Ipv4Header.TYPE_OF_SERVICE) {
            return p; // Version/IHL -> Version/Traffic Class, Type of Service -> Traffic Class
        }
        if (p == Ipv4Header.TOTAL_LENGTH || p == Ipv4Header.TOTAL_LENGTH + 1) {
            return Ipv6Header.PAYLOAD_LENGTH;
        }
        if (p == Ipv4Header.TIME_TO_LIVE) {
            return Ipv6Header.HOP_LIMIT;
        }
        if (p == Ipv4Header.PROTOCOL) {
            return Ipv6Header.NEXT_HEADER;
        }
        if (p >= Ipv4Header.SOURCE && p < Ipv4Header.SOURCE + 4) {
            return Ipv6Header.SOURCE;
        }
        if (p >= Ipv4Header.DESTINATION && p < Ipv4Header.DESTINATION + 4) {
            return Ipv6Header.DESTINATION;
        }
        return -1;
    }

    /**
     * RFC 7915 §4.2: the Packet Too Big MTU is {@code min(advertised MTU + 20, MTU of the IPv6 next hop,
     * MTU of the IPv4 next hop + 20)}; an advertised MTU of zero is replaced by the RFC 1191 §7 plateau
     * below the quoted Total Length; the result is never below 1280 (§5 and RFC 8200 §5).
     */
    static int packetTooBigMtu(XlatSnapshot snap, int mtu4, int quotedTotalLength) {
        if (mtu4 == 0) {
            mtu4 = PLATEAUS[PLATEAUS.length - 1];
            for (int p : PLATEAUS) {
                if (p < quotedTotalLength) {
                    mtu4 = p;
                    break;
                }
            }
        }
        int mtu6 = mtu4 + Xlat46.IPV6_GROWTH;
        if (snap.ipv6NextHopMtu() > 0) {
            mtu6 = Math.min(mtu6, snap.ipv6NextHopMtu());
        }
        if (snap.ipv4NextHopMtu() > 0) {
            mtu6 = Math.min(mtu6, snap.ipv4NextHopMtu() + Xlat46.IPV6_GROWTH);
        }
        return Math.max(Xlat64.IPV6_MIN_MTU, mtu6);
    }

    /** Echo Request 8 → 128 and Echo Reply 0 → 129; -1 for anything else. */
    static int echoType46(int type) {
        return type == Icmpv4Type.ECHO_REQUEST ? Icmpv6Type.ECHO_REQUEST
                : type == Icmpv4Type.ECHO_REPLY ? Icmpv6Type.ECHO_REPLY : -1;
    }

    /** Echo Request 128 → 8 and Echo Reply 129 → 0; -1 for anything else. */
    static int echoType64(int type) {
        return type == Icmpv6Type.ECHO_REQUEST ? Icmpv4Type.ECHO_REQUEST
                : type == Icmpv6Type.ECHO_REPLY ? Icmpv4Type.ECHO_REPLY : -1;
    }

    /** RFC 7915 §5.2 Figure 6: IPv6 Parameter Problem pointer to IPv4, or -1 ("n/a": drop). */
    static int pointer64(long p) {
        if (p == 0 || p == 1) {
            return (int) p; // Version/Traffic Class -> Version/IHL, Type of Service
        }
        if (p == Ipv6Header.PAYLOAD_LENGTH || p == Ipv6Header.PAYLOAD_LENGTH + 1) {
            return Ipv4Header.TOTAL_LENGTH;
        }
        if (p == Ipv6Header.NEXT_HEADER) {
            return Ipv4Header.PROTOCOL;
        }
        if (p == Ipv6Header.HOP_LIMIT) {
            return Ipv4Header.TIME_TO_LIVE;
        }
        if (p >= Ipv6Header.SOURCE && p < Ipv6Header.SOURCE + 16) {
            return Ipv4Header.SOURCE;
        }
        if (p >= Ipv6Header.DESTINATION && p < Ipv6Header.DESTINATION + 16) {
            return Ipv4Header.DESTINATION;
        }
        return -1;
    }

    /**
     * Rewrites the echo header {@code echo} points at to {@code newType} and updates its checksum
     * incrementally (RFC 1624): the ICMPv6 checksum covers the pseudo-header ({@code pseudoSum}), the
     * ICMPv4 one does not, so it is added going to IPv6 and removed going to IPv4. (An ICMPv6 echo has
     * the ICMPv4 layout: type, code, checksum, identifier, sequence number.)
     */
    static void rewriteEcho(Icmpv4Header echo, int newType, int pseudoSum, boolean toIpv6) {
        int code = echo.code();
        int oldWord = (echo.type() << 8) | code;
        int newWord = (newType << 8) | code;
        int c = echo.checksum();
        c = toIpv6 ? Checksum.update(c, oldWord, Checksum.fold(pseudoSum) + newWord)
                : Checksum.update(c, Checksum.fold(pseudoSum) + oldWord, newWord);
        echo.setType(newType);
        echo.setChecksum(c);
    }
}
