// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

/** What a translation step tells the layer that called it, beyond "done" (translated, answered or dropped). */
enum Verdict {
    /** The packet was translated, answered or dropped and counted. */
    DONE,
    /**
     * A GSO super-packet that cannot stay whole (an MTU its segments exceed, hairpinning); nothing was
     * written, and the offload layer cuts it into plain segments and translates each.
     */
    SEGMENT,
    /**
     * Stateful NAT64 hairpinning of an ICMPv6 error (RFC 6146 §3.8 with §3.6): the packet was rewritten in place
     * into the IPv4 error it becomes, addressed to pool4, which RFC 7915 §4 now translates back to IPv6.
     */
    AGAIN_46
}
