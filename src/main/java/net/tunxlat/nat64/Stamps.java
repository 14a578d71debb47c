// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/** Epoch stamps truncated to a field of a state word, compared modulo the field's width. */
final class Stamps {
    private Stamps() {
    }

    /** Whether an entry stamped {@code stamp} (epoch & mask) was unlinked before epoch {@code safe}. */
    static boolean before(long stamp, long safe, long mask) {
        long d = (safe - stamp) & mask;
        return d != 0 && d < (mask >>> 1);
    }
}
