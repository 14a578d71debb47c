// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.DropReason.*;

import io.netty.buffer.ByteBuf;
import java.util.function.LongSupplier;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.VirtioNetHeader;
import net.tunxlat.nptv6.Nptv6Table;
import net.tunxlat.nptv6.Nptv6Translator;
import net.tunxlat.offload.OffloadState;
import net.tunxlat.offload.Segmenter;

/**
 * The translator of one worker thread: the face of the packet path. It dispatches each packet by IP
 * version to RFC 7915 §4 ({@link Xlat46}), or to NPTv6 ({@link Nptv6Translator}, RFC 6296) and then RFC
 * 7915 §5 ({@link Xlat64}); with TUN offloads ({@link #translateVnet}) the offload layer around them reads
 * the virtio_net_hdr and cuts super-packets that cannot stay whole into segments. It rewrites a packet
 * in place in the buffer it is handed and passes the result to its {@link PacketSink}; the ICMP errors it
 * sends ({@link IcmpResponder}) are built in a scratch buffer of its own. Per packet it allocates nothing,
 * takes no lock and throws nothing: a packet it cannot translate is dropped with one {@link DropReason}.
 *
 * <p>The caller must leave {@link #HEADROOM} writable bytes in front of the packet: IPv4 → IPv6 grows
 * the header by 20 bytes, or 28 with a Fragment header.
 */
public final class Translator {
    /** Bytes the caller must leave free in front of each packet. */
    public static final int HEADROOM = 64;
    /** Largest packet the translator handles (the IPv4/IPv6 maximum without jumbograms). */
    public static final int MAX_PACKET = 65535;
    /** The size of {@link #useFragmentStore}'s buffer. */
    public static final int FRAGMENT_STORE_BYTES = EarlyFragments.BYTES;
    /** RFC 1812 §4.3.2.3: an ICMPv4 error "SHOULD" not exceed 576 bytes. */
    static final int ICMP4_ERROR_MAX = IcmpResponder.ICMP4_ERROR_MAX;
    /** RFC 4443 §2.4(c): an ICMPv6 error "MUST NOT" exceed the minimum IPv6 MTU, 1280 bytes. */
    static final int ICMP6_ERROR_MAX = IcmpResponder.ICMP6_ERROR_MAX;

    private final XlatCounters counters;
    private final XlatContext ctx;
    private final VirtioNetHeader vnetHeader = new VirtioNetHeader();
    private final Ipv4Header version = new Ipv4Header();
    private final AddressMapper mapper = new AddressMapper();
    private final Ipv4Identification identifications;
    private final PacketOutput output;
    private final Xlat46 xlat46;
    private final Xlat64 xlat64;
    private final Nptv6Translator nptv6;
    private final IcmpResponder responder;
    /** Stateful NAT64 (RFC 6146): the worker's reader of the shared tables. */
    private final Stateful64 stateful;
    private XlatSnapshot snap;
    /** Bytes of virtio_net_hdr in front of every packet on the TUN device (0: none). */
    private int vnet;
    /** Where super-packets that cannot stay whole are cut into segments; null without vnet. */
    private Segmenter segmenter;

    /**
     * @param errorBuf  scratch buffer of at least {@code HEADROOM + 1280} bytes, owned by this translator
     * @param nanoClock {@link System#nanoTime} or a test clock (ICMP rate limiting)
     */
    public Translator(XlatCounters counters, PacketSink sink, ByteBuf errorBuf, LongSupplier nanoClock, PacketLog log) {
        this(counters, sink, errorBuf, nanoClock, log, XlatState.PerWorker.fresh(nanoClock));
    }

    /**
     * @param worker this worker's ICMP error rate limiter and IPv4 Identification source ({@link XlatState#newWorker},
     *               on {@code nanoClock}): state, kept across reloads
     */
    public Translator(XlatCounters counters, PacketSink sink, ByteBuf errorBuf, LongSupplier nanoClock, PacketLog log,
            XlatState.PerWorker worker) {
        if (errorBuf.capacity() < HEADROOM + ICMP6_ERROR_MAX) {
            throw new IllegalArgumentException("error buffer too small");
        }
        this.counters = counters;
        this.ctx = new XlatContext(counters, log);
        this.identifications = worker.identification();
        IcmpRateLimiter rateLimiter = worker.icmpErrors();
        this.output = new PacketOutput(sink, ctx.offload, counters);
        IcmpResponder responder = new IcmpResponder(errorBuf, counters, log, output, rateLimiter, identifications);
        this.stateful = new Stateful64(mapper);
        this.xlat46 = new Xlat46(mapper, responder, output, counters, errorBuf, stateful);
        this.xlat64 = new Xlat64(mapper, responder, output, counters, identifications, errorBuf, stateful);
        this.responder = responder;
        this.nptv6 = new Nptv6Translator();
    }

    public XlatCounters counters() {
        return counters;
    }

    /** Which rules mapped the last packet's addresses (read by {@code translate --explain}, after the packet). */
    public AddressRules addressRules() {
        return ctx.rules;
    }

    /**
     * Before a batch of packets translated with {@code snapshot}: with stateful NAT64 ({@code pool4}), enters the
     * worker's epoch of the shared tables (registering with them the first time) and reads the clock the batch
     * uses, {@code clockNanos} ({@link System#nanoTime} in the daemon, the sweeper's clock). Every
     * {@link #translate} of a stateful packet must come between this and {@link #endBatch}.
     */
    public void beginBatch(XlatSnapshot snapshot, long clockNanos) {
        stateful.beginBatch(snapshot, clockNanos);
        stateful.answerTimeouts(ctx, snapshot, responder);
        for (int n = stateful.early.expire(stateful.now); n > 0; n--) {
            counters.drop(FRAGMENT_EXPIRED);
        }
    }

    /**
     * Holds fragments that wait for another ({@link EarlyFragments}: stateful NAT64's non-first fragments that came
     * before their first, first fragments of ICMP echoes waiting for their last) in {@code direct} (at least
     * {@link #FRAGMENT_STORE_BYTES}, owned by the caller, which releases it after the translator's last use), so
     * that they are translated and emitted from there once the other comes. Without it, a heap
     * store of the same size is used, for sinks that copy (offline translation, tests).
     */
    public void useFragmentStore(ByteBuf direct) {
        stateful.early.useStore(direct);
    }

    /** Fragments held now, waiting for another fragment of their datagram (tests). */
    public int heldFragments() {
        return stateful.early.held();
    }

    /** After the batch: leaves the tables' epoch, so that the sweeper may reuse what it ended meanwhile. */
    public void endBatch() {
        stateful.endBatch();
    }

    /** Translates the packet at {@code buf[offset, offset + length)}; {@code offset >= HEADROOM}. */
    public void translate(XlatSnapshot snapshot, ByteBuf buf, int offset, int length) {
        ctx.offload.plain();
        dispatch(snapshot, buf, offset, length);
        if (stateful.early.anyReady()) {
            translateHeldFragments(snapshot);
        }
    }

    /**
     * The held fragments the packet just translated released (RFC 6146 §3.4: it was their first fragment; RFC 7915
     * §4.2/§5.2: it was the last fragment of their ICMP echo) are translated now, each as a plain packet where it
     * lies in the store.
     */
    private void translateHeldFragments(XlatSnapshot snapshot) {
        EarlyFragments f = stateful.early;
        for (int s = f.nextReady(); s >= 0; s = f.nextReady()) {
            ctx.offload.plain();
            dispatch(snapshot, f.store(), f.offset(s), f.length(s));
            f.free(s);
        }
        ctx.offload.plain();
    }

    /**
     * The top-level dispatch: IPv4 to RFC 7915 §4; IPv6 (once its header is whole) to NPTv6 when it is
     * NPTv6 traffic, else to RFC 7915 §5. What the offload facts of {@link #ctx} say is left as set.
     */
    private Verdict dispatch(XlatSnapshot snapshot, ByteBuf buf, int offset, int length) {
        if (snapshot != snap) {
            snap = snapshot;
            mapper.use(snapshot);
        }
        XlatContext c = ctx;
        c.start(snapshot, buf, offset, length);
        int ipVersion = length >= 1 ? version.wrap(buf, offset).version() : 0;
        if (ipVersion == 4) {
            return xlat46.translate(c);
        }
        if (ipVersion == 6) {
            if (!xlat64.ipv6Packet(c)) {
                return Verdict.DONE;
            }
            if (snapshot.nptv6 != null && nptv6(c, snapshot.nptv6)) {
                return Verdict.DONE;
            }
            Verdict v = xlat64.translate(c);
            if (v == Verdict.AGAIN_46) {
                c.start(snapshot, buf, offset, c.total);
                c.hairpinned = true;
                return xlat46.translate(c);
            }
            return v;
        }
        c.drop(UNKNOWN_IP_VERSION);
        return Verdict.DONE;
    }

    /**
     * NPTv6 (RFC 6296) for the IPv6 packet of {@code c}: {@link Nptv6Translator} rewrites it; here it is
     * counted and emitted (a super-packet stays whole: the rewrite is checksum-neutral), or dropped, with
     * ICMPv6 Address Unreachable where §3.2 asks for it. False if it is not NPTv6 traffic.
     */
    private boolean nptv6(XlatContext c, Nptv6Table table) {
        int result = nptv6.translate(c.buf, c.off, c.total, table, c.srcHi, c.srcLo, c.dstHi, c.dstLo);
        switch (result) {
            case Nptv6Translator.NOT_NPTV6:
                return false;
            case Nptv6Translator.OUTBOUND:
            case Nptv6Translator.INBOUND: {
                boolean out = result == Nptv6Translator.OUTBOUND;
                c.rules.nptv6(nptv6.sourcePair(), nptv6.destinationPair());
                counters.increment(out ? XlatCounters.PACKETS_NPTV6_OUT : XlatCounters.PACKETS_NPTV6_IN);
                counters.add(out ? XlatCounters.BYTES_NPTV6_OUT : XlatCounters.BYTES_NPTV6_IN, c.total);
                if (c.offload.gso) {
                    output.emitSuperPacket(c.buf, c.off, c.total, c.off + Ipv6Header.LENGTH, 6);
                } else {
                    output.emit(c.buf, c.off, c.total);
                }
                return true;
            }
            case Nptv6Translator.UNKNOWN_OWNER_IN:
                c.drop(NPTV6_UNKNOWN_OWNER_IN);
                responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.ADDRESS_UNREACHABLE, 0);
                return true;
            case Nptv6Translator.UNMAPPABLE_OUT:
                c.drop(NPTV6_UNMAPPABLE_OUT);
                responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.ADDRESS_UNREACHABLE, 0);
                return true;
            case Nptv6Translator.UNMAPPABLE_IN:
                c.drop(NPTV6_UNMAPPABLE_IN);
                return true;
            case Nptv6Translator.BAD_ICMP_ERROR_OUT:
                c.drop(NPTV6_ICMP_ERROR_OUT);
                return true;
            default:
                c.drop(NPTV6_ICMP_ERROR_IN);
                return true;
        }
    }

    /**
     * Uses a {@code vnetHeaderLength}-byte virtio_net_hdr in front of every packet (TUN offloads): input
     * through {@link #translateVnet}, output with a header written before each emitted packet.
     * {@code segmentScratch} (at least {@code HEADROOM + 65535} bytes, owned by this translator) is where
     * super-packets that cannot stay whole are cut into segments.
     */
    public void useVnetHeader(int vnetHeaderLength, ByteBuf segmentScratch) {
        if (vnetHeaderLength != 0 && (vnetHeaderLength < VirtioNetHeader.MIN_LENGTH || vnetHeaderLength > HEADROOM - 48
                || segmentScratch.capacity() < HEADROOM + MAX_PACKET)) {
            throw new IllegalArgumentException("bad vnet header length or segment buffer");
        }
        this.vnet = vnetHeaderLength;
        this.output.vnet = vnetHeaderLength;
        this.segmenter = segmentScratch == null ? null : new Segmenter(segmentScratch, HEADROOM);
    }

    /**
     * Translates a packet read from a TUN device with offloads: the virtio_net_hdr is at
     * {@code buf[offset - vnet, offset)}, the IP packet at {@code buf[offset, offset + length)}. A GSO
     * super-packet (TCP or UDP, up to 64 KiB) is translated whole: only its headers are rewritten, the
     * payload is never read, the L4 checksum stays partial for the kernel to finish, {@code gso_type}
     * flips between TCPV4 and TCPV6, {@code csum_start} and {@code hdr_len} are recomputed and
     * {@code gso_size} kept. One that cannot stay whole (an MTU it exceeds, hairpinning) is cut into
     * segments in software and each segment translated as a plain packet, so every RFC 7915 rule still
     * holds per segment.
     */
    public void translateVnet(XlatSnapshot snapshot, ByteBuf buf, int offset, int length) {
        VirtioNetHeader h = vnetHeader.wrap(buf, offset - vnet);
        int type = h.gsoType();
        OffloadState o = ctx.offload;
        o.plain();
        if ((type & ~VirtioNetHeader.GSO_ECN) == VirtioNetHeader.GSO_NONE) {
            if ((h.flags() & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
                if (o.keepsPartial(buf, offset, length, h)) {
                    o.partialPacket(offset, length, h.csumOffset());
                } else if (!o.finishChecksum(buf, offset, length, h.csumStart(), h.csumOffset())) {
                    counters.increment(XlatCounters.GSO_INVALID);
                    invalid(buf, offset, length, TRUNCATED_64);
                    return;
                }
            }
            dispatch(snapshot, buf, offset, length);
            o.plain();
            if (stateful.early.anyReady()) {
                translateHeldFragments(snapshot);
            }
            return;
        }
        if (!o.validGso(buf, offset, length, h)) {
            counters.increment(XlatCounters.GSO_INVALID);
            invalid(buf, offset, length, version.wrap(buf, offset).version() == 4 ? TRUNCATED_46 : TRUNCATED_64);
            return;
        }
        o.superPacket(type, h.gsoSize());
        if (dispatch(snapshot, buf, offset, length) == Verdict.SEGMENT) {
            segment(snapshot, buf, offset, length);
        }
        o.plain();
    }

    /** Drops a packet whose virtio_net_hdr does not describe it. */
    private void invalid(ByteBuf buf, int offset, int length, DropReason reason) {
        ctx.start(snap, buf, offset, length); // logged with the snapshot of the last translated packet, as before
        ctx.drop(reason);
    }

    /**
     * Software segmentation: the super-packet the RFC steps handed back ({@link Verdict#SEGMENT}, nothing
     * written) is cut into the plain packets the kernel would have sent, each translated on its own.
     */
    private void segment(XlatSnapshot snapshot, ByteBuf buf, int offset, int length) {
        counters.increment(XlatCounters.GSO_SOFTWARE);
        Segmenter s = segmenter;
        s.begin(buf, offset, length, ctx.l4, ctx.offload);
        ctx.offload.plain(); // the segments are plain packets, with complete checksums
        while (s.next()) {
            counters.increment(XlatCounters.GSO_SEGMENTS);
            dispatch(snapshot, s.buffer(), s.start(), s.length());
        }
    }

    /**
     * Takes {@code count} consecutive IPv4 Identifications from the ones this translator hands out (RFC 7915
     * §5.1: "set according to a Fragment Identification generation algorithm at the translator"); the first.
     * For datagrams written as one UDP super-packet, which the kernel numbers first, first + 1, ...
     */
    public int reserveIdentifications(int count) {
        return identifications.reserve(count);
    }
}
