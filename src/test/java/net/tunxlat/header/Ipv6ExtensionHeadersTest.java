// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ipv6ExtensionHeadersTest {
    private static final int HBH = IpProtocol.HOP_BY_HOP;
    private static final int RT = IpProtocol.IPV6_ROUTING;
    private static final int FRAG = IpProtocol.IPV6_FRAGMENT;
    private static final int DST = IpProtocol.IPV6_DEST_OPTS;

    private final Ipv6ExtensionHeaders walker = new Ipv6ExtensionHeaders();

    /** Builds an IPv6 packet at offset {@code lead}: the fixed header, then the chain, then the payload. */
    private static final class Packet {
        final ByteBuf buf = Unpooled.buffer(2048);
        final int lead;
        final List<Integer> types = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();
        int lastNextHeaderAt;

        Packet(int lead) {
            this.lead = lead;
            buf.writeZero(lead);
            buf.writeInt(0x60000000).writeShort(0).writeByte(0).writeByte(64).writeZero(32);
            lastNextHeaderAt = lead + Ipv6Header.NEXT_HEADER;
        }

        /** Appends a Hop-by-Hop, Destination Options or Routing header of {@code (hdrExtLen + 1) * 8} bytes. */
        Packet ext(int type, int hdrExtLen, int segmentsLeft) {
            link(type);
            buf.writeByte(0).writeByte(hdrExtLen).writeByte(type == RT ? 4 : 1).writeByte(type == RT ? segmentsLeft : 2);
            buf.writeZero(4 + hdrExtLen * 8);
            return this;
        }

        Packet fragment(int offset8, boolean more) {
            link(FRAG);
            new Ipv6FragmentHeader().wrap(buf, buf.writerIndex()).write(0, offset8, more, 0x11223344);
            buf.writerIndex(buf.writerIndex() + 8);
            return this;
        }

        Packet upper(int protocol, int bytes) {
            link(protocol);
            types.remove(types.size() - 1);
            offsets.remove(offsets.size() - 1);
            buf.writeZero(bytes);
            return this;
        }

        private void link(int type) {
            buf.setByte(lastNextHeaderAt, type);
            lastNextHeaderAt = buf.writerIndex();
            types.add(type);
            offsets.add(buf.writerIndex());
        }

        int end() {
            return buf.writerIndex();
        }
    }

    @Test
    void noExtensionHeaders() {
        Packet p = new Packet(0).upper(IpProtocol.UDP, 8);
        walker.walk(p.buf, 0, p.end());
        assertEquals(Ipv6ExtensionHeaders.COMPLETE, walker.status());
        assertFalse(walker.malformed());
        assertFalse(walker.truncated());
        assertEquals(IpProtocol.UDP, walker.upperLayerProtocol());
        assertEquals(40, walker.upperLayerOffset());
        assertEquals(-1, walker.fragmentHeaderOffset());
        assertEquals(-1, walker.routingHeaderOffset());
        assertEquals(0, walker.segmentsLeft());
    }

    @Test
    void eachWalkedHeaderAloneIsSkippedByItsLength() {
        for (int type : new int[] {HBH, DST, RT}) {
            for (int hdrExtLen : new int[] {0, 1, 5}) {
                Packet p = new Packet(3).ext(type, hdrExtLen, 0).upper(IpProtocol.TCP, 20);
                walker.walk(p.buf, 3, p.end());
                assertEquals(Ipv6ExtensionHeaders.COMPLETE, walker.status(), "type " + type);
                assertEquals(IpProtocol.TCP, walker.upperLayerProtocol());
                assertEquals(3 + 40 + (hdrExtLen + 1) * 8, walker.upperLayerOffset(), "type " + type);
                assertEquals(type == RT ? 43 : -1, walker.routingHeaderOffset());
                assertEquals(-1, walker.fragmentHeaderOffset());
            }
        }
        Packet p = new Packet(0).fragment(0, true).upper(IpProtocol.ICMPV6, 8);
        walker.walk(p.buf, 0, p.end());
        assertEquals(Ipv6ExtensionHeaders.COMPLETE, walker.status());
        assertEquals(IpProtocol.ICMPV6, walker.upperLayerProtocol());
        assertEquals(48, walker.upperLayerOffset());
        assertEquals(40, walker.fragmentHeaderOffset());
        Ipv6FragmentHeader f = new Ipv6FragmentHeader().wrap(p.buf, walker.fragmentHeaderOffset());
        assertTrue(f.moreFragments());
        assertEquals(0x11223344, f.identification());
    }

    @Test
    void aFullChainIsVisitedInOrderStepByStep() {
        Packet p = new Packet(0).ext(HBH, 0, 0).ext(DST, 1, 0).ext(RT, 2, 0).ext(DST, 0, 0).fragment(10, false)
                .upper(IpProtocol.UDP, 100);
        walker.start(p.buf, 0, p.end());
        List<Integer> types = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        while (walker.next()) {
            types.add(walker.headerType());
            offsets.add(walker.headerOffset());
        }
        assertEquals(p.types, types);
        assertEquals(p.offsets, offsets);
        assertEquals(List.of(HBH, DST, RT, DST, FRAG), types);
        assertEquals(Ipv6ExtensionHeaders.COMPLETE, walker.status());
        assertEquals(IpProtocol.UDP, walker.upperLayerProtocol());
        assertEquals(40 + 8 + 16 + 24 + 8 + 8, walker.upperLayerOffset());
        assertEquals(40 + 8 + 16 + 24 + 8, walker.fragmentHeaderOffset());
        assertEquals(40 + 8 + 16, walker.routingHeaderOffset());
        assertEquals(0, walker.segmentsLeft());
        assertFalse(walker.next(), "an ended walk stays ended");
    }

    @Test
    void aRoutingHeaderWithSegmentsLeftIsReportedAndTheWalkGoesOn() {
        Packet p = new Packet(0).ext(HBH, 0, 0).ext(RT, 2, 2).upper(IpProtocol.TCP, 20);
        walker.walk(p.buf, 0, p.end());
        assertEquals(Ipv6ExtensionHeaders.COMPLETE, walker.status());
        assertEquals(48, walker.routingHeaderOffset());
        assertEquals(2, walker.segmentsLeft());
        // RFC 7915 §5.1's ICMPv6 Parameter Problem points at Segments Left:
        assertEquals(51, walker.routingHeaderOffset() + Ipv6ExtensionHeaders.SEGMENTS_LEFT);
        assertEquals(IpProtocol.TCP, walker.upperLayerProtocol());
        assertEquals(72, walker.upperLayerOffset());
    }

    @Test
    void ofSeveralRoutingHeadersTheFirstWithSegmentsLeftIsReported() {
        Packet p = new Packet(0).ext(RT, 0, 0).ext(RT, 0, 3).ext(RT, 0, 5).upper(IpProtocol.UDP, 8);
        walker.walk(p.buf, 0, p.end());
        assertEquals(48, walker.routingHeaderOffset());
        assertEquals(3, walker.segmentsLeft());
        p = new Packet(0).ext(RT, 0, 1).ext(RT, 0, 0).upper(IpProtocol.UDP, 8);
        walker.walk(p.buf, 0, p.end());
        assertEquals(40, walker.routingHeaderOffset());
        assertEquals(1, walker.segmentsLeft());
        p = new Packet(0).ext(RT, 0, 0).ext(RT, 0, 0).upper(IpProtocol.UDP, 8);
        walker.walk(p.buf, 0, p.end());
        assertEquals(40, walker.routingHeaderOffset());
        assertEquals(0, walker.segmentsLeft());
    }

    @Test
    void truncatedChainsStopAtTheHeaderThatDoesNotFit() {
        // Fewer than 8 bytes of a Destination Options header.
        Packet p = new Packet(0).ext(HBH, 0, 0).ext(DST, 0, 0);
        walker.walk(p.buf, 0, p.end() - 1);
        assertEquals(Ipv6ExtensionHeaders.TRUNCATED, walker.status());
        assertTrue(walker.truncated());
        assertTrue(walker.malformed());
        assertEquals(DST, walker.upperLayerProtocol());
        assertEquals(48, walker.upperLayerOffset());
        // Hdr Ext Len reaching past the end (the first 8 bytes are there).
        p = new Packet(0).ext(RT, 3, 0);
        walker.walk(p.buf, 0, 40 + 8);
        assertEquals(Ipv6ExtensionHeaders.TRUNCATED, walker.status());
        assertEquals(RT, walker.upperLayerProtocol());
        assertEquals(40, walker.upperLayerOffset());
        assertEquals(-1, walker.routingHeaderOffset(), "a header that does not fit is not reported");
        // A Fragment header cut short.
        p = new Packet(0).fragment(0, true);
        walker.walk(p.buf, 0, p.end() - 2);
        assertEquals(Ipv6ExtensionHeaders.TRUNCATED, walker.status());
        assertEquals(FRAG, walker.upperLayerProtocol());
        assertEquals(-1, walker.fragmentHeaderOffset());
        // A chain ending right after the fixed header, while Next Header promises Hop-by-Hop.
        p = new Packet(0).ext(HBH, 0, 0);
        walker.walk(p.buf, 0, 40);
        assertEquals(Ipv6ExtensionHeaders.TRUNCATED, walker.status());
        assertEquals(40, walker.upperLayerOffset());
    }

    @Test
    void aTruncatedWalkKeepsTheRoutingHeaderSeenBefore() {
        Packet p = new Packet(0).ext(RT, 0, 4).ext(DST, 2, 0);
        walker.walk(p.buf, 0, p.end() - 8);
        assertEquals(Ipv6ExtensionHeaders.TRUNCATED, walker.status());
        assertEquals(40, walker.routingHeaderOffset());
        assertEquals(4, walker.segmentsLeft());
    }

    @Test
    void aWalkedHeaderAfterTheFragmentHeaderEndsTheWalkWithoutReadingIt() {
        for (int after : new int[] {HBH, DST, RT, FRAG}) {
            Packet p = new Packet(0).fragment(0, true).ext(after, 0, 1);
            walker.walk(p.buf, 0, p.end());
            assertEquals(Ipv6ExtensionHeaders.AFTER_FRAGMENT, walker.status(), "after " + after);
            assertTrue(walker.malformed());
            assertFalse(walker.truncated());
            assertEquals(after, walker.upperLayerProtocol());
            assertEquals(48, walker.upperLayerOffset());
            assertEquals(40, walker.fragmentHeaderOffset());
            assertEquals(-1, walker.routingHeaderOffset());
            // Even with no bytes after the Fragment header (RFC 7915 §5.1's check comes first).
            walker.walk(p.buf, 0, 48);
            assertEquals(Ipv6ExtensionHeaders.AFTER_FRAGMENT, walker.status(), "after " + after);
        }
    }

    @Test
    void otherExtensionHeadersAndNoNextHeaderEndTheWalk() {
        for (int nh : new int[] {IpProtocol.AH, IpProtocol.ESP, IpProtocol.NO_NEXT_HEADER, IpProtocol.MOBILITY,
                IpProtocol.ICMPV6}) {
            Packet p = new Packet(0).ext(DST, 0, 0).upper(nh, 16);
            walker.walk(p.buf, 0, p.end());
            assertEquals(Ipv6ExtensionHeaders.COMPLETE, walker.status());
            assertEquals(nh, walker.upperLayerProtocol());
            assertEquals(48, walker.upperLayerOffset());
        }
    }

    @Test
    void aFragmentHeaderWithNoDataEndsAtTheEnd() {
        Packet p = new Packet(0).fragment(0, false).upper(IpProtocol.UDP, 0);
        walker.walk(p.buf, 0, p.end());
        assertEquals(Ipv6ExtensionHeaders.COMPLETE, walker.status());
        assertEquals(p.end(), walker.upperLayerOffset());
    }

    @Test
    void anInnerChainIsWalkedFromAnyOffsetAndTheWalkerIsReusable() {
        // The packet quoted in an ICMPv6 error, 48 bytes into a buffer.
        Packet p = new Packet(48).fragment(3, true).upper(IpProtocol.UDP, 8);
        walker.walk(p.buf, 48, p.end());
        assertEquals(48 + 40, walker.fragmentHeaderOffset());
        // the general form: Next Header and offset given
        walker.walk(p.buf, FRAG, 48 + 40, p.end());
        assertEquals(48 + 40, walker.fragmentHeaderOffset());
        assertEquals(IpProtocol.UDP, walker.upperLayerProtocol());
        // reuse on a plain packet clears the earlier results
        Packet q = new Packet(0).upper(IpProtocol.TCP, 20);
        walker.walk(q.buf, 0, q.end());
        assertEquals(-1, walker.fragmentHeaderOffset());
        assertEquals(-1, walker.routingHeaderOffset());
        assertEquals(Ipv6ExtensionHeaders.COMPLETE, walker.status());
    }

    @Test
    void randomChainsAndCutsMatchHowTheyWereBuilt() {
        Random r = new Random(41);
        int[] walked = {HBH, DST, RT};
        for (int round = 0; round < 3000; round++) {
            Packet p = new Packet(r.nextInt(4));
            int n = r.nextInt(6);
            List<Integer> lengths = new ArrayList<>();
            int firstLeftOffset = -1;
            int firstRouting = -1;
            int left = 0;
            for (int i = 0; i < n; i++) {
                int type = walked[r.nextInt(3)];
                int hdrExtLen = r.nextInt(4);
                int sl = type == RT && r.nextBoolean() ? 1 + r.nextInt(255) : 0;
                int at = p.end();
                if (type == RT) {
                    if (firstRouting < 0) {
                        firstRouting = at;
                        left = sl;
                    }
                    if (sl != 0 && firstLeftOffset < 0) {
                        firstLeftOffset = at;
                    }
                }
                p.ext(type, hdrExtLen, sl);
                lengths.add((hdrExtLen + 1) * 8);
            }
            boolean fragmented = r.nextBoolean();
            if (fragmented) {
                p.fragment(r.nextInt(8192), r.nextBoolean());
                lengths.add(8);
            }
            int upperAt = p.end();
            p.upper(IpProtocol.UDP, 8);
            int cut = r.nextInt(4) == 0 ? p.lead + 40 + r.nextInt(p.end() - p.lead - 40 + 1) : p.end();

            walker.walk(p.buf, p.lead, cut);

            int expectedStop = upperAt;
            for (int i = 0; i < p.offsets.size(); i++) {
                if (p.offsets.get(i) + Math.max(8, lengths.get(i)) > cut) {
                    expectedStop = p.offsets.get(i);
                    break;
                }
            }
            assertEquals(expectedStop, walker.upperLayerOffset(), "round " + round);
            assertEquals(expectedStop == upperAt ? Ipv6ExtensionHeaders.COMPLETE : Ipv6ExtensionHeaders.TRUNCATED,
                    walker.status(), "round " + round);
            if (firstLeftOffset >= 0 && firstLeftOffset < expectedStop) {
                assertEquals(firstLeftOffset, walker.routingHeaderOffset(), "round " + round);
                assertNotEquals(0, walker.segmentsLeft());
            } else if (firstRouting >= 0 && firstRouting < expectedStop) {
                assertEquals(firstRouting, walker.routingHeaderOffset(), "round " + round);
                assertEquals(left, walker.segmentsLeft());
            } else {
                assertEquals(-1, walker.routingHeaderOffset(), "round " + round);
            }
            boolean fragmentSeen = fragmented && upperAt - 8 < expectedStop;
            assertEquals(fragmentSeen ? upperAt - 8 : -1, walker.fragmentHeaderOffset(), "round " + round);
        }
    }
}
