// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;
import java.util.Arrays;

/**
 * The walker against the hand-written loops it replaces (copied here from xlat/Translator (translate64,
 * nptIcmpError, quotesIcmp6Error), IcmpErrorTranslator and AddressFilter as they were, as oracles), on seeded random chains with every
 * walked header, Segments Left, Fragment headers anywhere (also twice) and random cuts: used as the
 * package doc says, the walker gives each loop's answer.
 */
class Ipv6ExtensionHeadersLegacyTest {
    private static final int[] TYPES = {0, 43, 44, 60, 60, 0, 43, 44};
    private final Ipv6ExtensionHeaders walker = new Ipv6ExtensionHeaders();

    // ---- the outer IPv6-to-IPv4 walk (RFC 7915 §5.1) -> a one-line outcome

    /** Translator.translate64's loop, its drops reduced to a string. */
    private static String legacyTranslate64(ByteBuf buf, int off, int end) {
        int nh = buf.getUnsignedByte(off + 6);
        int p = off + 40;
        boolean fragment = false;
        int fragIdentification = 0;
        int fragOffset = 0;
        boolean moreFragments = false;
        int counted = 0;
        walk:
        while (true) {
            switch (nh) {
                case 0:
                case 60:
                case 43: {
                    if (fragment) {
                        return "after-fragment counted=" + counted;
                    }
                    if (p + 8 > end) {
                        return "truncated counted=" + counted;
                    }
                    int extLength = (buf.getUnsignedByte(p + 1) + 1) << 3;
                    if (p + extLength > end) {
                        return "truncated counted=" + counted;
                    }
                    if (nh == 43 && buf.getUnsignedByte(p + 3) != 0) {
                        return "routing pointer=" + (p + 3 - off) + " counted=" + counted;
                    }
                    nh = buf.getUnsignedByte(p);
                    p += extLength;
                    continue;
                }
                case 44: {
                    if (fragment) {
                        return "after-fragment counted=" + counted;
                    }
                    if (p + 8 > end) {
                        return "truncated counted=" + counted;
                    }
                    int fo = buf.getUnsignedShort(p + 2);
                    fragOffset = fo >>> 3;
                    moreFragments = (fo & 1) != 0;
                    fragIdentification = buf.getInt(p + 4);
                    fragment = true;
                    counted++;
                    nh = buf.getUnsignedByte(p);
                    p += 8;
                    continue;
                }
                default:
                    break walk;
            }
        }
        return "ok nh=" + nh + " l4=" + p + " fragment=" + fragment + " id=" + fragIdentification + " offset="
                + fragOffset + " more=" + moreFragments + " counted=" + counted;
    }

    /** The same decisions through the walker, in the package doc's order. */
    private String walkerTranslate64(ByteBuf buf, int off, int end) {
        walker.walk(buf, off, end);
        if (walker.segmentsLeft() != 0) {
            return "routing pointer=" + (walker.routingHeaderOffset() + Ipv6ExtensionHeaders.SEGMENTS_LEFT - off)
                    + " counted=0";
        }
        int counted = walker.fragmentHeaderOffset() >= 0 ? 1 : 0;
        if (walker.status() == Ipv6ExtensionHeaders.AFTER_FRAGMENT) {
            return "after-fragment counted=" + counted;
        }
        if (walker.truncated()) {
            return "truncated counted=" + counted;
        }
        boolean fragment = walker.fragmentHeaderOffset() >= 0;
        Ipv6FragmentHeader f = new Ipv6FragmentHeader().wrap(buf, walker.fragmentHeaderOffset());
        return "ok nh=" + walker.upperLayerProtocol() + " l4=" + walker.upperLayerOffset() + " fragment=" + fragment
                + " id=" + (fragment ? f.identification() : 0) + " offset=" + (fragment ? f.fragmentOffset() : 0)
                + " more=" + (fragment && f.moreFragments()) + " counted=" + counted;
    }

    // ---- the inner packet of an ICMPv6 error (IcmpErrorTranslator)

    /** IcmpErrorTranslator's inner loop: the headers' length, or -1 for ICMP_ERROR_INNER_64. */
    private static int legacyInner(ByteBuf buf, int ip, int innerEnd) {
        int nh = buf.getUnsignedByte(ip + 6);
        int p = ip + 40;
        boolean innerFragment = false;
        while (nh == 0 || nh == 60 || nh == 43 || nh == 44) {
            if (p + 8 > innerEnd || innerFragment) {
                return -1;
            }
            if (nh == 44) {
                innerFragment = true;
                nh = buf.getUnsignedByte(p);
                p += 8;
            } else {
                int len = (buf.getUnsignedByte(p + 1) + 1) << 3;
                if (p + len > innerEnd) {
                    return -1;
                }
                nh = buf.getUnsignedByte(p);
                p += len;
            }
        }
        return p - ip - 40;
    }

    private int walkerInner(ByteBuf buf, int ip, int innerEnd) {
        walker.walk(buf, ip, innerEnd);
        return walker.malformed() ? -1 : walker.upperLayerOffset() - ip - Ipv6Header.LENGTH;
    }

    // ---- "is this an ICMPv6 error" (AddressFilter.isIcmp6Error, Translator.quotesIcmp6Error)

    private static boolean legacyIsIcmp6Error(ByteBuf buf, int off, int total) {
        int nh = buf.getUnsignedByte(off + 6);
        int q = off + 40;
        int end = off + total;
        while ((nh == 0 || nh == 60 || nh == 43) && q + 8 <= end) {
            nh = buf.getUnsignedByte(q);
            q += (buf.getUnsignedByte(q + 1) + 1) << 3;
        }
        return nh == 58 && q < end && buf.getUnsignedByte(q) < 128;
    }

    private boolean walkerIsIcmp6Error(ByteBuf buf, int off, int total) {
        walker.walk(buf, off, off + total);
        int q = walker.upperLayerOffset();
        return walker.fragmentHeaderOffset() < 0 && walker.upperLayerProtocol() == IpProtocol.ICMPV6
                && q < off + total && Icmpv6Type.isError(buf.getUnsignedByte(q));
    }

    /** Translator.nptIcmpError's first step: the ICMPv6 header's offset if 8 bytes of it are there, else -1. */
    private static int legacyNptIcmp(ByteBuf buf, int off, int total) {
        int nh = buf.getUnsignedByte(off + 6);
        int p = off + 40;
        int end = off + total;
        while ((nh == 0 || nh == 60 || nh == 43) && p + 8 <= end) {
            nh = buf.getUnsignedByte(p);
            p += (buf.getUnsignedByte(p + 1) + 1) << 3;
        }
        return nh != 58 || p + 8 > end ? -1 : p;
    }

    private int walkerNptIcmp(ByteBuf buf, int off, int total) {
        walker.walk(buf, off, off + total);
        int p = walker.upperLayerOffset();
        return walker.fragmentHeaderOffset() >= 0 || walker.upperLayerProtocol() != IpProtocol.ICMPV6
                || p + Icmpv6Header.LENGTH > off + total ? -1 : p;
    }

    @Test
    void theWalkerGivesEachLoopsAnswerOnRandomChains() {
        Random r = new Random(43);
        int[] outcomes = new int[4];
        for (int round = 0; round < 20000; round++) {
            int off = r.nextInt(3);
            ByteBuf b = Unpooled.buffer(off + 40 + 7 * 40 + 16);
            b.writeZero(off);
            b.writeInt(0x60000000).writeShort(0).writeByte(0).writeByte(64).writeZero(32);
            int nextAt = off + 6;
            int n = r.nextInt(6);
            for (int i = 0; i < n; i++) {
                int type = TYPES[r.nextInt(TYPES.length)];
                b.setByte(nextAt, type);
                nextAt = b.writerIndex();
                if (type == 44) {
                    b.writeByte(0).writeByte(0).writeShort(r.nextInt(65536)).writeInt(r.nextInt());
                } else {
                    int hdrExtLen = r.nextInt(3);
                    b.writeByte(0).writeByte(hdrExtLen).writeByte(r.nextInt(256))
                            .writeByte(type == 43 && r.nextInt(3) == 0 ? 1 + r.nextInt(255) : 0);
                    b.writeZero(4 + hdrExtLen * 8);
                }
            }
            b.setByte(nextAt, r.nextInt(4) == 0 ? r.nextInt(256) : 58);
            b.writeByte(r.nextBoolean() ? r.nextInt(128) : 128 + r.nextInt(128)).writeZero(7 + r.nextInt(8));
            // A random byte in the chain sometimes, as hostile input would have it.
            if (r.nextInt(5) == 0) {
                b.setByte(off + 40 + r.nextInt(b.writerIndex() - off - 40), r.nextInt(256));
            }
            int end = r.nextInt(3) == 0 ? off + 40 + r.nextInt(b.writerIndex() - off - 40 + 1) : b.writerIndex();

            String legacy = legacyTranslate64(b, off, end);
            assertEquals(legacy, walkerTranslate64(b, off, end), "translate64, round " + round);
            outcomes[legacy.startsWith("ok") ? 0 : legacy.startsWith("trunc") ? 1 : legacy.startsWith("after") ? 2 : 3]++;
            assertEquals(legacyInner(b, off, end), walkerInner(b, off, end), "inner, round " + round);
            assertEquals(legacyIsIcmp6Error(b, off, end - off), walkerIsIcmp6Error(b, off, end - off),
                    "isIcmp6Error, round " + round);
            assertEquals(legacyNptIcmp(b, off, end - off), walkerNptIcmp(b, off, end - off), "npt, round " + round);
        }
        for (int outcome : outcomes) {
            assertTrue(outcome > 500, "every outcome exercised: " + Arrays.toString(outcomes));
        }
    }
}
