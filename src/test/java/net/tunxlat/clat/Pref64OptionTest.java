// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 8781 §4 and §4.1 with byte vectors written out from the option's figure. */
class Pref64OptionTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static Pref64Option valid(String hex) {
        byte[] b = hex(hex);
        Pref64Option.Parsed p = Pref64Option.parse(b, 0, b.length);
        assertTrue(p.valid(), p.toString());
        assertNull(p.reason());
        return p.option();
    }

    private static Pref64Option.Reason ignored(String hex) {
        byte[] b = hex(hex);
        Pref64Option.Parsed p = Pref64Option.parse(b, 0, b.length);
        assertFalse(p.valid(), "expected the option to be ignored: " + p);
        assertNull(p.option());
        return p.reason();
    }

    /** The Well-Known Prefix for 600 s: Scaled Lifetime 75, PLC 0, so the 16-bit word is 75 << 3 = 0x0258. */
    @Test
    void wellKnownPrefixFor600Seconds() {
        String wire = "26 02 0258 0064ff9b 00000000 00000000";
        Pref64Option o = valid(wire);
        assertEquals(Ipv6Prefix.parse("64:ff9b::/96", -1), o.prefix());
        assertEquals(75, o.scaledLifetime());
        assertEquals(600, o.lifetimeSeconds());
        assertEquals(0, o.plc());
        assertArrayEquals(hex(wire), Pref64Option.of(o.prefix(), 600).encode());
    }

    /** A /40 with the longest lifetime: Scaled Lifetime 8191 (65528 s) and PLC 4 make the word 0xfffc. */
    @Test
    void slash40WithTheLongestLifetime() {
        String wire = "26 02 fffc 20010db8 01000000 00000000";
        Pref64Option o = valid(wire);
        assertEquals(Ipv6Prefix.parse("2001:db8:100::/40", -1), o.prefix());
        assertEquals(Pref64.MAX_RA_LIFETIME, o.lifetimeSeconds());
        assertArrayEquals(hex(wire), o.encode());
    }

    /** RFC 8781 §4: PLC 0..5 are /96, /64, /56, /48, /40, /32; prefix bits past the length are not the prefix. */
    @ParameterizedTest
    @CsvSource({
        "0, 2001:db8:122:344::/96",
        "1, 2001:db8:122:344::/64",
        "2, 2001:db8:122:300::/56",
        "3, 2001:db8:122::/48",
        "4, 2001:db8:100::/40",
        "5, 2001:db8::/32",
    })
    void everyPrefixLengthCode(int plc, String expected) {
        // Prefix bytes 2001:0db8:0122:0344 then zero u-octet then 0x55 0x66 0x77 (inside /96, past every shorter length).
        String word = String.format("%04x", (150 << 3) | plc);
        Pref64Option o = valid("26 02 " + word + " 20010db8 01220344 00556677");
        Ipv6Prefix want = Ipv6Prefix.parse(expected, -1);
        if (plc == 0) {
            want = Ipv6Prefix.parse("2001:db8:122:344:55:6677::/96", -1);
        }
        assertEquals(want, o.prefix());
        assertEquals(1200, o.lifetimeSeconds());
        assertEquals(plc, o.plc());
        assertEquals(plc, Pref64Option.plcOf(want.length()));
        assertEquals(want.length(), Pref64Option.prefixLengthOf(plc));
    }

    @ParameterizedTest
    @ValueSource(ints = {6, 7})
    void unknownPrefixLengthCodesAreIgnored(int plc) {
        assertEquals(Pref64Option.Reason.BAD_PLC, ignored("26 02 " + String.format("%04x", (225 << 3) | plc)
                + " 0064ff9b 00000000 00000000"));
    }

    /** RFC 8781 §4: "The receiver MUST ignore the PREF64 option if the Length field value is not 2." */
    @ParameterizedTest
    @ValueSource(strings = {"00", "01", "03", "ff"})
    void aLengthOtherThanTwoIsIgnored(String length) {
        String body = "26 " + length + " 0708 0064ff9b 00000000 00000000";
        assertEquals(Pref64Option.Reason.BAD_LENGTH, ignored(body + (length.equals("03") ? " 0000000000000000" : "")));
    }

    @Test
    void truncatedOptionsAreIgnored() {
        assertEquals(Pref64Option.Reason.TRUNCATED, ignored("26"));
        assertEquals(Pref64Option.Reason.TRUNCATED, ignored("26 02 0708 0064ff9b 00000000 000000"));
        assertEquals(Pref64Option.Reason.TRUNCATED, ignored(""));
    }

    @Test
    void anotherOptionTypeIsNotAPref64() {
        assertEquals(Pref64Option.Reason.NOT_PREF64, ignored("19 02 0000 00000e10 20010db8 00000000 00000000 00000001"));
    }

    /** A /96 prefix with bits 64-71 set cannot be an RFC 6052 prefix: ignored rather than failing the CLAT later. */
    @Test
    void aSlash96WithTheUOctetSetIsIgnored() {
        assertEquals(Pref64Option.Reason.U_OCTET, ignored("26 02 0708 20010db8 00000000 01000000"));
        // The same bits under a /64 lie past the prefix and are cleared, not refused.
        assertEquals(Ipv6Prefix.parse("2001:db8::/64", -1), valid("26 02 0709 20010db8 00000000 01000000").prefix());
    }

    /** RFC 8781 §4.1: "A lifetime of 0 indicates that the prefix SHOULD NOT be used anymore." */
    @Test
    void lifetimeZeroIsAWithdrawal() {
        Pref64Option o = valid("26 02 0000 0064ff9b 00000000 00000000");
        assertEquals(0, o.lifetimeSeconds());
        Pref64 p = o.toPref64("fe80::1%2", 5L);
        assertTrue(p.withdrawn());
        assertTrue(p.expired(5L));
    }

    /** Scaled Lifetime words from the top bit down: 0xfff8 is 8191 x 8, 0x0008 is 8 s, 0x8000 is 4096 x 8. */
    @ParameterizedTest
    @CsvSource({"fff8, 65528", "0008, 8", "0010, 16", "8000, 32768"})
    void theScaledLifetimeIsTheTop13Bits(String word, int seconds) {
        assertEquals(seconds, valid("26 02 " + word + " 0064ff9b 00000000 00000000").lifetimeSeconds());
    }

    /** RFC 8781 §4.1, the sender's rounding: up to a multiple of 8, under 8 s becomes 1, capped at 8191. */
    @ParameterizedTest
    @CsvSource({"0, 0", "1, 1", "7, 1", "8, 1", "9, 2", "600, 75", "1800, 225", "65527, 8191", "65528, 8191",
        "65529, 8191", "2147483647, 8191"})
    void senderRounding(int seconds, int scaled) {
        assertEquals(scaled, Pref64Option.scaledLifetime(seconds));
    }

    @Test
    void negativeLifetimesAndOutOfRangeFieldsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Pref64Option.scaledLifetime(-1));
        Ipv6Prefix wkp = Ipv6Prefix.parse("64:ff9b::/96", -1);
        assertThrows(IllegalArgumentException.class, () -> new Pref64Option(wkp, 8192));
        assertThrows(IllegalArgumentException.class, () -> new Pref64Option(wkp, -1));
        assertThrows(IllegalArgumentException.class, () -> new Pref64Option(Ipv6Prefix.parse("2001:db8::/33", -1), 1));
        assertEquals(-1, Pref64Option.plcOf(33));
        assertEquals(-1, Pref64Option.prefixLengthOf(6));
    }

    /** Encode then parse gives the same option for every length, at an offset inside a larger buffer. */
    @ParameterizedTest
    @ValueSource(strings = {"2001:db8:122:344::/96", "2001:db8:122:344::/64", "2001:db8:122:300::/56",
        "2001:db8:122::/48", "2001:db8:100::/40", "2001:db8::/32", "64:ff9b:1::/48"})
    void roundTripAtAnOffset(String prefix) {
        Pref64Option o = Pref64Option.of(Ipv6Prefix.parse(prefix, -1), 1800);
        byte[] buf = new byte[40];
        buf[4] = 1; // a source link-layer address option before it
        buf[5] = 1;
        o.encode(buf, 12);
        Pref64Option.Parsed back = Pref64Option.parse(buf, 12, Pref64Option.SIZE);
        assertEquals(o, back.option());
        assertEquals(Pref64Option.TYPE, buf[12]);
        assertEquals(Pref64Option.LENGTH_UNITS, buf[13]);
    }

    @Test
    void anOptionRunningPastTheBufferIsRefusedByTheBoundsCheck() {
        assertThrows(IndexOutOfBoundsException.class, () -> Pref64Option.parse(new byte[8], 4, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> Pref64Option.of(Ipv6Prefix.parse("64:ff9b::/96", -1), 8)
                .encode(new byte[20], 8));
    }
}
