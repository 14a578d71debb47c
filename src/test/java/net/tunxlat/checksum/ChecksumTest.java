// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.checksum;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;
import java.util.Arrays;

class ChecksumTest {
    /** The reference: RFC 1071 §4.1's loop, word by word, with the odd byte padded. */
    static int naive(byte[] d, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i += 2) {
            s += ((d[i] & 0xff) << 8) | (i + 1 < to ? d[i + 1] & 0xff : 0);
        }
        while ((s >> 16) != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) s;
    }

    @Test
    void sumMatchesNaiveReferenceForEveryLengthAndAlignment() {
        Random r = new Random(7);
        byte[] d = new byte[300];
        for (int round = 0; round < 50; round++) {
            r.nextBytes(d);
            if (round % 5 == 0) {
                Arrays.fill(d, (byte) 0xff); // carries everywhere
            }
            ByteBuf b = Unpooled.wrappedBuffer(d);
            for (int from = 0; from < 9; from++) {
                for (int to = from; to <= d.length; to += 1 + r.nextInt(7)) {
                    assertEquals(naive(d, from, to), Checksum.add(b, from, to - from, 0), "from " + from + " to " + to);
                }
            }
        }
    }

    /** Direct buffers are summed as native words (RFC 1071 §2(B)): the same sums, at every offset and length. */
    @Test
    void directBuffersGiveTheSameSumsAsTheReference() {
        Random r = new Random(11);
        byte[] d = new byte[2100];
        ByteBuf direct = Unpooled.directBuffer(d.length, d.length);
        try {
            assertTrue(direct.hasMemoryAddress(), "the fast path is what this test is about");
            for (int round = 0; round < 20; round++) {
                r.nextBytes(d);
                if (round % 4 == 0) {
                    Arrays.fill(d, (byte) 0xff); // carries everywhere
                } else if (round % 4 == 1) {
                    Arrays.fill(d, (byte) 0); // an all-zero sum stays 0, not 0xffff
                }
                direct.setBytes(0, d);
                for (int from = 0; from < 17; from++) {
                    for (int to = from; to <= d.length; to += 1 + r.nextInt(61)) {
                        int start = r.nextInt(0x20000);
                        int want = naive(d, from, to) + start;
                        want = (want & 0xffff) + (want >>> 16);
                        want = (want & 0xffff) + (want >>> 16);
                        assertEquals(want == 0 ? 0 : want, Checksum.add(direct, from, to - from, start),
                                "from " + from + " to " + to + " starting at " + start);
                    }
                }
            }
            assertThrows(IndexOutOfBoundsException.class, () -> Checksum.add(direct, 2000, 101, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> Checksum.add(direct, -8, 64, 0));
        } finally {
            direct.release();
        }
    }

    @Test
    void rfc1071Example() {
        // RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        byte[] d = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        assertEquals(0xddf2, Checksum.add(Unpooled.wrappedBuffer(d), 0, d.length, 0));
        assertEquals(0x220d, Checksum.finish(0xddf2));
    }

    @Test
    void incrementalUpdateEqualsRecomputation() {
        Random r = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            byte[] d = new byte[2 + 2 * r.nextInt(20)];
            r.nextBytes(d);
            int word = r.nextInt(d.length / 2) * 2;
            int before = Checksum.finish(naive(d, 0, d.length));
            int oldWord = ((d[word] & 0xff) << 8) | (d[word + 1] & 0xff);
            int newWord = i % 10 == 0 ? 0 : r.nextInt(0x10000);
            d[word] = (byte) (newWord >> 8);
            d[word + 1] = (byte) newWord;
            int after = Checksum.finish(naive(d, 0, d.length));
            int updated = Checksum.update(before, oldWord, newWord);
            // RFC 1624 §3: eqn. 3 can only differ from recomputation in the representation of zero.
            assertEquals(after == 0xffff ? 0 : after, updated == 0xffff ? 0 : updated, "i=" + i);
        }
    }

    @Test
    void updateKeepsAWrongChecksumWrongBySameAmount() {
        byte[] d = {1, 2, 3, 4, 5, 6, 7, 8};
        int good = Checksum.finish(naive(d, 0, d.length));
        int bad = (good + 3) & 0xffff;
        int updated = Checksum.update(bad, 0x0102, 0xabcd);
        d[0] = (byte) 0xab;
        d[1] = (byte) 0xcd;
        int goodAfter = Checksum.finish(naive(d, 0, d.length));
        assertEquals((goodAfter + 3) & 0xffff, updated);
    }

    @Test
    void addressSums() {
        assertEquals(0xc000 + 0x0221, Checksum.sumIpv4(0xc0000221));
        assertEquals(Checksum.fold(0x2001 + 0x0db8 + 0x1), Checksum.sumIpv6(0x20010db800000000L, 1L));
        assertEquals(0xffff, Checksum.sumIpv6(0x0064ff9b00000000L, 0), "the well-known prefix is checksum neutral");
    }

    /**
     * Fuzz finding: an ICMPv6 Echo Reply with identifier, sequence and data all zero becomes an all-zero
     * ICMPv4 Echo Reply, whose only valid checksum is 0xFFFF; RFC 1624 eqn. 3 gave 0x0000.
     */
    @Test
    void anUpdateToAllZeroContentsGivesAllOnes() {
        // ICMPv6 type 129 -> ICMPv4 type 0: the type word and the pseudo-header leave the sum, nothing else is left.
        int pseudo = 0x1234;
        int old = Checksum.finish(pseudo + (129 << 8));
        assertEquals(0xffff, Checksum.update(old, Checksum.fold(pseudo + (129 << 8)), 0));
        for (int c = 1; c <= 0xffff; c++) {
            assertNotEquals(0, Checksum.update(c, 0x1111, 0x2222), "never 0x0000");
        }
    }
}
