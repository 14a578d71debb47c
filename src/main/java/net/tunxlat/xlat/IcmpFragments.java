// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import net.tunxlat.header.IpProtocol;

/**
 * Fragmented ICMP echo messages (RFC 7915 §4.2 and §5.2: the checksum "MUST be recomputed" to add or remove the
 * IPv6 pseudo-header). The pseudo-header holds the upper-layer packet length (RFC 8200 §8.1): the whole ICMP
 * message's, which the first fragment, the one that carries the checksum, does not know. The last fragment
 * (offset > 0, no More Fragments) tells it: offset × 8 + its payload. So the first fragment is translated once the
 * last is known: at once when the last came first (its total is remembered here, 4 s), else it is held
 * ({@link EarlyFragments}) and translated right after the last. The middle and last fragments carry no ICMP
 * header and are translated as they come. Everything else of the checksum update stays incremental: the ICMPv4
 * checksum covers the whole message, so only the type and the pseudo-header change.
 *
 * <p>One per worker (all fragments of a datagram reach one queue, see {@link StatefulFragments}). Stateful NAT64
 * too: its first fragment is looked up by its identifier (RFC 6146 §3.4), the others take that binding, and the
 * first fragment, held, is looked up again when it is translated.
 */
final class IcmpFragments {
    /** Keeps these keys apart from stateful NAT64's in the shared {@link EarlyFragments}. */
    private static final int TAG = 0x10000;
    private static final int PD_46 = IpProtocol.ICMP << 1 | 1 | TAG;
    private static final int PD_64 = IpProtocol.ICMPV6 << 1 | TAG;

    private final StatefulFragments totals = new StatefulFragments();
    private final EarlyFragments held;

    IcmpFragments(EarlyFragments held) {
        this.held = held;
    }

    /** The whole message's length of the datagram {@code c} is a fragment of, or -1 while its last is unknown. */
    int total(XlatContext c, boolean fromIpv4, long now) {
        boolean found = fromIpv4 ? totals.find(c.src4, 0, c.dst4, 0, c.identification, PD_46, now)
                : totals.find(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.identification, PD_64, now);
        return found ? (int) totals.lo : -1;
    }

    /** Holds the first fragment {@code c} until its last comes; false if the store cannot take it. */
    boolean hold(XlatContext c, boolean fromIpv4, long now) {
        return fromIpv4 ? held.hold(c.src4, 0, c.dst4, 0, c.identification, PD_46, c.buf, c.off, c.total, now)
                : held.hold(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.identification, PD_64, c.buf, c.off, c.total, now);
    }

    /**
     * {@code c} is the last fragment (offset > 0, no More Fragments) of an ICMP datagram: remembers the message's
     * length and releases the first fragment if it is held (translated after this packet).
     */
    void last(XlatContext c, boolean fromIpv4, long now) {
        int length = c.fragOffset * 8 + c.l4Length;
        if (fromIpv4) {
            totals.put(c.src4, 0, c.dst4, 0, c.identification, PD_46, 0, length, now);
            held.release(c.src4, 0, c.dst4, 0, c.identification, PD_46);
        } else {
            totals.put(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.identification, PD_64, 0, length, now);
            held.release(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.identification, PD_64);
        }
    }
}
