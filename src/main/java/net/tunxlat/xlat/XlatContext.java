// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import net.tunxlat.offload.OffloadState;

/**
 * The facts of the packet being translated, in the way Jool's {@code struct xlation} holds them: one
 * instance per worker, reused for every packet, so that the RFC 7915 steps in {@link Xlat46} and
 * {@link Xlat64} take the context instead of a dozen parameters and nothing is allocated per packet.
 *
 * <p>Two groups of fields. The <em>packet</em> ({@link #buf}, {@link #off}, {@link #total}) is the one
 * handed to the translator: drops, logs and the ICMP errors the translator sends are about it. The
 * <em>header being translated</em> (addresses, L4 offset and lengths, fragment facts) is that packet's
 * outer header, or, in <em>inner mode</em> ({@link #becomeInner}), the packet quoted inside an ICMP error,
 * copied to the error scratch buffer: the same steps then run on it, with the differences RFC 7915 §4.3
 * and §5.3 ask for (hop limit kept, never an error, never fragmented, truncated to fit).
 *
 * <p>The offload facts (super-packet, partial checksum) of the packet are in {@link #offload}; the
 * offload layer sets them before the steps run and the steps only read them.
 */
final class XlatContext {
    // ---- the packet handed to the translator
    /** The buffer holding the packet. */
    ByteBuf buf;
    /** Where its IP header starts. */
    int off;
    /** Its length: what was read until the IP length is validated, then the IP length. */
    int total;

    // ---- the header being translated (the outer one, or in inner mode the quoted one)
    /** Where the L4 header being translated is: {@link #buf} for the outer packet, the error scratch inside. */
    ByteBuf pkt;
    /** Offset of the L4 (upper-layer) header in {@link #pkt}. */
    int l4;
    /** Upper-layer length the IP header declares (the pseudo-header length). */
    int l4Length;
    /** Upper-layer bytes present in {@link #pkt} (fewer than {@link #l4Length} inside an ICMP error). */
    int l4Available;
    /** IPv4 Protocol or the upper-layer IPv6 Next Header. */
    int proto;
    /** IPv4 addresses (before mapping 4→6, after mapping 6→4). */
    int src4;
    int dst4;
    /** IPv6 addresses (after mapping 4→6, before mapping 6→4). */
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    /** IPv4 Type of Service or IPv6 Traffic Class. */
    int tos;
    /** IPv4 TTL or IPv6 Hop Limit as received. */
    int ttl;
    /** IPv6: a Fragment Header is present (even an atomic one). */
    boolean fragmentHeader;
    /** MF set or a non-zero Fragment Offset. */
    boolean fragmented;
    boolean moreFragments;
    /** Fragment Offset in 8-byte units. */
    int fragOffset;
    /** IPv4 Identification, or the IPv6 Fragment Header's Identification. */
    int identification;
    /** The IPv6 destination mapped through the static map (6→4), not the RFC 6052 prefix. */
    boolean dstViaStaticMap;
    /** The translated ICMP error's type, code and parameter (pointer, MTU), RFC 7915 §4.2 / §5.2. */
    int icmpType;
    int icmpCode;
    int icmpParameter;
    /** Inner mode: the header being translated is the packet inside an ICMP error (RFC 7915 §4.3 / §5.3). */
    boolean inner;
    /** Stateful NAT64 (RFC 6146) translates this packet: {@link Stateful64} decides its IPv4 side's address and port. */
    boolean nat64;
    /** The packet is an IPv4 error the translator made from a hairpinned ICMPv6 error ({@link Verdict#AGAIN_46}). */
    boolean hairpinned;

    /** Which rules mapped the outer source and destination ({@code translate --explain}). */
    final AddressRules rules = new AddressRules();

    /** The packet's offload facts (virtio_net_hdr): super-packet, partial checksum. */
    final OffloadState offload = new OffloadState();

    private final XlatCounters counters;
    private final PacketLog log;
    XlatSnapshot snap;

    // ---- the outer header's facts while in inner mode
    private ByteBuf outerPkt;
    private int outerL4;
    private int outerL4Length;
    private int outerL4Available;
    private int outerProto;
    private int outerSrc4;
    private int outerDst4;
    private long outerSrcHi;
    private long outerSrcLo;
    private long outerDstHi;
    private long outerDstLo;
    private int outerTos;
    private int outerTtl;
    private boolean outerFragmentHeader;
    private boolean outerFragmented;
    private boolean outerMoreFragments;
    private int outerFragOffset;
    private int outerIdentification;

    XlatContext(XlatCounters counters, PacketLog log) {
        this.counters = counters;
        this.log = log;
    }

    /** Starts a packet: {@code buf[off, off + length)}, translated with {@code snapshot}. */
    void start(XlatSnapshot snapshot, ByteBuf buf, int off, int length) {
        // Reference fields are stored only when they change: each store into this long-lived object costs a GC
        // write barrier, and the snapshot and the buffer are the same for packet after packet.
        if (this.snap != snapshot) {
            this.snap = snapshot;
        }
        if (this.buf != buf) {
            this.buf = buf;
        }
        if (this.pkt != buf) {
            this.pkt = buf;
        }
        this.off = off;
        this.total = length;
        this.inner = false;
        this.fragmentHeader = false;
        this.fragmented = false;
        this.moreFragments = false;
        this.fragOffset = 0;
        this.identification = 0;
        this.dstViaStaticMap = false;
        this.nat64 = false;
        this.hairpinned = false;
        this.rules.clear();
    }

    /**
     * Drops the packet: counts it once under {@code reason} and logs it when {@code log drop} (or
     * {@code log self} for packets to the translator's own addresses) asks for it. Every drop goes here.
     */
    void drop(DropReason reason) {
        counters.drop(reason);
        if (log.enabled() && snap != null && (snap.logDrop
                || (snap.logSelf && (reason == DropReason.TO_SELF_46 || reason == DropReason.TO_SELF_64)))) {
            log.dropped(reason, buf, off, total);
        }
    }

    /**
     * RFC 7915 §4.3 / §5.3: points the header facts at the packet quoted in an ICMP error (in the error
     * scratch {@code scratch}), keeping the outer ones for {@link #restoreOuter}. The caller then sets
     * the inner facts.
     */
    void becomeInner(ByteBuf scratch) {
        outerPkt = pkt;
        outerL4 = l4;
        outerL4Length = l4Length;
        outerL4Available = l4Available;
        outerProto = proto;
        outerSrc4 = src4;
        outerDst4 = dst4;
        outerSrcHi = srcHi;
        outerSrcLo = srcLo;
        outerDstHi = dstHi;
        outerDstLo = dstLo;
        outerTos = tos;
        outerTtl = ttl;
        outerFragmentHeader = fragmentHeader;
        outerFragmented = fragmented;
        outerMoreFragments = moreFragments;
        outerFragOffset = fragOffset;
        outerIdentification = identification;
        pkt = scratch;
        inner = true;
    }

    /** Back to the outer header after {@link #becomeInner}. */
    void restoreOuter() {
        pkt = outerPkt;
        l4 = outerL4;
        l4Length = outerL4Length;
        l4Available = outerL4Available;
        proto = outerProto;
        src4 = outerSrc4;
        dst4 = outerDst4;
        srcHi = outerSrcHi;
        srcLo = outerSrcLo;
        dstHi = outerDstHi;
        dstLo = outerDstLo;
        tos = outerTos;
        ttl = outerTtl;
        fragmentHeader = outerFragmentHeader;
        fragmented = outerFragmented;
        moreFragments = outerMoreFragments;
        fragOffset = outerFragOffset;
        identification = outerIdentification;
        inner = false;
    }
}
