// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.naiveSum;

/**
 * What every packet the translator emits must satisfy, whatever it was given (the fuzz tests' oracle):
 * a well-formed IPv4 (IHL 5, Total Length = the bytes emitted, header checksum valid) or IPv6 (Payload
 * Length + 40 = the bytes emitted) packet; ICMP errors at most 576 / 1280 bytes with a valid checksum; and,
 * when the input's transport checksum was valid, a valid transport checksum in the output. Checksums are
 * recomputed here naively ({@link TestPackets#naiveSum}), independently of the translator's RFC 1624 code.
 */
final class PacketInvariants {
    private PacketInvariants() {}

    /** The transport layer of an unfragmented packet: protocol and offset, or null. */
    record Upper(int protocol, int offset, int end) {}

    /**
     * Whether {@code p[0, len)} is an unfragmented TCP, UDP or ICMP packet whose IP lengths agree and whose
     * transport checksum verifies (UDP checksum zero does not count as valid).
     */
    static boolean transportChecksumValid(byte[] p, int len) {
        Upper u = upper(p, len);
        return u != null && checksumOk(p, u, (p[0] & 0xf0) == 0x60);
    }

    /** The upper layer of an unfragmented packet whose lengths agree, or null. */
    static Upper upper(byte[] p, int len) {
        if (len < 1) {
            return null;
        }
        int version = (p[0] & 0xff) >>> 4;
        if (version == 4) {
            if (len < 20) {
                return null;
            }
            int ihl = (p[0] & 0x0f) * 4;
            int total = u16(p, 2);
            if (ihl < 20 || total < ihl || total > len || (u16(p, 6) & 0x3fff) != 0) {
                return null;
            }
            return new Upper(p[9] & 0xff, ihl, total);
        }
        if (version == 6) {
            if (len < 40) {
                return null;
            }
            int end = 40 + u16(p, 4);
            if (end > len || u16(p, 4) == 0) {
                return null;
            }
            int nh = p[6] & 0xff;
            int q = 40;
            while (nh == 0 || nh == 43 || nh == 60 || nh == 44) {
                if (q + 8 > end) {
                    return null;
                }
                if (nh == 44) {
                    if ((u16(p, q + 2) & 0xfff9) != 0) {
                        return null; // a real fragment (offset or M set)
                    }
                    nh = p[q] & 0xff;
                    q += 8;
                } else {
                    if (nh == 43 && (p[q + 3] & 0xff) != 0) {
                        return null; // segments left: the pseudo-header uses another destination
                    }
                    int l = ((p[q + 1] & 0xff) + 1) * 8;
                    nh = p[q] & 0xff;
                    q += l;
                }
            }
            return q <= end ? new Upper(nh, q, end) : null;
        }
        return null;
    }

    private static boolean checksumOk(byte[] p, Upper u, boolean v6) {
        int length = u.end - u.offset;
        int proto = u.protocol;
        long sum;
        if (proto == 6) {
            if (length < 20) {
                return false;
            }
        } else if (proto == 17) {
            if (length < 8 || u16(p, u.offset + 6) == 0) {
                return false;
            }
        } else if (proto == 1 || proto == 58) {
            if (length < 8 || (proto == 1) == v6) {
                return false;
            }
        } else {
            return false;
        }
        if (proto == 1) {
            return naiveSum(p, u.offset, u.end) == 0xffff;
        }
        if (v6) {
            sum = naiveSum(p, 8, 40) + (length >>> 16) + (length & 0xffff) + proto;
        } else {
            sum = naiveSum(p, 12, 20) + length + proto;
        }
        sum += naiveSum(p, u.offset, u.end);
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return sum == 0xffff;
    }

    /**
     * Checks one emitted packet; {@code inputValid} says whether the input's transport checksum verified.
     * Returns null, or what is wrong.
     */
    static String check(byte[] p, boolean inputValid) {
        return check(p, inputValid, false);
    }

    /**
     * As {@link #check(byte[], boolean)}; {@code forwarded} for NPTv6, which rewrites like a router and passes
     * on what it does not understand (an ICMPv6 error type it does not know, say) with whatever checksum it
     * had: then ICMP checksums are held to the input's, like any other.
     */
    static String check(byte[] p, boolean inputValid, boolean forwarded) {
        if (p.length < 1) {
            return "empty packet emitted";
        }
        int version = (p[0] & 0xff) >>> 4;
        if (version == 4) {
            if (p.length < 20) {
                return "IPv4 packet of " + p.length + " bytes";
            }
            if ((p[0] & 0x0f) != 5) {
                return "IPv4 IHL " + (p[0] & 0x0f) + " (the translator writes no options)";
            }
            if (u16(p, 2) != p.length) {
                return "IPv4 Total Length " + u16(p, 2) + " but " + p.length + " bytes emitted";
            }
            if (naiveSum(p, 0, 20) != 0xffff) {
                return "IPv4 header checksum wrong";
            }
            if ((p[9] & 0xff) == 1 && p.length >= 21 && isError4(p[20] & 0xff) && (u16(p, 6) & 0x3fff) == 0) {
                if (p.length > Translator.ICMP4_ERROR_MAX) {
                    return "ICMPv4 error of " + p.length + " bytes";
                }
                if (naiveSum(p, 20, p.length) != 0xffff) {
                    return "ICMPv4 error checksum wrong";
                }
                return null;
            }
        } else if (version == 6) {
            if (p.length < 40) {
                return "IPv6 packet of " + p.length + " bytes";
            }
            if (u16(p, 4) + 40 != p.length) {
                return "IPv6 Payload Length " + u16(p, 4) + " but " + p.length + " bytes emitted";
            }
            if ((p[6] & 0xff) == 58 && p.length >= 41 && (p[40] & 0xff) < 128 && !forwarded) {
                if (p.length > Translator.ICMP6_ERROR_MAX) {
                    return "ICMPv6 error of " + p.length + " bytes";
                }
                if (!checksumOk(p, new Upper(58, 40, p.length), true)) {
                    return "ICMPv6 error checksum wrong";
                }
                return null;
            }
        } else {
            return "IP version " + version + " emitted";
        }
        if (inputValid) {
            Upper u = upper(p, p.length);
            if (u != null && (u.protocol == 6 || u.protocol == 17 || u.protocol == 1 || u.protocol == 58)
                    && !checksumOk(p, u, version == 6)) {
                return "transport checksum wrong although the input's was valid";
            }
        }
        return null;
    }

    private static boolean isError4(int type) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    static int u16(byte[] p, int i) {
        return ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
    }
}
