// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

/**
 * The fields ICMPv4 (RFC 792) and ICMPv6 (RFC 4443 §2.1) share: Type, Code, Checksum, and the Echo
 * Identifier and Sequence Number (RFC 792 Echo, RFC 4443 §4.1) in the second word. The type-specific
 * fields of that word are in {@link Icmpv4Header} and {@link Icmpv6Header}.
 */
abstract class IcmpHeaderView extends HeaderView {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    /** The type-dependent second word ("rest of header"). */
    public static final int REST_OF_HEADER = 4;
    /** Echo and Echo Reply (RFC 792, RFC 4443 §4.1, §4.2). */
    public static final int IDENTIFIER = 4;
    public static final int SEQUENCE_NUMBER = 6;
    /** The header's size in bytes. */
    public static final int LENGTH = 8;

    public int type() {
        return getUnsignedByte(at + TYPE);
    }

    public void setType(int type) {
        setByte(at + TYPE, type);
    }

    public int code() {
        return getUnsignedByte(at + CODE);
    }

    public void setCode(int code) {
        setByte(at + CODE, code);
    }

    /** Sets Type and Code and updates the Checksum incrementally (RFC 1624 §3). */
    public void setTypeAndCodeWithChecksumUpdate(int type, int code) {
        ChecksumFields.setShort(buf, at + TYPE, (type << 8) | code, at + CHECKSUM, false);
    }

    public int checksum() {
        return getUnsignedShort(at + CHECKSUM);
    }

    public void setChecksum(int checksum) {
        setShort(at + CHECKSUM, checksum);
    }

    /**
     * Updates the Checksum for covered words (for ICMPv6 also the pseudo-header addresses) whose folded
     * sum went from {@code oldSum} to {@code newSum} (RFC 1624 §3).
     */
    public void updateChecksum(int oldSum, int newSum) {
        ChecksumFields.adjust(buf, at + CHECKSUM, oldSum, newSum, false);
    }

    /** The second word, whatever the type makes of it. */
    public int restOfHeader() {
        return getInt(at + REST_OF_HEADER);
    }

    public void setRestOfHeader(int rest) {
        setInt(at + REST_OF_HEADER, rest);
    }

    public int identifier() {
        return getUnsignedShort(at + IDENTIFIER);
    }

    public void setIdentifier(int identifier) {
        setShort(at + IDENTIFIER, identifier);
    }

    /** Sets the Identifier and updates the Checksum incrementally (RFC 1624 §3; RFC 6146 §3.5.3 query id). */
    public void setIdentifierWithChecksumUpdate(int identifier) {
        ChecksumFields.setShort(buf, at + IDENTIFIER, identifier, at + CHECKSUM, false);
    }

    public int sequenceNumber() {
        return getUnsignedShort(at + SEQUENCE_NUMBER);
    }

    public void setSequenceNumber(int sequenceNumber) {
        setShort(at + SEQUENCE_NUMBER, sequenceNumber);
    }
}
