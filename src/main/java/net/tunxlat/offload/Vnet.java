package net.tunxlat.offload;

import io.netty.buffer.ByteBuf;

/**
 * The virtio_net_hdr (virtio 1.x §5.1.6) in front of every packet on a TUN device opened with
 * IFF_VNET_HDR, little-endian as the kernel writes it on x86 and arm64:
 * <pre>
 *  0      flags        (F_NEEDS_CSUM = 1, F_DATA_VALID = 2)
 *  1      gso_type     (NONE 0, TCPV4 1, UDP 3, TCPV6 4, UDP_L4 5; ECN 0x80)
 *  2..3   hdr_len      (bytes of headers in front of the payload)
 *  4..5   gso_size     (payload bytes per segment)
 *  6..7   csum_start   (where the checksummed area starts)
 *  8..9   csum_offset  (the checksum field's offset from csum_start)
 * </pre>
 */
public final class Vnet {
    public static final int LENGTH = 10;
    public static final int FLAGS = 0;
    public static final int GSO_TYPE = 1;
    public static final int HDR_LEN = 2;
    public static final int GSO_SIZE = 4;
    public static final int CSUM_START = 6;
    public static final int CSUM_OFFSET = 8;

    public static final int F_NEEDS_CSUM = 1;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    private Vnet() {}

    /** Writes a {@code vnetLength}-byte header at {@code v} (bytes past the ten fields are zero). */
    public static void write(ByteBuf b, int v, int vnetLength, int flags, int gsoType, int hdrLen, int gsoSize,
            int csumStart, int csumOffset) {
        b.setByte(v + FLAGS, flags);
        b.setByte(v + GSO_TYPE, gsoType);
        b.setShortLE(v + HDR_LEN, hdrLen);
        b.setShortLE(v + GSO_SIZE, gsoSize);
        b.setShortLE(v + CSUM_START, csumStart);
        b.setShortLE(v + CSUM_OFFSET, csumOffset);
        for (int i = LENGTH; i < vnetLength; i++) {
            b.setByte(v + i, 0);
        }
    }
}
