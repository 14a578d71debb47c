// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nptv6;

import io.netty.buffer.ByteBuf;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * One NPTv6 prefix pair (RFC 6296): an inside prefix and an outside prefix of at most /64, translated
 * without changing any transport checksum (§2.6, "checksum-neutral"). The adjustment is computed once
 * (§3.1) and applied to one 16-bit word of the address: bits 48..63 for /48 and shorter (§3.4), else
 * the first of bits 64..79, 80..95, 96..111, 112..127 that is not 0xFFFF (§3.5, §3.7).
 *
 * <p>With prefixes of different lengths (§3.7) the shorter one is zero-extended to the longer length
 * {@code plen}; addresses whose bits between their prefix length and {@code plen} are not zero cannot
 * be translated one-to-one and are refused, in both directions.
 */
public final class Nptv6Mapping {
    /** Which way a mapping translates. */
    public enum Direction { BOTH, OUTBOUND, INBOUND }

    /** Results of a rewrite. */
    public static final int OK = 0;
    /** The address has no translation: subnet 0xFFFF for /48 (§3.2, §4.2) or no adjustable word (§3.5). */
    public static final int UNMAPPABLE = 1;

    private final Ipv6Prefix inside;
    private final Ipv6Prefix outside;
    private final Direction direction;
    private final int plen;
    private final long maskHi;
    private final long maskLo;
    private final int adjustmentOut;
    private final int adjustmentIn;
    private final String origin;

    public Nptv6Mapping(Ipv6Prefix inside, Ipv6Prefix outside, Direction direction, String origin) {
        if (inside.length() > 64 || outside.length() > 64) {
            throw new IllegalArgumentException("NPTv6 prefixes must be /64 or shorter (RFC 6296 §3.5): " + inside
                    + " " + outside);
        }
        this.inside = inside;
        this.outside = outside;
        this.direction = direction;
        this.origin = origin;
        this.plen = Math.max(inside.length(), outside.length());
        this.maskHi = Addresses.maskHi(plen);
        this.maskLo = Addresses.maskLo(plen);
        // §3.1: sum(internal) - sum(external) over the four high words (prefixes zero-extended to /64).
        this.adjustmentOut = onesSub(sum4(inside.hi()), sum4(outside.hi()));
        this.adjustmentIn = ~adjustmentOut & 0xffff;
    }

    public Ipv6Prefix inside() {
        return inside;
    }

    public Ipv6Prefix outside() {
        return outside;
    }

    public Direction direction() {
        return direction;
    }

    public String origin() {
        return origin;
    }

    /** The §3.1 adjustment added on the way out (the §3.6 example's 0xD54F). */
    public int adjustment() {
        return adjustmentOut;
    }

    /** True if the address is under the inside prefix with zero bits up to {@code plen}. */
    public boolean insideMatches(long hi, long lo) {
        return (hi & maskHi) == inside.hi() && (lo & maskLo) == inside.lo();
    }

    /** True if the address is under the outside prefix with zero bits up to {@code plen}. */
    public boolean outsideMatches(long hi, long lo) {
        return (hi & maskHi) == outside.hi() && (lo & maskLo) == outside.lo();
    }

    /** True if the address is under the inside prefix at all (its own length), translatable or not. */
    public boolean insideCovers(long hi, long lo) {
        return inside.contains(hi, lo);
    }

    public boolean outsideCovers(long hi, long lo) {
        return outside.contains(hi, lo);
    }

    public boolean translatesOutbound() {
        return direction != Direction.INBOUND;
    }

    public boolean translatesInbound() {
        return direction != Direction.OUTBOUND;
    }

    /** §3.2: rewrites the inside address at {@code buf[at, at+16)} to its outside form. */
    public int rewriteOutbound(ByteBuf buf, int at) {
        return rewrite(buf, at, outside, adjustmentOut);
    }

    /** §3.3: rewrites the outside address at {@code buf[at, at+16)} to its inside form. */
    public int rewriteInbound(ByteBuf buf, int at) {
        return rewrite(buf, at, inside, adjustmentIn);
    }

    /** Where the low 64 bits of a 128-bit address start within it. */
    private static final int LOW_HALF = Long.BYTES;

    private int rewrite(ByteBuf buf, int at, Ipv6Prefix to, int adjustment) {
        long hi = buf.getLong(at);
        long lo = buf.getLong(at + LOW_HALF);
        int word = adjustableWord(hi, lo);
        if (word < 0) {
            return UNMAPPABLE;
        }
        hi = (hi & ~maskHi) | to.hi();
        lo = (lo & ~maskLo) | to.lo();
        buf.setLong(at, hi);
        buf.setLong(at + LOW_HALF, lo);
        int off = at + word * Short.BYTES;
        int v = onesAdd(buf.getUnsignedShort(off), adjustment);
        buf.setShort(off, v == 0xffff ? 0 : v); // §3.2: "if the result is 0xFFFF, it is overwritten with 0x0000"
        return OK;
    }

    /** §3.4 / §3.5: index (3..7) of the word that takes the adjustment, or -1. */
    private int adjustableWord(long hi, long lo) {
        if (plen <= 48) {
            return (hi & 0xffff) == 0xffff ? -1 : 3; // subnet 0xFFFF is untranslatable (§4.2)
        }
        for (int w = 4; w < 8; w++) {
            if (((lo >>> (48 - 16 * (w - 4))) & 0xffff) != 0xffff) {
                return w;
            }
        }
        return -1;
    }

    private static int sum4(long hi) {
        return fold((hi >>> 48) + ((hi >>> 32) & 0xffff) + ((hi >>> 16) & 0xffff) + (hi & 0xffff));
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    static int onesAdd(int a, int b) {
        return fold((long) a + b);
    }

    static int onesSub(int a, int b) {
        return onesAdd(a, ~b & 0xffff);
    }

    /** True if the two mappings could claim the same address on the same side. */
    public boolean overlapsInside(Nptv6Mapping o) {
        return inside.overlaps(o.inside);
    }

    @Override
    public String toString() {
        return "nptv6 " + inside + " " + outside + (direction == Direction.BOTH ? "" : " " + direction.name().toLowerCase());
    }
}
