// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

/**
 * Parsing and formatting of IPv4 and IPv6 address literals without {@link java.net.InetAddress}
 * (which may resolve names). IPv4 addresses are {@code int}s in network order (the first octet in
 * the high byte); IPv6 addresses are two {@code long}s, {@code hi} (bits 0-63) and {@code lo}
 * (bits 64-127).
 */
public final class Addresses {
    private Addresses() {}

    /** Parses a dotted-quad IPv4 literal ({@code 192.0.2.1}); throws IllegalArgumentException. */
    public static int parseIpv4(String s) {
        int value = 0;
        int octets = 0;
        int i = 0;
        int n = s.length();
        while (true) {
            int start = i;
            int octet = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    throw new IllegalArgumentException("not an IPv4 address: '" + s + "'");
                }
            }
            if (i == start || octet > 255 || (i - start > 1 && s.charAt(start) == '0')) {
                throw new IllegalArgumentException("not an IPv4 address: '" + s + "'");
            }
            value = (value << 8) | octet;
            octets++;
            if (octets == 4) {
                if (i != n) {
                    throw new IllegalArgumentException("not an IPv4 address: '" + s + "'");
                }
                return value;
            }
            if (i >= n || s.charAt(i) != '.') {
                throw new IllegalArgumentException("not an IPv4 address: '" + s + "'");
            }
            i++;
        }
    }

    public static boolean isIpv4Literal(String s) {
        try {
            parseIpv4(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Parses an IPv6 literal (RFC 4291 §2.2 text forms, including {@code ::} and a trailing dotted quad). */
    public static long[] parseIpv6(String s) {
        int[] words = new int[8];
        int n = s.length();
        if (n < 2) {
            throw bad6(s);
        }
        int gap = -1; // index in words where "::" stands
        int w = 0;
        int i = 0;
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == n) {
                return new long[] {0, 0};
            }
        } else if (s.charAt(0) == ':') {
            throw bad6(s);
        }
        while (i < n) {
            if (w >= 8) {
                throw bad6(s);
            }
            int start = i;
            int v = 0;
            while (i < n && hexDigit(s.charAt(i)) >= 0) {
                v = (v << 4) | hexDigit(s.charAt(i));
                i++;
            }
            int len = i - start;
            if (i < n && s.charAt(i) == '.') {
                // trailing dotted quad takes the last two words
                if (w > 6) {
                    throw bad6(s);
                }
                int v4 = parseIpv4(s.substring(start));
                words[w++] = v4 >>> 16;
                words[w++] = v4 & 0xffff;
                i = n;
                break;
            }
            if (len == 0 || len > 4) {
                throw bad6(s);
            }
            words[w++] = v;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                throw bad6(s);
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    throw bad6(s);
                }
                gap = w;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                throw bad6(s);
            }
        }
        if (gap >= 0) {
            if (w == 8) {
                throw bad6(s);
            }
            int tail = w - gap;
            for (int k = 0; k < tail; k++) {
                words[7 - k] = words[w - 1 - k];
            }
            for (int k = gap; k < 8 - tail; k++) {
                words[k] = 0;
            }
        } else if (w != 8) {
            throw bad6(s);
        }
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < 4; k++) {
            hi = (hi << 16) | words[k];
            lo = (lo << 16) | words[k + 4];
        }
        return new long[] {hi, lo};
    }

    public static boolean isIpv6Literal(String s) {
        try {
            parseIpv6(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Value of an ASCII hexadecimal digit, or -1. ({@link Character#digit(char, int)} would also
     * accept other Unicode digits and full-width letters, which are not valid in an address literal.)
     */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static IllegalArgumentException bad6(String s) {
        return new IllegalArgumentException("not an IPv6 address: '" + s + "'");
    }

    public static String formatIpv4(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    /** RFC 5952 canonical text form (lower case, longest run of two or more zero words as {@code ::}). */
    public static String formatIpv6(long hi, long lo) {
        int[] w = new int[8];
        for (int k = 0; k < 4; k++) {
            w[k] = (int) (hi >>> (48 - 16 * k)) & 0xffff;
            w[k + 4] = (int) (lo >>> (48 - 16 * k)) & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int k = 0; k < 8; ) {
            if (w[k] != 0) {
                k++;
                continue;
            }
            int j = k;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - k > bestLen) {
                bestStart = k;
                bestLen = j - k;
            }
            k = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int k = 0; k < 8; k++) {
            if (k == bestStart) {
                sb.append("::");
                k += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[k]));
        }
        return sb.toString();
    }

    /** Mask with the top {@code length} bits of a 32-bit address set. */
    public static int mask4(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    /** Mask of the top {@code length} bits (0..128) within the high 64 bits. */
    public static long maskHi(int length) {
        return length <= 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
    }

    /** Mask of the top {@code length} bits (0..128) within the low 64 bits. */
    public static long maskLo(int length) {
        return length <= 64 ? 0 : length >= 128 ? -1L : -1L << (128 - length);
    }
}
