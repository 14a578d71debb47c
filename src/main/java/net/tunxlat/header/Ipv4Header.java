// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;

/**
 * Flyweight view of an IPv4 header (RFC 791 §3.1) at an offset of a {@link ByteBuf}. Reused: call
 * {@link #wrap} to point it at a packet; it never retains the buffer beyond the current packet. The view
 * does not check bounds: the caller validates the length before wrapping.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Ipv4Header extends HeaderView {
    /** Version and IHL share the first byte. */
    public static final int VERSION_IHL = 0;
    public static final int TYPE_OF_SERVICE = 1;
    public static final int TOTAL_LENGTH = 2;
    public static final int IDENTIFICATION = 4;
    /** Flags (3 bits) and Fragment Offset (13 bits) share one 16-bit word. */
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TIME_TO_LIVE = 8;
    public static final int PROTOCOL = 9;
    public static final int HEADER_CHECKSUM = 10;
    public static final int SOURCE = 12;
    public static final int DESTINATION = 16;

    /** A header without options (IHL 5, RFC 791 §3.1). */
    public static final int MIN_LENGTH = 20;
    /** The largest header (IHL 15). */
    public static final int MAX_LENGTH = 60;
    /** The same as {@link IpProtocol#ICMP} (kept for existing callers). */
    public static final int PROTOCOL_ICMP = IpProtocol.ICMP;
    /** "Don't Fragment" in the flags-and-offset word. */
    public static final int FLAG_DF = 0x4000;
    /** "More Fragments" in the flags-and-offset word. */
    public static final int FLAG_MF = 0x2000;
    /** The Fragment Offset bits (8-byte units) of the flags-and-offset word. */
    public static final int OFFSET_MASK = 0x1fff;

    public Ipv4Header wrap(ByteBuf buf, int offset) {
        point(buf, offset);
        return this;
    }

    public int version() {
        return getUnsignedByte(at) >>> 4;
    }

    /** Internet Header Length in bytes (IHL * 4). */
    public int headerLength() {
        return (getUnsignedByte(at) & 0x0f) << 2;
    }

    /** Sets Version 4 and the IHL for a header of {@code bytes} bytes (a multiple of 4, 20 to 60). */
    public void setHeaderLength(int bytes) {
        setByte(at + VERSION_IHL, 0x40 | (bytes >>> 2));
    }

    public int typeOfService() {
        return getUnsignedByte(at + TYPE_OF_SERVICE);
    }

    public void setTypeOfService(int tos) {
        setByte(at + TYPE_OF_SERVICE, tos);
    }

    public int totalLength() {
        return getUnsignedShort(at + TOTAL_LENGTH);
    }

    public void setTotalLength(int totalLength) {
        setShort(at + TOTAL_LENGTH, totalLength);
    }

    /** Sets the Total Length and updates the header checksum incrementally (RFC 1624 §3). */
    public void setTotalLengthWithChecksumUpdate(int totalLength) {
        setWordWithChecksumUpdate(TOTAL_LENGTH, totalLength);
    }

    public int identification() {
        return getUnsignedShort(at + IDENTIFICATION);
    }

    public void setIdentification(int identification) {
        setShort(at + IDENTIFICATION, identification);
    }

    /** Flags and fragment offset (16 bits). */
    public int flagsAndOffset() {
        return getUnsignedShort(at + FLAGS_FRAGMENT_OFFSET);
    }

    /** Sets the flags-and-offset word ({@link #FLAG_DF}, {@link #FLAG_MF}, offset in 8-byte units). */
    public void setFlagsAndOffset(int flagsAndOffset) {
        setShort(at + FLAGS_FRAGMENT_OFFSET, flagsAndOffset);
    }

    public boolean dontFragment() {
        return (flagsAndOffset() & FLAG_DF) != 0;
    }

    public boolean moreFragments() {
        return (flagsAndOffset() & FLAG_MF) != 0;
    }

    /** Fragment offset in 8-byte units. */
    public int fragmentOffset() {
        return flagsAndOffset() & OFFSET_MASK;
    }

    public int timeToLive() {
        return getUnsignedByte(at + TIME_TO_LIVE);
    }

    public void setTimeToLive(int ttl) {
        setByte(at + TIME_TO_LIVE, ttl);
    }

    /**
     * Sets the Time to Live and updates the header checksum incrementally (RFC 1624 §3; RFC 1812 §5.3.1
     * forwarding). TTL is the high byte of the 16-bit word it shares with Protocol.
     */
    public void setTimeToLiveWithChecksumUpdate(int ttl) {
        setWordWithChecksumUpdate(TIME_TO_LIVE, (ttl << 8) | protocol());
    }

    public int protocol() {
        return getUnsignedByte(at + PROTOCOL);
    }

    public void setProtocol(int protocol) {
        setByte(at + PROTOCOL, protocol);
    }

    public int headerChecksum() {
        return getUnsignedShort(at + HEADER_CHECKSUM);
    }

    public void setHeaderChecksum(int checksum) {
        setShort(at + HEADER_CHECKSUM, checksum);
    }

    public int source() {
        return getInt(at + SOURCE);
    }

    public void setSource(int address) {
        setInt(at + SOURCE, address);
    }

    /** Sets the Source Address and updates the header checksum incrementally (RFC 1624 §3). */
    public void setSourceWithChecksumUpdate(int address) {
        setAddressWithChecksumUpdate(SOURCE, address);
    }

    public int destination() {
        return getInt(at + DESTINATION);
    }

    public void setDestination(int address) {
        setInt(at + DESTINATION, address);
    }

    /** Sets the Destination Address and updates the header checksum incrementally (RFC 1624 §3). */
    public void setDestinationWithChecksumUpdate(int address) {
        setAddressWithChecksumUpdate(DESTINATION, address);
    }

    /** True if the header checksum over {@link #headerLength()} bytes verifies (RFC 791, RFC 1812 §5.2.2). */
    public boolean headerChecksumValid() {
        return Checksum.verifies(Checksum.add(buf, at, headerLength(), 0));
    }

    /** Recomputes the Header Checksum over {@link #headerLength()} bytes from scratch (RFC 791 §3.1, RFC 1071). */
    public void updateHeaderChecksum() {
        setShort(at + HEADER_CHECKSUM, 0);
        setShort(at + HEADER_CHECKSUM, Checksum.finish(Checksum.add(buf, at, headerLength(), 0)));
    }

    /** True if {@code other} has the same Source and Destination Address (adjacent: one 64-bit comparison). */
    public boolean sameAddresses(Ipv4Header other) {
        return getLong(at + SOURCE) == other.getLong(other.at + SOURCE);
    }

    /**
     * True if {@code other} has the same Type of Service, flags (and the high bits of the Fragment Offset), Time
     * to Live and Protocol: the fields that must agree for datagrams sent as one UDP super-packet.
     */
    public boolean sameTosFlagsTtlProtocol(Ipv4Header other) {
        return getUnsignedByte(at + TYPE_OF_SERVICE) == other.getUnsignedByte(other.at + TYPE_OF_SERVICE)
                && getUnsignedByte(at + FLAGS_FRAGMENT_OFFSET) == other.getUnsignedByte(other.at + FLAGS_FRAGMENT_OFFSET)
                && getUnsignedShort(at + TIME_TO_LIVE) == other.getUnsignedShort(other.at + TIME_TO_LIVE);
    }

    /** Writes a complete 20-byte header without options and computes its checksum. */
    public void write(int tos, int totalLength, int identification, int flagsAndOffset, int ttl, int protocol,
            int source, int destination) {
        setByte(at, 0x45);
        setByte(at + TYPE_OF_SERVICE, tos);
        setShort(at + TOTAL_LENGTH, totalLength);
        setShort(at + IDENTIFICATION, identification);
        setShort(at + FLAGS_FRAGMENT_OFFSET, flagsAndOffset);
        setByte(at + TIME_TO_LIVE, ttl);
        setByte(at + PROTOCOL, protocol);
        setInt(at + SOURCE, source);
        setInt(at + DESTINATION, destination);
        // RFC 791 §3.1 header checksum, summed from the values just written rather than read back from the
        // buffer: reading wide words over fresh narrow stores stalls the CPU's store forwarding on every packet.
        int sum = (0x4500 | (tos & 0xff)) + (totalLength & 0xffff) + (identification & 0xffff)
                + (flagsAndOffset & 0xffff) + ((ttl & 0xff) << 8 | (protocol & 0xff)) + Checksum.sumIpv4(source)
                + Checksum.sumIpv4(destination);
        setShort(at + HEADER_CHECKSUM, Checksum.finish(sum));
    }

    /** RFC 791 §3.1 options: End of Option List, No Operation, Loose and Strict Source and Record Route. */
    private static final int OPTION_END = 0;
    private static final int OPTION_NOP = 1;
    private static final int OPTION_LSRR = 131;
    private static final int OPTION_SSRR = 137;
    /** RFC 791 §3.1: an option's octets after its type: length, then (source routes) pointer. */
    private static final int OPTION_LENGTH = 1;
    private static final int OPTION_POINTER = 2;

    /**
     * RFC 7915 §4.1 / RFC 791 §3.1: true if the options hold a Loose or Strict Source and Record Route
     * (131, 137) whose pointer is not past its end (an unexpired source route). Reads only within the
     * header length.
     */
    public boolean hasUnexpiredSourceRoute() {
        int p = at + MIN_LENGTH;
        int end = at + headerLength();
        while (p < end) {
            int type = getUnsignedByte(p);
            if (type == OPTION_END) {
                return false;
            }
            if (type == OPTION_NOP) {
                p++;
                continue;
            }
            if (p + OPTION_LENGTH >= end) {
                return false;
            }
            int optLen = getUnsignedByte(p + OPTION_LENGTH);
            if (optLen < 2) {
                return false;
            }
            if ((type == OPTION_LSRR || type == OPTION_SSRR) && optLen > OPTION_POINTER && p + OPTION_POINTER < end) {
                if (getUnsignedByte(p + OPTION_POINTER) <= optLen) {
                    return true;
                }
            }
            p += optLen;
        }
        return false;
    }

    /**
     * Partial checksum sum of the IPv4 pseudo-header (RFC 768 "Fields", RFC 9293 §3.1): addresses,
     * zero and Protocol, and the upper-layer length.
     */
    public static int pseudoHeaderSum(int source, int destination, int upperLength, int protocol) {
        return Checksum.sumIpv4(source) + Checksum.sumIpv4(destination) + protocol + upperLength;
    }

    private void setWordWithChecksumUpdate(int field, int word) {
        ChecksumFields.setShort(buf, at + field, word, at + HEADER_CHECKSUM, false);
    }

    private void setAddressWithChecksumUpdate(int field, int address) {
        int old = getInt(at + field);
        setInt(at + field, address);
        ChecksumFields.adjust(buf, at + HEADER_CHECKSUM, Checksum.sumIpv4(old), Checksum.sumIpv4(address), false);
    }
}
