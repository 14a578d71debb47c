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
    SEGMENT
}
