// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

/**
 * The IPv4 Identification source of one worker (RFC 7915 §5.1: "set according to a Fragment
 * Identification generation algorithm at the translator"; RFC 6864 §4.1): a counter, started at a
 * clock-derived value, for unfragmented 6→4 packets of at most 1260 bytes and the translator's own
 * IPv4 packets.
 */
final class Ipv4Identification {
    private int last;

    Ipv4Identification(long seed) {
        this.last = (int) (seed & 0xffff);
    }

    /** The next Identification. */
    int next() {
        return last = (last + 1) & 0xffff;
    }

    /** Takes {@code count} consecutive Identifications; the first. */
    int reserve(int count) {
        int first = (last + 1) & 0xffff;
        last = (last + count) & 0xffff;
        return first;
    }
}
