// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;

/**
 * Flyweight view of an IPv6 header (RFC 8200 §3) at an offset of a {@link ByteBuf}. Reused: call
 * {@link #wrap} to point it at a packet. The view does not check bounds: the caller validates the length
 * before wrapping. Extension headers are walked by {@link Ipv6ExtensionHeaders}.
 *
 * <pre>
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                         Source Address                        +
 * |                          (128 bits)                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                      Destination Address                      +
 * |                          (128 bits)                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Ipv6Header extends HeaderView {
    /** Version (4 bits), Traffic Class (8) and Flow Label (20) share the first 32-bit word. */
    public static final int VERSION_CLASS_FLOW = 0;
    public static final int PAYLOAD_LENGTH = 4;
    public static final int NEXT_HEADER = 6;
    public static final int HOP_LIMIT = 7;
    /** Source Address: high 64 bits here, low 64 bits at {@code SOURCE + 8}. */
    public static final int SOURCE = 8;
    /** Destination Address: high 64 bits here, low 64 bits at {@code DESTINATION + 8}. */
    public static final int DESTINATION = 24;

    /** The fixed header (RFC 8200 §3). */
    public static final int LENGTH = 40;
    /** RFC 8200 §5: "IPv6 requires that every link in the Internet have an MTU of 1280 octets or greater". */
    public static final int MINIMUM_MTU = 1280;
    // The Next Header values below are the same as those in IpProtocol (kept for existing callers).
    public static final int NEXT_HEADER_HOP_BY_HOP = IpProtocol.HOP_BY_HOP;
    public static final int NEXT_HEADER_ROUTING = IpProtocol.IPV6_ROUTING;
    public static final int NEXT_HEADER_FRAGMENT = IpProtocol.IPV6_FRAGMENT;
    public static final int NEXT_HEADER_ESP = IpProtocol.ESP;
    public static final int NEXT_HEADER_ICMPV6 = IpProtocol.ICMPV6;
    public static final int NEXT_HEADER_NONE = IpProtocol.NO_NEXT_HEADER;
    public static final int NEXT_HEADER_DESTINATION_OPTIONS = IpProtocol.IPV6_DEST_OPTS;

    public Ipv6Header wrap(ByteBuf buf, int offset) {
        point(buf, offset);
        return this;
    }

    public int version() {
        return getUnsignedByte(at) >>> 4;
    }

    public int trafficClass() {
        return (getUnsignedShort(at) >>> 4) & 0xff;
    }

    /** Sets the Traffic Class, keeping Version and Flow Label. */
    public void setTrafficClass(int trafficClass) {
        int word = getInt(at);
        setInt(at, (word & 0xf00fffff) | ((trafficClass & 0xff) << 20));
    }

    public int flowLabel() {
        return getInt(at) & 0xfffff;
    }

    /** Sets the Flow Label, keeping Version and Traffic Class. */
    public void setFlowLabel(int flowLabel) {
        int word = getInt(at);
        setInt(at, (word & 0xfff00000) | (flowLabel & 0xfffff));
    }

    public int payloadLength() {
        return getUnsignedShort(at + PAYLOAD_LENGTH);
    }

    public void setPayloadLength(int payloadLength) {
        setShort(at + PAYLOAD_LENGTH, payloadLength);
    }

    public int nextHeader() {
        return getUnsignedByte(at + NEXT_HEADER);
    }

    public void setNextHeader(int nextHeader) {
        setByte(at + NEXT_HEADER, nextHeader);
    }

    public int hopLimit() {
        return getUnsignedByte(at + HOP_LIMIT);
    }

    public void setHopLimit(int hopLimit) {
        setByte(at + HOP_LIMIT, hopLimit);
    }

    public long sourceHi() {
        return getLong(at + SOURCE);
    }

    public long sourceLo() {
        return getLong(at + SOURCE + 8);
    }

    public void setSource(long hi, long lo) {
        setLong(at + SOURCE, hi);
        setLong(at + SOURCE + 8, lo);
    }

    public long destinationHi() {
        return getLong(at + DESTINATION);
    }

    public long destinationLo() {
        return getLong(at + DESTINATION + 8);
    }

    public void setDestination(long hi, long lo) {
        setLong(at + DESTINATION, hi);
        setLong(at + DESTINATION + 8, lo);
    }

    /** True if {@code other} has the same Source and Destination Address (four 64-bit comparisons). */
    public boolean sameAddresses(Ipv6Header other) {
        int p = other.at;
        return getLong(at + SOURCE) == other.getLong(p + SOURCE) && getLong(at + SOURCE + 8) == other.getLong(p + SOURCE + 8)
                && getLong(at + DESTINATION) == other.getLong(p + DESTINATION)
                && getLong(at + DESTINATION + 8) == other.getLong(p + DESTINATION + 8);
    }

    /**
     * True if {@code other} has the same Version, Traffic Class, Flow Label, Next Header and Hop Limit: the fields
     * that must agree for datagrams sent as one UDP super-packet.
     */
    public boolean sameFlowFields(Ipv6Header other) {
        return getInt(at) == other.getInt(other.at)
                && getUnsignedShort(at + NEXT_HEADER) == other.getUnsignedShort(other.at + NEXT_HEADER);
    }

    /** Writes a complete header (flow label zero, RFC 7915 §4.1). */
    public void write(int trafficClass, int payloadLength, int nextHeader, int hopLimit,
            long srcHi, long srcLo, long dstHi, long dstLo) {
        setInt(at, 0x60000000 | (trafficClass << 20));
        setShort(at + PAYLOAD_LENGTH, payloadLength);
        setByte(at + NEXT_HEADER, nextHeader);
        setByte(at + HOP_LIMIT, hopLimit);
        setLong(at + SOURCE, srcHi);
        setLong(at + SOURCE + 8, srcLo);
        setLong(at + DESTINATION, dstHi);
        setLong(at + DESTINATION + 8, dstLo);
    }

    /**
     * Partial checksum sum of the RFC 8200 §8.1 pseudo-header of this packet: its addresses, the
     * given upper-layer length and Next Header value.
     */
    public int pseudoHeaderSum(int upperLength, int nextHeader) {
        return pseudoHeaderSum(sourceHi(), sourceLo(), destinationHi(), destinationLo(), upperLength, nextHeader);
    }

    /** Partial checksum sum of the RFC 8200 §8.1 pseudo-header for these addresses. */
    public static int pseudoHeaderSum(long srcHi, long srcLo, long dstHi, long dstLo, int upperLength, int nextHeader) {
        return Checksum.sumIpv6(srcHi, srcLo) + Checksum.sumIpv6(dstHi, dstLo)
                + (upperLength >>> 16) + (upperLength & 0xffff) + nextHeader;
    }
}
