// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import net.tunxlat.mapping.Addresses;
import java.nio.ByteBuffer;

/**
 * RFC 6724 §6 destination address selection, as glibc's getaddrinfo() applies it, over a policy table
 * read from gai.conf text. A test oracle: rules 1, 2, 5, 6, 8, 9 and 10 (rule 3 deprecated addresses,
 * rule 4 home addresses, rule 5.5 next-hop prefixes and rule 7 native transport do not distinguish the
 * candidates these tests build). IPv4 addresses are looked up as IPv4-mapped IPv6 addresses (§2.1).
 */
final class Rfc6724 {
    /** A policy table row. */
    record Row(BigInteger prefix, int length, int value) {
        boolean matches(BigInteger a) {
            return length == 0 || a.shiftRight(128 - length).equals(prefix.shiftRight(128 - length));
        }
    }

    /** glibc's built-in labels and precedences (Debian 12 /etc/gai.conf comments; getaddrinfo.c). */
    static final String GLIBC_DEFAULT = """
            label ::1/128       0
            label ::/0          1
            label 2002::/16     2
            label ::/96         3
            label ::ffff:0:0/96 4
            label fec0::/10     5
            label fc00::/7      6
            label 2001:0::/32   7
            precedence  ::1/128       50
            precedence  ::/0          40
            precedence  2002::/16     30
            precedence ::/96          20
            precedence ::ffff:0:0/96  10
            """;

    /** RFC 6724 §2.1's default policy table. */
    static final String RFC6724_DEFAULT = """
            label ::1/128 0
            label ::/0 1
            label ::ffff:0:0/96 4
            label 2002::/16 2
            label 2001::/32 5
            label fc00::/7 13
            label ::/96 3
            label fec0::/10 11
            label 3ffe::/16 12
            precedence ::1/128 50
            precedence ::/0 40
            precedence ::ffff:0:0/96 35
            precedence 2002::/16 30
            precedence 2001::/32 5
            precedence fc00::/7 3
            precedence ::/96 1
            precedence fec0::/10 1
            precedence 3ffe::/16 1
            """;

    private static final Pattern LINE = Pattern.compile("(label|precedence)\\s+(\\S+)/(\\d+)\\s+(\\d+)\\s*");

    final List<Row> labels = new ArrayList<>();
    final List<Row> precedences = new ArrayList<>();

    /**
     * A table as glibc builds it from gai.conf text: the file's label lines if it has any, else glibc's
     * default labels; likewise for precedence lines. Comments and blank lines are skipped; any other
     * line is an error (glibc would ignore it: a test wants to know).
     */
    static Rfc6724 fromGaiConf(String text) {
        Rfc6724 file = new Rfc6724();
        parseInto(text, file);
        if (file.labels.isEmpty() || file.precedences.isEmpty()) {
            Rfc6724 defaults = new Rfc6724();
            parseInto(GLIBC_DEFAULT, defaults);
            if (file.labels.isEmpty()) {
                file.labels.addAll(defaults.labels);
            }
            if (file.precedences.isEmpty()) {
                file.precedences.addAll(defaults.precedences);
            }
        }
        return file;
    }

    private static void parseInto(String text, Rfc6724 table) {
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a gai.conf label/precedence line: '" + raw + "'");
            }
            int len = Integer.parseInt(m.group(3));
            if (len > 128) {
                throw new IllegalArgumentException("prefix length > 128: '" + raw + "'");
            }
            Row row = new Row(address(m.group(2)), len, Integer.parseInt(m.group(4)));
            (m.group(1).equals("label") ? table.labels : table.precedences).add(row);
        }
    }

    /** An IPv6 address, or an IPv4 address as ::ffff:a.b.c.d, as a 128-bit number. */
    static BigInteger address(String s) {
        if (s.indexOf(':') < 0) {
            return BigInteger.valueOf(0xffffL).shiftLeft(32).or(BigInteger.valueOf(Addresses.parseIpv4(s) & 0xffffffffL));
        }
        long[] a = Addresses.parseIpv6(s);
        return new BigInteger(1, ByteBuffer.allocate(16).putLong(a[0]).putLong(a[1]).array());
    }

    private static int lookup(List<Row> table, BigInteger a) {
        Row best = null;
        for (Row r : table) {
            if (r.matches(a) && (best == null || r.length() > best.length())) {
                best = r;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no policy table row matches " + a.toString(16));
        }
        return best.value();
    }

    int label(String a) {
        return lookup(labels, address(a));
    }

    int precedence(String a) {
        return lookup(precedences, address(a));
    }

    /** RFC 6724 §3.1 scopes (§3.2 for IPv4: 127/8 and 169.254/16 link-local, the rest global). */
    static int scope(String a) {
        BigInteger v = address(a);
        if (a.indexOf(':') < 0) {
            int v4 = Addresses.parseIpv4(a);
            return (v4 >>> 24) == 127 || (v4 >>> 16) == 0xa9fe ? 2 : 14;
        }
        int top16 = v.shiftRight(112).intValue();
        if ((top16 & 0xff00) == 0xff00) {
            return top16 & 0x0f; // multicast: its scope field
        }
        if (v.equals(BigInteger.ONE) || (top16 & 0xffc0) == 0xfe80) {
            return 2;
        }
        if ((top16 & 0xffc0) == 0xfec0) {
            return 5;
        }
        return 14;
    }

    /** A destination and the source address the host would use for it (null: unusable). */
    record Candidate(String destination, String source) {}

    /** RFC 6724 §6: the candidates in order of preference (a stable sort, rule 10). */
    List<Candidate> sort(List<Candidate> candidates) {
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort(comparator());
        return sorted;
    }

    /** Which rule decided between {@code a} and {@code b} ("rule N"), for assertion messages. */
    String decidingRule(Candidate a, Candidate b) {
        for (int rule : new int[] {1, 2, 5, 6, 8, 9}) {
            if (rule(rule, a, b) != 0) {
                return "rule " + rule;
            }
        }
        return "rule 10";
    }

    private Comparator<Candidate> comparator() {
        return (a, b) -> {
            for (int rule : new int[] {1, 2, 5, 6, 8, 9}) {
                int c = rule(rule, a, b);
                if (c != 0) {
                    return c;
                }
            }
            return 0; // rule 10: leave the order unchanged
        };
    }

    /** Negative if rule {@code n} prefers {@code a}, positive if it prefers {@code b}, 0 if it does not decide. */
    private int rule(int n, Candidate a, Candidate b) {
        switch (n) {
            case 1: // avoid unusable destinations
                return Boolean.compare(a.source() == null, b.source() == null);
            case 2: { // prefer matching scope
                boolean ma = scope(a.destination()) == scope(a.source());
                boolean mb = scope(b.destination()) == scope(b.source());
                return Boolean.compare(mb, ma);
            }
            case 5: { // prefer matching label
                boolean ma = label(a.source()) == label(a.destination());
                boolean mb = label(b.source()) == label(b.destination());
                return Boolean.compare(mb, ma);
            }
            case 6: // prefer higher precedence
                return Integer.compare(precedence(b.destination()), precedence(a.destination()));
            case 8: // prefer smaller scope
                return Integer.compare(scope(a.destination()), scope(b.destination()));
            case 9: { // longest matching prefix, same family only (IPv6: up to the 64-bit prefix)
                boolean v4a = a.destination().indexOf(':') < 0;
                boolean v4b = b.destination().indexOf(':') < 0;
                if (v4a != v4b || v4a) {
                    return 0;
                }
                return Integer.compare(commonPrefix(b), commonPrefix(a));
            }
            default:
                throw new IllegalArgumentException("rule " + n);
        }
    }

    private static int commonPrefix(Candidate c) {
        BigInteger x = address(c.destination()).xor(address(c.source()));
        return Math.min(64, 128 - x.bitLength());
    }
}
