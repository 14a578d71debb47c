// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.NptBed.FAR_SINK;
import static net.tunxlat.e2e.NptBed.OUTSIDE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import java.util.TreeMap;

/**
 * The same packets through Linux's own NPTv6 (ip6tables SNPT/DNPT, mangle table) and through tunxlat,
 * on the same three namespaces ({@link NptBed}): what arrives on the far side must carry identical
 * addresses (and bytes, but for the hop limit), except in the documented cases where Linux does not
 * follow RFC 6296 (or its bis draft for ICMPv6 errors). tunxlat must match an independent RFC 6296
 * reference ({@link Rfc6296Reference}) everywhere. Writes the table to target/e2e/nptv6-differential.md.
 *
 * <p>Packets are built here (checksums correct) and sent through a raw socket in the sending namespace;
 * the far side captures with a packet socket. Needs root and ip6tables with SNPT/DNPT; skipped with the
 * reason otherwise.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Nptv6DifferentialIT {
    static final String IN48 = "fd01:203:405::/48";
    static final String OUT48 = "2001:db8:1::/48";
    static final String IN64 = "fd01:203:405:1::/64";
    static final String OUT64 = "2001:db8:2::/64";
    static final String OUT56 = "2001:db8:aaaa:bb00::/56";
    static final String HOST = NptBed.INSIDE_HOST;
    static final int LISTEN_PORT = 9999;

    /** A case where Linux is known to differ from RFC 6296 (and from tunxlat), with the reason. */
    record Deviation(String section, String why) {}

    /** Documented deviations of Linux's ip6t_NPT, by mapping and case. */
    static final Map<String, Deviation> DEVIATIONS = Map.of(
            "/48 out subnet-ffff", new Deviation("RFC 6296 §3.2, §4.2, App. B",
                    "subnet 0xFFFF has no translation (a /48 network MUST NOT use it); Linux translates it to the"
                            + " same outside address as subnet 0x0000 (both get 0xD54F)"),
            "/48 in subnet-ffff", new Deviation("RFC 6296 §3.3, App. B",
                    "outside subnet 0xFFFF is never produced outbound and has no inside form; Linux maps it to the"
                            + " inside address that outside subnet 0x0000 maps to (fd01:203:405:2ab0::1)"),
            "/48 out icmp-err-inner-ffff", new Deviation("RFC 6296 §3.2; draft-bctb-6man-rfc6296-bis",
                    "the embedded destination (subnet 0xFFFF) is untranslatable, so the error MUST be silently"
                            + " dropped; Linux rewrites the embedded address to the colliding outside address"),
            "/48 in icmp-err-foreign-inner", new Deviation("draft-bctb-6man-rfc6296-bis (ICMPv6 error forwarding)",
                    "an error whose embedded source is not in the external prefix MUST be silently dropped; Linux"
                            + " forwards it with only the outer destination translated"),
            "/48-/56 out bits-48-55-set", new Deviation("RFC 6296 §3.7",
                    "with a /56 outside prefix, inside subnets with bits 48..55 set are untranslatable; Linux"
                            + " overwrites those bits, so fd01:203:405:1234::1 and fd01:203:405:34::1 collide"));

    /** One packet: which way it goes, the address under test, and how to build it around a tag. */
    record Case(String mapping, String id, boolean outbound, String what, String address, String innerAddress,
                Function<String, byte[]> build) {
        String key() {
            return mapping + " " + (outbound ? "out" : "in") + " " + id;
        }

        String tag() {
            return "NPTD:" + mapping + ":" + (outbound ? "o:" : "i:") + id + ";";
        }
    }

    /** What arrived on the far side for one case in one mode (null packet: nothing arrived). */
    record Seen(byte[] packet) {
        boolean arrived() {
            return packet != null;
        }

        String outer(boolean outbound) {
            return packet == null ? "dropped" : outbound ? V6Packet.src(packet) : V6Packet.dst(packet);
        }

        String inner(boolean outbound) {
            if (packet == null || !V6Packet.isIcmpError(packet)) {
                return null;
            }
            return outbound ? V6Packet.innerDst(packet) : V6Packet.innerSrc(packet);
        }

        String show(boolean outbound) {
            String i = inner(outbound);
            return outer(outbound) + (i == null ? "" : "; embedded " + i);
        }

        /** The packet with the hop limit zeroed, for a byte comparison. */
        byte[] withoutHopLimit() {
            byte[] p = packet.clone();
            p[7] = 0;
            return p;
        }
    }

    record Row(Case c, String expected, Seen linux, Seen tunxlat) {}

    private static final List<Row> ROWS = new ArrayList<>();
    private static String skipReason;

    @BeforeAll
    static void available() {
        skipReason = NptBed.kernelUnavailableReason();
    }

    // ---- the cases ---------------------------------------------------------------------------------

    static byte[] udpOut(String src, String tag) {
        return V6Packet.ipv6(src, FAR_SINK, V6Packet.UDP, 64, V6Packet.udp(40000, 40001, tag));
    }

    static byte[] udpIn(String dst, String tag) {
        return V6Packet.ipv6(OUTSIDE_HOST, dst, V6Packet.UDP, 64, V6Packet.udp(40000, LISTEN_PORT, tag));
    }

    /** An error from inside about a packet that came from the far sink to {@code innerDst}. */
    static byte[] errorOut(String src, String innerDst, String tag) {
        byte[] inner = V6Packet.ipv6(FAR_SINK, innerDst, V6Packet.UDP, 60, V6Packet.udp(53, 40001, tag));
        return V6Packet.ipv6(src, FAR_SINK, V6Packet.ICMPV6, 64, V6Packet.icmpError(1, 4, 0, inner));
    }

    /** An error from the outside host about a packet from {@code innerSrc} to it. */
    static byte[] errorIn(int type, int code, int param, String dst, String innerSrc, String tag) {
        byte[] inner = V6Packet.ipv6(innerSrc, OUTSIDE_HOST, V6Packet.UDP, 60, V6Packet.udp(40001, 53, tag));
        return V6Packet.ipv6(OUTSIDE_HOST, dst, V6Packet.ICMPV6, 64, V6Packet.icmpError(type, code, param, inner));
    }

    static Case out(String mapping, String id, String what, String src, Function<String, byte[]> build) {
        return new Case(mapping, id, true, what, src, null, build);
    }

    static Case outUdp(String mapping, String id, String what, String src) {
        return out(mapping, id, what, src, tag -> udpOut(src, tag));
    }

    static Case in(String mapping, String id, String what, String dst, Function<String, byte[]> build) {
        return new Case(mapping, id, false, what, dst, null, build);
    }

    static Case inUdp(String mapping, String id, String what, String dst) {
        return in(mapping, id, what, dst, tag -> udpIn(dst, tag));
    }

    static List<Case> cases48() {
        String m = "/48";
        String ext = "2001:db8:1:d550::1234";
        return List.of(
                outUdp(m, "rfc-example", "RFC 6296 §3.6 example", HOST),
                outUdp(m, "subnet-0", "subnet 0x0000", "fd01:203:405::1"),
                outUdp(m, "subnet-2ab0", "subnet 0x2AB0: raw 0xFFFF forced to 0", "fd01:203:405:2ab0::1"),
                outUdp(m, "subnet-2aaf", "subnet 0x2AAF", "fd01:203:405:2aaf::1"),
                outUdp(m, "subnet-fffe", "subnet 0xFFFE", "fd01:203:405:fffe::abcd"),
                outUdp(m, "subnet-ffff", "subnet 0xFFFF", "fd01:203:405:ffff::1"),
                outUdp(m, "iid-ones", "IID all ones (untouched in /48 mode)", "fd01:203:405:1:ffff:ffff:ffff:ffff"),
                outUdp(m, "random", "arbitrary subnet and IID", "fd01:203:405:9a3c:1b2d:3e4f:5a6b:7c8d"),
                out(m, "tcp-syn", "TCP SYN", HOST, tag -> V6Packet.ipv6(HOST, FAR_SINK, V6Packet.TCP, 64,
                        V6Packet.tcp(40002, 80, false, tag))),
                out(m, "echo", "ICMPv6 echo request", "fd01:203:405:7::77", tag -> V6Packet.ipv6(
                        "fd01:203:405:7::77", FAR_SINK, V6Packet.ICMPV6, 64, V6Packet.echo(128, 7, 1, tag))),
                new Case(m, "icmp-err", true, "ICMPv6 1/4 from inside, embedded dst", HOST, HOST,
                        tag -> errorOut(HOST, HOST, tag)),
                new Case(m, "icmp-err-inner-ffff", true, "ICMPv6 1/4 from inside, embedded dst subnet 0xFFFF",
                        HOST, "fd01:203:405:ffff::1", tag -> errorOut(HOST, "fd01:203:405:ffff::1", tag)),
                outUdp(m, "not-inside", "source outside the inside prefix", "fd02::1"),
                inUdp(m, "rfc-example", "RFC 6296 §3.6 example", ext),
                inUdp(m, "subnet-0", "outside subnet 0x0000", "2001:db8:1::1"),
                inUdp(m, "subnet-d54f", "outside subnet 0xD54F", "2001:db8:1:d54f::1"),
                inUdp(m, "subnet-fffe", "outside subnet 0xFFFE", "2001:db8:1:fffe::1"),
                inUdp(m, "subnet-ffff", "outside subnet 0xFFFF", "2001:db8:1:ffff::1"),
                in(m, "tcp-synack", "TCP SYN-ACK", ext, tag -> V6Packet.ipv6(OUTSIDE_HOST, ext, V6Packet.TCP, 64,
                        V6Packet.tcp(80, 40002, true, tag))),
                in(m, "echo-reply", "ICMPv6 echo reply", ext, tag -> V6Packet.ipv6(OUTSIDE_HOST, ext, V6Packet.ICMPV6,
                        64, V6Packet.echo(129, 7, 1, tag))),
                new Case(m, "icmp-err", false, "ICMPv6 1/4 from outside, embedded src", ext, ext,
                        tag -> errorIn(1, 4, 0, ext, ext, tag)),
                new Case(m, "ptb", false, "ICMPv6 Packet Too Big, embedded src", ext, ext,
                        tag -> errorIn(2, 0, 1280, ext, ext, tag)),
                new Case(m, "time-exceeded", false, "ICMPv6 Time Exceeded, embedded src", "2001:db8:1::1",
                        "2001:db8:1::1", tag -> errorIn(3, 0, 0, "2001:db8:1::1", "2001:db8:1::1", tag)),
                new Case(m, "icmp-err-foreign-inner", false, "ICMPv6 1/4, embedded src not in the outside prefix",
                        ext, "2001:db8:77::1", tag -> errorIn(1, 4, 0, ext, "2001:db8:77::1", tag)));
    }

    static List<Case> cases64() {
        String m = "/64";
        String ext = "2001:db8:2:0:d54f::1234";
        return List.of(
                outUdp(m, "iid-1234", "IID word 4 takes the adjustment", HOST),
                outUdp(m, "w4-ffff", "IID word 4 is 0xFFFF: word 5", "fd01:203:405:1:ffff::1"),
                outUdp(m, "w4-5-ffff", "words 4, 5 are 0xFFFF: word 6", "fd01:203:405:1:ffff:ffff::1"),
                outUdp(m, "w4-6-ffff", "words 4-6 are 0xFFFF: word 7", "fd01:203:405:1:ffff:ffff:ffff:1"),
                outUdp(m, "iid-all-ffff", "IID all 0xFFFF: no word to adjust", "fd01:203:405:1:ffff:ffff:ffff:ffff"),
                outUdp(m, "w4-2ab0", "word 4 0x2AB0: raw 0xFFFF forced to 0", "fd01:203:405:1:2ab0::1"),
                outUdp(m, "iid-zero", "IID all zero (subnet-router anycast)", "fd01:203:405:1::"),
                outUdp(m, "not-inside", "another /64 of the site (not mapped)", "fd01:203:405:2::1"),
                out(m, "tcp-syn", "TCP SYN", HOST, tag -> V6Packet.ipv6(HOST, FAR_SINK, V6Packet.TCP, 64,
                        V6Packet.tcp(40002, 80, false, tag))),
                new Case(m, "icmp-err", true, "ICMPv6 1/4 from inside, embedded dst", HOST, HOST,
                        tag -> errorOut(HOST, HOST, tag)),
                inUdp(m, "iid-d54f", "back to the inside host", ext),
                inUdp(m, "iid-zero-words", "outside IID ::1", "2001:db8:2::1"),
                inUdp(m, "w4-ffff", "outside word 4 0xFFFF: word 5", "2001:db8:2:0:ffff::1"),
                inUdp(m, "iid-all-ffff", "outside IID all 0xFFFF", "2001:db8:2:0:ffff:ffff:ffff:ffff"),
                new Case(m, "icmp-err", false, "ICMPv6 1/4 from outside, embedded src", ext, ext,
                        tag -> errorIn(1, 4, 0, ext, ext, tag)));
    }

    static List<Case> cases48to56() {
        String m = "/48-/56";
        String back = new Rfc6296Reference(IN48, OUT56).outbound(HOST);
        return List.of(
                outUdp(m, "bits-48-55-zero", "subnet 0x0001 (bits 48..55 zero)", HOST),
                outUdp(m, "bits-48-55-set", "subnet 0x1234 (bits 48..55 set)", "fd01:203:405:1234::1"),
                outUdp(m, "subnet-34", "subnet 0x0034", "fd01:203:405:34::1"),
                inUdp(m, "back", "back to the inside host", back));
    }

    // ---- running them ------------------------------------------------------------------------------

    @Test
    @Order(1)
    void slash48() throws Exception {
        compare(IN48, OUT48, cases48());
    }

    @Test
    @Order(2)
    void slash64() throws Exception {
        compare(IN64, OUT64, cases64());
    }

    @Test
    @Order(3)
    void unequalLengths48to56() throws Exception {
        compare(IN48, OUT56, cases48to56());
    }

    private void compare(String inside, String outside, List<Case> cases) throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        Rfc6296Reference ref = new Rfc6296Reference(inside, outside);
        Map<String, Seen> linux = runAll(NptBed.Mode.KERNEL, inside, outside, cases);
        Map<String, Seen> tunxlat = runAll(NptBed.Mode.TUNXLAT, inside, outside, cases);
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            String expected = expected(ref, inside, outside, c);
            Seen l = linux.get(c.key());
            Seen t = tunxlat.get(c.key());
            ROWS.add(new Row(c, expected, l, t));
            if (!expected.equals(t.show(c.outbound()))) {
                failures.add(c.key() + ": tunxlat gave " + t.show(c.outbound()) + ", RFC 6296 says " + expected);
            }
            if (t.arrived() && !V6Packet.l4ChecksumOk(t.packet())) {
                failures.add(c.key() + ": tunxlat's packet has a bad transport checksum");
            }
            boolean same = l.show(c.outbound()).equals(t.show(c.outbound()));
            if (!same && !DEVIATIONS.containsKey(c.key())) {
                failures.add(c.key() + ": Linux gave " + l.show(c.outbound()) + ", tunxlat " + t.show(c.outbound())
                        + " (not a documented deviation)");
            }
            if (same && l.arrived() && !Arrays.equals(l.withoutHopLimit(), t.withoutHopLimit())) {
                failures.add(c.key() + ": same addresses but other bytes differ:\n  Linux   "
                        + V6Packet.describe(l.packet()) + "\n  tunxlat " + V6Packet.describe(t.packet()));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** What RFC 6296 says arrives: the translated address(es), the address unchanged if not ours, or "dropped". */
    static String expected(Rfc6296Reference ref, String inside, String outside, Case c) {
        String prefix = c.outbound() ? inside : outside;
        String outer = under(c.address(), prefix)
                ? (c.outbound() ? ref.outbound(c.address()) : ref.inbound(c.address()))
                : c.address();
        if (outer == null) {
            return "dropped";
        }
        if (c.innerAddress() == null) {
            return outer;
        }
        if (!under(c.innerAddress(), prefix)) {
            return "dropped"; // bis draft: the embedded address must match the prefix too
        }
        String inner = c.outbound() ? ref.outbound(c.innerAddress()) : ref.inbound(c.innerAddress());
        return inner == null ? "dropped" : outer + "; embedded " + inner;
    }

    static boolean under(String address, String prefix) {
        String[] p = prefix.split("/");
        int len = Integer.parseInt(p[1]);
        int[] a = Rfc6296Reference.words(address);
        int[] q = Rfc6296Reference.words(p[0]);
        for (int n = 0; n < len; n++) {
            if (((a[n / 16] >>> (15 - n % 16)) & 1) != ((q[n / 16] >>> (15 - n % 16)) & 1)) {
                return false;
            }
        }
        return true;
    }

    private Map<String, Seen> runAll(NptBed.Mode mode, String inside, String outside, List<Case> cases)
            throws IOException, InterruptedException {
        Map<String, Seen> seen = new LinkedHashMap<>();
        String label = "differential-" + mode.name().toLowerCase() + "-" + inside.replace(':', '_').replace('/', '_');
        try (NptBed bed = NptBed.start(label, mode, inside, outside, List.of())) {
            System.err.printf("[e2e] differential %s <-> %s: %s%n", inside, outside, bed);
            // Something listens where inbound UDP lands on the inside host, so it answers nothing.
            bed.insideHost().openUdp(new InetSocketAddress("::", LISTEN_PORT));
            try (RawSockets.Capture atOutside = RawSockets.Capture.start(bed.outsideHost(), "eth0");
                 RawSockets.Capture atInside = RawSockets.Capture.start(bed.insideHost(), "eth0")) {
                for (Case c : cases) {
                    RawSockets.send(c.outbound() ? bed.insideHost() : bed.outsideHost(), c.build().apply(c.tag()));
                    Thread.sleep(20);
                }
                for (Case c : cases) {
                    RawSockets.Capture cap = c.outbound() ? atOutside : atInside;
                    seen.put(c.key(), new Seen(find(cap, c, 1000)));
                }
            }
        }
        return seen;
    }

    /**
     * The packet of case {@code c} on the far side: the one carrying its tag whose protocol is the one
     * sent (an ICMPv6 error sent by a host about the packet would carry the tag too).
     */
    private static byte[] find(RawSockets.Capture cap, Case c, long millis) throws InterruptedException {
        byte[] sent = c.build().apply(c.tag());
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            for (byte[] p : cap.packets()) {
                if (V6Packet.contains(p, c.tag()) && V6Packet.nextHeader(p) == V6Packet.nextHeader(sent)
                        && (V6Packet.nextHeader(p) != V6Packet.ICMPV6 || p[40] == sent[40])) {
                    return p;
                }
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(20);
        }
    }

    // ---- the report --------------------------------------------------------------------------------

    @AfterAll
    static void writeReport() throws IOException {
        if (ROWS.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        b.append("# NPTv6: Linux ip6tables SNPT/DNPT vs tunxlat\n\n");
        b.append("Written by Nptv6DifferentialIT. Each packet was sent once through the kernel's NPTv6 and once"
                + " through tunxlat, on the same namespaces; the table shows the translated address(es) that"
                + " arrived on the far side (outbound: source, and an ICMPv6 error's embedded destination;"
                + " inbound: destination, and the embedded source). \"RFC 6296\" is an independent reference"
                + " implementation. hlim: hop limit on arrival (sent with 64; the kernel forwards once, twice"
                + " with tunxlat: into the TUN device and out of it).\n\n");
        b.append("| mapping | dir | case | sent | RFC 6296 | Linux | tunxlat | hlim L/t | verdict |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : ROWS) {
            Case c = r.c();
            String l = r.linux().show(c.outbound());
            String t = r.tunxlat().show(c.outbound());
            Deviation d = DEVIATIONS.get(c.key());
            String verdict = l.equals(t) ? "same" : d != null ? "Linux deviates: " + d.section() : "DIFFERENT";
            if (l.equals(t) && d != null) {
                verdict = "same (documented deviation not seen)";
            }
            String sent = c.address() + (c.innerAddress() == null ? "" : "; embedded " + c.innerAddress());
            b.append("| ").append(c.mapping()).append(" | ").append(c.outbound() ? "out" : "in").append(" | ")
                    .append(c.what()).append(" | ").append(sent).append(" | ").append(r.expected()).append(" | ")
                    .append(l).append(" | ").append(t).append(" | ")
                    .append(r.linux().arrived() ? V6Packet.hopLimit(r.linux().packet()) : "-").append('/')
                    .append(r.tunxlat().arrived() ? V6Packet.hopLimit(r.tunxlat().packet()) : "-").append(" | ")
                    .append(verdict).append(" |\n");
        }
        b.append("\nDocumented deviations of Linux (net/ipv6/netfilter/ip6t_NPT.c):\n\n");
        for (Map.Entry<String, Deviation> e : new TreeMap<>(DEVIATIONS).entrySet()) {
            b.append("* `").append(e.getKey()).append("` (").append(e.getValue().section()).append("): ")
                    .append(e.getValue().why()).append(".\n");
        }
        Path out = TestBed.logDirectory().resolve("nptv6-differential.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, b.toString(), StandardCharsets.UTF_8);
        System.out.println(b);
        System.out.println("nptv6-differential: " + ROWS.size() + " packets compared, table in " + out);
    }

    @Test
    @Order(0)
    void referenceAgreesWithTheRfcVectors() {
        Rfc6296Reference r = new Rfc6296Reference(IN48, OUT48);
        assertEquals(0xd54f, r.adjustment());
        assertEquals("2001:db8:1:d550::1234", r.outbound(HOST));
        assertEquals(HOST, r.inbound("2001:db8:1:d550::1234"));
        assertEquals("2001:db8:1::1", r.outbound("fd01:203:405:2ab0::1"));
        assertEquals("2001:db8:1:fffe::1", r.outbound("fd01:203:405:2aaf::1"));
        assertEquals(null, r.outbound("fd01:203:405:ffff::1"));
        Rfc6296Reference r64 = new Rfc6296Reference(IN64, OUT64);
        assertEquals("2001:db8:2:0:d54f::2", r64.outbound("fd01:203:405:1::2"));
        Rfc6296Reference r56 = new Rfc6296Reference("fd00:1:2:3::/64", "2001:db8:aaaa:bb00::/56");
        assertEquals(0x69a2, r56.adjustment());
        assertEquals("2001:db8:aaaa:bb00:ffff:69a2:0:1", r56.outbound("fd00:1:2:3:ffff::1"));
        assertEquals(null, r56.outbound("fd00:1:2:3:ffff:ffff:ffff:ffff"));
        Rfc6296Reference mixed = new Rfc6296Reference("fd01:203:405:1::/64", "2001:db8:1::/48");
        assertEquals(0xd550, mixed.adjustment());
        assertEquals("2001:db8:1:0:d551::1234", mixed.outbound("fd01:203:405:1:1::1234"));
    }
}
