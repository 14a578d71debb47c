// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of the IPv6 Fragment header (RFC 8200 §4.5) at an offset of a {@link ByteBuf}. The view
 * does not check bounds: the caller validates the length before wrapping.
 *
 * <pre>
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Identification                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Ipv6FragmentHeader extends HeaderView {
    public static final int NEXT_HEADER = 0;
    public static final int RESERVED = 1;
    /** Fragment Offset (13 bits, 8-byte units), Res (2 bits) and the M flag share this 16-bit word. */
    public static final int FRAGMENT_OFFSET = 2;
    public static final int IDENTIFICATION = 4;
    /** The header's size in bytes. */
    public static final int LENGTH = 8;
    /** The M ("more fragments") bit of the offset word. */
    public static final int MORE_FRAGMENTS = 0x0001;

    public Ipv6FragmentHeader wrap(ByteBuf buf, int offset) {
        point(buf, offset);
        return this;
    }

    public int nextHeader() {
        return getUnsignedByte(at + NEXT_HEADER);
    }

    public void setNextHeader(int nextHeader) {
        setByte(at + NEXT_HEADER, nextHeader);
    }

    /** Fragment Offset in 8-byte units. */
    public int fragmentOffset() {
        return getUnsignedShort(at + FRAGMENT_OFFSET) >>> 3;
    }

    /** Sets the Fragment Offset (8-byte units), keeping the M flag; clears Res. */
    public void setFragmentOffset(int offset8) {
        int word = getUnsignedShort(at + FRAGMENT_OFFSET);
        setShort(at + FRAGMENT_OFFSET, (offset8 << 3) | (word & MORE_FRAGMENTS));
    }

    public boolean moreFragments() {
        return (getUnsignedShort(at + FRAGMENT_OFFSET) & MORE_FRAGMENTS) != 0;
    }

    /** Sets or clears the M flag, keeping the Fragment Offset and Res. */
    public void setMoreFragments(boolean more) {
        int word = getUnsignedShort(at + FRAGMENT_OFFSET);
        setShort(at + FRAGMENT_OFFSET, more ? word | MORE_FRAGMENTS : word & ~MORE_FRAGMENTS);
    }

    /** The Identification (32 bits, as a signed int). */
    public int identification() {
        return getInt(at + IDENTIFICATION);
    }

    public void setIdentification(int identification) {
        setInt(at + IDENTIFICATION, identification);
    }

    /** Writes the whole header; Reserved and Res are zero ("Initialized to zero for transmission"). */
    public void write(int nextHeader, int offset8, boolean more, int identification) {
        setByte(at + NEXT_HEADER, nextHeader);
        setByte(at + RESERVED, 0);
        setShort(at + FRAGMENT_OFFSET, (offset8 << 3) | (more ? MORE_FRAGMENTS : 0));
        setInt(at + IDENTIFICATION, identification);
    }
}
