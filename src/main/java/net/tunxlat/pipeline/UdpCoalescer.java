package net.tunxlat.pipeline;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.xlat.PacketSink;
import net.tunxlat.xlat.Translator;
import net.tunxlat.xlat.XlatCounters;

/**
 * UDP "GRO" on the TUN write path: translated datagrams of one flow, of one size (the last may be
 * shorter) and with a partial checksum, are written as one UDP super-packet
 * ({@code VIRTIO_NET_HDR_GSO_UDP_L4}, Linux 6.2's USO) instead of one {@code write()} each. The kernel
 * forwards the super-packet once and cuts it into the same datagrams where it must (at the receiving
 * socket, or a device without USO), exactly as it does for the GRO super-packets of a NIC with
 * {@code rx-udp-gro-forwarding}. Like the kernel's GRO and wireguard-go's {@code udpGRO}, up to
 * {@link #FLOWS} flows are gathered at once, so datagrams of several flows that arrive interleaved are
 * coalesced too; the order within each flow is always kept (datagrams of different flows may leave in
 * another order, as with GRO).
 *
 * <p>Only packets whose checksum the kernel still has to finish ({@code NEEDS_CSUM}: sent from this
 * machine or its containers, never on a wire) are coalesced, so no datagram whose checksum was wrong
 * can come out with a right one. Any other packet writes everything pending first. The worker flushes
 * before it waits for packets, so coalescing never delays a packet beyond the read loop's current burst.
 *
 * <p>The kernel numbers the IPv4 datagrams it cuts from one super-packet first, first + 1, ...: the
 * Identifications of a DF=0 super-packet are taken as one block from the translator's
 * ({@link Translator#reserveIdentifications}) when it is written, so that they stay as unique as the
 * translator's own (RFC 7915 §5.1, RFC 6864 §4.2). With DF set the field has no meaning (RFC 6864
 * §4.1; RFC 7915 §5.1 writes 0) and the kernel's numbering is left as it is.
 *
 * <p>One instance per worker, owned by its thread; the buffer is the worker's. No allocation per packet.
 */
public final class UdpCoalescer implements PacketSink {
    /** Datagrams per super-packet: well under the kernel's UDP_MAX_SEGMENTS (64 before 6.9, 128 after). */
    static final int MAX_SEGMENTS = 64;
    /** Flows gathered at once (Linux's GRO keeps 8 lists per NAPI instance). */
    public static final int FLOWS = 8;
    /** Bytes of buffer each flow needs: its vnet header and up to 64 KiB of IP packet. */
    public static final int SLOT = 65536 + 64;
    private static final int NEEDS_CSUM = 1;
    private static final int GSO_UDP_L4 = 5;
    private static final int PROTO_UDP = 17;

    private final ByteBuf batch;
    private final int vnet;
    private final PacketSink out;
    private final XlatCounters counters;
    private Translator identifications;
    /** Per slot: datagrams pending (0: free) and their bytes, {@code [base, base + length)}. */
    private final int[] count = new int[FLOWS];
    private final int[] length = new int[FLOWS];
    /** Per slot: IP version, L4 header offset from the IP header, UDP payload per datagram. */
    private final int[] version = new int[FLOWS];
    private final int[] l4 = new int[FLOWS];
    private final int[] segment = new int[FLOWS];
    /** Per slot: the last datagram was shorter than the others: nothing more may join. */
    private final boolean[] closed = new boolean[FLOWS];
    /** Per slot: when it was started (to flush the oldest when all are taken). */
    private final long[] started = new long[FLOWS];
    private long starts;
    private int active;

    /**
     * @param batch where pending super-packets are built: at least {@code FLOWS * SLOT} bytes
     * @param vnet  the queue's virtio_net_hdr length
     * @param out   writes one packet (vnet header included) to the TUN queue
     */
    public UdpCoalescer(ByteBuf batch, int vnet, PacketSink out, XlatCounters counters) {
        if (batch.capacity() < FLOWS * SLOT || vnet < 10 || vnet > 64) {
            throw new IllegalArgumentException("coalescing buffer too small or no vnet header");
        }
        this.batch = batch;
        this.vnet = vnet;
        this.out = out;
        this.counters = counters;
    }

    /** Where the IPv4 Identifications of DF=0 super-packets come from (the translator feeding this). */
    public void useIdentifications(Translator translator) {
        this.identifications = translator;
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
        int ip = offset + vnet;
        int free = -1;
        int oldest = -1;
        for (int s = 0; s < FLOWS; s++) {
            if (count[s] == 0) {
                if (free < 0) {
                    free = s;
                }
                continue;
            }
            if (sameFlow(s, buf, ip)) {
                if (joins(s, buf, ip, payload)) {
                    batch.setBytes(s * SLOT + length[s], buf, ip + l4[s] + 8, payload);
                    length[s] += payload;
                    closed[s] = payload < segment[s];
                    if (++count[s] == MAX_SEGMENTS) {
                        flush(s);
                    }
                    return;
                }
                flush(s); // the flow's earlier datagrams leave first
                start(s, buf, offset, len, payload);
                return;
            }
            if (oldest < 0 || started[s] < started[oldest]) {
                oldest = s;
            }
        }
        if (free < 0) {
            flush(oldest);
            free = oldest;
        }
        start(free, buf, offset, len, payload);
    }

    private void start(int s, ByteBuf buf, int offset, int len, int payload) {
        batch.setBytes(s * SLOT, buf, offset, len);
        length[s] = len;
        count[s] = 1;
        active++;
        int ip = offset + vnet;
        version[s] = buf.getUnsignedByte(ip) >>> 4;
        l4[s] = version[s] == 4 ? 20 : Ipv6Header.LENGTH;
        segment[s] = payload;
        closed[s] = false;
        started[s] = starts++;
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

    /** Whether the datagram at {@code buf[ip, ...)} has slot {@code s}'s addresses and ports. */
    private boolean sameFlow(int s, ByteBuf buf, int ip) {
        int p = s * SLOT + vnet;
        if ((buf.getUnsignedByte(ip) >>> 4) != version[s]) {
            return false;
        }
        if (version[s] == 4) {
            return buf.getLong(ip + 12) == batch.getLong(p + 12) && buf.getInt(ip + 20) == batch.getInt(p + 20);
        }
        return buf.getLong(ip + 8) == batch.getLong(p + 8) && buf.getLong(ip + 16) == batch.getLong(p + 16)
                && buf.getLong(ip + 24) == batch.getLong(p + 24) && buf.getLong(ip + 32) == batch.getLong(p + 32)
                && buf.getInt(ip + 40) == batch.getInt(p + 40);
    }

    /** Whether a datagram of slot {@code s}'s flow with {@code payload} bytes may join its super-packet. */
    private boolean joins(int s, ByteBuf buf, int ip, int payload) {
        if (closed[s] || payload > segment[s] || length[s] + payload > vnet + 65535) {
            return false;
        }
        int p = s * SLOT + vnet;
        if (version[s] == 4) {
            // TOS, DF (and the rest of that byte: no fragment), TTL and protocol equal.
            return buf.getUnsignedByte(ip + 1) == batch.getUnsignedByte(p + 1)
                    && buf.getUnsignedByte(ip + 6) == batch.getUnsignedByte(p + 6)
                    && buf.getUnsignedShort(ip + 8) == batch.getUnsignedShort(p + 8);
        }
        // Version, traffic class, flow label, next header and hop limit equal.
        return buf.getInt(ip) == batch.getInt(p) && buf.getUnsignedShort(ip + 6) == batch.getUnsignedShort(p + 6);
    }

    /** Writes every flow's pending datagrams. */
    public void flush() {
        for (int s = 0; active > 0 && s < FLOWS; s++) {
            if (count[s] > 0) {
                flush(s);
            }
        }
    }

    /** Writes slot {@code s}'s datagrams: as they were if only one, else as one UDP super-packet. */
    private void flush(int s) {
        int base = s * SLOT;
        int n = count[s];
        if (n > 1) {
            int ip = base + vnet;
            int at = l4[s];
            int udpLength = length[s] - vnet - at;
            int pseudo;
            if (version[s] == 4) {
                batch.setShort(ip + 2, length[s] - vnet);
                if ((batch.getUnsignedByte(ip + 6) & 0x40) == 0 && identifications != null) {
                    batch.setShort(ip + 4, identifications.reserveIdentifications(n));
                }
                batch.setShort(ip + 10, 0);
                batch.setShort(ip + 10, Checksum.finish(Checksum.add(batch, ip, 20, 0)));
                pseudo = Checksum.sumIpv4(batch.getInt(ip + 12)) + Checksum.sumIpv4(batch.getInt(ip + 16)) + PROTO_UDP
                        + udpLength;
            } else {
                batch.setShort(ip + 4, udpLength);
                pseudo = Ipv6Header.pseudoHeaderSum(batch.getLong(ip + 8), batch.getLong(ip + 16),
                        batch.getLong(ip + 24), batch.getLong(ip + 32), udpLength, PROTO_UDP);
            }
            batch.setShort(ip + at + 4, udpLength);
            // The partial checksum: the pseudo-header sum of the whole, which the kernel adjusts per segment.
            batch.setShort(ip + at + 6, Checksum.fold(pseudo));
            batch.setByte(base, NEEDS_CSUM);
            batch.setByte(base + 1, GSO_UDP_L4);
            batch.setShortLE(base + 2, at + 8);
            batch.setShortLE(base + 4, segment[s]);
            batch.setShortLE(base + 6, at);
            batch.setShortLE(base + 8, 6);
            counters.increment(XlatCounters.UDP_COALESCED_WRITES);
            counters.add(XlatCounters.UDP_COALESCED_DATAGRAMS, n);
        }
        count[s] = 0;
        active--;
        out.emit(batch, base, length[s]);
    }
}
