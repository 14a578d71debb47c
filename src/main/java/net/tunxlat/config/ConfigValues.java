// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;

/**
 * The value parsers of {@link ConfigParser}: each turns one argument of a directive into its value (a name,
 * an address, a prefix, a number, a keyword, a path) or throws a {@link ConfigException} naming the file and
 * line, what is wrong and what is expected. They keep no state of the parse: the checks that relate a value
 * to other lines (duplicates, overlaps, whole-file rules) stay in {@link ConfigParser}.
 */
final class ConfigValues {
    /** Linux IFNAMSIZ (16) less the terminating NUL. */
    private static final int MAX_IFNAME_BYTES = 15;

    /** The file the values come from, named in every error. */
    private final Path file;

    ConfigValues(Path file) {
        this.file = file;
    }

    private ConfigException error(int line, String message) {
        return new ConfigException(file, line, message);
    }

    /** {@code tun-device}: a Linux interface name (1 to 15 bytes, no '/', ':', white space or control character). */
    String interfaceName(int ln, String name) throws ConfigException {
        int bytes = name.getBytes(UTF_8).length;
        if (bytes > MAX_IFNAME_BYTES) {
            throw error(ln, "'tun-device' name '" + name + "' is " + bytes + " bytes long; Linux interface names"
                    + " are 1 to " + MAX_IFNAME_BYTES + " bytes");
        }
        if (name.equals(".") || name.equals("..")) {
            throw error(ln, "'tun-device' name cannot be '" + name + "'");
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isSpaceChar(c)
                    || Character.isISOControl(c)) {
                String what = c == '/' || c == ':' ? "'" + (char) c + "'" : String.format("U+%04X", c);
                throw error(ln, "'tun-device' name '" + name + "' contains " + what + "; Linux interface names"
                        + " cannot contain '/', ':', whitespace or control characters");
            }
            i += Character.charCount(c);
        }
        return name;
    }

    /** {@code ipv4-addr}: the translator's own IPv4 address, which must be unicast. */
    int ownIpv4(int ln, String s) throws ConfigException {
        if (!Addresses.isIpv4Literal(s)) {
            throw error(ln, "'ipv4-addr' expects an IPv4 address such as 192.168.255.1, got '" + s + "'");
        }
        int a = Addresses.parseIpv4(s);
        int o1 = a >>> 24;
        String why = o1 == 0 ? "in 0.0.0.0/8 (\"this network\")"
                : o1 == 127 ? "a loopback address"
                : (o1 & 0xf0) == 0xe0 ? "a multicast address"
                : a == -1 ? "the limited broadcast address"
                : null;
        if (why != null) {
            throw error(ln, "'ipv4-addr' " + s + " is " + why + "; the translator needs a unicast address");
        }
        return a;
    }

    /** {@code ipv6-addr}: the translator's own IPv6 address (no length), which must be unicast; as a /128. */
    Ipv6Prefix ownIpv6(int ln, String s) throws ConfigException {
        if (s.indexOf('/') >= 0) {
            throw error(ln, "'ipv6-addr' expects an address without a prefix length, such as 2001:db8:1::2, got '"
                    + s + "'");
        }
        if (!Addresses.isIpv6Literal(s)) {
            throw error(ln, "'ipv6-addr' expects an IPv6 address such as 2001:db8:1::2, got '" + s + "'");
        }
        long[] a = Addresses.parseIpv6(s);
        String why = a[0] == 0 && a[1] == 0 ? "the unspecified address"
                : a[0] == 0 && a[1] == 1 ? "the loopback address"
                : (a[0] >>> 56) == 0xff ? "a multicast address"
                : null;
        if (why != null) {
            throw error(ln, "'ipv6-addr' " + s + " is " + why + "; the translator needs a unicast address");
        }
        return new Ipv6Prefix(a[0], a[1], 128);
    }

    /** {@code prefix}: an RFC 6052 §2.2 NAT64 prefix (length 32, 40, 48, 56, 64 or 96, "u" octet zero). */
    Ipv6Prefix nat64Prefix(int ln, String s) throws ConfigException {
        V6 p = v6(ln, "'prefix'", s, -1, "an IPv6 prefix such as 64:ff9b::/96 or 2001:db8:1:ffff::/96");
        switch (p.length) {
            case 32, 40, 48, 56, 64, 96 -> { }
            default -> throw error(ln, "'prefix' length must be 32, 40, 48, 56, 64 or 96, got " + p.length);
        }
        Ipv6Prefix result = toPrefix(ln, "'prefix'", p);
        try {
            Rfc6052.validatePrefix(result);
        } catch (IllegalArgumentException e) {
            throw error(ln, "'prefix' " + result + ": bits 64 to 71 (the \"u\" octet) must be zero (RFC 6052 §2.2)");
        }
        return result;
    }

    /** {@code dynamic-pool}: an IPv4 prefix from /8 to /31. */
    Ipv4Prefix dynamicPool(int ln, String s) throws ConfigException {
        V4 p = v4(ln, "'dynamic-pool'", s, -1, "an IPv4 prefix such as 192.168.255.0/24");
        if (p.length > 31) {
            throw error(ln, "'dynamic-pool' length must be 31 or less (the lowest address of the pool is"
                    + " reserved), got " + p.length);
        }
        if (p.length < 8) {
            throw error(ln, "'dynamic-pool' length must be 8 or more (tunxlat keeps a slot per pool address;"
                    + " a /8 already holds 16,777,214 hosts), got " + p.length);
        }
        return toPrefix(ln, "'dynamic-pool'", p);
    }

    /** {@code data-dir}: an absolute path. */
    Path dataDir(int ln, String s) throws ConfigException {
        Path p = path(ln, Directive.DATA_DIR, s);
        if (!p.isAbsolute()) {
            throw error(ln, "'data-dir' must be an absolute path, got '" + s + "'");
        }
        return p;
    }

    /** A path argument of directive {@code d}. */
    Path path(int ln, Directive d, String s) throws ConfigException {
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw error(ln, "'" + d.text + "' path '" + s + "' is not valid: " + e.getReason());
        }
    }

    /** A yes/no argument of directive {@code d}, in any case, as TAYGA reads it. */
    boolean bool(int ln, Directive d, String s) throws ConfigException {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "yes", "on", "true", "1" -> {
                return true;
            }
            case "no", "off", "false", "0" -> {
                return false;
            }
            default -> throw error(ln, "'" + d.text + "' expects yes, no, on, off, true, false, 1 or 0, got '"
                    + s + "'");
        }
    }

    /** {@code udp-cksum-mode}: drop, fwd or calc, in any case. */
    UdpCksumMode udpCksumMode(int ln, String s) throws ConfigException {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "drop" -> UdpCksumMode.DROP;
            case "fwd" -> UdpCksumMode.FWD;
            case "calc" -> UdpCksumMode.CALC;
            default -> throw error(ln, "'udp-cksum-mode' expects drop, fwd or calc, got '" + s + "'");
        };
    }

    /** {@code tun-io}: auto, uring or readwrite, in any case. */
    TunIo tunIo(int ln, String s) throws ConfigException {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "auto" -> TunIo.AUTO;
            case "uring" -> TunIo.URING;
            case "readwrite" -> TunIo.READWRITE;
            default -> throw error(ln, "'tun-io' expects auto, uring or readwrite, got '" + s
                    + "' (auto: io_uring where the kernel allows it, else read/write)");
        };
    }

    /** One {@code log} option: drop, reject, icmp or self, in any case. */
    LogOption logOption(int ln, String s) throws ConfigException {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "drop" -> LogOption.DROP;
            case "reject" -> LogOption.REJECT;
            case "icmp" -> LogOption.ICMP;
            case "self" -> LogOption.SELF;
            default -> throw error(ln, "'log' option '" + s + "' is not one of drop, reject, icmp, self");
        };
    }

    /** An {@code ADDRESS:PORT} or {@code off} argument of directive {@code d}. */
    ListenAddress listen(int ln, Directive d, String s) throws ConfigException {
        try {
            return ListenAddress.parseOrOff(s);
        } catch (IllegalArgumentException e) {
            throw error(ln, "'" + d.text + "' " + e.getMessage());
        }
    }

    /** A decimal integer argument of directive {@code d}, from {@code min} to {@code max}. */
    int integer(int ln, Directive d, String s, int min, int max) throws ConfigException {
        String expected = "'" + d.text + "' must be an integer from " + min + " to " + max + ", got " + s;
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw error(ln, expected);
        }
        long value = Long.parseLong(s);
        if (value < min || value > max) {
            throw error(ln, expected);
        }
        return (int) value;
    }

    /** {@code tun-ip} (host bits allowed) or {@code tun-route} (host bits must be zero), canonical text. */
    String tunAddress(int ln, Directive d, String s, boolean route) throws ConfigException {
        String what = "'" + d.text + "'";
        String expected = route
                ? "an IPv4 or IPv6 prefix such as 192.168.255.0/24 or 2001:db8:1:ffff::/96"
                : "an IPv4 or IPv6 address with optional prefix length such as 192.168.0.1/24 or 2001:db8:1::1/64";
        if (s.indexOf(':') >= 0) {
            V6 a = v6(ln, what, s, 128, expected);
            if (route) {
                toPrefix(ln, what, a);
            }
            return Addresses.formatIpv6(a.hi, a.lo) + "/" + a.length;
        }
        V4 a = v4(ln, what, s, 32, expected);
        if (route) {
            toPrefix(ln, what, a);
        }
        return Addresses.formatIpv4(a.address) + "/" + a.length;
    }

    // ---- addresses with lengths ----------------------------------------------------------

    /** An IPv4 address and length as written (host bits not yet checked). */
    record V4(int address, int length) {}

    /** An IPv6 address and length as written (host bits not yet checked). */
    record V6(long hi, long lo, int length) {}

    /** An IPv4 address with {@code /LEN}, or without it when {@code defaultLength} is not negative. */
    V4 v4(int ln, String what, String s, int defaultLength, String expected) throws ConfigException {
        int slash = s.indexOf('/');
        String addr = slash >= 0 ? s.substring(0, slash) : s;
        if ((slash < 0 && defaultLength < 0) || !Addresses.isIpv4Literal(addr)) {
            throw error(ln, what + " expects " + expected + ", got '" + s + "'");
        }
        int length = slash >= 0 ? length(ln, what, s, s.substring(slash + 1), 32) : defaultLength;
        return new V4(Addresses.parseIpv4(addr), length);
    }

    /** An IPv6 address with {@code /LEN}, or without it when {@code defaultLength} is not negative. */
    V6 v6(int ln, String what, String s, int defaultLength, String expected) throws ConfigException {
        int slash = s.indexOf('/');
        String addr = slash >= 0 ? s.substring(0, slash) : s;
        if ((slash < 0 && defaultLength < 0) || !Addresses.isIpv6Literal(addr)) {
            throw error(ln, what + " expects " + expected + ", got '" + s + "'");
        }
        int length = slash >= 0 ? length(ln, what, s, s.substring(slash + 1), 128) : defaultLength;
        long[] a = Addresses.parseIpv6(addr);
        return new V6(a[0], a[1], length);
    }

    /** The prefix length after the '/' of {@code whole}: 0 to {@code max}. */
    private int length(int ln, String what, String whole, String s, int max) throws ConfigException {
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(s) > max) {
            throw error(ln, what + ": the prefix length in '" + whole + "' must be a number from 0 to " + max);
        }
        return Integer.parseInt(s);
    }

    /** {@code a} as a prefix; its host bits must be zero. */
    Ipv4Prefix toPrefix(int ln, String what, V4 a) throws ConfigException {
        int mask = Addresses.mask4(a.length);
        if ((a.address & ~mask) != 0) {
            Ipv4Prefix fixed = new Ipv4Prefix(a.address & mask, a.length);
            throw error(ln, what + " " + Addresses.formatIpv4(a.address) + "/" + a.length + " has host bits set"
                    + " (the bits after /" + a.length + " must be zero: did you mean " + fixed + "?)");
        }
        return new Ipv4Prefix(a.address, a.length);
    }

    /** {@code a} as a prefix; its host bits must be zero. */
    Ipv6Prefix toPrefix(int ln, String what, V6 a) throws ConfigException {
        long mh = Addresses.maskHi(a.length);
        long ml = Addresses.maskLo(a.length);
        if ((a.hi & ~mh) != 0 || (a.lo & ~ml) != 0) {
            Ipv6Prefix fixed = new Ipv6Prefix(a.hi & mh, a.lo & ml, a.length);
            throw error(ln, what + " " + Addresses.formatIpv6(a.hi, a.lo) + "/" + a.length + " has host bits set"
                    + " (the bits after /" + a.length + " must be zero: did you mean " + fixed + "?)");
        }
        return new Ipv6Prefix(a.hi, a.lo, a.length);
    }
}
