// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import io.netty.buffer.ByteBuf;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.UdpHeader;
import net.tunxlat.header.VirtioNetHeader;
import net.tunxlat.xlat.PacketSink;
import net.tunxlat.xlat.Translator;
import net.tunxlat.xlat.XlatCounters;

/**
 * UDP "GRO" on the TUN write path: translated datagrams of one flow, of one size (the last may be
 * shorter) and with a partial or verified checksum, are written as one UDP super-packet
 * ({@code VIRTIO_NET_HDR_GSO_UDP_L4}, Linux 6.2's USO) instead of one {@code write()} each. The kernel
 * forwards the super-packet once and cuts it into the same datagrams where it must (at the receiving
 * socket, or a device without USO), exactly as it does for the GRO super-packets of a NIC with
 * {@code rx-udp-gro-forwarding}. Like the kernel's GRO and wireguard-go's {@code udpGRO}, up to
 * {@link #FLOWS} flows are gathered at once, so datagrams of several flows that arrive interleaved are
 * coalesced too; the order within each flow is always kept (datagrams of different flows may leave in
 * another order, as with GRO).
 *
 * <p>A datagram joins with its checksum partial ({@code NEEDS_CSUM}: sent from this machine or its
 * containers) or complete and verified here (RFC 1071 over the pseudo-header and the whole datagram, RFC 768,
 * RFC 8200 §8.1): from a wire, a router's real NIC, where datagrams arrive one by one. The kernel computes
 * every checksum of a super-packet's datagrams anew when it cuts it, so a complete one is taken only if it
 * is right, as the kernel's own GRO takes only datagrams whose checksum it has verified: no datagram whose
 * checksum was wrong can come out with a right one. A datagram whose checksum is wrong, or zero over IPv4
 * (none, RFC 768), is written as it is, after everything pending, as is any other packet. The worker flushes
 * before it waits for packets, so coalescing never delays a packet beyond the read loop's current burst (with
 * io_uring, a batch that is {@link #coalescing} waits up to {@code Worker.LINGER_NANOS} for the burst's next
 * datagram first).
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
    private static final int PROTO_UDP = IpProtocol.UDP;

    /** Views of the packet being taken ({@code in*}) and of a slot's first datagram ({@code slot*}). */
    private final VirtioNetHeader vnetHeader = new VirtioNetHeader();
    private final Ipv4Header in4 = new Ipv4Header();
    private final Ipv6Header in6 = new Ipv6Header();
    private final UdpHeader inUdp = new UdpHeader();
    private final Ipv4Header slot4 = new Ipv4Header();
    private final Ipv6Header slot6 = new Ipv6Header();
    private final UdpHeader slotUdp = new UdpHeader();
    /**
     * The IP version of the packet {@link #candidate} accepted last; it leaves {@link #in4} (IPv4) or {@link #in6}
     * (IPv6) and {@link #inUdp} pointing at that packet for {@link #sameFlow} and {@link #joins}.
     */
    private int inVersion;

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
        if (batch.capacity() < FLOWS * SLOT || vnet < VirtioNetHeader.MIN_LENGTH || vnet > 64) {
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

    @Override
    public void reusing(ByteBuf buf) {
        out.reusing(buf);
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
            if (sameFlow(s)) {
                if (joins(s, payload)) {
                    batch.setBytes(s * SLOT + length[s], buf, ip + l4[s] + UdpHeader.LENGTH, payload);
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
        version[s] = inVersion;
        l4[s] = inVersion == 4 ? Ipv4Header.MIN_LENGTH : Ipv6Header.LENGTH;
        segment[s] = payload;
        closed[s] = false;
        started[s] = starts++;
    }

    /**
     * The UDP payload size of a packet that may be coalesced (a plain packet with a partial checksum or a
     * complete one that verifies, UDP right after an IPv4 header without options that is not a fragment, or
     * after a bare IPv6 header, with lengths that agree and at least one byte of payload), or -1.
     */
    private int candidate(ByteBuf buf, int offset, int len) {
        int ip = offset + vnet;
        int ipLength = len - vnet;
        VirtioNetHeader v = vnetHeader.wrap(buf, offset);
        int flags = v.flags();
        boolean partial = flags == VirtioNetHeader.F_NEEDS_CSUM;
        if (ipLength < Ipv4Header.MIN_LENGTH + UdpHeader.LENGTH + 1 || v.gsoType() != VirtioNetHeader.GSO_NONE
                || (partial ? v.csumOffset() != UdpHeader.CHECKSUM : flags != 0)) {
            return -1;
        }
        Ipv4Header h4 = in4.wrap(buf, ip);
        int version = h4.version();
        int udp;
        if (version == 4 && h4.headerLength() == Ipv4Header.MIN_LENGTH) {
            if (h4.protocol() != PROTO_UDP || h4.totalLength() != ipLength || h4.moreFragments() || h4.fragmentOffset() != 0) {
                return -1;
            }
            udp = Ipv4Header.MIN_LENGTH;
        } else if (version == 6) {
            Ipv6Header h6 = in6.wrap(buf, ip);
            if (ipLength < Ipv6Header.LENGTH + UdpHeader.LENGTH + 1 || h6.nextHeader() != PROTO_UDP
                    || h6.payloadLength() != ipLength - Ipv6Header.LENGTH) {
                return -1;
            }
            udp = Ipv6Header.LENGTH;
        } else {
            return -1;
        }
        UdpHeader u = inUdp.wrap(buf, ip + udp);
        if (u.length() != ipLength - udp || (partial ? v.csumStart() != udp : !verifies(buf, ip, udp, version, u))) {
            return -1;
        }
        inVersion = version;
        return ipLength - udp - UdpHeader.LENGTH;
    }

    /**
     * Whether a complete UDP checksum is right: the one's-complement sum over the pseudo-header and the whole
     * datagram, checksum field included, is all ones (RFC 1071 §1; pseudo-headers: RFC 768, RFC 8200 §8.1). A
     * zero field is "no checksum" over IPv4 (RFC 768) and invalid over IPv6: neither joins.
     */
    private boolean verifies(ByteBuf buf, int ip, int udp, int version, UdpHeader u) {
        if (u.checksum() == 0) {
            return false;
        }
        int udpLength = u.length();
        int pseudo = version == 4 ? Ipv4Header.pseudoHeaderSum(in4.source(), in4.destination(), udpLength, PROTO_UDP)
                : in6.pseudoHeaderSum(udpLength, PROTO_UDP);
        return Checksum.verifies(Checksum.add(buf, ip + udp, udpLength, pseudo));
    }

    /** Whether the datagram {@link #candidate} accepted has slot {@code s}'s addresses and ports. */
    private boolean sameFlow(int s) {
        if (inVersion != version[s]) {
            return false;
        }
        int p = s * SLOT + vnet;
        boolean addresses = inVersion == 4 ? in4.sameAddresses(slot4.wrap(batch, p))
                : in6.sameAddresses(slot6.wrap(batch, p));
        return addresses && inUdp.samePorts(slotUdp.wrap(batch, p + l4[s]));
    }

    /** Whether a datagram of slot {@code s}'s flow with {@code payload} bytes may join its super-packet. */
    private boolean joins(int s, int payload) {
        if (closed[s] || payload > segment[s] || length[s] + payload > vnet + 65535) {
            return false;
        }
        int p = s * SLOT + vnet;
        if (version[s] == 4) {
            // TOS, flags (DF: neither is a fragment), TTL and protocol equal.
            return in4.sameTosFlagsTtlProtocol(slot4.wrap(batch, p));
        }
        // Traffic class, flow label, next header and hop limit equal (both are version 6).
        return in6.sameFlowFields(slot6.wrap(batch, p));
    }

    /** Whether some flow has two or more datagrams pending: a burst is being coalesced right now. */
    public boolean coalescing() {
        for (int s = 0; active > 0 && s < FLOWS; s++) {
            if (count[s] > 1) {
                return true;
            }
        }
        return false;
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
                Ipv4Header h = slot4.wrap(batch, ip);
                h.setTotalLength(length[s] - vnet);
                if (!h.dontFragment() && identifications != null) {
                    h.setIdentification(identifications.reserveIdentifications(n));
                }
                h.updateHeaderChecksum();
                pseudo = Ipv4Header.pseudoHeaderSum(h.source(), h.destination(), udpLength, PROTO_UDP);
            } else {
                Ipv6Header h = slot6.wrap(batch, ip);
                h.setPayloadLength(udpLength);
                pseudo = h.pseudoHeaderSum(udpLength, PROTO_UDP);
            }
            UdpHeader u = slotUdp.wrap(batch, ip + at);
            u.setLength(udpLength);
            // The partial checksum: the pseudo-header sum of the whole, which the kernel adjusts per segment.
            u.setChecksum(Checksum.fold(pseudo));
            vnetHeader.wrap(batch, base).write(VirtioNetHeader.MIN_LENGTH, VirtioNetHeader.F_NEEDS_CSUM,
                    VirtioNetHeader.GSO_UDP_L4, at + UdpHeader.LENGTH, segment[s], at, UdpHeader.CHECKSUM);
            counters.increment(XlatCounters.UDP_COALESCED_WRITES);
            counters.add(XlatCounters.UDP_COALESCED_DATAGRAMS, n);
        }
        count[s] = 0;
        active--;
        out.emit(batch, base, length[s]);
    }
}
