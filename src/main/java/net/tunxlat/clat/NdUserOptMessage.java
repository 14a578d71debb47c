// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.net.Inet6Address;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One {@code RTM_NEWNDUSEROPT} netlink message: the ND options of a router advertisement that the kernel does
 * not handle itself and passes to user space (RDNSS, DNSSL, captive portal and, since Linux 5.7, PREF64), with
 * the interface and the router it came from.
 *
 * <p>Layout ({@code <linux/netlink.h>}, {@code <linux/rtnetlink.h>}; integers in host byte order):
 * <pre>
 *   struct nlmsghdr     { u32 nlmsg_len; u16 nlmsg_type; u16 nlmsg_flags; u32 nlmsg_seq; u32 nlmsg_pid; }   16 bytes
 *   struct nduseroptmsg { u8 family; u8 pad1; u16 opts_len; s32 ifindex; u8 icmp_type; u8 icmp_code;
 *                         u16 pad2; u32 pad3; }                                                              16 bytes
 *   opts_len bytes of ND options (RFC 4861 §4.6: type, length in units of 8 octets, data)
 *   struct rtattr       { u16 rta_len; u16 rta_type; } NDUSEROPT_SRCADDR (1): the RA's IPv6 source address
 * </pre>
 * The kernel ({@code net/ipv6/ndisc.c}, {@code ndisc_ra_useropt}) sends one message per option, but this
 * parser takes any number of options in {@code opts_len}.
 *
 * @param ifIndex  the interface the advertisement arrived on
 * @param icmpType the ICMPv6 type of the message that carried the options (134, router advertisement)
 * @param icmpCode its ICMPv6 code
 * @param options  the ND options, as on the wire
 * @param source   the advertisement's IPv6 source address (the router's link-local address, with
 *                 {@code ifIndex} as its scope), or null when the kernel left the attribute out
 */
public record NdUserOptMessage(int ifIndex, int icmpType, int icmpCode, byte[] options, Inet6Address source) {
    /** {@code <linux/rtnetlink.h>}: RTM_NEWNDUSEROPT. */
    public static final int RTM_NEWNDUSEROPT = 68;
    /** {@code <linux/rtnetlink.h>}: the multicast group of ND user options. */
    public static final int RTNLGRP_ND_USEROPT = 20;
    /** {@code <linux/rtnetlink.h>}: NDUSEROPT_SRCADDR, the attribute with the advertisement's source address. */
    public static final int NDUSEROPT_SRCADDR = 1;
    /** ICMPv6 type of a router advertisement (RFC 4861 §4.2). */
    public static final int ICMPV6_ROUTER_ADVERTISEMENT = 134;

    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLMSG_OVERRUN = 4;
    static final int NLMSGHDR_SIZE = 16;
    static final int NLMSG_LEN_OFFSET = 0;
    static final int NLMSG_TYPE_OFFSET = 4;
    static final int NDUSEROPTMSG_SIZE = 16;
    static final int FAMILY_OFFSET = 0;
    static final int OPTS_LEN_OFFSET = 2;
    static final int IFINDEX_OFFSET = 4;
    static final int ICMP_TYPE_OFFSET = 8;
    static final int ICMP_CODE_OFFSET = 9;
    static final int RTA_HEADER_SIZE = 4;
    static final int AF_INET6 = 10;

    /** What one receive held: the messages, and how many netlink messages were skipped as malformed or foreign. */
    public record Batch(List<NdUserOptMessage> messages, int malformed) {}

    /**
     * The {@code RTM_NEWNDUSEROPT} messages in {@code length} bytes of one netlink receive. Other message types
     * (none are expected on the group) are passed over; a message that does not fit its own lengths, or is not
     * {@code AF_INET6}, is counted in {@link Batch#malformed} and passed over.
     */
    public static Batch parseAll(byte[] buf, int length) {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, length).order(ByteOrder.nativeOrder());
        List<NdUserOptMessage> out = new ArrayList<>();
        int malformed = 0;
        int at = 0;
        while (length - at >= NLMSGHDR_SIZE) {
            int len = b.getInt(at + NLMSG_LEN_OFFSET);
            int type = b.getShort(at + NLMSG_TYPE_OFFSET) & 0xffff;
            if (len < NLMSGHDR_SIZE || len > length - at) {
                malformed++;
                break; // the rest of the buffer cannot be framed
            }
            if (type == RTM_NEWNDUSEROPT) {
                NdUserOptMessage m = parsePayload(b, at + NLMSGHDR_SIZE, len - NLMSGHDR_SIZE);
                if (m == null) {
                    malformed++;
                } else {
                    out.add(m);
                }
            }
            at += align(len);
        }
        return new Batch(out, malformed);
    }

    /** The nduseroptmsg at {@code b[off]}, {@code len} bytes with its options and attributes; null if malformed. */
    static NdUserOptMessage parsePayload(ByteBuffer b, int off, int len) {
        if (len < NDUSEROPTMSG_SIZE || (b.get(off + FAMILY_OFFSET) & 0xff) != AF_INET6) {
            return null;
        }
        int optsLen = b.getShort(off + OPTS_LEN_OFFSET) & 0xffff;
        int ifIndex = b.getInt(off + IFINDEX_OFFSET);
        int icmpType = b.get(off + ICMP_TYPE_OFFSET) & 0xff;
        int icmpCode = b.get(off + ICMP_CODE_OFFSET) & 0xff;
        if (NDUSEROPTMSG_SIZE + optsLen > len) {
            return null;
        }
        byte[] options = new byte[optsLen];
        b.get(off + NDUSEROPTMSG_SIZE, options);
        Inet6Address source = null;
        int at = align(NDUSEROPTMSG_SIZE + optsLen);
        while (len - at >= RTA_HEADER_SIZE) {
            int rtaLen = b.getShort(off + at) & 0xffff;
            int rtaType = b.getShort(off + at + 2) & 0xffff;
            if (rtaLen < RTA_HEADER_SIZE || rtaLen > len - at) {
                return null;
            }
            if (rtaType == NDUSEROPT_SRCADDR && rtaLen == RTA_HEADER_SIZE + 16) {
                byte[] addr = new byte[16];
                b.get(off + at + RTA_HEADER_SIZE, addr);
                try {
                    source = Inet6Address.getByAddress(null, addr, ifIndex);
                } catch (UnknownHostException e) {
                    throw new AssertionError("16 bytes are an IPv6 address", e);
                }
            }
            at += align(rtaLen);
        }
        return new NdUserOptMessage(ifIndex, icmpType, icmpCode, options, source);
    }

    /**
     * The ND options of type {@code type} in {@link #options} (RFC 4861 §4.6), each as {@code [offset, length]}
     * in bytes. Walking stops at an option with length 0 or one running past the end (RFC 4861 §4.6: "Nodes MUST
     * silently discard an ND packet that contains an option with length zero"; the kernel has checked that
     * already).
     */
    public List<int[]> optionsOfType(int type) {
        return walk(type);
    }

    /** How many ND options {@link #options} holds (walked as {@link #optionsOfType} walks them). */
    public int optionCount() {
        return walk(-1).size();
    }

    /** The options of {@code type}, or all of them for -1. */
    private List<int[]> walk(int type) {
        List<int[]> found = new ArrayList<>();
        int at = 0;
        while (options.length - at >= 2) {
            int len = (options[at + 1] & 0xff) * 8;
            if (len == 0 || len > options.length - at) {
                break;
            }
            if (type < 0 || (options[at] & 0xff) == type) {
                found.add(new int[] {at, len});
            }
            at += len;
        }
        return found;
    }

    /** NLMSG_ALIGN / RTA_ALIGN: 4 bytes. */
    static int align(int len) {
        return (len + 3) & ~3;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NdUserOptMessage m && ifIndex == m.ifIndex && icmpType == m.icmpType && icmpCode == m.icmpCode
                && Arrays.equals(options, m.options) && Objects.equals(source, m.source);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(options) + ifIndex;
    }

    @Override
    public String toString() {
        return "ND user options from " + source + " on ifindex " + ifIndex + " (ICMPv6 type " + icmpType + ", "
                + options.length + " bytes)";
    }
}
