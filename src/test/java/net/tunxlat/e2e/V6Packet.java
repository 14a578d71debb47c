// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import net.tunxlat.mapping.Addresses;

/**
 * Builds IPv6 test packets (UDP, TCP SYN, ICMPv6 echo and errors, all with correct checksums) and reads
 * the fields the NPTv6 tests compare from captured ones. Independent of the translator's own code.
 */
final class V6Packet {
    static final int UDP = 17;
    static final int TCP = 6;
    static final int ICMPV6 = 58;

    private V6Packet() {}

    static byte[] addr(String a) {
        long[] x = Addresses.parseIpv6(a);
        return ByteBuffer.allocate(16).putLong(x[0]).putLong(x[1]).array();
    }

    static String format(byte[] p, int at) {
        ByteBuffer b = ByteBuffer.wrap(p);
        return Addresses.formatIpv6(b.getLong(at), b.getLong(at + 8));
    }

    /** IPv6 header (hop limit {@code hop}, flow label 0) followed by {@code l4}, with the L4 checksum filled in. */
    static byte[] ipv6(String src, String dst, int nh, int hop, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(40 + l4.length);
        b.putInt(0x6000_0000).putShort((short) l4.length).put((byte) nh).put((byte) hop);
        b.put(addr(src)).put(addr(dst)).put(l4);
        byte[] p = b.array();
        int at = checksumOffset(nh);
        if (at >= 0) {
            p[40 + at] = 0;
            p[40 + at + 1] = 0;
            int c = ~l4Sum(p) & 0xffff;
            if (nh == UDP && c == 0) {
                c = 0xffff;
            }
            p[40 + at] = (byte) (c >> 8);
            p[40 + at + 1] = (byte) c;
        }
        return p;
    }

    private static int checksumOffset(int nh) {
        return nh == UDP ? 6 : nh == TCP ? 16 : nh == ICMPV6 ? 2 : -1;
    }

    static byte[] udp(int sport, int dport, String payload) {
        byte[] d = payload.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + d.length).putShort((short) sport).putShort((short) dport)
                .putShort((short) (8 + d.length)).putShort((short) 0).put(d).array();
    }

    /** A TCP segment with SYN (and ACK when {@code ack}), carrying {@code payload}. */
    static byte[] tcp(int sport, int dport, boolean ack, String payload) {
        byte[] d = payload.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(20 + d.length).putShort((short) sport).putShort((short) dport)
                .putInt(0x1234_5678).putInt(ack ? 0x0bad_cafe : 0).putShort((short) (0x5000 | (ack ? 0x12 : 0x02)))
                .putShort((short) 64240).putShort((short) 0).putShort((short) 0).put(d).array();
    }

    static byte[] echo(int type, int id, int seq, String payload) {
        byte[] d = payload.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + d.length).put((byte) type).put((byte) 0).putShort((short) 0)
                .putShort((short) id).putShort((short) seq).put(d).array();
    }

    /** An ICMPv6 error message (type 1-4) quoting {@code inner}; {@code param} is the MTU or pointer word. */
    static byte[] icmpError(int type, int code, int param, byte[] inner) {
        return ByteBuffer.allocate(8 + inner.length).put((byte) type).put((byte) code).putShort((short) 0)
                .putInt(param).put(inner).array();
    }

    // ---- reading captured packets ------------------------------------------------------------------

    static String src(byte[] p) {
        return format(p, 8);
    }

    static String dst(byte[] p) {
        return format(p, 24);
    }

    static int hopLimit(byte[] p) {
        return p[7] & 0xff;
    }

    static int nextHeader(byte[] p) {
        return p[6] & 0xff;
    }

    /** True if an ICMPv6 error (types 1-4) with at least a full embedded IPv6 header. */
    static boolean isIcmpError(byte[] p) {
        return nextHeader(p) == ICMPV6 && p.length >= 40 + 8 + 40 && (p[40] & 0xff) >= 1 && (p[40] & 0xff) <= 4;
    }

    static String innerSrc(byte[] p) {
        return format(p, 48 + 8);
    }

    static String innerDst(byte[] p) {
        return format(p, 48 + 24);
    }

    /** The embedded packet of an ICMPv6 error. */
    static byte[] inner(byte[] p) {
        byte[] in = new byte[p.length - 48];
        System.arraycopy(p, 48, in, 0, in.length);
        return in;
    }

    /** True if the UDP, TCP or ICMPv6 checksum verifies (other protocols: true). */
    static boolean l4ChecksumOk(byte[] p) {
        if (checksumOffset(nextHeader(p)) < 0) {
            return true;
        }
        return l4Sum(p) == 0xffff;
    }

    /**
     * True if the transport checksum field holds exactly the pseudo-header sum of the packet's own
     * addresses and length: a checksum its sender's kernel left partial for the device to finish
     * (CHECKSUM_PARTIAL), which a veth hands on unfinished, so that a host quoting the packet in an
     * ICMP error quotes that sum.
     */
    static boolean l4ChecksumPartialOk(byte[] p) {
        int at = checksumOffset(nextHeader(p));
        if (at < 0 || p.length < 40 + at + 2) {
            return false;
        }
        int len = ((p[4] & 0xff) << 8) | (p[5] & 0xff);
        long s = 0;
        for (int i = 8; i < 40; i += 2) {
            s += ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
        }
        s += len + nextHeader(p);
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return s == (((p[40 + at] & 0xff) << 8) | (p[40 + at + 1] & 0xff));
    }

    /**
     * True if the transport checksum of an embedded packet verifies; it may be truncated, so only a
     * complete one is checked (false if incomplete).
     */
    static boolean innerComplete(byte[] p) {
        byte[] in = inner(p);
        int payload = ((in[4] & 0xff) << 8) | (in[5] & 0xff);
        return in.length >= 40 + payload;
    }

    /** One's-complement sum over the pseudo-header and the upper-layer packet (0xffff if valid). */
    static int l4Sum(byte[] p) {
        int len = Math.min(p.length - 40, ((p[4] & 0xff) << 8) | (p[5] & 0xff));
        long s = 0;
        for (int i = 8; i < 40; i += 2) {
            s += ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
        }
        s += len + nextHeader(p);
        for (int i = 40; i < 40 + len; i += 2) {
            int hi = p[i] & 0xff;
            int lo = i + 1 < 40 + len ? p[i + 1] & 0xff : 0;
            s += (hi << 8) | lo;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** True if {@code p} contains the ASCII {@code tag} anywhere. */
    static boolean contains(byte[] p, String tag) {
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + t.length <= p.length; i++) {
            for (int k = 0; k < t.length; k++) {
                if (p[i + k] != t[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** One line: addresses, protocol, ICMPv6 type/code and the embedded addresses of an error. */
    static String describe(byte[] p) {
        StringBuilder b = new StringBuilder(src(p) + " -> " + dst(p) + " hlim " + hopLimit(p));
        int nh = nextHeader(p);
        if (nh == ICMPV6 && p.length >= 44) {
            b.append(" ICMPv6 ").append(p[40] & 0xff).append('/').append(p[41] & 0xff);
            if (isIcmpError(p)) {
                b.append(" [").append(innerSrc(p)).append(" -> ").append(innerDst(p)).append(']');
            }
        } else {
            b.append(nh == UDP ? " UDP" : nh == TCP ? " TCP" : " proto " + nh);
        }
        return b.toString();
    }
}
