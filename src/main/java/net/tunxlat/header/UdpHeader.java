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
 * <p>A zero Checksum over IPv4 means "no checksum" (RFC 768); the {@code *WithChecksumUpdate} setters
 * leave it zero. Over IPv6 it is mandatory (RFC 8200 §8.1).
 */
public final class UdpHeader {
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    /** The offset of the Length field (the header's own size is {@link #LENGTH}). */
    public static final int LENGTH_FIELD = 4;
    public static final int CHECKSUM = 6;
    /** The header's size in bytes. */
    public static final int LENGTH = 8;

    private ByteBuf buf;
    private int at;

    public UdpHeader wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.at = offset;
        return this;
    }

    public int offset() {
        return at;
    }

    public ByteBuf buffer() {
        return buf;
    }

    public int sourcePort() {
        return buf.getUnsignedShort(at + SOURCE_PORT);
    }

    public void setSourcePort(int port) {
        buf.setShort(at + SOURCE_PORT, port);
    }

    /** Sets the Source Port and updates a non-zero Checksum incrementally (RFC 1624 §3). */
    public void setSourcePortWithChecksumUpdate(int port) {
        ChecksumFields.setShort(buf, at + SOURCE_PORT, port, at + CHECKSUM, true);
    }

    public int destinationPort() {
        return buf.getUnsignedShort(at + DESTINATION_PORT);
    }

    public void setDestinationPort(int port) {
        buf.setShort(at + DESTINATION_PORT, port);
    }

    /** Sets the Destination Port and updates a non-zero Checksum incrementally (RFC 1624 §3). */
    public void setDestinationPortWithChecksumUpdate(int port) {
        ChecksumFields.setShort(buf, at + DESTINATION_PORT, port, at + CHECKSUM, true);
    }

    /** The Length field: header and data in bytes. */
    public int length() {
        return buf.getUnsignedShort(at + LENGTH_FIELD);
    }

    public void setLength(int length) {
        buf.setShort(at + LENGTH_FIELD, length);
    }

    public int checksum() {
        return buf.getUnsignedShort(at + CHECKSUM);
    }

    public void setChecksum(int checksum) {
        buf.setShort(at + CHECKSUM, checksum);
    }

    /**
     * Updates a non-zero Checksum for covered words (pseudo-header addresses, say) whose folded sum went
     * from {@code oldSum} to {@code newSum} (RFC 1624 §3).
     */
    public void updateChecksum(int oldSum, int newSum) {
        ChecksumFields.adjust(buf, at + CHECKSUM, oldSum, newSum, true);
    }
}
