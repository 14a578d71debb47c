// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;

/** The one place the views write a 16-bit field and patch the covering checksum (RFC 1624 §3). */
final class ChecksumFields {
    private ChecksumFields() {}

    /**
     * Writes the 16-bit {@code value} at {@code buf[field]} and updates the checksum at {@code buf[checksum]}
     * by RFC 1624 eqn. 3. With {@code zeroMeansNone}, a checksum field of zero is left zero: an IPv4 UDP
     * datagram sent without a checksum (RFC 768 "An all zero transmitted checksum value means that the
     * transmitter generated no checksum").
     */
    static void setShort(ByteBuf buf, int field, int value, int checksum, boolean zeroMeansNone) {
        int old = buf.getUnsignedShort(field);
        buf.setShort(field, value);
        adjust(buf, checksum, old, value & 0xffff, zeroMeansNone);
    }

    /**
     * Updates the checksum at {@code buf[checksum]} for covered data (or pseudo-header words) whose folded
     * sum went from {@code oldSum} to {@code newSum} (RFC 1624 §3); see {@link #setShort} for
     * {@code zeroMeansNone}.
     */
    static void adjust(ByteBuf buf, int checksum, int oldSum, int newSum, boolean zeroMeansNone) {
        int c = buf.getUnsignedShort(checksum);
        if (zeroMeansNone && c == 0) {
            return;
        }
        buf.setShort(checksum, Checksum.update(c, oldSum, newSum));
    }
}
