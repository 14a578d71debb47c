package net.tunxlat.header;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;

/**
 * Flyweight view of an IPv4 header (RFC 791 §3.1) at an offset of a {@link ByteBuf}. Reused: call
 * {@link #wrap} to point it at a packet; it never retains the buffer beyond the current packet.
 */
public final class Ipv4Header {
    public static final int MIN_LENGTH = 20;
    public static final int PROTOCOL_ICMP = 1;
    public static final int FLAG_DF = 0x4000;
    public static final int FLAG_MF = 0x2000;
    public static final int OFFSET_MASK = 0x1fff;

    private ByteBuf buf;
    private int at;

    public Ipv4Header wrap(ByteBuf buf, int offset) {
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

    /** Internet Header Length in bytes (IHL * 4). */
    public int headerLength() {
        return (buf.getUnsignedByte(at) & 0x0f) << 2;
    }

    public int typeOfService() {
        return buf.getUnsignedByte(at + 1);
    }

    public int totalLength() {
        return buf.getUnsignedShort(at + 2);
    }

    public int identification() {
        return buf.getUnsignedShort(at + 4);
    }

    /** Flags and fragment offset (16 bits). */
    public int flagsAndOffset() {
        return buf.getUnsignedShort(at + 6);
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
        return buf.getUnsignedByte(at + 8);
    }

    public int protocol() {
        return buf.getUnsignedByte(at + 9);
    }

    public int headerChecksum() {
        return buf.getUnsignedShort(at + 10);
    }

    public int source() {
        return buf.getInt(at + 12);
    }

    public int destination() {
        return buf.getInt(at + 16);
    }

    /** True if the header checksum over {@link #headerLength()} bytes verifies (RFC 791, RFC 1812 §5.2.2). */
    public boolean headerChecksumValid() {
        return Checksum.verifies(Checksum.add(buf, at, headerLength(), 0));
    }

    /** Writes a complete 20-byte header without options and computes its checksum. */
    public void write(int tos, int totalLength, int identification, int flagsAndOffset, int ttl, int protocol,
            int source, int destination) {
        buf.setByte(at, 0x45);
        buf.setByte(at + 1, tos);
        buf.setShort(at + 2, totalLength);
        buf.setShort(at + 4, identification);
        buf.setShort(at + 6, flagsAndOffset);
        buf.setByte(at + 8, ttl);
        buf.setByte(at + 9, protocol);
        buf.setShort(at + 10, 0);
        buf.setInt(at + 12, source);
        buf.setInt(at + 16, destination);
        buf.setShort(at + 10, Checksum.finish(Checksum.add(buf, at, MIN_LENGTH, 0)));
    }
}
