// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.checksum;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

/**
 * The Internet checksum: RFC 1071 one's-complement sums and RFC 1624 incremental updates.
 * Sums are carried as non-negative {@code int}s that may exceed 16 bits until {@link #fold}ed.
 */
public final class Checksum {
    private Checksum() {}

    /**
     * RFC 1071 §4.1: adds the 16-bit big-endian words of {@code buf[offset, offset+length)} to
     * {@code sum} (a non-negative partial sum) and returns the folded 16-bit result.
     */
    public static int add(ByteBuf buf, int offset, int length, int sum) {
        if (DIRECT && length >= 32 && buf.hasMemoryAddress()) {
            if (offset < 0 || length > buf.capacity() - offset) { // as the ByteBuf's own getLong would refuse it
                throw new IndexOutOfBoundsException("checksum over [" + offset + ", " + offset + " + " + length
                        + ") of a buffer of " + buf.capacity());
            }
            int words = length & ~7;
            int head = nativeSum(buf.memoryAddress() + offset, words);
            return addTail(buf, offset + words, length - words, (sum & 0xffffffffL) + head);
        }
        return addTail(buf, offset, length, sum & 0xffffffffL);
    }

    private static final boolean DIRECT = PlatformDependent.hasUnsafe();
    private static final boolean SWAP = !PlatformDependent.BIG_ENDIAN_NATIVE_ORDER;

    /**
     * The folded sum of {@code words} bytes (a multiple of 8) at {@code address}, as 16-bit big-endian words.
     * RFC 1071 §2(B): the one's-complement sum does not depend on byte order, so the memory is summed as native
     * 64-bit words (no byte swap per load, no buffer checks per load) and only the folded 16-bit result is
     * swapped; RFC 1071 §2(C): 32-bit halves in a 64-bit accumulator, folded at the end; two accumulators so
     * that the additions of neighbouring words do not wait for each other. Each 32 bytes add less than 2^35:
     * no overflow below gigabytes.
     */
    private static int nativeSum(long address, int words) {
        long a = 0;
        long b = 0;
        long p = address;
        long end = address + words;
        for (; end - p >= 32; p += 32) {
            long w0 = PlatformDependent.getLong(p);
            long w1 = PlatformDependent.getLong(p + 8);
            long w2 = PlatformDependent.getLong(p + 16);
            long w3 = PlatformDependent.getLong(p + 24);
            a += (w0 >>> 32) + (w0 & 0xffffffffL) + (w1 >>> 32) + (w1 & 0xffffffffL);
            b += (w2 >>> 32) + (w2 & 0xffffffffL) + (w3 >>> 32) + (w3 & 0xffffffffL);
        }
        for (; p < end; p += 8) {
            long w = PlatformDependent.getLong(p);
            a += (w >>> 32) + (w & 0xffffffffL);
        }
        int folded = fold64(a + b);
        return SWAP ? ((folded & 0xff) << 8) | (folded >>> 8) : folded;
    }

    /** {@link #add} through the {@code ByteBuf}'s accessors, from a 64-bit partial sum {@code s}. */
    private static int addTail(ByteBuf buf, int offset, int length, long s) {
        int i = offset;
        int end = offset + length;
        // RFC 1071 §2(C) "parallel summation": the sum may be taken over 32-bit words and folded at the end;
        // a 64-bit accumulator cannot overflow for any packet.
        while (end - i >= 8) {
            long v = buf.getLong(i);
            s += (v >>> 32) + (v & 0xffffffffL);
            i += 8;
        }
        if (end - i >= 4) {
            s += buf.getUnsignedInt(i);
            i += 4;
        }
        if (end - i >= 2) {
            s += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) {
            s += (buf.getUnsignedByte(i) << 8); // RFC 1071: odd byte padded with zero
        }
        return fold64(s);
    }

    /** Folds a 64-bit accumulator to 16 bits with end-around carry. */
    private static int fold64(long s) {
        s = (s & 0xffffffffL) + (s >>> 32); // at most 33 bits
        s = (s & 0xffffffffL) + (s >>> 32); // at most 32 bits
        s = (s & 0xffff) + (s >>> 16); // at most 17 bits
        s = (s & 0xffff) + (s >>> 16); // at most 16 bits: no carry left
        return (int) s;
    }

    /** Folds a partial sum to 16 bits with end-around carry (RFC 1071 §4.1). */
    public static int fold(int sum) {
        long s = sum & 0xffffffffL;
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** The checksum field value for a partial sum: the one's complement of the folded sum. */
    public static int finish(int sum) {
        return ~fold(sum) & 0xffff;
    }

    /** One's-complement sum of the words of an IPv4 address. */
    public static int sumIpv4(int address) {
        return (address >>> 16) + (address & 0xffff);
    }

    /** Folded one's-complement sum of the words of an IPv6 address. */
    public static int sumIpv6(long hi, long lo) {
        return fold64((hi >>> 48) + ((hi >>> 32) & 0xffff) + ((hi >>> 16) & 0xffff) + (hi & 0xffff)
                + (lo >>> 48) + ((lo >>> 32) & 0xffff) + ((lo >>> 16) & 0xffff) + (lo & 0xffff));
    }

    /**
     * RFC 1624 §3, eqn. 3: {@code HC' = ~(~HC + ~m + m')}, where {@code m} and {@code m'} are the
     * folded sums of the old and new contents of the covered fields. A checksum that was wrong stays
     * wrong by the same amount.
     *
     * <p>The result is never 0x0000: eqn. 3 yields 0x0000 when the new contents sum to zero, but if they
     * are all zero (an ICMPv4 Echo Reply with identifier, sequence and data all zero, say) the only
     * checksum a receiver accepts is 0xFFFF; and 0xFFFF is as good as 0x0000 everywhere else (both are
     * zero in one's-complement arithmetic). Found by fuzzing.
     */
    public static int update(int checksum, int oldSum, int newSum) {
        long s = (~checksum & 0xffff) + (~fold(oldSum) & 0xffff) + (long) fold(newSum);
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        int c = ~(int) s & 0xffff;
        return c == 0 ? 0xffff : c;
    }

    /** True if the folded sum over a region that includes its own checksum field is all ones (RFC 1071 §1). */
    public static boolean verifies(int sum) {
        return fold(sum) == 0xffff;
    }
}
