// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

/** An IPv4 prefix {@code address/length}; host bits of {@code address} are zero. */
public record Ipv4Prefix(int address, int length) {
    public Ipv4Prefix {
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("IPv4 prefix length must be 0..32, not " + length);
        }
        if ((address & ~Addresses.mask4(length)) != 0) {
            throw new IllegalArgumentException("host bits set in IPv4 prefix "
                    + Addresses.formatIpv4(address) + "/" + length);
        }
    }

    /**
     * Parses {@code a.b.c.d/len} or, when {@code defaultLength} is not negative, also {@code a.b.c.d}
     * alone (then of that length).
     */
    public static Ipv4Prefix parse(String s, int defaultLength) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            if (defaultLength < 0) {
                throw new IllegalArgumentException("expected an IPv4 prefix a.b.c.d/len, got '" + s + "'");
            }
            return new Ipv4Prefix(Addresses.parseIpv4(s), defaultLength);
        }
        int address = Addresses.parseIpv4(s.substring(0, slash));
        int length = parseLength(s.substring(slash + 1), 32, s);
        return new Ipv4Prefix(address, length);
    }

    static int parseLength(String s, int max, String whole) {
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad prefix length in '" + whole + "'");
        }
        int length = Integer.parseInt(s);
        if (length > max) {
            throw new IllegalArgumentException("prefix length " + length + " exceeds " + max + " in '" + whole + "'");
        }
        return length;
    }

    public int mask() {
        return Addresses.mask4(length);
    }

    public boolean contains(int a) {
        return (a & mask()) == address;
    }

    public boolean overlaps(Ipv4Prefix o) {
        int shorter = Math.min(length, o.length);
        int m = Addresses.mask4(shorter);
        return (address & m) == (o.address & m);
    }

    /** Number of addresses (2^(32-length)) as a long. */
    public long size() {
        return 1L << (32 - length);
    }

    @Override
    public String toString() {
        return Addresses.formatIpv4(address) + "/" + length;
    }

    // equals and hashCode written out: a record's generated ones bootstrap a method-handle chain the first time they
    // run, which every start paid for while it parsed the configuration (docs/performance.md, "Start-up").

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv4Prefix p && p.address == address && p.length == length;
    }

    @Override
    public int hashCode() {
        return 31 * address + length;
    }
}
