package net.tunxlat.pipeline;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.xlat.PacketSink;
import net.tunxlat.xlat.XlatCounters;

/**
 * UDP "GRO" on the TUN write path: consecutive translated datagrams of one flow, of one size (the last
 * may be shorter) and with a partial checksum, are written as one UDP super-packet
 * ({@code VIRTIO_NET_HDR_GSO_UDP_L4}, Linux 6.2's USO) instead of one {@code write()} each. The kernel
 * forwards the super-packet once and cuts it into the same datagrams where it must (at the receiving
 * socket, or a device without USO), exactly as it does for the GRO super-packets of a NIC with
 * {@code rx-udp-gro-forwarding}. The same as wireguard-go's {@code udpGRO} on its TUN writes.
 *
 * <p>Only packets whose checksum the kernel still has to finish ({@code NEEDS_CSUM}: sent from this
 * machine or its containers, never on a wire) are coalesced, so no datagram whose checksum was wrong
 * can come out with a right one. Packets are written in the order they came: anything that cannot join
 * the pending super-packet writes it first. The worker flushes before it waits for packets, so
 * coalescing never delays a packet beyond the read loop's current burst.
 *
 * <p>What the kernel's segmentation changes: the IPv4 Identification of the datagrams after the first
 * is the first's plus one, plus two, ... Datagrams join only if theirs already were (the translator
 * numbers the DF=0 datagrams it writes one by one), or if DF is set and they were equal (RFC 6864 §4.1:
 * the Identification of an atomic datagram has no meaning; the translator writes 0 there, RFC 7915 §5.1).
 *
 * <p>One instance per worker, owned by its thread; the buffer is the worker's. No allocation per packet.
 */
public final class UdpCoalescer implements PacketSink {
    /** Datagrams per super-packet: well under the kernel's UDP_MAX_SEGMENTS (64 before 6.9, 128 after). */
    static final int MAX_SEGMENTS = 64;
    private static final int NEEDS_CSUM = 1;
    private static final int GSO_UDP_L4 = 5;
    private static final int PROTO_UDP = 17;

    private final ByteBuf batch;
    private final int vnet;
    private final PacketSink out;
    private final XlatCounters counters;
    /** Datagrams pending in {@link #batch} (0: none); its bytes are {@code [0, length)}. */
    private int count;
    private int length;
    /** The pending packet's IP version, L4 header offset (from the IP header), UDP payload size. */
    private int version;
    private int l4;
    private int segment;
    /** The last datagram was shorter than {@link #segment}: nothing more may join. */
    private boolean closed;
    private int lastId;

    /**
     * @param batch where the pending super-packet is built: at least {@code vnet + 65535} bytes
     * @param vnet  the queue's virtio_net_hdr length
     * @param out   writes one packet (vnet header included) to the TUN queue
     */
    public UdpCoalescer(ByteBuf batch, int vnet, PacketSink out, XlatCounters counters) {
        if (batch.capacity() < vnet + 65535 || vnet < 10) {
            throw new IllegalArgumentException("coalescing buffer too small or no vnet header");
        }
        this.batch = batch;
        this.vnet = vnet;
        this.out = out;
        this.counters = counters;
    }

    /** Takes a packet {@code [vnet header][IP packet]} at {@code buf[offset, offset + len)}. */
    @Override
    public void emit(ByteBuf buf, int offset, int len) {
        int payload = candidate(buf, offset, len);
        if (payload < 0) {
            flush();
            out.emit(buf, offset, len);
            return;
        }
        if (count > 0 && joins(buf, offset + vnet, payload)) {
            int ip = offset + vnet;
            batch.setBytes(length, buf, ip + l4 + 8, payload);
            length += payload;
            count++;
            closed = payload < segment;
            if (version == 4) {
                lastId = buf.getUnsignedShort(ip + 4);
            }
            if (count == MAX_SEGMENTS) {
                flush();
            }
            return;
        }
        flush();
        batch.setBytes(0, buf, offset, len);
        length = len;
        count = 1;
        int ip = offset + vnet;
        version = buf.getUnsignedByte(ip) >>> 4;
        l4 = version == 4 ? 20 : Ipv6Header.LENGTH;
        segment = payload;
        closed = false;
        lastId = version == 4 ? buf.getUnsignedShort(ip + 4) : 0;
    }

    /**
     * The UDP payload size of a packet that may be coalesced (a plain packet with a partial checksum, UDP
     * right after an IPv4 header without options that is not a fragment, or after a bare IPv6 header, with
     * lengths that agree and at least one byte of payload), or -1.
     */
    private int candidate(ByteBuf buf, int offset, int len) {
        int ip = offset + vnet;
        int ipLength = len - vnet;
        if (ipLength < 29 || buf.getUnsignedByte(offset) != NEEDS_CSUM || buf.getUnsignedByte(offset + 1) != 0
                || buf.getUnsignedShortLE(offset + 8) != 6) {
            return -1;
        }
        int first = buf.getUnsignedByte(ip);
        int udp;
        if (first == 0x45) {
            if (buf.getUnsignedByte(ip + 9) != PROTO_UDP || buf.getUnsignedShort(ip + 2) != ipLength
                    || (buf.getUnsignedShort(ip + 6) & 0x3fff) != 0) {
                return -1;
            }
            udp = 20;
        } else if (first >>> 4 == 6) {
            if (ipLength < 49 || buf.getUnsignedByte(ip + 6) != PROTO_UDP
                    || buf.getUnsignedShort(ip + 4) != ipLength - Ipv6Header.LENGTH) {
                return -1;
            }
            udp = Ipv6Header.LENGTH;
        } else {
            return -1;
        }
        if (buf.getUnsignedShortLE(offset + 6) != udp || buf.getUnsignedShort(ip + udp + 4) != ipLength - udp) {
            return -1;
        }
        return ipLength - udp - 8;
    }

    /** Whether the datagram at {@code buf[ip, ...)} with {@code payload} bytes continues the pending one. */
    private boolean joins(ByteBuf buf, int ip, int payload) {
        if (closed || payload > segment || length + payload > vnet + 65535 || (buf.getUnsignedByte(ip) >>> 4) != version) {
            return false;
        }
        int p = vnet;
        if (version == 4) {
            // TOS, DF, TTL, protocol, addresses and ports equal; Identification consecutive, or DF and equal.
            int id = buf.getUnsignedShort(ip + 4);
            boolean df = (buf.getUnsignedByte(ip + 6) & 0x40) != 0;
            return buf.getUnsignedByte(ip + 1) == batch.getUnsignedByte(p + 1)
                    && buf.getUnsignedByte(ip + 6) == batch.getUnsignedByte(p + 6)
                    && buf.getUnsignedShort(ip + 8) == batch.getUnsignedShort(p + 8)
                    && buf.getLong(ip + 12) == batch.getLong(p + 12)
                    && buf.getInt(ip + 20) == batch.getInt(p + 20)
                    && (id == ((lastId + 1) & 0xffff) || df && id == lastId);
        }
        // Traffic class, flow label, next header, hop limit, addresses and ports equal.
        return buf.getInt(ip) == batch.getInt(p)
                && buf.getUnsignedShort(ip + 6) == batch.getUnsignedShort(p + 6)
                && buf.getLong(ip + 8) == batch.getLong(p + 8)
                && buf.getLong(ip + 16) == batch.getLong(p + 16)
                && buf.getLong(ip + 24) == batch.getLong(p + 24)
                && buf.getLong(ip + 32) == batch.getLong(p + 32)
                && buf.getInt(ip + 40) == batch.getInt(p + 40);
    }

    /** Writes the pending datagrams: as they were if only one, else as one UDP super-packet. */
    public void flush() {
        if (count == 0) {
            return;
        }
        if (count > 1) {
            int ip = vnet;
            int udpLength = length - vnet - l4;
            int pseudo;
            if (version == 4) {
                batch.setShort(ip + 2, length - vnet);
                batch.setShort(ip + 10, 0);
                batch.setShort(ip + 10, Checksum.finish(Checksum.add(batch, ip, 20, 0)));
                pseudo = Checksum.sumIpv4(batch.getInt(ip + 12)) + Checksum.sumIpv4(batch.getInt(ip + 16)) + PROTO_UDP
                        + udpLength;
            } else {
                batch.setShort(ip + 4, udpLength);
                pseudo = Ipv6Header.pseudoHeaderSum(batch.getLong(ip + 8), batch.getLong(ip + 16),
                        batch.getLong(ip + 24), batch.getLong(ip + 32), udpLength, PROTO_UDP);
            }
            batch.setShort(ip + l4 + 4, udpLength);
            // The partial checksum: the pseudo-header sum of the whole, which the kernel adjusts per segment.
            batch.setShort(ip + l4 + 6, Checksum.fold(pseudo));
            batch.setByte(0, NEEDS_CSUM);
            batch.setByte(1, GSO_UDP_L4);
            batch.setShortLE(2, l4 + 8);
            batch.setShortLE(4, segment);
            batch.setShortLE(6, l4);
            batch.setShortLE(8, 6);
            counters.increment(XlatCounters.UDP_COALESCED_WRITES);
            counters.add(XlatCounters.UDP_COALESCED_DATAGRAMS, count);
        }
        count = 0;
        out.emit(batch, 0, length);
    }
}
