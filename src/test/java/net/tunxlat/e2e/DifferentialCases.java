// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.Expect.Fields.SENT_UDP_MD5;
import static net.tunxlat.e2e.Expect.Fields.where;
import static net.tunxlat.e2e.Probe.Host.V4;
import static net.tunxlat.e2e.Probe.Host.V6;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import net.tunxlat.e2e.Expect.Fields;
import net.tunxlat.e2e.Probe.Host;

/**
 * The crafted packets of {@link DifferentialTaygaIT}, each with what RFC 7915 (and the RFCs it
 * relies on) requires to arrive. Packets are described as JSON for {@code xlat_probe.py}; field names
 * in the expectations are the probe's ({@code ip.*}, {@code udp.*}, {@code icmp.*}/{@code icmp6.*},
 * {@code frag.*}, {@code in.*} for the packet inside an ICMP error, {@code r.*} after reassembly).
 *
 * <p>Addresses (see {@link TestBed}): the IPv6 host {@value #H6} is {@value #M4} to the IPv4 side
 * (static map); the IPv4 host {@value #H4} is {@value #P6H4} to the IPv6 side (prefix); an IPv4 router
 * {@value #R4} appears as {@value #P6R4}; an IPv6 router {@value #R6} has no IPv4 mapping (RFC 6791).
 * Every packet leaves its host with TTL / hop limit 64 unless said otherwise; the translator
 * namespace's kernel forwards it twice (into and out of the TUN device) and the translator
 * decrements once more, so a translated packet arrives with 61.
 */
final class DifferentialCases {
    static final String H6 = TestBed.IPV6_HOST;
    static final String H4 = TestBed.IPV4_HOST;
    static final String M4 = TestBed.IPV6_HOST_MAPPED;
    static final String P6H4 = "2001:db8:64::cb00:7102";
    static final String R4 = "203.0.113.77";
    static final String P6R4 = "2001:db8:64::cb00:714d";
    static final String R6 = "2001:db8:6::77";
    static final String X4 = TestBed.TRANSLATOR_IPV4;
    static final String X6 = TestBed.TRANSLATOR_IPV6;
    /** The translator namespace's own IPv4 address (203.0.113.1) in the prefix: where its kernel's ICMPv4 errors appear from. */
    static final String P6GW4 = "2001:db8:64::cb00:7101";

    /**
     * One crafted case.
     *
     * @param name    short identifier (also the probe's)
     * @param section the RFC section that decides it
     * @param sent    what is sent, in words
     * @param from    the host it is sent from
     * @param packets the packet specs for the probe
     * @param expect  what must arrive
     */
    record Case(String name, String section, String sent, Host from, List<Map<String, Object>> packets, Expect expect) {}

    private final List<Case> cases = new ArrayList<>();

    static List<Case> all() {
        DifferentialCases c = new DifferentialCases();
        c.fromIpv4Side();
        c.icmpv4Errors();
        c.fromIpv6Side();
        c.icmpv6Errors();
        c.taygaParity();
        return List.copyOf(c.cases);
    }

    private void add(String name, String section, String sent, Host from, Map<String, Object> packet, Expect expect) {
        cases.add(new Case(name, section, sent, from, List.of(packet), expect));
    }

    // ---- packet specs ---------------------------------------------------------------------------

    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> ip4(String src, String dst, Map<String, Object> l4, Object... extra) {
        Map<String, Object> m = obj("ip", 4, "src", src, "dst", dst, "l4", l4);
        m.putAll(obj(extra));
        return m;
    }

    private static Map<String, Object> ip6(String src, String dst, Map<String, Object> l4, Object... extra) {
        Map<String, Object> m = obj("ip", 6, "src", src, "dst", dst, "l4", l4);
        m.putAll(obj(extra));
        return m;
    }

    private static Map<String, Object> udp(int sport, int dport, int size, Object... extra) {
        Map<String, Object> u = obj("sport", sport, "dport", dport, "size", size);
        u.putAll(obj(extra));
        return obj("udp", u);
    }

    private static Map<String, Object> echo(int id) {
        return obj("echo", obj("id", id, "seq", 1, "size", 32));
    }

    private static Map<String, Object> icmp(int type, int code, long rest, Map<String, Object> inner, Object... extra) {
        Map<String, Object> e = obj("type", type, "code", code, "rest", rest, "inner", inner);
        e.putAll(obj(extra));
        return obj("icmp_error", e);
    }

    private static Map<String, Object> icmpInfo(int type, int code, int size) {
        return obj("icmp_info", obj("type", type, "code", code, "size", size));
    }

    private static List<Object> range(int start, int end, boolean more) {
        return List.of(start, end, more);
    }

    /** The packet an ICMPv4 error from the IPv4 side quotes: UDP the IPv6 host sent, as translated. */
    private static Map<String, Object> quoted4(int dport, int size, Object... extra) {
        Map<String, Object> m = ip4(M4, H4, udp(5000, dport, size), "ttl", 63, "id", 0x1111);
        m.putAll(obj(extra));
        return m;
    }

    /** The packet an ICMPv6 error from the IPv6 side quotes: UDP the IPv4 host sent, as translated. */
    private static Map<String, Object> quoted6(int dport, int size) {
        return ip6(P6H4, H6, udp(5000, dport, size), "hlim", 63);
    }

    // ---- expectation helpers --------------------------------------------------------------------

    /** A translated IPv4→IPv6 packet's outer header. */
    private static Fields out6(String src) {
        return where().eq("ip.v", 6).eq("ip.src", src).eq("ip.dst", H6).eq("ip.hlim", 61).eq("ip.fl", 0);
    }

    /** A translated IPv6→IPv4 packet's outer header. */
    private static Fields out4(String src) {
        return where().eq("ip.v", 4).eq("ip.src", src).eq("ip.dst", H4).eq("ip.ttl", 61).eq("ip.ihl", 20)
                .eq("ip.hcs_ok", "yes");
    }

    /**
     * An ICMPv6 error translated from an ICMPv4 one about a quoted4() packet: §4.2 type/code and
     * checksum, §4.3 inner header translated with its TTL kept as the hop limit.
     */
    private static Fields err6(String src, int type, int code) {
        return err6(src, type, code, 63);
    }

    private static Fields err6(String src, int type, int code, int innerHopLimit) {
        return out6(src).eq("icmp6.type", type).eq("icmp6.code", code).eq("icmp6.cksum_ok", "yes")
                .eq("in.ip.v", 6).eq("in.ip.src", H6).eq("in.ip.dst", P6H4).eq("in.ip.hlim", innerHopLimit);
    }

    /**
     * An ICMPv4 error translated from an ICMPv6 one about a quoted6() packet: §5.2 type/code and
     * checksum, §5.1 DF clear (the message is at most 1260 bytes), §5.3 inner header translated with
     * its hop limit kept as the TTL and DF set as §5.1 says for its (quoted) total length.
     */
    private static Fields err4(String src, int type, int code) {
        return err4(src, type, code, 0);
    }

    private static Fields err4(String src, int type, int code, int innerDf) {
        return out4(src).eq("ip.df", 0).eq("icmp.type", type).eq("icmp.code", code).eq("icmp.cksum_ok", "yes")
                .eq("in.ip.v", 4).eq("in.ip.src", H4).eq("in.ip.dst", M4).eq("in.ip.ttl", 63).eq("in.ip.hcs_ok", "yes")
                .eq("in.ip.df", innerDf);
    }

    private static Expect only(Host at, Fields f) {
        return Expect.that().exactly(at, 1, f).none(at == V6 ? V4 : V6);
    }

    private static Expect nothing() {
        return Expect.that().none(V6).none(V4);
    }

    // ---- IPv4 host -> IPv6 host -----------------------------------------------------------------

    private void fromIpv4Side() {
        add("v4_udp", "§4.1, §4.5", "UDP, 100 B, TOS 0x28, DF=0", V4,
                ip4(H4, M4, udp(40001, 5000, 100), "id", 0x4001, "tos", 0x28),
                only(V6, out6(P6H4).eq("ip.tc", 40).eq("ip.exts", "-").eq("ip.nh", 17).eq("ip.plen", 108)
                        .eq("udp.cksum_ok", "yes").eq("udp.md5", SENT_UDP_MD5)));
        add("v4_echo", "§4.2", "ICMPv4 echo request", V4, ip4(H4, M4, echo(0x4002)),
                only(V6, out6(P6H4).eq("icmp6.type", 128).eq("icmp6.code", 0).eq("icmp6.cksum_ok", "yes")
                        .eq("icmp6.id", 0x4002).eq("icmp6.seq", 1)));
        add("v4_df_1400", "§4 (Fragment Header only if the IPv4 packet is a fragment)", "UDP, total 1400, DF=1", V4,
                ip4(H4, M4, udp(40003, 5000, 1372), "id", 0x4003, "df", true),
                only(V6, out6(P6H4).eq("ip.exts", "-").eq("len", 1420).eq("udp.cksum_ok", "yes")));
        add("v4_nodf_1400", "§4, §4.1 (DF=0: fit 1280-byte IPv6 packets)", "UDP, total 1400, DF=0, unfragmented", V4,
                ip4(H4, M4, udp(40004, 5000, 1372), "id", 0x4004),
                Expect.that().atLeast(V6, 2, out6(P6H4).eq("ip.nh", 44).eq("frag.nh", 17).eq("frag.id", "0x00004004")
                                .atMost("len", 1280))
                        .reassembled(V6, where().eq("r.complete", "yes").eq("r.udp.cksum_ok", "yes")
                                .eq("r.udp.md5", SENT_UDP_MD5).eq("r.bytes", 1380))
                        .none(V4));
        Fields frag6 = out6(P6H4).eq("ip.nh", 44).eq("frag.nh", 17).eq("frag.id", "0x00004005");
        add("v4_fragments", "§4.1 (Fragment Header: offset, M, identification copied)",
                "UDP 608 B in 3 IPv4 fragments (first, middle, last), id 0x4005", V4,
                ip4(H4, M4, udp(40005, 5000, 600), "id", 0x4005,
                        "fragments", List.of(range(0, 200, true), range(200, 400, true), range(400, 608, false))),
                Expect.that().exactlyThese(V6, List.of(
                                copy(frag6).eq("frag.off", 0).eq("frag.m", 1).eq("ip.plen", 208),
                                copy(frag6).eq("frag.off", 25).eq("frag.m", 1).eq("ip.plen", 208),
                                copy(frag6).eq("frag.off", 50).eq("frag.m", 0).eq("ip.plen", 216)))
                        .reassembled(V6, where().eq("r.complete", "yes").eq("r.udp.cksum_ok", "yes")
                                .eq("r.udp.md5", SENT_UDP_MD5))
                        .none(V4));
        add("v4_df_too_big", "§4.1 (DF set, next-hop MTU < total length + 20: Fragmentation Needed)",
                "UDP, total 1500, DF=1 (1520 as IPv6, IPv6 link MTU 1500)", V4,
                ip4(H4, M4, udp(40006, 5000, 1472), "id", 0x4006, "df", true),
                only(V4, where().eq("ip.v", 4).eq("ip.dst", H4).eq("ip.hcs_ok", "yes").eq("icmp.type", 3)
                        .eq("icmp.code", 4).eq("icmp.mtu", 1480).eq("icmp.cksum_ok", "yes").eq("in.ip.src", H4)
                        .eq("in.ip.dst", M4).eq("in.ip.proto", 17).eq("in.udp.sport", 40006)));
        add("v4_ttl_1_at_translator", "§4.1 (TTL: MUST check for zero and send Time Exceeded)",
                "UDP with TTL 2 (reaches the translator with 1)", V4,
                ip4(H4, M4, udp(40007, 5000, 32), "ttl", 2),
                only(V4, where().eq("ip.v", 4).eq("ip.src", X4).eq("ip.dst", H4).eq("ip.hcs_ok", "yes")
                        .eq("icmp.type", 11).eq("icmp.code", 0).eq("icmp.cksum_ok", "yes").eq("in.ip.src", H4)
                        .eq("in.ip.dst", M4).eq("in.udp.sport", 40007)));
        add("v4_ttl_expires_beyond", "§5.2 (ICMPv6 Time Exceeded back to ICMPv4), RFC 6791",
                "UDP with TTL 3 (hop limit 1 after the translator: the next IPv6 router answers)", V4,
                ip4(H4, M4, udp(40008, 5000, 32), "ttl", 3),
                only(V4, where().eq("ip.v", 4).eq("ip.src", X4).eq("ip.dst", H4).eq("ip.hcs_ok", "yes").eq("ip.df", 0)
                        .eq("icmp.type", 11).eq("icmp.code", 0).eq("icmp.cksum_ok", "yes").eq("in.ip.src", H4)
                        .eq("in.ip.dst", M4).eq("in.udp.sport", 40008)));
        add("v4_udp_zero_checksum", "§4.5 (unfragmented UDP checksum 0: drop or compute)",
                "UDP, checksum 0, unfragmented", V4, ip4(H4, M4, udp(40009, 5000, 64, "cksum", 0)),
                Expect.either(
                        Expect.that().none(V6).anyNumber(V4, where().eq("icmp.type", 3).eq("icmp.code", 13)),
                        only(V6, out6(P6H4).eq("udp.cksum_ok", "yes").eq("udp.md5", SENT_UDP_MD5))));
        add("v4_udp_zero_checksum_fragment", "§4.5 (first fragment with UDP checksum 0: SHOULD drop)",
                "first fragment (MF) of a UDP datagram with checksum 0", V4,
                ip4(H4, M4, udp(40010, 5000, 600, "cksum", 0), "id", 0x400a,
                        "fragments", List.of(range(0, 304, true))),
                Expect.that().none(V6).anyNumber(V4, where().eq("icmp.type", 3).eq("icmp.code", 13)));
        add("v4_options", "§4.1 (IPv4 options ignored)", "UDP with a Record Route option (IHL 8)", V4,
                ip4(H4, M4, udp(40011, 5000, 100), "options", "rr"),
                only(V6, out6(P6H4).eq("ip.exts", "-").eq("ip.nh", 17).eq("ip.plen", 108).eq("udp.cksum_ok", "yes")
                        .eq("udp.md5", SENT_UDP_MD5)));
        add("v4_source_route", "§4.1 (unexpired source route: MUST discard, SHOULD send 3/5)",
                "UDP with an unexpired LSRR option", V4, ip4(H4, M4, udp(40012, 5000, 100), "options", "lsrr"),
                only(V4, where().eq("ip.v", 4).eq("ip.dst", H4).eq("icmp.type", 3).eq("icmp.code", 5)
                        .eq("icmp.cksum_ok", "yes").eq("in.ip.src", H4).eq("in.ip.dst", M4)));
        add("v4_timestamp", "§4.2 (Timestamp: silently drop)", "ICMPv4 Timestamp request", V4,
                ip4(H4, M4, icmpInfo(13, 0, 12)), nothing());
    }

    // ---- ICMPv4 errors from the IPv4 side about a translated flow --------------------------------

    private void icmpv4Errors() {
        add("v4_err_port_unreachable", "§4.2, §4.3", "ICMPv4 3/3 from the IPv4 host, quoting a whole UDP datagram", V4,
                ip4(H4, M4, icmp(3, 3, 0, quoted4(40013, 20))),
                only(V6, err6(P6H4, 1, 4).eq("ip.plen", 76).eq("in.ip.nh", 17).eq("in.ip.plen", 28)
                        .eq("in.udp.cksum_ok", "yes").eq("in.udp.sport", 5000).eq("in.udp.dport", 40013)));
        add("v4_err_net_unreachable", "§4.2 (3/0 -> 1/0)", "ICMPv4 3/0 from an IPv4 router", V4,
                ip4(R4, M4, icmp(3, 0, 0, quoted4(40014, 20))), only(V6, err6(P6R4, 1, 0)));
        add("v4_err_host_unreachable_echo", "§4.2, §4.3 (inner ICMP echo becomes ICMPv6 echo)",
                "ICMPv4 3/1 quoting an echo request", V4,
                ip4(R4, M4, icmp(3, 1, 0, ip4(M4, H4, echo(0x4015), "ttl", 63))),
                only(V6, err6(P6R4, 1, 0).eq("in.ip.nh", 58).eq("in.icmp6.type", 128).eq("in.icmp6.cksum_ok", "yes")));
        add("v4_err_protocol_unreachable", "§4.2 (3/2 -> Parameter Problem 4/1, pointer 6)", "ICMPv4 3/2", V4,
                ip4(H4, M4, icmp(3, 2, 0, quoted4(40016, 20))), only(V6, err6(P6H4, 4, 1).eq("icmp6.ptr", 6)));
        add("v4_err_admin_prohibited", "§4.2 (3/13 -> 1/1)", "ICMPv4 3/13", V4,
                ip4(R4, M4, icmp(3, 13, 0, quoted4(40017, 20))), only(V6, err6(P6R4, 1, 1)));
        add("v4_err_precedence_violation", "§4.2 (3/14: silently drop)", "ICMPv4 3/14", V4,
                ip4(R4, M4, icmp(3, 14, 0, quoted4(40018, 20))), nothing());
        add("v4_err_frag_needed_1400", "§4.2 (3/4 -> PTB, MTU min(1400+20, 1500, ...))",
                "ICMPv4 3/4 MTU 1400 quoting 548 B of a 1480-byte DF datagram", V4,
                ip4(R4, M4, icmp(3, 4, 1400, quoted4(40019, 1452, "df", true), "quote", 548)),
                only(V6, err6(P6R4, 2, 0).eq("icmp6.mtu", 1420).eq("in.ip.exts", "-").eq("in.ip.plen", 1460)));
        add("v4_err_frag_needed_1492", "§4.2 (MTU = min(advertised+20, IPv6 next-hop MTU 1500, ...))",
                "ICMPv4 3/4 MTU 1492 quoting a 1500-byte DF datagram", V4,
                ip4(R4, M4, icmp(3, 4, 1492, quoted4(40020, 1472, "df", true), "quote", 548)),
                only(V6, err6(P6R4, 2, 0).eq("icmp6.mtu", 1500)));
        add("v4_err_frag_needed_mtu0", "§4.2 (MTU 0: plateau below the quoted length), §6 (never below 1280)",
                "ICMPv4 3/4 MTU 0 quoting a 1480-byte DF datagram", V4,
                ip4(R4, M4, icmp(3, 4, 0, quoted4(40021, 1452, "df", true), "quote", 548)),
                only(V6, err6(P6R4, 2, 0).eq("icmp6.mtu", 1280)));
        add("v4_err_time_exceeded", "§4.2 (11/0 -> 3/0), §4.3 (inner TTL kept)", "ICMPv4 11/0 from a router, inner TTL 1",
                V4, ip4(R4, M4, icmp(11, 0, 0, quoted4(40022, 20, "ttl", 1))),
                only(V6, err6(P6R4, 3, 0, 1)));
        add("v4_err_reassembly_time_exceeded", "§4.2 (11/1 -> 3/1)", "ICMPv4 11/1", V4,
                ip4(H4, M4, icmp(11, 1, 0, quoted4(40023, 20))), only(V6, err6(P6H4, 3, 1)));
        add("v4_err_param_problem_ttl", "§4.2 Figure 3 (pointer 8 -> 7)", "ICMPv4 12/0 pointer 8", V4,
                ip4(R4, M4, icmp(12, 0, 8L << 24, quoted4(40024, 20))), only(V6, err6(P6R4, 4, 0).eq("icmp6.ptr", 7)));
        add("v4_err_param_problem_source", "§4.2 Figure 3 (pointer 12 -> 8)", "ICMPv4 12/0 pointer 12", V4,
                ip4(R4, M4, icmp(12, 0, 12L << 24, quoted4(40025, 20))), only(V6, err6(P6R4, 4, 0).eq("icmp6.ptr", 8)));
        add("v4_err_param_problem_bad_length", "§4.2 (12/2 -> 4/0, pointer 2 -> 4)", "ICMPv4 12/2 pointer 2", V4,
                ip4(R4, M4, icmp(12, 2, 2L << 24, quoted4(40026, 20))), only(V6, err6(P6R4, 4, 0).eq("icmp6.ptr", 4)));
        add("v4_err_param_problem_id", "§4.2 Figure 3 (pointer 4 is n/a: silently drop)", "ICMPv4 12/0 pointer 4", V4,
                ip4(R4, M4, icmp(12, 0, 4L << 24, quoted4(40027, 20))), nothing());
        add("v4_err_param_problem_missing_option", "§4.2 (12/1: silently drop)", "ICMPv4 12/1", V4,
                ip4(R4, M4, icmp(12, 1, 0, quoted4(40028, 20))), nothing());
        add("v4_err_inside_err", "§4.3 (stop at the first embedded header: drop)",
                "ICMPv4 3/3 quoting an ICMPv4 3/3 about UDP", V4,
                ip4(R4, M4, icmp(3, 3, 0, ip4(M4, H4, icmp(3, 3, 0, ip4(H4, M4, udp(5000, 40029, 20))), "ttl", 63))),
                nothing());
        add("v4_err_rfc4884", "§4.2 (RFC 4884 extension: length attribute adjusted)",
                "ICMPv4 11/0 with an RFC 4884 extension (MPLS object)", V4,
                ip4(R4, M4, icmp(11, 0, 0, quoted4(40030, 20), "rfc4884", true)),
                only(V6, err6(P6R4, 3, 0).atLeast("icmp6.len4884", 16).eq("ext.ver", 2).eq("ext.len", 12)
                        .eq("ext.cksum_ok", "yes")));
        add("v4_err_large", "§4.3, RFC 4443 §2.4(c) (an ICMPv6 error fits in 1280 bytes)",
                "ICMPv4 3/3 of 1500 bytes quoting a whole 1472-byte datagram", V4,
                ip4(H4, M4, icmp(3, 3, 0, quoted4(40031, 1444))),
                only(V6, err6(P6H4, 1, 4).atMost("len", 1280)));
    }

    // ---- IPv6 host -> IPv4 host -----------------------------------------------------------------

    private void fromIpv6Side() {
        add("v6_udp", "§5.1, §5.5", "UDP, 100 B, traffic class 0x28", V6,
                ip6(H6, P6H4, udp(40101, 5000, 100), "tc", 0x28),
                only(V4, out4(M4).eq("ip.tos", 40).eq("ip.proto", 17).eq("ip.len", 128).eq("ip.df", 0).eq("ip.mf", 0)
                        .eq("ip.off", 0).eq("udp.cksum_ok", "yes").eq("udp.md5", SENT_UDP_MD5)));
        add("v6_echo", "§5.2", "ICMPv6 echo request", V6, ip6(H6, P6H4, echo(0x6002)),
                only(V4, out4(M4).eq("ip.df", 0).eq("icmp.type", 8).eq("icmp.code", 0).eq("icmp.cksum_ok", "yes")
                        .eq("icmp.id", 0x6002).eq("icmp.seq", 1)));
        add("v6_udp_1420", "§5.1 (DF set above 1260 bytes)", "UDP, IPv6 total 1420", V6,
                ip6(H6, P6H4, udp(40103, 5000, 1372)),
                only(V4, out4(M4).eq("ip.len", 1400).eq("ip.df", 1).eq("udp.cksum_ok", "yes")));
        Fields frag4 = out4(M4).eq("ip.proto", 17).eq("ip.df", 0).eq("ip.id", 0x6033);
        add("v6_fragments", "§5.1.1 (Identification low 16 bits, MF and offset copied, DF 0)",
                "UDP 608 B in 3 IPv6 fragments, id 0xabcd6033", V6,
                ip6(H6, P6H4, udp(40104, 5000, 600), "id", 0xabcd6033L,
                        "fragments", List.of(range(0, 200, true), range(200, 400, true), range(400, 608, false))),
                Expect.that().exactlyThese(V4, List.of(
                                copy(frag4).eq("ip.off", 0).eq("ip.mf", 1).eq("ip.len", 220),
                                copy(frag4).eq("ip.off", 25).eq("ip.mf", 1).eq("ip.len", 220),
                                copy(frag4).eq("ip.off", 50).eq("ip.mf", 0).eq("ip.len", 228)))
                        .reassembled(V4, where().eq("r.complete", "yes").eq("r.udp.cksum_ok", "yes")
                                .eq("r.udp.md5", SENT_UDP_MD5))
                        .none(V6));
        add("v6_atomic_fragment", "§5.1.1 (Fragment Header offset 0, M 0)", "UDP with an atomic Fragment Header, id 0x12345678",
                V6, ip6(H6, P6H4, udp(40105, 5000, 100), "id", 0x12345678, "atomic", true),
                only(V4, out4(M4).eq("ip.id", 0x5678).eq("ip.df", 0).eq("ip.mf", 0).eq("ip.off", 0).eq("ip.len", 128)
                        .eq("udp.cksum_ok", "yes")));
        add("v6_hop_limit_1_at_translator", "§5.1 (Hop Limit: MUST check for zero and send Hop Limit Exceeded)",
                "UDP with hop limit 2 (reaches the translator with 1)", V6,
                ip6(H6, P6H4, udp(40106, 5000, 32), "hlim", 2),
                only(V6, where().eq("ip.v", 6).eq("ip.src", X6).eq("ip.dst", H6).eq("icmp6.type", 3).eq("icmp6.code", 0)
                        .eq("icmp6.cksum_ok", "yes").eq("in.ip.src", H6).eq("in.ip.dst", P6H4).eq("in.udp.sport", 40106)));
        add("v6_hop_limit_expires_beyond", "§4.2 (ICMPv4 Time Exceeded from the next IPv4 router, translated)",
                "UDP with hop limit 3 (TTL 1 after the translator)", V6,
                ip6(H6, P6H4, udp(40107, 5000, 32), "hlim", 3),
                only(V6, where().eq("ip.v", 6).eq("ip.src", P6GW4).eq("ip.dst", H6).eq("icmp6.type", 3)
                        .eq("icmp6.code", 0).eq("icmp6.cksum_ok", "yes").eq("in.ip.src", H6).eq("in.ip.dst", P6H4)
                        .eq("in.ip.nh", 17).eq("in.udp.sport", 40107)));
        add("v6_extension_headers", "§5.1 (Hop-by-Hop and Destination Options skipped)",
                "UDP after Hop-by-Hop and Destination Options headers", V6,
                ip6(H6, P6H4, udp(40108, 5000, 100), "ext", List.of(obj("type", "hbh"), obj("type", "dst"))),
                only(V4, out4(M4).eq("ip.proto", 17).eq("ip.len", 128).eq("ip.df", 0).eq("udp.cksum_ok", "yes")
                        .eq("udp.md5", SENT_UDP_MD5)));
        add("v6_routing_segments_left_0", "§5.1 (Routing header with Segments Left 0 skipped)",
                "UDP after a Routing header, segments left 0", V6,
                ip6(H6, P6H4, udp(40109, 5000, 100), "ext", List.of(obj("type", "rt", "segleft", 0))),
                only(V4, out4(M4).eq("ip.proto", 17).eq("ip.len", 128).eq("ip.df", 0).eq("udp.cksum_ok", "yes")));
        add("v6_routing_segments_left_1", "§5.1 (Segments Left != 0: MUST NOT translate; SHOULD send 4/0 at it)",
                "UDP after a Routing header, segments left 1", V6,
                ip6(H6, P6H4, udp(40110, 5000, 100), "ext", List.of(obj("type", "rt", "segleft", 1))),
                only(V6, where().eq("ip.v", 6).eq("ip.dst", H6).eq("icmp6.type", 4).eq("icmp6.code", 0)
                        .eq("icmp6.ptr", 43).eq("icmp6.cksum_ok", "yes")));
        add("v6_header_after_fragment", "§5.1 (extension header after the Fragment Header: SHOULD drop)",
                "atomic Fragment Header followed by a Destination Options header", V6,
                ip6(H6, P6H4, udp(40111, 5000, 100), "id", 0x6111, "atomic", true, "after_frag", true),
                Expect.that().none(V4).anyNumber(V6, where().eq("icmp6.type", 1).eq("icmp6.code", 1)));
        add("v6_udp_zero_checksum", "RFC 8200 §8.1 (an IPv6 receiver MUST discard a zero UDP checksum; RFC 6935"
                        + " allows it only for tunnels); udp-cksum-mode drop, the default, as the maintained TAYGA",
                "UDP over IPv6 with checksum 0", V6, ip6(H6, P6H4, udp(40112, 5000, 64, "cksum", 0)), nothing());
        add("v6_unknown_informational", "§5.2 (unknown informational type: silently drop)", "ICMPv6 type 200", V6,
                ip6(H6, P6H4, icmpInfo(200, 0, 16)), nothing());
    }

    // ---- ICMPv6 errors from the IPv6 side about a translated flow --------------------------------

    private void icmpv6Errors() {
        add("v6_err_port_unreachable", "§5.2, §5.3", "ICMPv6 1/4 from the IPv6 host, quoting a whole UDP datagram", V6,
                ip6(H6, P6H4, icmp(1, 4, 0, quoted6(40201, 20))),
                only(V4, err4(M4, 3, 3).eq("in.ip.proto", 17).eq("in.ip.len", 48).eq("in.udp.cksum_ok", "yes")
                        .eq("in.udp.sport", 5000).eq("in.udp.dport", 40201)));
        add("v6_err_no_route", "§5.2 (1/0 -> 3/1)", "ICMPv6 1/0", V6,
                ip6(H6, P6H4, icmp(1, 0, 0, quoted6(40202, 20))), only(V4, err4(M4, 3, 1)));
        add("v6_err_admin_prohibited", "§5.2 (1/1 -> 3/10)", "ICMPv6 1/1", V6,
                ip6(H6, P6H4, icmp(1, 1, 0, quoted6(40203, 20))), only(V4, err4(M4, 3, 10)));
        add("v6_err_beyond_scope", "§5.2 (1/2 -> 3/1)", "ICMPv6 1/2", V6,
                ip6(H6, P6H4, icmp(1, 2, 0, quoted6(40204, 20))), only(V4, err4(M4, 3, 1)));
        add("v6_err_address_unreachable", "§5.2 (1/3 -> 3/1)", "ICMPv6 1/3", V6,
                ip6(H6, P6H4, icmp(1, 3, 0, quoted6(40205, 20))), only(V4, err4(M4, 3, 1)));
        add("v6_err_policy_failed", "§5.2 (1/5: other codes silently dropped)", "ICMPv6 1/5", V6,
                ip6(H6, P6H4, icmp(1, 5, 0, quoted6(40206, 20))), nothing());
        add("v6_err_ptb_1280", "§5.2 (PTB -> 3/4, MTU min(1280-20, ...))", "ICMPv6 PTB MTU 1280 quoting 1232 B of a 1500-byte packet",
                V6, ip6(H6, P6H4, icmp(2, 0, 1280, quoted6(40207, 1452), "quote", 1232)),
                only(V4, err4(M4, 3, 4, 1).eq("icmp.mtu", 1260)));
        add("v6_err_ptb_1500", "§5.2 (PTB -> 3/4, MTU 1500-20)", "ICMPv6 PTB MTU 1500", V6,
                ip6(H6, P6H4, icmp(2, 0, 1500, quoted6(40208, 1452), "quote", 1232)),
                only(V4, err4(M4, 3, 4, 1).eq("icmp.mtu", 1480)));
        add("v6_err_time_exceeded_from_router", "§5.2 (3/0 -> 11/0); RFC 6791 (untranslatable source: translator's pool)",
                "ICMPv6 3/0 from an IPv6 router without IPv4 mapping", V6,
                ip6(R6, P6H4, icmp(3, 0, 0, quoted6(40209, 20))), only(V4, err4(X4, 11, 0)));
        add("v6_err_reassembly_time_exceeded", "§5.2 (3/1 -> 11/1)", "ICMPv6 3/1", V6,
                ip6(H6, P6H4, icmp(3, 1, 0, quoted6(40210, 20))), only(V4, err4(M4, 11, 1)));
        add("v6_err_param_problem_hop_limit", "§5.2 Figure 6 (pointer 7 -> 8)", "ICMPv6 4/0 pointer 7", V6,
                ip6(H6, P6H4, icmp(4, 0, 7, quoted6(40211, 20))), only(V4, err4(M4, 12, 0).eq("icmp.ptr", 8)));
        add("v6_err_param_problem_destination", "§5.2 Figure 6 (pointer 24 -> 16)", "ICMPv6 4/0 pointer 24", V6,
                ip6(H6, P6H4, icmp(4, 0, 24, quoted6(40212, 20))), only(V4, err4(M4, 12, 0).eq("icmp.ptr", 16)));
        add("v6_err_param_problem_beyond_header", "§5.2 Figure 6 (pointer 40 not listed: silently drop)",
                "ICMPv6 4/0 pointer 40", V6, ip6(H6, P6H4, icmp(4, 0, 40, quoted6(40213, 20))), nothing());
        add("v6_err_param_problem_next_header", "§5.2 (4/1 -> protocol unreachable 3/2)", "ICMPv6 4/1", V6,
                ip6(H6, P6H4, icmp(4, 1, 6, quoted6(40214, 20))), only(V4, err4(M4, 3, 2)));
        add("v6_err_param_problem_option", "§5.2 (4/2: silently drop)", "ICMPv6 4/2", V6,
                ip6(H6, P6H4, icmp(4, 2, 40, quoted6(40215, 20))), nothing());
        add("v6_err_echo_inner", "§5.2, §5.3 (inner ICMPv6 echo becomes ICMPv4 echo)", "ICMPv6 1/3 quoting an echo request",
                V6, ip6(H6, P6H4, icmp(1, 3, 0, ip6(P6H4, H6, echo(0x6216), "hlim", 63))),
                only(V4, err4(M4, 3, 1).eq("in.ip.proto", 1).eq("in.icmp.type", 8).eq("in.icmp.cksum_ok", "yes")));
        add("v6_err_inside_err", "§5.3 (stop at the first embedded header: drop)", "ICMPv6 1/4 quoting an ICMPv6 1/4",
                V6, ip6(H6, P6H4, icmp(1, 4, 0, ip6(P6H4, H6, icmp(1, 4, 0, ip6(H6, P6H4, udp(5000, 40217, 20))), "hlim", 63))),
                nothing());
        add("v6_err_rfc4884", "§5.2 (RFC 4884 extension: length attribute adjusted)",
                "ICMPv6 3/0 with an RFC 4884 extension (MPLS object)", V6,
                ip6(H6, P6H4, icmp(3, 0, 0, quoted6(40218, 20), "rfc4884", true)),
                only(V4, err4(M4, 11, 0).atLeast("icmp.len4884", 32).eq("ext.ver", 2).eq("ext.len", 12)
                        .eq("ext.cksum_ok", "yes")));
    }

    // ---- issue 14: as the maintained TAYGA answers (Debian's 0.9.2 answers these the same way) ----

    private void taygaParity() {
        add("v4_df_too_big_from_ipv4_addr", "§4.1, RFC 1812 §4.3.2.4 (the translator is the router that cannot"
                        + " forward it: Fragmentation Needed from its own ipv4-addr, MTU = TUN MTU - 20)",
                "UDP, total 1500, DF=1 (1520 as IPv6, TUN MTU 1500)", V4,
                ip4(H4, M4, udp(40040, 5000, 1472), "id", 0x4040, "df", true),
                only(V4, where().eq("ip.v", 4).eq("ip.src", X4).eq("ip.dst", H4).eq("ip.hcs_ok", "yes")
                        // TTL 64 less the translator namespace's one hop: sent by the translator itself, not an
                        // IPv6 router's Packet Too Big translated back (that one arrives with 62)
                        .eq("ip.ttl", 63)
                        .eq("icmp.type", 3).eq("icmp.code", 4).eq("icmp.mtu", 1480).eq("icmp.cksum_ok", "yes")
                        .eq("in.ip.src", H4).eq("in.ip.dst", M4).eq("in.udp.sport", 40040)));
        add("v4_udp_to_translator", "RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1 (a protocol the translator's own"
                        + " address does not serve: Protocol Unreachable)",
                "UDP to ipv4-addr", V4, ip4(H4, X4, udp(40041, 5000, 32)),
                only(V4, where().eq("ip.v", 4).eq("ip.src", X4).eq("ip.dst", H4).eq("ip.hcs_ok", "yes")
                        .eq("icmp.type", 3).eq("icmp.code", 2).eq("icmp.cksum_ok", "yes").eq("in.ip.src", H4)
                        .eq("in.ip.dst", X4).eq("in.udp.sport", 40041)));
        add("v6_udp_to_translator", "RFC 4443 §3.4 (unrecognized Next Header at the translator's own address:"
                        + " Parameter Problem code 1, pointer 6)",
                "UDP to ipv6-addr", V6, ip6(H6, X6, udp(40141, 5000, 32)),
                only(V6, where().eq("ip.v", 6).eq("ip.src", X6).eq("ip.dst", H6).eq("icmp6.type", 4)
                        .eq("icmp6.code", 1).eq("icmp6.ptr", 6).eq("icmp6.cksum_ok", "yes").eq("in.ip.src", H6)
                        .eq("in.ip.dst", X6).eq("in.udp.sport", 40141)));
    }

    /** A copy of {@code f}'s constraints to extend differently (Fields is mutable). */
    private static Fields copy(Fields f) {
        return f.copy();
    }
}
