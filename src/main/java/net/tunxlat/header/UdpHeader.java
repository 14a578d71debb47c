// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of a UDP header (RFC 768) at an offset of a {@link ByteBuf}. The view does not check
 * bounds: the caller validates the length before wrapping.
 *
 * <pre>
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |                 |                 |
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 * </pre>
 *
 * <p>Source Port, Destination Port and Checksum are read and written as for {@link TcpHeader}. A zero
 * Checksum over IPv4 means "no checksum" (RFC 768); the {@code *WithChecksumUpdate} setters and
 * {@code updateChecksum} leave it zero. Over IPv6 it is mandatory (RFC 8200 §8.1).
 */
public final class UdpHeader extends PortsHeaderView {
    /** The offset of the Length field (the header's own size is {@link #LENGTH}). */
    public static final int LENGTH_FIELD = 4;
    public static final int CHECKSUM = 6;
    /** The header's size in bytes. */
    public static final int LENGTH = 8;

    public UdpHeader() {
        super(CHECKSUM, true);
    }

    public UdpHeader wrap(ByteBuf buf, int offset) {
        point(buf, offset);
        return this;
    }

    /** The Length field: header and data in bytes. */
    public int length() {
        return getUnsignedShort(at + LENGTH_FIELD);
    }

    public void setLength(int length) {
        setShort(at + LENGTH_FIELD, length);
    }
}
