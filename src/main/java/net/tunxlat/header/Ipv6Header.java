package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/** Flyweight view of an IPv6 header (RFC 8200 §3) at an offset of a {@link ByteBuf}. */
public final class Ipv6Header {
    public static final int LENGTH = 40;
    public static final int NEXT_HEADER_HOP_BY_HOP = 0;
    public static final int NEXT_HEADER_ROUTING = 43;
    public static final int NEXT_HEADER_FRAGMENT = 44;
    public static final int NEXT_HEADER_ESP = 50;
    public static final int NEXT_HEADER_ICMPV6 = 58;
    public static final int NEXT_HEADER_NONE = 59;
    public static final int NEXT_HEADER_DESTINATION_OPTIONS = 60;

    private ByteBuf buf;
    private int at;

    public Ipv6Header wrap(ByteBuf buf, int offset) {
        this.buf = buf;
        this.at = offset;
        return this;
    }

    public int offset() {
        return at;
    }

    public int version() {
        return buf.getUnsignedByte(at) >>> 4;
    }

    public int trafficClass() {
        return (buf.getUnsignedShort(at) >>> 4) & 0xff;
    }

    public int flowLabel() {
        return buf.getInt(at) & 0xfffff;
    }

    public int payloadLength() {
        return buf.getUnsignedShort(at + 4);
    }

    public int nextHeader() {
        return buf.getUnsignedByte(at + 6);
    }

    public int hopLimit() {
        return buf.getUnsignedByte(at + 7);
    }

    public long sourceHi() {
        return buf.getLong(at + 8);
    }

    public long sourceLo() {
        return buf.getLong(at + 16);
    }

    public long destinationHi() {
        return buf.getLong(at + 24);
    }

    public long destinationLo() {
        return buf.getLong(at + 32);
    }

    public void setHopLimit(int hopLimit) {
        buf.setByte(at + 7, hopLimit);
    }

    public void setSource(long hi, long lo) {
        buf.setLong(at + 8, hi);
        buf.setLong(at + 16, lo);
    }

    public void setDestination(long hi, long lo) {
        buf.setLong(at + 24, hi);
        buf.setLong(at + 32, lo);
    }

    /** Writes a complete header (flow label zero, RFC 7915 §4.1). */
    public void write(int trafficClass, int payloadLength, int nextHeader, int hopLimit,
            long srcHi, long srcLo, long dstHi, long dstLo) {
        buf.setInt(at, 0x60000000 | (trafficClass << 20));
        buf.setShort(at + 4, payloadLength);
        buf.setByte(at + 6, nextHeader);
        buf.setByte(at + 7, hopLimit);
        buf.setLong(at + 8, srcHi);
        buf.setLong(at + 16, srcLo);
        buf.setLong(at + 24, dstHi);
        buf.setLong(at + 32, dstLo);
    }

    /** Partial checksum sum of the RFC 8200 §8.1 pseudo-header for these addresses. */
    public static int pseudoHeaderSum(long srcHi, long srcLo, long dstHi, long dstLo, int upperLength, int nextHeader) {
        return net.tunxlat.checksum.Checksum.sumIpv6(srcHi, srcLo) + net.tunxlat.checksum.Checksum.sumIpv6(dstHi, dstLo)
                + (upperLength >>> 16) + (upperLength & 0xffff) + nextHeader;
    }
}
