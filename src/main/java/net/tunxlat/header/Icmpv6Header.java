// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an ICMPv6 header (RFC 4443 §2.1) at an offset of a {@link ByteBuf}: the first 8 bytes
 * of every message, whose second word depends on the type. The view does not check bounds: the caller
 * validates the length before wrapping. Types and codes are in {@link Icmpv6Type}. The Checksum covers the
 * RFC 8200 §8.1 pseudo-header ({@link Ipv6Header#pseudoHeaderSum}). Type, Code, Checksum, Identifier and
 * Sequence Number (and their offsets) are shared with {@link Icmpv4Header}.
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
public final class Icmpv6Header extends IcmpHeaderView {
    /** Packet Too Big: MTU (RFC 4443 §3.2). */
    public static final int MTU = 4;
    /** Parameter Problem: Pointer (RFC 4443 §3.4). */
    public static final int POINTER = 4;
    /** RFC 4884 §4.2 "length" of the original datagram in 64-bit words (Destination Unreachable, Time Exceeded). */
    public static final int LENGTH_FIELD = 4;

    public Icmpv6Header wrap(ByteBuf buf, int offset) {
        point(buf, offset);
        return this;
    }

    /** Packet Too Big MTU (32 bits, as a signed int). */
    public int mtu() {
        return getInt(at + MTU);
    }

    public void setMtu(int mtu) {
        setInt(at + MTU, mtu);
    }

    /** Parameter Problem Pointer (32 bits, as a signed int): the offending octet's offset in the quoted packet. */
    public int pointer() {
        return getInt(at + POINTER);
    }

    public void setPointer(int pointer) {
        setInt(at + POINTER, pointer);
    }

    /** RFC 4884 length (byte 4) of the original datagram in 64-bit words; zero without extensions. */
    public int length() {
        return getUnsignedByte(at + LENGTH_FIELD);
    }

    public void setLength(int words) {
        setByte(at + LENGTH_FIELD, words);
    }
}
