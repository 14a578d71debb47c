// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * The one walker of an IPv6 extension-header chain (RFC 8200 §4). Reusable and allocation-free: call
 * {@link #walk} (or {@link #start} then {@link #next} to see each header) and read the results.
 *
 * <p>It walks the headers that RFC 7915 §5.1 skips: Hop-by-Hop Options, Destination Options and Routing
 * (all "Hdr Ext Len" in 8-byte units, not counting the first 8, RFC 8200 §4.3, §4.4, §4.6), and the
 * 8-byte Fragment header (RFC 8200 §4.5). Every other Next Header value, including AH, ESP and the other
 * {@link IpProtocol#isIpv6ExtensionHeader extension headers}, ends the walk as the upper-layer protocol:
 * the caller decides about it.
 *
 * <p>The walk ends with one {@link #status()}:
 * <ul>
 * <li>{@link #COMPLETE}: {@link #upperLayerProtocol()} starts at {@link #upperLayerOffset()} (which may
 *     equal {@code end}: no upper-layer bytes, or a Fragment header without data);</li>
 * <li>{@link #TRUNCATED}: a walked header does not fit before {@code end} (fewer than 8 bytes, or its
 *     Hdr Ext Len reaches past the end); it is the one at {@link #upperLayerOffset()} and its type is
 *     {@link #upperLayerProtocol()};</li>
 * <li>{@link #AFTER_FRAGMENT}: a walked header follows the Fragment header. RFC 7915 §5.1: such a packet
 *     "SHOULD be dropped"; and in a non-first fragment those bytes are data, not headers. The walk does
 *     not read past the Fragment header: {@link #upperLayerProtocol()} is its Next Header and
 *     {@link #upperLayerOffset()} the byte after it.</li>
 * </ul>
 *
 * <p>The Fragment header, if any, is at {@link #fragmentHeaderOffset()} (read it with
 * {@link Ipv6FragmentHeader}); in a fragment with a non-zero offset the "upper layer" bytes are not an
 * upper-layer header. A Routing header is reported at {@link #routingHeaderOffset()} with its Segments
 * Left: the first one whose Segments Left is not zero, else the first one (RFC 7915 §5.1: with Segments
 * Left non-zero the packet "MUST NOT be translated"). A walk that stops early (truncated) keeps what it saw
 * before, so a caller that checks Segments Left first answers as if it had walked header by header.
 */
public final class Ipv6ExtensionHeaders {
    /** The chain ends at an upper-layer (not walked) Next Header value. */
    public static final int COMPLETE = 0;
    /** A walked header does not fit in the packet. */
    public static final int TRUNCATED = 1;
    /** A walked header follows the Fragment header (RFC 7915 §5.1). */
    public static final int AFTER_FRAGMENT = 2;

    /** Offset of Segments Left in a Routing header (RFC 8200 §4.4). */
    public static final int SEGMENTS_LEFT = 3;
    /** Offset of Hdr Ext Len in Hop-by-Hop, Routing and Destination Options headers. */
    public static final int HDR_EXT_LEN = 1;

    private ByteBuf buf;
    private int end;
    private int nextHeader;
    private int position;
    private int status;
    private int headerType;
    private int headerOffset;
    private int fragment;
    private int routing;
    private int segmentsLeft;

    /** Walks the chain of the IPv6 packet at {@code buf[ip, end)}; the fixed header must be there. */
    public Ipv6ExtensionHeaders walk(ByteBuf buf, int ip, int end) {
        return walk(buf, buf.getUnsignedByte(ip + Ipv6Header.NEXT_HEADER), ip + Ipv6Header.LENGTH, end);
    }

    /** Walks a chain that starts with Next Header value {@code nextHeader} at {@code buf[offset, end)}. */
    public Ipv6ExtensionHeaders walk(ByteBuf buf, int nextHeader, int offset, int end) {
        start(buf, nextHeader, offset, end);
        while (next()) {
            // each header is visited; the results are kept as the walk goes
        }
        return this;
    }

    /** Starts a step-by-step walk (see {@link #next}) of the IPv6 packet at {@code buf[ip, end)}. */
    public Ipv6ExtensionHeaders start(ByteBuf buf, int ip, int end) {
        return start(buf, buf.getUnsignedByte(ip + Ipv6Header.NEXT_HEADER), ip + Ipv6Header.LENGTH, end);
    }

    /** Starts a step-by-step walk of a chain that starts with {@code nextHeader} at {@code buf[offset, end)}. */
    public Ipv6ExtensionHeaders start(ByteBuf buf, int nextHeader, int offset, int end) {
        if (this.buf != buf) {
            this.buf = buf; // a reference store costs a GC write barrier: only when it changes
        }
        this.end = end;
        this.nextHeader = nextHeader;
        this.position = offset;
        this.status = COMPLETE;
        this.headerType = -1;
        this.headerOffset = -1;
        this.fragment = -1;
        this.routing = -1;
        this.segmentsLeft = 0;
        return this;
    }

    /**
     * Steps over one walked extension header: true if there was one (its type is {@link #headerType()},
     * its offset {@link #headerOffset()}), false when the walk has ended (see {@link #status()}).
     */
    public boolean next() {
        int nh = nextHeader;
        if (nh != IpProtocol.HOP_BY_HOP && nh != IpProtocol.IPV6_DEST_OPTS && nh != IpProtocol.IPV6_ROUTING
                && nh != IpProtocol.IPV6_FRAGMENT) {
            return false;
        }
        if (status != COMPLETE) {
            return false;
        }
        int p = position;
        if (fragment >= 0) {
            status = AFTER_FRAGMENT;
            return false;
        }
        if (p + 8 > end) {
            status = TRUNCATED;
            return false;
        }
        int length;
        if (nh == IpProtocol.IPV6_FRAGMENT) {
            length = Ipv6FragmentHeader.LENGTH;
            fragment = p;
        } else {
            length = (buf.getUnsignedByte(p + HDR_EXT_LEN) + 1) << 3;
            if (p + length > end) {
                status = TRUNCATED;
                return false;
            }
            if (nh == IpProtocol.IPV6_ROUTING) {
                int left = buf.getUnsignedByte(p + SEGMENTS_LEFT);
                if (routing < 0 || (segmentsLeft == 0 && left != 0)) {
                    routing = p;
                    segmentsLeft = left;
                }
            }
        }
        headerType = nh;
        headerOffset = p;
        nextHeader = buf.getUnsignedByte(p);
        position = p + length;
        return true;
    }

    /** {@link #COMPLETE}, {@link #TRUNCATED} or {@link #AFTER_FRAGMENT} (meaningful once the walk ended). */
    public int status() {
        return status;
    }

    /** True unless the walk ended {@link #COMPLETE}. */
    public boolean malformed() {
        return status != COMPLETE;
    }

    /** True if the walk ended {@link #TRUNCATED}. */
    public boolean truncated() {
        return status == TRUNCATED;
    }

    /** The Next Header value where the walk stopped: the upper-layer protocol when {@link #COMPLETE}. */
    public int upperLayerProtocol() {
        return nextHeader;
    }

    /** Where the walk stopped: the upper-layer header when {@link #COMPLETE}. */
    public int upperLayerOffset() {
        return position;
    }

    /** The type of the header {@link #next} just stepped over. */
    public int headerType() {
        return headerType;
    }

    /** The offset of the header {@link #next} just stepped over. */
    public int headerOffset() {
        return headerOffset;
    }

    /** The Fragment header's offset, or -1 without one. */
    public int fragmentHeaderOffset() {
        return fragment;
    }

    /** The reported Routing header's offset (see the class comment), or -1 without one. */
    public int routingHeaderOffset() {
        return routing;
    }

    /** Segments Left of the reported Routing header; 0 without one. */
    public int segmentsLeft() {
        return segmentsLeft;
    }
}
