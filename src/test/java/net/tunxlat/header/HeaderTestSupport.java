// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Test helpers for the header views: hex packets and a naive RFC 1071 checksum as the reference. */
final class HeaderTestSupport {
    private HeaderTestSupport() {}

    /** A buffer holding the bytes of a hex string (spaces ignored). */
    static ByteBuf hex(String hex) {
        String h = hex.replace(" ", "");
        ByteBuf b = Unpooled.buffer(h.length() / 2);
        for (int i = 0; i < h.length(); i += 2) {
            b.writeByte(Integer.parseInt(h.substring(i, i + 2), 16));
        }
        return b;
    }

    /** The reference: RFC 1071 §4.1's loop, byte pair by byte pair, starting from {@code initial}, folded. */
    static int naiveSum(ByteBuf b, int from, int length, long initial) {
        long s = initial;
        for (int i = from; i < from + length; i += 2) {
            s += (b.getUnsignedByte(i) << 8) | (i + 1 < from + length ? b.getUnsignedByte(i + 1) : 0);
        }
        while ((s >> 16) != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) s;
    }

    /**
     * The checksum field value computed from scratch over {@code b[from, from + length)} with the field at
     * {@code checksumAt} taken as zero, plus a pseudo-header {@code initial} sum (RFC 1071 §4.1).
     */
    static int scratchChecksum(ByteBuf b, int from, int length, int checksumAt, long initial) {
        ByteBuf copy = b.copy(0, b.writerIndex());
        copy.setShort(checksumAt, 0);
        return ~naiveSum(copy, from, length, initial) & 0xffff;
    }

    /**
     * Asserts that an incrementally updated checksum equals the one computed from scratch, where 0x0000
     * and 0xFFFF are the same one's-complement zero (RFC 1624 §3), and that the region verifies.
     */
    static void assertChecksum(ByteBuf b, int from, int length, int checksumAt, long initial) {
        int expected = scratchChecksum(b, from, length, checksumAt, initial);
        int actual = b.getUnsignedShort(checksumAt);
        if (!(expected == 0 && actual == 0xffff)) {
            assertEquals(expected, actual, "incremental checksum differs from the one recomputed from scratch");
        }
        assertEquals(0xffff, naiveSum(b, from, length, initial), "region does not verify");
    }

    /** The naive sum of an IPv4 pseudo-header built byte by byte (RFC 768 "Fields"). */
    static int ipv4PseudoSum(int src, int dst, int protocol, int length) {
        ByteBuf p = Unpooled.buffer(12);
        p.writeInt(src).writeInt(dst).writeByte(0).writeByte(protocol).writeShort(length);
        return naiveSum(p, 0, 12, 0);
    }

    /** The naive sum of an IPv6 pseudo-header built byte by byte (RFC 8200 §8.1). */
    static int ipv6PseudoSum(long srcHi, long srcLo, long dstHi, long dstLo, int length, int nextHeader) {
        ByteBuf p = Unpooled.buffer(40);
        p.writeLong(srcHi).writeLong(srcLo).writeLong(dstHi).writeLong(dstLo).writeInt(length).writeMedium(0)
                .writeByte(nextHeader);
        return naiveSum(p, 0, 40, 0);
    }

    /** Asserts two one's-complement sums are equal once folded (0xFFFF and 0 apart from an all-zero input). */
    static void assertSameSum(int expected, int actual) {
        long a = actual & 0xffffffffL;
        while ((a >> 16) != 0) {
            a = (a & 0xffff) + (a >> 16);
        }
        assertTrue(a == expected || (a == 0 && expected == 0xffff) || (a == 0xffff && expected == 0),
                "sum " + Long.toHexString(a) + " != " + Integer.toHexString(expected));
    }
}
