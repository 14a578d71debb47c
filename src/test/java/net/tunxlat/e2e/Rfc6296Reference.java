// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import net.tunxlat.mapping.Addresses;

/**
 * RFC 6296 written down a second time, word by word as in the RFC (and the reference script of the
 * project's standards notes, Appendix A.1), to say what the translated address must be. It does not
 * share code with the translator. {@link #outbound} and {@link #inbound} return null where the RFC
 * says to drop: subnet 0xFFFF for /48 and shorter (§3.2, §4.2, Appendix B), no adjustable IID word
 * (§3.5), and addresses whose bits between the shorter and the longer prefix length are not zero (§3.7).
 */
final class Rfc6296Reference {
    private final int[] inside;
    private final int[] outside;
    private final int insideLength;
    private final int outsideLength;
    private final int plen;
    private final int adjustment;

    Rfc6296Reference(String insidePrefix, String outsidePrefix) {
        String[] i = insidePrefix.split("/");
        String[] o = outsidePrefix.split("/");
        this.inside = words(i[0]);
        this.outside = words(o[0]);
        this.insideLength = Integer.parseInt(i[1]);
        this.outsideLength = Integer.parseInt(o[1]);
        this.plen = Math.max(insideLength, outsideLength);
        // §3.1: the one's-complement sum of the internal prefix minus that of the external prefix, both /64.
        this.adjustment = sub(sum(inside), sum(outside));
    }

    int adjustment() {
        return adjustment;
    }

    static int[] words(String a) {
        long[] x = Addresses.parseIpv6(a);
        int[] w = new int[8];
        for (int k = 0; k < 4; k++) {
            w[k] = (int) (x[0] >>> (48 - 16 * k)) & 0xffff;
            w[4 + k] = (int) (x[1] >>> (48 - 16 * k)) & 0xffff;
        }
        return w;
    }

    static String format(int[] w) {
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < 4; k++) {
            hi = (hi << 16) | w[k];
            lo = (lo << 16) | w[4 + k];
        }
        return Addresses.formatIpv6(hi, lo);
    }

    private static int add(int a, int b) {
        int s = a + b;
        while (s > 0xffff) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return s;
    }

    private static int sub(int a, int b) {
        return add(a, ~b & 0xffff);
    }

    private static int sum(int[] w) {
        return add(add(w[0], w[1]), add(w[2], w[3]));
    }

    private static int bit(int[] w, int n) {
        return (w[n / 16] >>> (15 - n % 16)) & 1;
    }

    /** §3.2: the outside form of inside address {@code a}, or null to drop. */
    String outbound(String a) {
        return map(a, inside, insideLength, outside, adjustment);
    }

    /** §3.3: the inside form of outside address {@code a}, or null to drop. */
    String inbound(String a) {
        return map(a, outside, outsideLength, inside, ~adjustment & 0xffff);
    }

    private String map(String a, int[] from, int fromLength, int[] to, int adj) {
        int[] w = words(a);
        for (int n = 0; n < plen; n++) {
            if (n < fromLength && bit(w, n) != bit(from, n)) {
                return null; // not under the prefix at all
            }
            if (n >= fromLength && bit(w, n) != 0) {
                return null; // §3.7: bits the longer prefix would overwrite
            }
        }
        int word;
        if (plen <= 48) {
            if (w[3] == 0xffff) {
                return null; // §3.4 with Appendix B: subnet 0xFFFF cannot be translated
            }
            word = 3;
        } else {
            word = -1;
            for (int k = 4; k < 8; k++) { // §3.5: "the first that is not initially 0xFFFF"
                if (w[k] != 0xffff) {
                    word = k;
                    break;
                }
            }
            if (word < 0) {
                return null;
            }
        }
        for (int n = 0; n < plen; n++) { // overwrite the prefix (the shorter one zero-extended)
            int k = n / 16;
            int mask = 1 << (15 - n % 16);
            w[k] = bit(to, n) == 1 ? w[k] | mask : w[k] & ~mask;
        }
        int r = add(w[word], adj);
        w[word] = r == 0xffff ? 0 : r; // §3.2/§3.3: 0xFFFF is overwritten with 0x0000
        return format(w);
    }
}
