// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.mapping;

/**
 * IPv4-embedded IPv6 addresses (RFC 6052 §2.2) for one prefix. Stateless and allocation free:
 * embedding returns the two halves through two calls.
 */
public final class Rfc6052 {
    /** The Well-Known Prefix 64:ff9b::/96 (RFC 6052 §2.1). */
    public static final Ipv6Prefix WELL_KNOWN_PREFIX = new Ipv6Prefix(0x0064ff9b00000000L, 0L, 96);
    /** The local-use prefix 64:ff9b:1::/48 (RFC 8215); the §3.1 restriction does not apply to it. */
    public static final Ipv6Prefix LOCAL_USE_PREFIX = new Ipv6Prefix(0x0064ff9b00010000L, 0L, 48);

    private final Ipv6Prefix prefix;
    private final int length;
    private final boolean wellKnown;

    public Rfc6052(Ipv6Prefix prefix) {
        validatePrefix(prefix);
        this.prefix = prefix;
        this.length = prefix.length();
        this.wellKnown = prefix.equals(WELL_KNOWN_PREFIX);
    }

    /**
     * RFC 6052 §2.2: "Prefix length ... 32, 40, 48, 56, 64, or 96"; bits 64 to 71 of the address
     * are reserved (the "u" octet) and "MUST be set to zero", so a /96 prefix must have them zero.
     */
    public static void validatePrefix(Ipv6Prefix p) {
        switch (p.length()) {
            case 32, 40, 48, 56, 64, 96 -> { }
            default -> throw new IllegalArgumentException("RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96, not "
                    + p.length() + " (" + p + ")");
        }
        if (p.length() == 96 && (p.lo() >>> 56) != 0) {
            throw new IllegalArgumentException("bits 64-71 (the RFC 6052 u-octet) of prefix " + p + " must be zero");
        }
    }

    public Ipv6Prefix prefix() {
        return prefix;
    }

    public boolean isWellKnown() {
        return wellKnown;
    }

    /** True if the address is under this prefix with a zero u-octet (RFC 6052 §2.2). */
    public boolean matches(long hi, long lo) {
        if (!prefix.contains(hi, lo)) {
            return false;
        }
        return length == 96 || (lo >>> 56) == 0;
    }

    /**
     * RFC 6052 §2.2: true if the address lies in the prefix but its bits 64-71 (the "u" octet, which
     * "MUST be set to zero") are not zero, so it is not an IPv4-embedded address (prefixes shorter than
     * /96 only; a /96 prefix covers those bits itself).
     */
    public boolean matchesExceptUOctet(long hi, long lo) {
        return length < 96 && prefix.contains(hi, lo) && (lo >>> 56) != 0;
    }

    /** RFC 6052 §2.2: high 64 bits of the IPv6 address embedding {@code v4}. Suffix bits are zero. */
    public long embedHi(int v4) {
        long a = v4 & 0xffffffffL;
        return switch (length) {
            case 32 -> prefix.hi() | a;
            case 40 -> prefix.hi() | (a >>> 8);
            case 48 -> prefix.hi() | (a >>> 16);
            case 56 -> prefix.hi() | (a >>> 24);
            default -> prefix.hi();
        };
    }

    /** RFC 6052 §2.2: low 64 bits of the IPv6 address embedding {@code v4}; the u-octet is zero. */
    public long embedLo(int v4) {
        long a = v4 & 0xffffffffL;
        return switch (length) {
            case 32 -> 0L;
            case 40 -> (a & 0xffL) << 48;
            case 48 -> (a & 0xffffL) << 40;
            case 56 -> (a & 0xffffffL) << 32;
            case 64 -> a << 24;
            default -> prefix.lo() | a;
        };
    }

    /**
     * RFC 6052 §2.3: the IPv4 address embedded in an address that {@link #matches} this prefix; the
     * suffix "SHOULD be ignored".
     */
    public int extract(long hi, long lo) {
        return switch (length) {
            case 32 -> (int) hi;
            case 40 -> (int) (((hi & 0xffffffL) << 8) | ((lo >>> 48) & 0xffL));
            case 48 -> (int) (((hi & 0xffffL) << 16) | ((lo >>> 40) & 0xffffL));
            case 56 -> (int) (((hi & 0xffL) << 24) | ((lo >>> 32) & 0xffffffL));
            case 64 -> (int) (lo >>> 24);
            default -> (int) lo;
        };
    }

    /**
     * RFC 6052 §3.1: "The Well-Known Prefix MUST NOT be used to represent non-global IPv4
     * addresses"; translators "MUST NOT translate packets in which an address is composed of the
     * Well-Known Prefix and a non-global IPv4 address". Non-global here means the IANA IPv4
     * Special-Purpose Address Registry entries that are not globally reachable, plus multicast and
     * reserved space.
     */
    public static boolean isNonGlobalIpv4(int a) {
        int o1 = a >>> 24;
        int o2 = (a >>> 16) & 0xff;
        if (o1 == 0 || o1 == 10 || o1 == 127 || o1 >= 224) {
            return true; // 0/8 "this network", 10/8, 127/8 loopback, 224/4 multicast, 240/4 reserved, broadcast
        }
        if (o1 == 100 && (o2 & 0xc0) == 64) {
            return true; // 100.64/10 shared address space (RFC 6598)
        }
        if (o1 == 169 && o2 == 254) {
            return true; // link local
        }
        if (o1 == 172 && (o2 & 0xf0) == 16) {
            return true; // 172.16/12
        }
        if (o1 == 192 && o2 == 168) {
            return true; // 192.168/16
        }
        if ((a & 0xffffff00) == 0xc0000000) {
            // 192.0.0.0/24 IETF protocol assignments, except 192.0.0.9 and 192.0.0.10 (globally reachable)
            int last = a & 0xff;
            return last != 9 && last != 10;
        }
        if ((a & 0xffffff00) == 0xc0000200 || (a & 0xffffff00) == 0xc6336400 || (a & 0xffffff00) == 0xcb007100) {
            return true; // documentation: 192.0.2/24, 198.51.100/24, 203.0.113/24
        }
        if ((a & 0xfffe0000) == 0xc6120000) {
            return true; // 198.18/15 benchmarking
        }
        return false;
    }
}
