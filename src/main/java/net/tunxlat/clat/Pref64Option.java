// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.nio.ByteBuffer;
import java.util.Objects;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;

/**
 * The PREF64 option of a router advertisement (RFC 8781 §4), decoded: the NAT64 prefix and its Scaled
 * Lifetime. {@link #parse} reads one from the wire (refusing, with a {@link Reason}, what the RFC says to
 * ignore), {@link #encode} writes one.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |    Length     |     Scaled Lifetime     | PLC |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                                                               +
 * |              Highest 96 bits of the Prefix                    |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Type 38, Length 2 (in units of 8 octets), a 13-bit Scaled Lifetime in units of 8 seconds, the 3-bit
 * Prefix Length Code (0..5 = /96, /64, /56, /48, /40, /32) and bits 0-95 of the prefix.
 *
 * @param prefix         the NAT64 prefix (RFC 6052 length, host bits zero)
 * @param scaledLifetime the Scaled Lifetime field, 0..8191 (seconds / 8)
 */
public record Pref64Option(Ipv6Prefix prefix, int scaledLifetime) {
    /** RFC 8781 §4: "Type: 8-bit identifier of the PREF64 option type (38)". */
    public static final int TYPE = 38;
    /** RFC 8781 §4: "The sender MUST set the length to 2" (units of 8 octets). */
    public static final int LENGTH_UNITS = 2;
    /** Bytes of the option on the wire. */
    public static final int SIZE = LENGTH_UNITS * 8;
    /** The 13-bit Scaled Lifetime's largest value. */
    public static final int MAX_SCALED_LIFETIME = 0x1fff;

    static final int TYPE_OFFSET = 0;
    static final int LENGTH_OFFSET = 1;
    /** Scaled Lifetime (high 13 bits) and PLC (low 3 bits), one 16-bit big-endian word. */
    static final int LIFETIME_PLC_OFFSET = 2;
    static final int PREFIX_OFFSET = 4;
    /** "Highest 96 bits of the Prefix". */
    static final int PREFIX_BYTES = 12;

    /** RFC 8781 §4 PLC table: the prefix length of each Prefix Length Code 0..5. */
    private static final int[] PLC_LENGTHS = {96, 64, 56, 48, 40, 32};

    /** Why an option was ignored. */
    public enum Reason {
        /** Fewer bytes than the option claims or needs: a broken message, not a PREF64 to use. */
        TRUNCATED("truncated option"),
        /** Not option type 38 (the caller passed another ND option). */
        NOT_PREF64("not a PREF64 option (type 38)"),
        /** RFC 8781 §4: "The receiver MUST ignore the PREF64 option if the Length field value is not 2." */
        BAD_LENGTH("Length is not 2 (RFC 8781 §4: the receiver MUST ignore it)"),
        /**
         * RFC 8781 §4: "The receiver MUST ignore the PREF64 option if the Prefix Length Code field is not set to
         * one of those values" (0..5).
         */
        BAD_PLC("Prefix Length Code is not 0..5 (RFC 8781 §4: the receiver MUST ignore it)"),
        /**
         * A /96 prefix whose bits 64-71 are not zero: RFC 6052 §2.2 keeps those bits (the "u" octet) zero in
         * every IPv4-embedded address, so no RFC 6052 translator, tunxlat included, can use it. RFC 8781 does
         * not name this case; tunxlat ignores such a prefix rather than fail the CLAT later.
         */
        U_OCTET("a /96 prefix with bits 64-71 set: RFC 6052 §2.2 keeps the u-octet zero");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * What {@link #parse} found: {@code option} when it is a usable PREF64, otherwise {@code reason} with a
     * {@code detail} for the log (exactly one of the two is non-null).
     */
    public record Parsed(Pref64Option option, Reason reason, String detail) {
        public Parsed {
            if ((option == null) == (reason == null)) {
                throw new IllegalArgumentException("exactly one of option and reason");
            }
        }

        static Parsed ignored(Reason reason, String detail) {
            return new Parsed(null, reason, detail);
        }

        public boolean valid() {
            return option != null;
        }

        @Override
        public String toString() {
            return valid() ? option.toString() : "ignored PREF64: " + reason.text() + " (" + detail + ")";
        }
    }

    public Pref64Option {
        Objects.requireNonNull(prefix, "prefix");
        Rfc6052.validatePrefix(prefix);
        if (scaledLifetime < 0 || scaledLifetime > MAX_SCALED_LIFETIME) {
            throw new IllegalArgumentException("Scaled Lifetime is 13 bits (0.." + MAX_SCALED_LIFETIME + "), not " + scaledLifetime);
        }
    }

    /** The option for {@code prefix} valid {@code lifetimeSeconds} (rounded as {@link #scaledLifetime(int)} says). */
    public static Pref64Option of(Ipv6Prefix prefix, int lifetimeSeconds) {
        return new Pref64Option(prefix, scaledLifetime(lifetimeSeconds));
    }

    /**
     * RFC 8781 §4.1, the sender's rounding: a lifetime not divisible by 8 is rounded up "to the nearest integer
     * that is divisible by 8 and smaller than 2^16" and divided by 8; a nonzero lifetime under 8 s becomes 1, "so
     * lifetimes under 8 seconds are encoded as a nonzero Scaled Lifetime". Lifetimes above 65528 s are capped
     * at 8191 (65528 s, the most the field holds).
     */
    public static int scaledLifetime(int lifetimeSeconds) {
        if (lifetimeSeconds < 0) {
            throw new IllegalArgumentException("lifetime must not be negative: " + lifetimeSeconds);
        }
        if (lifetimeSeconds == 0) {
            return 0;
        }
        long roundedUp = ((long) lifetimeSeconds + 7) & ~7L;
        return (int) Math.min(roundedUp >>> 3, MAX_SCALED_LIFETIME);
    }

    /** RFC 8781 §4.1: "the host MUST multiply the Scaled Lifetime value by 8 ... to calculate the maximum time in seconds". */
    public int lifetimeSeconds() {
        return scaledLifetime << 3;
    }

    /** RFC 8781 §4: the Prefix Length Code of this prefix's length. */
    public int plc() {
        return plcOf(prefix.length());
    }

    /** RFC 8781 §4: the Prefix Length Code of {@code prefixLength}, or -1 for a length the option cannot carry. */
    public static int plcOf(int prefixLength) {
        for (int plc = 0; plc < PLC_LENGTHS.length; plc++) {
            if (PLC_LENGTHS[plc] == prefixLength) {
                return plc;
            }
        }
        return -1;
    }

    /** RFC 8781 §4: the prefix length of Prefix Length Code {@code plc}, or -1 for codes 6 and 7. */
    public static int prefixLengthOf(int plc) {
        return plc >= 0 && plc < PLC_LENGTHS.length ? PLC_LENGTHS[plc] : -1;
    }

    /**
     * RFC 8781 §4: decodes the option at {@code data[offset]}, of which {@code available} bytes are there. What
     * the RFC tells the receiver to ignore (Length not 2, PLC not 0..5) comes back with its {@link Reason}, as do
     * a truncated option and a /96 prefix no RFC 6052 translator can use ({@link Reason#U_OCTET}). The prefix
     * bits past the PLC's length are not part of the prefix and are ignored (cleared).
     */
    public static Parsed parse(byte[] data, int offset, int available) {
        Objects.checkFromIndexSize(offset, Math.max(0, available), data.length);
        if (available < 2) {
            return Parsed.ignored(Reason.TRUNCATED, available + " bytes, not even type and length");
        }
        int type = data[offset + TYPE_OFFSET] & 0xff;
        if (type != TYPE) {
            return Parsed.ignored(Reason.NOT_PREF64, "type " + type);
        }
        int length = data[offset + LENGTH_OFFSET] & 0xff;
        if (length != LENGTH_UNITS) {
            return Parsed.ignored(Reason.BAD_LENGTH, "Length " + length);
        }
        if (available < SIZE) {
            return Parsed.ignored(Reason.TRUNCATED, available + " of " + SIZE + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(data); // big-endian, as on the wire
        int word = b.getShort(offset + LIFETIME_PLC_OFFSET) & 0xffff;
        int scaled = word >>> 3;
        int plc = word & 0x7;
        int prefixLength = prefixLengthOf(plc);
        if (prefixLength < 0) {
            return Parsed.ignored(Reason.BAD_PLC, "PLC " + plc);
        }
        long hi = b.getLong(offset + PREFIX_OFFSET);
        long lo = (b.getInt(offset + PREFIX_OFFSET + 8) & 0xffffffffL) << 32; // bits 96-127 are not in the option
        hi &= Addresses.maskHi(prefixLength);
        lo &= Addresses.maskLo(prefixLength);
        if (prefixLength == 96 && (lo >>> 56) != 0) {
            return Parsed.ignored(Reason.U_OCTET, Addresses.formatIpv6(hi, lo) + "/96");
        }
        return new Parsed(new Pref64Option(new Ipv6Prefix(hi, lo, prefixLength), scaled), null, null);
    }

    /** RFC 8781 §4: the option's {@link #SIZE} bytes. */
    public byte[] encode() {
        byte[] out = new byte[SIZE];
        encode(out, 0);
        return out;
    }

    /** RFC 8781 §4: writes the option's {@link #SIZE} bytes at {@code out[offset]}. */
    public void encode(byte[] out, int offset) {
        Objects.checkFromIndexSize(offset, SIZE, out.length);
        out[offset + TYPE_OFFSET] = (byte) TYPE;
        out[offset + LENGTH_OFFSET] = (byte) LENGTH_UNITS;
        ByteBuffer.wrap(out).putShort(offset + LIFETIME_PLC_OFFSET, (short) ((scaledLifetime << 3) | plc()))
                .putLong(offset + PREFIX_OFFSET, prefix.hi())
                .putInt(offset + PREFIX_OFFSET + 8, (int) (prefix.lo() >>> 32));
    }

    /** This option as a {@link Pref64} from {@code router}, received at {@code receivedNanos}. */
    public Pref64 toPref64(String router, long receivedNanos) {
        return new Pref64(prefix, Pref64.Source.RA, router, lifetimeSeconds(), receivedNanos);
    }

    @Override
    public String toString() {
        return "PREF64 " + prefix + " lifetime " + lifetimeSeconds() + " s";
    }
}
