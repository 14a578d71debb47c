// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.Timeouts;
import net.tunxlat.offline.OfflineTranslator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.function.Executable;
import org.opentest4j.TestAbortedException;
import net.tunxlat.util.Json;

/**
 * RFC 7915 conformance against Jool's graybox packets (third-party, GPL-2.0: read at test time from
 * {@code ../shared/oracle/jool-graybox}, never copied into this repository; see the README there).
 *
 * <p>Each manifest step gives a configuration, an input packet and the exact packets expected back. The
 * step's configuration becomes a {@link TunxlatConfig}, the input goes through {@link OfflineTranslator}
 * (the code path of {@code tunxlat translate}), and every emitted packet must equal the expected one
 * byte for byte, apart from the step's {@code ignore_offsets}, with the same count and order.
 *
 * <p>Tiers A (pure translation), B (translator-generated ICMP errors) and C (MTUs and fragmentation)
 * fail the build when wrong. Tier D (Jool extensions: RFC 6791 pools, amend-udp-checksum-zero,
 * intrinsic EAM hairpinning) and the NAT64 steps a TAYGA-like static map can reproduce are informative:
 * a mismatch is reported as skipped with the reason. A summary line per group goes to standard output.
 *
 * <p>The directory is {@code -Dtunxlat.oracle.dir=DIR}, else {@code <project>/../shared/oracle/jool-graybox};
 * without it the tests are skipped, saying where they looked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JoolOracleTest {
    private static final String PROPERTY = "tunxlat.oracle.dir";

    /** Why tunxlat may differ from Jool on each tier D step (printed when it does). */
    private static final Map<String, String> TIER_D_REASONS = Map.of(
            "siit-043", "RFC 6791 pool as the source of a translated ICMPv6 error whose source is untranslatable",
            "siit-044", "RFC 6791 pool plus Jool's in-translator hairpinning (tunxlat leaves hairpinning to the"
                    + " kernel's routing, which would decrement the hop limit twice)",
            "siit-045", "untranslatable ICMPv6 error source with no RFC 6791 pool: falls back to the own IPv4 address",
            "siit-046", "untranslatable ICMPv4 error source with no IPv6 RFC 6791 pool (a Jool extension): falls back"
                    + " to the own IPv6 address",
            "siit-047", "IPv6 RFC 6791 pool (rfc6791v6-prefix) is a Jool extension tunxlat does not have",
            "siit-089", "amend-udp-checksum-zero, i.e. udp-cksum-mode calc",
            "siit-094", "Jool's intrinsic EAM hairpinning (RFC 7757 §4.2.2) inside the translator; tunxlat leaves"
                    + " hairpinning to the kernel's routing, which would decrement the hop limit twice");

    /** NAT64 own IPv4 address: Jool's 192.0.2.2 is also the static map's IPv4 side (see nat64Config). */
    private static final String NAT64_OWN_IPV4 = "192.0.2.1";

    private static final Path DIR = locate();
    /** Outcome per step id, in run order: "pass", "fail" or "skip". */
    private static final Map<String, String> OUTCOMES = new LinkedHashMap<>();
    private static final Map<String, String> TIERS = new LinkedHashMap<>();

    private static Path locate() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../shared/oracle/jool-graybox")
                .normalize();
    }

    private static boolean oraclePresent() {
        return Files.isRegularFile(DIR.resolve("siit-manifest.json"));
    }

    private static String notFound() {
        return "Jool graybox oracle not found: looked for " + DIR.resolve("siit-manifest.json") + " (set -D" + PROPERTY
                + "=DIR or put shared/ beside the repository); skipped";
    }

    /** One skipped test saying where the oracle was looked for (so the skip shows in every report). */
    private static Stream<DynamicTest> skipped(String group) {
        return Stream.of(DynamicTest.dynamicTest(group + ": Jool graybox oracle not found",
                () -> Assumptions.abort(notFound())));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> manifest(String name) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(DIR.resolve(name), StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> steps(Map<String, Object> manifest) {
        return (List<Map<String, Object>>) manifest.get("steps");
    }

    // ---------------------------------------------------------------- SIIT

    @TestFactory
    @Order(1)
    Stream<DynamicTest> siit() throws IOException {
        if (!oraclePresent()) {
            return skipped("siit");
        }
        List<Map<String, Object>> steps = steps(manifest("siit-manifest.json"));
        assertEquals(135, steps.size(), "siit-manifest.json steps");
        return steps.stream().map(step -> {
            String id = (String) step.get("id");
            String tier = ((String) step.get("tier")).substring(0, 1);
            String name = id + " [tier " + tier + "] " + step.get("description");
            return DynamicTest.dynamicTest(name, () -> recording(id, tier, () -> runSiit(step, id, tier)));
        });
    }

    /** Runs a step; one that throws (a translator crash, an unreadable file) counts as failed, in every tier. */
    private static void recording(String id, String tier, Executable step) throws Throwable {
        TIERS.put(id, tier);
        try {
            step.execute();
        } catch (TestAbortedException | AssertionError e) {
            throw e;
        } catch (Throwable t) {
            OUTCOMES.put(id, "fail");
            throw t;
        }
    }

    private static void runSiit(Map<String, Object> step, String id, String tier) throws IOException {
        @SuppressWarnings("unchecked")
        TunxlatConfig config = siitConfig((Map<String, Object>) step.get("config"));
        String mismatch;
        try (OfflineTranslator xlat = new OfflineTranslator(config)) {
            mismatch = compare(step, xlat, "siit", Set.of());
        }
        if (mismatch == null) {
            OUTCOMES.put(id, "pass");
            return;
        }
        if (tier.equals("D")) {
            OUTCOMES.put(id, "skip");
            Assumptions.abort("tier D: " + TIER_D_REASONS.getOrDefault(id, "Jool extension") + ".\n" + mismatch);
        }
        OUTCOMES.put(id, "fail");
        fail(mismatch);
    }

    /** The step's Jool configuration as a tunxlat configuration. */
    @SuppressWarnings("unchecked")
    static TunxlatConfig siitConfig(Map<String, Object> c) {
        List<MapEntry> maps = new ArrayList<>();
        for (Object o : (List<Object>) c.get("eamt")) {
            List<Object> pair = (List<Object>) o;
            maps.add(new MapEntry(Ipv4Prefix.parse((String) pair.get(1), 32), Ipv6Prefix.parse((String) pair.get(0), 128),
                    "jool eamt"));
        }
        String pool6 = (String) c.get("pool6");
        String rfc6791 = (String) c.get("rfc6791v4_prefix");
        return TunxlatConfig.builder()
                .tunDevice("siit")
                .prefix(pool6 == null ? null : Ipv6Prefix.parse(pool6, -1))
                .maps(maps)
                .ipv4Addr(Addresses.parseIpv4((String) c.get("translator_ipv4_addr")))
                .ipv6Addr(Ipv6Prefix.parse((String) c.get("translator_ipv6_addr"), 128))
                .rfc6791Pool(rfc6791 == null ? null : Ipv4Prefix.parse(rfc6791, 32))
                .offlinkMtu(intOf(c.get("lowest_ipv6_mtu")))
                .udpCksumMode(Boolean.TRUE.equals(c.get("amend_udp_checksum_zero")) ? UdpCksumMode.CALC : UdpCksumMode.DROP)
                .ipv4EgressMtu(intOf(c.get("egress_mtu_v4")))
                .ipv6EgressMtu(intOf(c.get("egress_mtu_v6")))
                .icmpRateLimit(1_000_000)
                .zeroizeTrafficClass(zeroizeTrafficClass(c))
                .build();
    }

    // ---------------------------------------------------------------- NAT64 (informative)

    @TestFactory
    @Order(2)
    Stream<DynamicTest> nat64StaticMapSubset() throws IOException {
        if (!oraclePresent()) {
            return skipped("nat64");
        }
        List<Map<String, Object>> all = steps(manifest("nat64-manifest.json"));
        List<Map<String, Object>> steps = all.stream()
                .filter(s -> Boolean.TRUE.equals(s.get("tayga_like_static_map_applicable"))).toList();
        assertEquals(30, steps.size(), "nat64-manifest.json steps reproducible with a static map");
        return steps.stream().map(step -> {
            String id = (String) step.get("id");
            String name = id + " [nat64, informative] " + step.get("description");
            return DynamicTest.dynamicTest(name, () -> recording(id, "nat64", () -> runNat64(step, id)));
        });
    }

    private static void runNat64(Map<String, Object> step, String id) throws IOException {
        @SuppressWarnings("unchecked")
        TunxlatConfig config = nat64Config((Map<String, Object>) step.get("config"));
        // README §6: for the icmp6err "nodf" pair also ignore the ICMPv4 checksum (inner DF/id are unknowable).
        Set<Integer> extraIgnore = id.equals("nat64-022") ? Set.of(22, 23) : Set.of();
        String mismatch;
        try (OfflineTranslator xlat = new OfflineTranslator(config)) {
            mismatch = compare(step, xlat, "nat64", extraIgnore);
        }
        if (mismatch == null) {
            OUTCOMES.put(id, "pass");
            return;
        }
        OUTCOMES.put(id, "skip");
        Assumptions.abort("nat64 static-map subset (informative: Jool's NAT64 is stateful, tunxlat stateless with a"
                + " static map):\n" + mismatch);
    }

    /**
     * A TAYGA-style stateless equivalent of the NAT64 setup (README §6): prefix 64:ff9b::/96 with
     * wkpf-strict off (192.0.2.0/24 and 203.0.113.0/24 are documentation ranges, which RFC 6052 §3.1 keeps
     * out of the Well-Known Prefix), the static 1:1 map 192.0.2.2 ↔ 2001:db8::5 standing in for the static
     * BIB, own IPv6 address 2001:db8::1. Jool's own IPv4 address 192.0.2.2 is the map's IPv4 side here, so
     * the translator gets 192.0.2.1 instead (no applicable step involves the translator's IPv4 address).
     */
    static TunxlatConfig nat64Config(Map<String, Object> c) {
        return TunxlatConfig.builder()
                .tunDevice("nat64")
                .prefix(Ipv6Prefix.parse((String) c.get("pool6"), -1))
                .wkpfStrict(false)
                .maps(List.of(new MapEntry(Ipv4Prefix.parse("192.0.2.2", 32), Ipv6Prefix.parse("2001:db8::5", 128),
                        "jool static bib")))
                .ipv4Addr(Addresses.parseIpv4(NAT64_OWN_IPV4))
                .ipv6Addr(Ipv6Prefix.parse((String) c.get("translator_ipv6_addr"), 128))
                .offlinkMtu(intOf(c.get("lowest_ipv6_mtu")))
                .ipv4EgressMtu(intOf(c.get("egress_mtu_v4")))
                .ipv6EgressMtu(intOf(c.get("egress_mtu_v6")))
                .icmpRateLimit(1_000_000)
                .zeroizeTrafficClass(zeroizeTrafficClass(c))
                .build();
    }

    // ---------------------------------------------------------------- NAT64, stateful (all 42 steps, in order)

    /**
     * Why tunxlat deliberately differs from Jool on a stateful NAT64 step (printed in the summary line and in the
     * skip message); a step not listed here that does not match fails the build.
     */
    static final Map<String, String> NAT64_DIFFERENCES = Map.of(
            "nat64-026", "Jool's source-icmpv6-errors-better off sources the error from the quoted packet's destination"
                    + " (RFC 6146's literal reading); tunxlat always sources it from the IPv4 router that sent it (RFC 7915"
                    + " §4.1 translates the outer source)");

    /** The stateful translator all 42 steps run through, in order, so that state carries from step to step. */
    private static OfflineTranslator stateful;
    /** The capture clock of the stateful run: each step ten seconds after the last. */
    private static long statefulClock;

    @TestFactory
    @Order(3)
    Stream<DynamicTest> nat64Stateful() throws IOException {
        if (!oraclePresent()) {
            return skipped("nat64 stateful");
        }
        Map<String, Object> manifest = manifest("nat64-manifest.json");
        List<Map<String, Object>> steps = steps(manifest);
        assertEquals(42, steps.size(), "nat64-manifest.json steps");
        return steps.stream().map(step -> {
            String id = (String) step.get("id");
            String name = id + " [nat64 stateful] " + step.get("description");
            return DynamicTest.dynamicTest(name, () -> recording(id + "/stateful", "stateful",
                    () -> runStateful(step, id)));
        });
    }

    @SuppressWarnings("unchecked")
    private static void runStateful(Map<String, Object> step, String id) throws IOException {
        TunxlatConfig config = statefulConfig((Map<String, Object>) step.get("config"));
        if (stateful == null) {
            stateful = new OfflineTranslator(config);
        } else {
            stateful.reload(config);
        }
        statefulClock += 10_000_000_000L; // ten seconds a step: a held SYN times out (6 s) within its step
        Set<Integer> extraIgnore = id.equals("nat64-022") ? Set.of(22, 23) : Set.of();
        String mismatch = compare(step, stateful, "nat64", extraIgnore, statefulClock);
        String key = id + "/stateful";
        if (mismatch == null) {
            OUTCOMES.put(key, "pass");
            return;
        }
        String reason = NAT64_DIFFERENCES.get(id);
        if (reason != null) {
            OUTCOMES.put(key, "skip");
            Assumptions.abort("tunxlat differs from Jool here on purpose: " + reason + ".\n" + mismatch);
        }
        OUTCOMES.put(key, "fail");
        fail(mismatch);
    }

    /**
     * The step's Jool NAT64 configuration as a stateful tunxlat configuration (README §6): pool6 as
     * {@code prefix}, pool4 per protocol without port blocks (Jool has none), the static BIB, the translator's
     * own addresses 192.0.2.2 (also pool4's) and 2001:db8::1, RFC 6146 lifetimes.
     */
    @SuppressWarnings("unchecked")
    static TunxlatConfig statefulConfig(Map<String, Object> c) {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (Object o : (List<Object>) c.get("pool4")) {
            List<Object> r = (List<Object>) o;
            String[] ports = ((String) r.get(1)).split("-");
            ranges.add(new Pool4.Range(protocol((String) r.get(2)), Addresses.parseIpv4((String) r.get(0)),
                    Integer.parseInt(ports[0]), Integer.parseInt(ports[1])));
        }
        List<Nat64Settings.StaticBib> statics = new ArrayList<>();
        for (Object o : (List<Object>) c.get("static_bib")) {
            List<Object> b = (List<Object>) o;
            String[] six = ((String) b.get(1)).split("#");
            String[] four = ((String) b.get(2)).split("#");
            long[] host = Addresses.parseIpv6(six[0]);
            statics.add(new Nat64Settings.StaticBib(protocol((String) b.get(0)), host[0], host[1],
                    Integer.parseInt(six[1]), Addresses.parseIpv4(four[0]), Integer.parseInt(four[1])));
        }
        Nat64Settings defaults = Nat64Settings.defaults(new Pool4(ranges, 0), 1024);
        Nat64Settings settings = new Nat64Settings(defaults.pool4(), defaults.maxSessions(), defaults.maxSubscribers(),
                defaults.subscriberLength(), defaults.sessionsPerSubscriber(), defaults.blocksPerSubscriber(), null,
                defaults.maxIterations(), Timeouts.RFC6146, false, false, defaults.maxSynHeld(), statics);
        return TunxlatConfig.builder()
                .tunDevice("nat64")
                .prefix(Ipv6Prefix.parse((String) c.get("pool6"), -1))
                .wkpfStrict(false)
                .ipv4Addr(Addresses.parseIpv4((String) c.get("translator_ipv4_addr")))
                .ipv6Addr(Ipv6Prefix.parse((String) c.get("translator_ipv6_addr"), 128))
                .offlinkMtu(intOf(c.get("lowest_ipv6_mtu")))
                .ipv4EgressMtu(intOf(c.get("egress_mtu_v4")))
                .ipv6EgressMtu(intOf(c.get("egress_mtu_v6")))
                .icmpRateLimit(1_000_000)
                .zeroizeTrafficClass(zeroizeTrafficClass(c))
                .nat64(settings)
                .build();
    }

    /** Jool's {@code zeroize-traffic-class} (the step's {@code zeroize_traffic_class}; off when absent). */
    private static boolean zeroizeTrafficClass(Map<String, Object> c) {
        return Boolean.TRUE.equals(c.get("zeroize_traffic_class"));
    }

    private static int protocol(String name) {
        return switch (name) {
            case "TCP" -> Nat64Protocol.TCP;
            case "UDP" -> Nat64Protocol.UDP;
            default -> Nat64Protocol.ICMP;
        };
    }

    // ---------------------------------------------------------------- comparison

    private static String compare(Map<String, Object> step, OfflineTranslator xlat, String subdir,
            Set<Integer> extraIgnore) throws IOException {
        return compare(step, xlat, subdir, extraIgnore, 0);
    }

    /** Runs the step's input(s) and returns null if the output matches, else a report of how it differs. */
    @SuppressWarnings("unchecked")
    private static String compare(Map<String, Object> step, OfflineTranslator xlat, String subdir,
            Set<Integer> extraIgnore, long clockNanos) throws IOException {
        Path base = DIR.resolve(subdir);
        List<Map<String, Object>> inputs = new ArrayList<>();
        inputs.add((Map<String, Object>) step.get("input"));
        if (step.get("extra_inputs") instanceof List<?> extra) {
            for (Object o : extra) {
                inputs.add((Map<String, Object>) o);
            }
        }
        StringBuilder report = new StringBuilder();
        List<byte[]> actual = new ArrayList<>();
        for (Map<String, Object> in : inputs) {
            byte[] packet = Files.readAllBytes(base.resolve((String) in.get("file")));
            OfflineTranslator.Result r = xlat.translate(packet, clockNanos);
            report.append("input ").append(in.get("side")).append(':').append(in.get("file")).append("\n  ")
                    .append(r.explain("", "").replace("\n", "\n  ")).append('\n');
            if (String.valueOf(step.get("origin")).startsWith("needs IPv4 peer")) {
                // Jool's n4 (a Linux router without a route to 203.0.113.0/24) answers what reached it with
                // ICMPv4 3/0; this test plays n4, and what the translator makes of that answer is compared.
                for (byte[] sent : r.packets()) {
                    OfflineTranslator.Result answer = xlat.translate(linuxNetUnreachable(sent), clockNanos);
                    actual.addAll(answer.packets());
                    report.append("n4's ICMPv4 3/0 about it\n  ").append(answer.explain("", "").replace("\n", "\n  "))
                            .append('\n');
                }
                continue;
            }
            actual.addAll(r.packets());
        }
        if (clockNanos > 0) {
            // Jool's harness waits for the expected packets: 7 s more lets a held SYN's 6 s timer run out.
            OfflineTranslator.Result r = xlat.advance(clockNanos + 7_000_000_000L);
            actual.addAll(r.packets());
            if (!r.packets().isEmpty()) {
                report.append("7 s later\n  ").append(r.explain("", "").replace("\n", "\n  ")).append('\n');
            }
        }
        List<Map<String, Object>> expectedFiles = (List<Map<String, Object>>) step.get("expected");
        Set<Integer> ignore = new HashSet<>(extraIgnore);
        for (Object o : (List<Object>) step.get("ignore_offsets")) {
            ignore.add(intOf(o));
        }
        boolean ok = expectedFiles.size() == actual.size();
        StringBuilder diffs = new StringBuilder();
        for (int k = 0; k < Math.max(expectedFiles.size(), actual.size()); k++) {
            Map<String, Object> ef = k < expectedFiles.size() ? expectedFiles.get(k) : null;
            byte[] e = ef == null ? null : Files.readAllBytes(base.resolve((String) ef.get("file")));
            byte[] a = k < actual.size() ? actual.get(k) : null;
            String label = "packet " + (k + 1)
                    + (ef == null ? " (not expected)" : " (" + ef.get("side") + ":" + ef.get("file") + ")");
            if (e == null) {
                diffs.append(label).append(": extra packet ").append(describe(a)).append('\n');
                continue;
            }
            if (a == null) {
                diffs.append(label).append(": missing, expected ").append(describe(e)).append('\n');
                ok = false;
                continue;
            }
            String d = diff(e, a, ignore);
            if (d != null) {
                ok = false;
                diffs.append(label).append(":\n  expected ").append(describe(e)).append("\n  actual   ")
                        .append(describe(a)).append('\n').append(d);
            }
        }
        if (ok) {
            return null;
        }
        return step.get("id") + ": " + step.get("description") + "\n" + report + "expected " + expectedFiles.size()
                + " packet(s), got " + actual.size()
                + (ignore.isEmpty() ? "" : "; ignored offsets " + new TreeSet<>(ignore)) + "\n" + diffs;
    }

    /**
     * The ICMPv4 Destination Unreachable, Net Unreachable (3/0) a Linux router (Jool's n4, 192.0.2.5) sends about
     * {@code sent}: TOS 0xc0 (Linux's precedence for its ICMP errors), TTL 64, DF clear, quoting the packet
     * (up to 576 bytes in all).
     */
    static byte[] linuxNetUnreachable(byte[] sent) {
        int quote = Math.min(sent.length, 576 - 28);
        byte[] e = new byte[28 + quote];
        ByteBuffer b = ByteBuffer.wrap(e);
        b.put((byte) 0x45).put((byte) 0xc0).putShort((short) e.length).putShort((short) 1).putShort((short) 0);
        b.put((byte) 64).put((byte) 1).putShort((short) 0).putInt(Addresses.parseIpv4("192.0.2.5"));
        b.put(sent, 12, 4); // to the quoted packet's source
        b.put((byte) 3).put((byte) 0).putShort((short) 0).putInt(0).put(sent, 0, quote);
        putChecksum(e, 10, 0, 20);
        putChecksum(e, 22, 20, e.length);
        return e;
    }

    private static void putChecksum(byte[] p, int at, int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i += 2) {
            sum += ((p[i] & 0xff) << 8) | (i + 1 < to ? p[i + 1] & 0xff : 0);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        int c = (int) ~sum & 0xffff;
        p[at] = (byte) (c >> 8);
        p[at + 1] = (byte) c;
    }

    private static String describe(byte[] p) {
        return OfflineTranslator.describe(p, 0, p.length);
    }

    /** Null if equal apart from {@code ignore}; else the lengths and the first differing offsets with field names. */
    static String diff(byte[] expected, byte[] actual, Set<Integer> ignore) {
        StringBuilder sb = new StringBuilder();
        if (expected.length != actual.length) {
            sb.append("  length: expected ").append(expected.length).append(", actual ").append(actual.length).append('\n');
        }
        int n = Math.min(expected.length, actual.length);
        int shown = 0;
        int differing = 0;
        for (int i = 0; i < n; i++) {
            if (ignore.contains(i) || expected[i] == actual[i]) {
                continue;
            }
            differing++;
            if (shown < 12) {
                shown++;
                sb.append(String.format("  offset %d (%s): expected %02x, actual %02x%n", i, PacketFields.at(expected, i),
                        expected[i] & 0xff, actual[i] & 0xff));
            }
        }
        if (differing > shown) {
            sb.append("  ... ").append(differing - shown).append(" more differing bytes (").append(differing)
                    .append(" in the first ").append(n).append(")\n");
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** "jool-oracle: nat64 stateful N/42", then the steps tunxlat differs on with their reasons, and the failures. */
    private static void statefulSummary(StringBuilder failing) {
        int total = 0;
        int passed = 0;
        List<String> differing = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Map.Entry<String, String> e : OUTCOMES.entrySet()) {
            if (!"stateful".equals(TIERS.get(e.getKey()))) {
                continue;
            }
            total++;
            String id = e.getKey().substring(0, e.getKey().indexOf('/'));
            switch (e.getValue()) {
                case "pass" -> passed++;
                case "skip" -> differing.add(id + " (" + NAT64_DIFFERENCES.get(id) + ")");
                default -> failed.add(id);
            }
        }
        if (total == 0) {
            return;
        }
        System.out.println("jool-oracle: nat64 stateful " + passed + "/" + total
                + (differing.isEmpty() ? "" : "; differs on purpose: " + String.join("; ", differing))
                + (failed.isEmpty() ? "" : "; FAILED: " + String.join(" ", failed)));
        System.out.print(failing);
        failing.setLength(0);
    }

    private static int intOf(Object o) {
        return ((Number) o).intValue();
    }

    // ---------------------------------------------------------------- summary

    @AfterAll
    static void summary() {
        if (stateful != null) {
            stateful.close();
            stateful = null;
        }
        if (OUTCOMES.isEmpty()) {
            System.out.println("jool-oracle: " + notFound());
            return;
        }
        StringBuilder siit = new StringBuilder();
        StringBuilder nat64 = new StringBuilder();
        StringBuilder failing = new StringBuilder();
        for (String tier : List.of("A", "B", "C", "D", "nat64", "stateful")) {
            if (tier.equals("stateful")) {
                continue; // its own line, below
            }
            int total = 0;
            int passed = 0;
            int failed = 0;
            int skipped = 0;
            List<String> bad = new ArrayList<>();
            for (Map.Entry<String, String> e : OUTCOMES.entrySet()) {
                if (!tier.equals(TIERS.get(e.getKey()))) {
                    continue;
                }
                total++;
                switch (e.getValue()) {
                    case "pass" -> passed++;
                    case "fail" -> {
                        failed++;
                        bad.add(e.getKey());
                    }
                    default -> {
                        skipped++;
                        bad.add(e.getKey());
                    }
                }
            }
            if (total == 0) {
                continue;
            }
            StringBuilder sb = tier.equals("nat64") ? nat64 : siit;
            sb.append(sb.length() == 0 ? "" : ", ").append(tier.equals("nat64") ? "static-map subset " : "tier " + tier + " ")
                    .append(passed).append('/').append(total);
            if (failed + skipped > 0) {
                sb.append(" (").append(failed > 0 ? failed + " failed" : "")
                        .append(failed > 0 && skipped > 0 ? ", " : "").append(skipped > 0 ? skipped + " skipped" : "")
                        .append(')');
            }
            if (!bad.isEmpty()) {
                failing.append("jool-oracle: not passing in ").append(tier.equals("nat64") ? "nat64" : "tier " + tier)
                        .append(": ").append(String.join(" ", bad)).append('\n');
            }
        }
        System.out.println();
        if (siit.length() > 0) {
            System.out.println("jool-oracle: " + siit);
        }
        if (nat64.length() > 0) {
            System.out.println("jool-oracle nat64: " + nat64);
        }
        statefulSummary(failing);
        System.out.print(failing);
        System.out.flush();
    }
}
