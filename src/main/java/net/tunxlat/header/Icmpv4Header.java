// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of an ICMPv4 header (RFC 792) at an offset of a {@link ByteBuf}: the first 8 bytes of
 * every message, whose second word depends on the type. The view does not check bounds: the caller
 * validates the length before wrapping. Types and codes are in {@link Icmpv4Type}; Type, Code, Checksum,
 * Identifier and Sequence Number (and their offsets {@code TYPE}, {@code CODE}, {@code CHECKSUM},
 * {@code REST_OF_HEADER}, {@code IDENTIFIER}, {@code SEQUENCE_NUMBER}, {@code LENGTH}) are shared with
 * {@link Icmpv6Header}.
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
public final class Icmpv4Header extends IcmpHeaderView {
    /** Parameter Problem: the offending octet (RFC 792). */
    public static final int POINTER = 4;
    /** RFC 4884 §4.1 "length" of the original datagram in 32-bit words. */
    public static final int LENGTH_FIELD = 5;
    /** Destination Unreachable code 4: Next-Hop MTU (RFC 1191 §4). */
    public static final int NEXT_HOP_MTU = 6;

    public Icmpv4Header wrap(ByteBuf buf, int offset) {
        point(buf, offset);
        return this;
    }

    /** Parameter Problem Pointer (byte 4). */
    public int pointer() {
        return getUnsignedByte(at + POINTER);
    }

    public void setPointer(int pointer) {
        setByte(at + POINTER, pointer);
    }

    /** RFC 4884 length (byte 5) of the original datagram in 32-bit words; zero without extensions. */
    public int length() {
        return getUnsignedByte(at + LENGTH_FIELD);
    }

    public void setLength(int words) {
        setByte(at + LENGTH_FIELD, words);
    }

    /** RFC 1191 §4 Next-Hop MTU (bytes 6-7) of a "fragmentation needed" message. */
    public int nextHopMtu() {
        return getUnsignedShort(at + NEXT_HOP_MTU);
    }

    public void setNextHopMtu(int mtu) {
        setShort(at + NEXT_HOP_MTU, mtu);
    }
}
