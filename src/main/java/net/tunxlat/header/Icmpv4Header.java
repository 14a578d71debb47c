package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an ICMPv4 header (RFC 792) at an offset of a {@link ByteBuf}: the first 8 bytes of
 * every message, whose second word depends on the type. The view does not check bounds: the caller
 * validates the length before wrapping. Types and codes are in {@link Icmpv4Type}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Identifier (echo)         |   Sequence Number (echo)      |
 * |Pointer (12)   |Length (4884)  |   Next-Hop MTU (3/4, RFC 1191)|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Length (RFC 4884 §4.1, Destination Unreachable, Time Exceeded, Parameter Problem) is the length of
 * the quoted original datagram in 32-bit words when an extension structure follows it.
 */
public final class Icmpv4Header {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    /** The type-dependent second word ("rest of header"). */
    public static final int REST_OF_HEADER = 4;
    /** Echo and Echo Reply, Timestamp, Information (RFC 792). */
    public static final int IDENTIFIER = 4;
    public static final int SEQUENCE_NUMBER = 6;
    /** Parameter Problem: the offending octet (RFC 792). */
    public static final int POINTER = 4;
    /** RFC 4884 §4.1 "length" of the original datagram in 32-bit words. */
    public static final int LENGTH_FIELD = 5;
    /** Destination Unreachable code 4: Next-Hop MTU (RFC 1191 §4). */
    public static final int NEXT_HOP_MTU = 6;
    /** The header's size in bytes. */
    public static final int LENGTH = 8;

    private ByteBuf buf;
    private int at;

    public Icmpv4Header wrap(ByteBuf buf, int offset) {
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

    public int type() {
        return buf.getUnsignedByte(at + TYPE);
    }

    public void setType(int type) {
        buf.setByte(at + TYPE, type);
    }

    public int code() {
        return buf.getUnsignedByte(at + CODE);
    }

    public void setCode(int code) {
        buf.setByte(at + CODE, code);
    }

    /** Sets Type and Code and updates the Checksum incrementally (RFC 1624 §3). */
    public void setTypeAndCodeWithChecksumUpdate(int type, int code) {
        ChecksumFields.setShort(buf, at + TYPE, (type << 8) | code, at + CHECKSUM, false);
    }

    public int checksum() {
        return buf.getUnsignedShort(at + CHECKSUM);
    }

    public void setChecksum(int checksum) {
        buf.setShort(at + CHECKSUM, checksum);
    }

    /** Updates the Checksum for covered words whose folded sum went from {@code oldSum} to {@code newSum} (RFC 1624 §3). */
    public void updateChecksum(int oldSum, int newSum) {
        ChecksumFields.adjust(buf, at + CHECKSUM, oldSum, newSum, false);
    }

    /** The second word, whatever the type makes of it. */
    public int restOfHeader() {
        return buf.getInt(at + REST_OF_HEADER);
    }

    public void setRestOfHeader(int rest) {
        buf.setInt(at + REST_OF_HEADER, rest);
    }

    public int identifier() {
        return buf.getUnsignedShort(at + IDENTIFIER);
    }

    public void setIdentifier(int identifier) {
        buf.setShort(at + IDENTIFIER, identifier);
    }

    /** Sets the Identifier and updates the Checksum incrementally (RFC 1624 §3; RFC 6146 §3.5.3 query id). */
    public void setIdentifierWithChecksumUpdate(int identifier) {
        ChecksumFields.setShort(buf, at + IDENTIFIER, identifier, at + CHECKSUM, false);
    }

    public int sequenceNumber() {
        return buf.getUnsignedShort(at + SEQUENCE_NUMBER);
    }

    public void setSequenceNumber(int sequenceNumber) {
        buf.setShort(at + SEQUENCE_NUMBER, sequenceNumber);
    }

    /** Parameter Problem Pointer (byte 4). */
    public int pointer() {
        return buf.getUnsignedByte(at + POINTER);
    }

    public void setPointer(int pointer) {
        buf.setByte(at + POINTER, pointer);
    }

    /** RFC 4884 length (byte 5) of the original datagram in 32-bit words; zero without extensions. */
    public int length() {
        return buf.getUnsignedByte(at + LENGTH_FIELD);
    }

    public void setLength(int words) {
        buf.setByte(at + LENGTH_FIELD, words);
    }

    /** RFC 1191 §4 Next-Hop MTU (bytes 6-7) of a "fragmentation needed" message. */
    public int nextHopMtu() {
        return buf.getUnsignedShort(at + NEXT_HOP_MTU);
    }

    public void setNextHopMtu(int mtu) {
        buf.setShort(at + NEXT_HOP_MTU, mtu);
    }
}
