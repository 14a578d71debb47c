// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

/** An IPv6 prefix {@code address/length}; host bits of the address ({@code hi}, {@code lo}) are zero. */
public record Ipv6Prefix(long hi, long lo, int length) {
    public Ipv6Prefix {
        if (length < 0 || length > 128) {
            throw new IllegalArgumentException("IPv6 prefix length must be 0..128, not " + length);
        }
        if ((hi & ~Addresses.maskHi(length)) != 0 || (lo & ~Addresses.maskLo(length)) != 0) {
            throw new IllegalArgumentException("host bits set in IPv6 prefix "
                    + Addresses.formatIpv6(hi, lo) + "/" + length);
        }
    }

    /** Parses {@code addr/len} or, when {@code defaultLength} is not negative, a bare address of that length. */
    public static Ipv6Prefix parse(String s, int defaultLength) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            if (defaultLength < 0) {
                throw new IllegalArgumentException("expected an IPv6 prefix addr/len, got '" + s + "'");
            }
            long[] a = Addresses.parseIpv6(s);
            return new Ipv6Prefix(a[0], a[1], defaultLength);
        }
        long[] a = Addresses.parseIpv6(s.substring(0, slash));
        int length = Ipv4Prefix.parseLength(s.substring(slash + 1), 128, s);
        return new Ipv6Prefix(a[0], a[1], length);
    }

    public long maskHi() {
        return Addresses.maskHi(length);
    }

    public long maskLo() {
        return Addresses.maskLo(length);
    }

    public boolean contains(long aHi, long aLo) {
        return (aHi & maskHi()) == hi && (aLo & maskLo()) == lo;
    }

    public boolean overlaps(Ipv6Prefix o) {
        int shorter = Math.min(length, o.length);
        long mh = Addresses.maskHi(shorter);
        long ml = Addresses.maskLo(shorter);
        return (hi & mh) == (o.hi & mh) && (lo & ml) == (o.lo & ml);
    }

    @Override
    public String toString() {
        return Addresses.formatIpv6(hi, lo) + "/" + length;
    }

    // equals and hashCode written out: a record's generated ones bootstrap a method-handle chain the first time they
    // run, which every start paid for while it parsed the configuration (docs/performance.md, "Start-up").

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv6Prefix p && p.hi == hi && p.lo == lo && p.length == length;
    }

    @Override
    public int hashCode() {
        return (31 * Long.hashCode(hi) + Long.hashCode(lo)) * 31 + length;
    }
}
