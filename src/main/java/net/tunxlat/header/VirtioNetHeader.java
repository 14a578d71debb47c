// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of {@code struct virtio_net_hdr} (virtio 1.x §5.1.6) as the Linux TUN device puts it in
 * front of every packet with {@code IFF_VNET_HDR}: little-endian fields. The view does not check bounds:
 * the caller validates the length before wrapping.
 *
 * <pre>
 * struct virtio_net_hdr {
 *     u8     flags;        // 0
 *     u8     gso_type;     // 1
 *     le16   hdr_len;      // 2
 *     le16   gso_size;     // 4
 *     le16   csum_start;   // 6
 *     le16   csum_offset;  // 8
 *     le16   num_buffers;  // 10 (mergeable receive buffers; unused by TUN)
 * };
 * </pre>
 */
public final class VirtioNetHeader extends HeaderView {
    public static final int FLAGS = 0;
    public static final int GSO_TYPE = 1;
    public static final int HDR_LEN = 2;
    public static final int GSO_SIZE = 4;
    public static final int CSUM_START = 6;
    public static final int CSUM_OFFSET = 8;
    public static final int NUM_BUFFERS = 10;
    /** The virtio 1.x header with {@code num_buffers}: the size tunxlat sets with TUNSETVNETHDRSZ. */
    public static final int LENGTH = 12;
    /** The header without {@code num_buffers} (Linux {@code struct virtio_net_hdr}), the smallest TUN accepts. */
    public static final int MIN_LENGTH = 10;

    /** The checksum from {@code csum_start} to the end must still be computed and stored at {@code csum_start + csum_offset}. */
    public static final int F_NEEDS_CSUM = 1;
    /** The checksum was already validated. */
    public static final int F_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    /** UFO: IP fragmentation of one big UDP datagram. */
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    /** USO: one UDP datagram per {@code gso_size} segment (Linux 6.2). */
    public static final int GSO_UDP_L4 = 5;
    /** Or-ed into {@code gso_type}: the TCP segments carry ECN CWR. */
    public static final int GSO_ECN = 0x80;

    public VirtioNetHeader wrap(ByteBuf buf, int offset) {
        point(buf, offset);
        return this;
    }

    public int flags() {
        return getUnsignedByte(at + FLAGS);
    }

    public void setFlags(int flags) {
        setByte(at + FLAGS, flags);
    }

    public int gsoType() {
        return getUnsignedByte(at + GSO_TYPE);
    }

    public void setGsoType(int gsoType) {
        setByte(at + GSO_TYPE, gsoType);
    }

    /** Bytes of headers (IP and L4) in front of the payload to segment. */
    public int hdrLen() {
        return getUnsignedShortLE(at + HDR_LEN);
    }

    public void setHdrLen(int hdrLen) {
        setShortLE(at + HDR_LEN, hdrLen);
    }

    /** Payload bytes per segment. */
    public int gsoSize() {
        return getUnsignedShortLE(at + GSO_SIZE);
    }

    public void setGsoSize(int gsoSize) {
        setShortLE(at + GSO_SIZE, gsoSize);
    }

    /** Where the checksummed region starts, counted from the start of the IP packet. */
    public int csumStart() {
        return getUnsignedShortLE(at + CSUM_START);
    }

    public void setCsumStart(int csumStart) {
        setShortLE(at + CSUM_START, csumStart);
    }

    /** Where the checksum field is, counted from {@code csum_start}. */
    public int csumOffset() {
        return getUnsignedShortLE(at + CSUM_OFFSET);
    }

    public void setCsumOffset(int csumOffset) {
        setShortLE(at + CSUM_OFFSET, csumOffset);
    }

    /** Writes the first {@link #MIN_LENGTH} bytes and zeroes the rest of a {@code length}-byte header. */
    public void write(int length, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        setByte(at + FLAGS, flags);
        setByte(at + GSO_TYPE, gsoType);
        setShortLE(at + HDR_LEN, hdrLen);
        setShortLE(at + GSO_SIZE, gsoSize);
        setShortLE(at + CSUM_START, csumStart);
        setShortLE(at + CSUM_OFFSET, csumOffset);
        for (int i = MIN_LENGTH; i < length; i++) {
            setByte(at + i, 0);
        }
    }
}
