package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an ICMPv6 header (RFC 4443 §2.1) at an offset of a {@link ByteBuf}: the first 8 bytes
 * of every message, whose second word depends on the type. The view does not check bounds: the caller
 * validates the length before wrapping. Types and codes are in {@link Icmpv6Type}. The Checksum covers the
 * RFC 8200 §8.1 pseudo-header ({@link Ipv6Header#pseudoHeaderSum}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     MTU (2) / Pointer (4)                     |
 * |     Identifier (echo)         |   Sequence Number (echo)      |
 * | Length (4884) |                 unused                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Icmpv6Header {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    /** The type-dependent second word ("message body" start). */
    public static final int REST_OF_HEADER = 4;
    /** Packet Too Big: MTU (RFC 4443 §3.2). */
    public static final int MTU = 4;
    /** Parameter Problem: Pointer (RFC 4443 §3.4). */
    public static final int POINTER = 4;
    /** Echo Request and Reply (RFC 4443 §4.1, §4.2). */
    public static final int IDENTIFIER = 4;
    public static final int SEQUENCE_NUMBER = 6;
    /** RFC 4884 §4.2 "length" of the original datagram in 64-bit words (Destination Unreachable, Time Exceeded). */
    public static final int LENGTH_FIELD = 4;
    /** The header's size in bytes. */
    public static final int LENGTH = 8;

    private ByteBuf buf;
    private int at;

    public Icmpv6Header wrap(ByteBuf buf, int offset) {
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

    /**
     * Updates the Checksum for covered words (pseudo-header addresses, say) whose folded sum went from
     * {@code oldSum} to {@code newSum} (RFC 1624 §3).
     */
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

    /** Packet Too Big MTU (32 bits, as a signed int). */
    public int mtu() {
        return buf.getInt(at + MTU);
    }

    public void setMtu(int mtu) {
        buf.setInt(at + MTU, mtu);
    }

    /** Parameter Problem Pointer (32 bits, as a signed int): the offending octet's offset in the quoted packet. */
    public int pointer() {
        return buf.getInt(at + POINTER);
    }

    public void setPointer(int pointer) {
        buf.setInt(at + POINTER, pointer);
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

    /** RFC 4884 length (byte 4) of the original datagram in 64-bit words; zero without extensions. */
    public int length() {
        return buf.getUnsignedByte(at + LENGTH_FIELD);
    }

    public void setLength(int words) {
        buf.setByte(at + LENGTH_FIELD, words);
    }
}
