// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Settings.StaticBib;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The stateful NAT64 directives ({@code pool4}, {@code bib}, {@code nat64-*}) and their errors. */
class Nat64ConfigTest {
    private static final Path NAME = Path.of("t.conf");
    private static final int A1 = Addresses.parseIpv4("192.0.2.1");

    /** A valid file with stateless NAT64 only; lines 1 to 3, so the lines given start at line 4. */
    private static String base(String... more) {
        return "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:1:ffff::/96\n" + String.join("\n", more) + "\n";
    }

    private static TunxlatConfig parse(String text) throws ConfigException {
        return ConfigParser.parse(text, NAME);
    }

    private static List<String> warnings(String text) throws ConfigException {
        return ConfigParser.parseWithWarnings(text, NAME).warnings();
    }

    private static List<String> errors(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        return e.errors().stream().map(ConfigException::getMessage).toList();
    }

    /** The only error of {@code text}. */
    private static String error(String text) {
        List<String> all = errors(text);
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    @Test
    void withoutPool4ThereIsNoStatefulNat64() throws Exception {
        assertNull(parse(base()).nat64());
        assertNull(parse(base()).nat64BlockLog());
    }

    @Test
    void pool4AloneGivesTheDocumentedDefaults() throws Exception {
        ConfigParser.Parsed p = ConfigParser.parseWithWarnings(base("pool4 192.0.2.1"), NAME);
        assertEquals(List.of(), p.warnings(), "the default range warns about nothing");
        assertEquals(4, p.lines().get("pool4"));
        Nat64Settings s = p.config().nat64();
        Pool4 pool = s.pool4();
        assertEquals(List.of(new Pool4.Range(Nat64Protocol.TCP, A1, 1, 65535),
                new Pool4.Range(Nat64Protocol.UDP, A1, 1, 65535), new Pool4.Range(Nat64Protocol.ICMP, A1, 0, 65535)),
                pool.ranges());
        assertEquals(128, pool.blockSize());
        assertEquals(7 + 504, pool.blocks(Nat64Protocol.TCP), "1-1023: 7 blocks, 1024-65535: 504");
        assertEquals(512, pool.blocks(Nat64Protocol.ICMP));
        assertArrayEquals(new int[] {262_144, 262_144, 262_144}, s.maxSessions());
        assertEquals(128, s.subscriberLength());
        assertEquals(8, s.blocksPerSubscriber());
        assertEquals(8192, s.sessionsPerSubscriber());
        assertEquals(Timeouts.RFC6146, s.timeouts());
        assertEquals(new Timeouts(300, 7440, 240, 6, 60), s.timeouts());
        assertFalse(s.addressDependentFiltering());
        assertFalse(s.dropExternallyInitiatedTcp());
        assertNull(s.deterministicRange());
        assertEquals(List.of(), s.statics());
    }

    @Test
    void everyDirectiveIsRead() throws Exception {
        TunxlatConfig c = parse(base(
                "pool4 192.0.2.0/31 tcp 1024-2047",
                "POOL4 192.0.2.0/31 UDP 1024-2047",
                "pool4 192.0.2.8 icmp",
                "pool4 192.0.2.9 2048-4095",
                "bib tcp 2001:db8:6::80 80 192.0.2.1 1030",
                "bib udp 2001:db8:6::80 53 192.0.2.9 2053",
                "bib icmp 2001:db8:6::80 0 192.0.2.8 0",
                "nat64-port-block 64",
                "nat64-subscriber-prefix 64",
                "nat64-max-blocks 4",
                "nat64-max-subscriber-sessions 1000",
                "nat64-max-sessions 5000",
                "nat64-timeout-udp 600",
                "nat64-timeout-tcp-est 86400",
                "nat64-timeout-tcp-trans 300",
                "nat64-timeout-icmp 30",
                "nat64-timeout-syn 8",
                "nat64-short-timeouts no",
                "nat64-filtering address-dependent",
                "nat64-drop-externally-initiated-tcp yes",
                "nat64-block-log /var/log/tunxlat/blocks.log"));
        Nat64Settings s = c.nat64();
        int a0 = Addresses.parseIpv4("192.0.2.0");
        int a8 = Addresses.parseIpv4("192.0.2.8");
        int a9 = Addresses.parseIpv4("192.0.2.9");
        assertEquals(List.of(new Pool4.Range(Nat64Protocol.TCP, a0, 1024, 2047),
                new Pool4.Range(Nat64Protocol.TCP, A1, 1024, 2047), new Pool4.Range(Nat64Protocol.UDP, a0, 1024, 2047),
                new Pool4.Range(Nat64Protocol.UDP, A1, 1024, 2047), new Pool4.Range(Nat64Protocol.ICMP, a8, 0, 65535),
                new Pool4.Range(Nat64Protocol.TCP, a9, 2048, 4095), new Pool4.Range(Nat64Protocol.UDP, a9, 2048, 4095),
                new Pool4.Range(Nat64Protocol.ICMP, a9, 2048, 4095)), s.pool4().ranges());
        assertEquals(64, s.pool4().blockSize());
        assertEquals(2 * 16 + 32, s.pool4().blocks(Nat64Protocol.TCP));
        long[] server = Addresses.parseIpv6("2001:db8:6::80");
        assertEquals(List.of(new StaticBib(Nat64Protocol.TCP, server[0], server[1], 80, A1, 1030),
                new StaticBib(Nat64Protocol.UDP, server[0], server[1], 53, a9, 2053),
                new StaticBib(Nat64Protocol.ICMP, server[0], server[1], 0, a8, 0)), s.statics());
        assertEquals(64, s.subscriberLength());
        assertEquals(4, s.blocksPerSubscriber());
        assertEquals(1000, s.sessionsPerSubscriber());
        assertArrayEquals(new int[] {5000, 5000, 5000}, s.maxSessions());
        assertEquals(new Timeouts(600, 86400, 300, 8, 30), s.timeouts());
        assertTrue(s.addressDependentFiltering());
        assertTrue(s.dropExternallyInitiatedTcp());
        assertEquals(Path.of("/var/log/tunxlat/blocks.log"), c.nat64BlockLog());
    }

    @Test
    void deterministicModeAndEndpointIndependentFiltering() throws Exception {
        Nat64Settings s = parse(base("pool4 192.0.2.0/30", "nat64-deterministic 2001:db8:6::/56",
                "nat64-subscriber-prefix 64", "nat64-filtering endpoint-independent",
                "nat64-drop-externally-initiated-tcp no")).nat64();
        assertEquals(Ipv6Prefix.parse("2001:db8:6::/56", 128), s.deterministicRange());
        assertFalse(s.addressDependentFiltering());
        assertFalse(s.dropExternallyInitiatedTcp());
    }

    @Test
    void shortTimeoutsAreAllowedWithAWarning() throws Exception {
        String text = base("pool4 192.0.2.1", "nat64-timeout-udp 2", "nat64-timeout-tcp-est 4",
                "nat64-timeout-tcp-trans 3", "nat64-short-timeouts yes");
        assertEquals(new Timeouts(2, 4, 3, 6, 60), parse(text).nat64().timeouts());
        List<String> w = warnings(text);
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("t.conf:8: lifetimes below RFC 6146 §4's minimums are allowed"), w.get(0));
    }

    // ---- errors: each names file:line, what is wrong and the fix ----------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "pool4 300.1.1.1|t.conf:4: 'pool4' expects an IPv4 address or prefix such as 192.0.2.1",
        "pool4 192.0.2.1/30|t.conf:4: 'pool4' 192.0.2.1/30 has host bits set (the bits after /30 must be zero: did"
                + " you mean 192.0.2.0/30?)",
        "pool4 127.0.0.1|t.conf:4: 'pool4' 127.0.0.1/32 must be unicast addresses",
        "pool4 224.0.0.0/24|t.conf:4: 'pool4' 224.0.0.0/24 must be unicast addresses",
        "pool4 10.0.0.0/19|t.conf:4: 'pool4' lines give more than 4096 addresses in all (a /20)",
        "pool4 192.0.2.1 sctp|t.conf:4: 'pool4' expects an optional protocol (tcp, udp or icmp), then an optional"
                + " port range FIRST-LAST such as 1024-65535, got 'sctp'",
        "pool4 192.0.2.1 1024-65535 tcp|t.conf:4: 'pool4' expects an optional protocol (tcp, udp or icmp)",
        "pool4 192.0.2.1 tcp 2000-1000|t.conf:4: 'pool4' port range 2000-1000 must be FIRST-LAST with FIRST <= LAST"
                + " <= 65535",
        "pool4 192.0.2.1 udp 0-1023|t.conf:4: 'pool4' port range 0-1023 starts at 0, which is no TCP or UDP port;"
                + " start at 1",
        "pool4 192.0.2.1 a b c|t.conf:4: 'pool4' expects at most 3 arguments",
        "bib sctp 2001:db8:6::80 80 192.0.2.1 80|t.conf:5: 'bib' expects tcp, udp or icmp as its first argument",
        "bib tcp 2001:db8:6::/64 80 192.0.2.1 80|t.conf:5: 'bib' expects the IPv6 server's address",
        "bib tcp ff02::1 80 192.0.2.1 80|t.conf:5: 'bib' IPv6 address ff02::1 is not a unicast host address",
        "bib tcp 2001:db8:6::80 0 192.0.2.1 80|t.conf:5: 'bib' third argument must be a port from 1 to 65535, got '0'",
        "bib udp 2001:db8:6::80 53 192.0.2.1 65536|t.conf:5: 'bib' fifth argument must be a port from 1 to 65535",
        "bib tcp 2001:db8:6::80 80 192.0.2|t.conf:5: 'bib' expects 5 arguments, got 4 (usage: bib tcp|udp|icmp IPV6"
                + " PORT IPV4 PORT)",
        "bib tcp 2001:db8:6::80 80 192.0.2.99 80|t.conf:5: 'bib' tcp 192.0.2.99 80 is not in pool4 (RFC 6146"
                + " §3.5.1.1: bindings use pool4's transport addresses); add it to a 'pool4' line",
        "bib tcp 2001:db8:1:ffff::c000:201 80 192.0.2.1 80|t.conf:5: 'bib' IPv6 address 2001:db8:1:ffff::c000:201 lies in 'prefix'"
                + " 2001:db8:1:ffff::/96",
        "nat64-port-block 1|t.conf:5: 'nat64-port-block' must be 0 (no blocks) or from 2 to 65536",
        "nat64-port-block 70000|t.conf:5: 'nat64-port-block' must be an integer from 0 to 65536, got 70000",
        "nat64-subscriber-prefix 48|t.conf:5: 'nat64-subscriber-prefix' must be an integer from 64 to 128, got 48",
        "nat64-max-blocks 0|t.conf:5: 'nat64-max-blocks' must be an integer from 1 to 256, got 0",
        "nat64-max-sessions 20000000|t.conf:5: 'nat64-max-sessions' must be an integer from 1 to 16777216",
        "nat64-max-subscriber-sessions x|t.conf:5: 'nat64-max-subscriber-sessions' must be an integer from 1 to",
        "nat64-timeout-icmp 0|t.conf:5: 'nat64-timeout-icmp' must be an integer from 1 to 2592000, got 0",
        "nat64-timeout-syn 9999999|t.conf:5: 'nat64-timeout-syn' must be an integer from 1 to 2592000",
        "nat64-timeout-udp 60|t.conf:5: 'nat64-timeout-udp': UDP session lifetime 60 s is below UDP_MIN (120 s, RFC"
                + " 6146 §4); use at least 120 (or add 'nat64-short-timeouts yes', for tests only)",
        "nat64-timeout-tcp-est 3600|t.conf:5: 'nat64-timeout-tcp-est': TCP established lifetime 3600 s is below"
                + " TCP_EST (7440 s, RFC 6146 §4); use at least 7440 (or add 'nat64-short-timeouts yes'",
        "nat64-timeout-tcp-trans 60|t.conf:5: 'nat64-timeout-tcp-trans': TCP transitory lifetime 60 s is below"
                + " TCP_TRANS (240 s, RFC 6146 §4); use at least 240",
        "nat64-short-timeouts maybe|t.conf:5: 'nat64-short-timeouts' expects yes, no",
        "nat64-filtering open|t.conf:5: 'nat64-filtering' expects endpoint-independent or address-dependent",
        "nat64-drop-externally-initiated-tcp 2|t.conf:5: 'nat64-drop-externally-initiated-tcp' expects yes, no",
        "nat64-deterministic 2001:db8:6::|t.conf:5: 'nat64-deterministic' expects the IPv6 prefix of the subscribers",
        "nat64-deterministic 2001:db8:6::/112|t.conf:5: 'nat64-deterministic' 2001:db8:6::/112: pool4 has 511 tcp"
                + " blocks of 128 ports for the 65536 subscribers of 2001:db8:6::/112 (/128 each); add pool4 addresses"
                + " or use smaller blocks",
        "nat64-deterministic 2001:db8:6::/64|t.conf:5: 'nat64-deterministic' 2001:db8:6::/64: subscriber prefix"
                + " length /128 must be between the range's /64 and /95 (set 'nat64-subscriber-prefix')",
        "nat64-deterministic 2001:db8:1:ffff::/120|t.conf:5: 'nat64-deterministic' 2001:db8:1:ffff::/120 overlaps 'prefix'"
                + " 2001:db8:1:ffff::/96: give the prefix of the IPv6 subscribers",
        "nat64-block-log blocks.log|t.conf:5: 'nat64-block-log' must be an absolute path, got 'blocks.log'",
    })
    void eachErrorNamesTheLineWhatIsWrongAndTheFix(String line, String expected) {
        // a wrong pool4 line is the file's only pool4 (line 4); every other line follows a valid pool4 (line 5)
        String actual = error(line.startsWith("pool4") ? base(line) : base("pool4 192.0.2.1", line));
        assertTrue(actual.startsWith(expected), line + "\n expected: " + expected + "...\n actual:   " + actual);
    }

    @Test
    void overlappingPool4RangesOfOneProtocolAndAddressAreAnErrorInPool4sWords() {
        assertEquals("t.conf:5: pool4 ranges tcp 192.0.2.1 1-2000 and tcp 192.0.2.1 1024-3000 overlap; give each port"
                + " once (the first is on line 4)",
                error(base("pool4 192.0.2.1 tcp 1-2000", "pool4 192.0.2.0/30 tcp 1024-3000")));
        assertEquals("t.conf:5: pool4 ranges icmp 192.0.2.1 0-65535 and icmp 192.0.2.1 0-65535 overlap; give each"
                + " port once (the first is on line 4)", error(base("pool4 192.0.2.1", "pool4 192.0.2.1 icmp")));
    }

    @Test
    void aLineInsideAnEarlierPrefixOrHoldingSeveralIsCheckedAgainstTheFirstItOverlaps() {
        assertEquals("t.conf:7: pool4 ranges tcp 10.0.5.7 1-2000 and tcp 10.0.5.7 1500-1600 overlap; give each port"
                + " once (the first is on line 4)", error(base("pool4 10.0.4.0/22 tcp 1-2000", "pool4 10.0.5.0/24 udp",
                "pool4 10.1.0.0/24", "pool4 10.0.5.7 tcp 1500-1600")));
        assertEquals("t.conf:6: pool4 ranges tcp 10.0.5.0 1-2000 and tcp 10.0.5.0 1-65535 overlap; give each port"
                + " once (the first is on line 4)", error(base("pool4 10.0.4.0/22 tcp 1-2000", "pool4 10.0.5.0/24 udp",
                "pool4 10.0.5.0/28")));
        assertEquals("t.conf:6: pool4 ranges udp 10.0.5.16 1-65535 and udp 10.0.5.16 1-65535 overlap; give each"
                + " port once (the first is on line 4)", error(base("pool4 10.0.5.16/28", "pool4 10.0.5.0/28 udp",
                "pool4 10.0.4.0/23 udp")));
    }

    @Test
    void oneAddressMayServeEachProtocolAndPortRangeOnce() throws Exception {
        Pool4 pool = parse(base("pool4 192.0.2.1 tcp 1-2000", "pool4 192.0.2.1 tcp 2001-65535",
                "pool4 192.0.2.1 udp 1-2000", "pool4 192.0.2.1 icmp 0-1000")).nat64().pool4();
        assertEquals(4, pool.ranges().size());
    }

    @Test
    void duplicateStaticBindingsAreErrors() {
        assertEquals("t.conf:6: 'bib' tcp 2001:db8:6::80 80 is already bound on line 5 (an IPv6 transport address has"
                + " one static binding); remove one of the lines", error(base("pool4 192.0.2.1",
                        "bib tcp 2001:db8:6::80 80 192.0.2.1 80", "bib tcp 2001:db8:6::80 80 192.0.2.1 81")));
        assertEquals("t.conf:6: 'bib' udp 192.0.2.1 53 is already bound on line 5 (an IPv4 transport address has one"
                + " binding); remove one of the lines", error(base("pool4 192.0.2.1",
                        "bib udp 2001:db8:6::53 53 192.0.2.1 53", "bib udp 2001:db8:6::54 53 192.0.2.1 53")));
        // the same addresses and ports in another protocol are another binding
        assertEquals(List.of(), assertDoesParse(base("pool4 192.0.2.1", "bib tcp 2001:db8:6::53 53 192.0.2.1 53",
                "bib udp 2001:db8:6::53 53 192.0.2.1 53")));
    }

    private static List<String> assertDoesParse(String text) {
        try {
            return ConfigParser.parseWithWarnings(text, NAME).warnings();
        } catch (ConfigException e) {
            throw new AssertionError(e.errors().toString(), e);
        }
    }

    @Test
    void pool4NeedsAPrefix() {
        assertEquals("t.conf:5: 'pool4' needs a 'prefix': stateful NAT64 translates IPv6 destinations under the NAT64"
                + " prefix (its pool6, RFC 6146 §3.1); add for example 'prefix 64:ff9b::/96'",
                error("tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:1::2\nmap 192.168.255.2"
                        + " 2001:db8:6::2\npool4 192.0.2.1\n"));
    }

    @Test
    void pool4AndDynamicPoolExcludeEachOther() {
        assertEquals("t.conf:5: 'pool4' and 'dynamic-pool' (line 4) cannot be used together: IPv6 hosts without a"
                + " static 'map' either share pool4's ports (stateful) or get an address of their own (dynamic pool);"
                + " remove one of them", error(base("dynamic-pool 192.168.255.0/24", "pool4 192.0.2.1")));
    }

    @Test
    void statefulLinesWithoutPool4AreErrorsEachAtItsLine() {
        assertEquals(List.of(
                "t.conf:4: 'nat64-timeout-udp' does nothing without 'pool4' (stateful NAT64 is off); add a 'pool4' line"
                        + " or remove this one",
                "t.conf:5: 'bib' does nothing without 'pool4' (stateful NAT64 is off); add a 'pool4' line or remove"
                        + " this one"),
                errors(base("nat64-timeout-udp 600", "bib tcp 2001:db8:6::80 80 192.0.2.1 80")).stream().sorted().toList());
    }

    @Test
    void aWrongPool4LineIsNotAlsoReportedAsMissing() {
        assertEquals(List.of("t.conf:4: 'pool4' 127.0.0.1/32 must be unicast addresses (not 0/8, 127/8, multicast or"
                + " reserved space): IPv4 hosts answer to them"), errors(base("pool4 127.0.0.1", "nat64-max-blocks 4")));
    }

    @Test
    void checkListsEveryStatefulErrorOfAFile() {
        List<String> e = errors(base("pool4 192.0.2.1", "nat64-timeout-udp 60", "nat64-timeout-tcp-trans 10",
                "bib tcp 2001:db8:6::80 80 192.0.2.2 80", "nat64-filtering open"));
        assertEquals(4, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("t.conf:8: 'nat64-filtering'"), e.toString());
        assertTrue(e.stream().anyMatch(x -> x.startsWith("t.conf:5: 'nat64-timeout-udp'")), e.toString());
        assertTrue(e.stream().anyMatch(x -> x.startsWith("t.conf:6: 'nat64-timeout-tcp-trans'")), e.toString());
        assertTrue(e.stream().anyMatch(x -> x.startsWith("t.conf:7: 'bib' tcp 192.0.2.2 80 is not in pool4")),
                e.toString());
    }

    @Test
    void aPoolWithoutAWholeBlockOfAProtocolIsAnError() {
        assertEquals("t.conf:5: pool4 has no whole block of 128 udp ports (every range of it is shorter), so no udp"
                + " flow could start; give longer ranges or a smaller 'nat64-port-block'",
                error(base("pool4 192.0.2.1 tcp", "pool4 192.0.2.1 udp 5000-5099")));
    }

    @Test
    void portsTheBlocksDoNotFillAreAWarning() throws Exception {
        List<String> w = warnings(base("pool4 192.0.2.1 tcp 1000-2047", "pool4 192.0.2.1 udp 1024-2047"));
        assertEquals(List.of("t.conf:4: 'pool4' tcp ports 1000-1023 (24) are not a multiple of 'nat64-port-block' 128:"
                + " the last 24 of each address are never used (blocks do not cross 1023/1024 nor a range's end); give"
                + " a range of whole blocks or change 'nat64-port-block'"), w);
        // without blocks every port is used
        assertEquals(List.of(), warnings(base("pool4 192.0.2.1 tcp 1000-2047", "nat64-port-block 0")));
    }

    @Test
    void deterministicModeWithoutBlocksIsAnError() {
        assertTrue(error(base("pool4 192.0.2.1", "nat64-port-block 0", "nat64-deterministic 2001:db8:6::/120"))
                .startsWith("t.conf:6: 'nat64-deterministic' 2001:db8:6::/120: deterministic port blocks need a port"
                        + " block size (set 'nat64-port-block' above 0)"));
    }

    @Test
    void aBlockLogThatStaysEmptyIsAWarning() throws Exception {
        assertEquals(List.of("t.conf:6: 'nat64-block-log' stays empty: 'nat64-port-block 0' allocates ports one by one,"
                + " not in blocks"), warnings(base("pool4 192.0.2.1", "nat64-port-block 0",
                        "nat64-block-log /var/log/b.log")));
    }
    @Test
    void theLargestPoolParses() throws Exception {
        Pool4 pool = parse(base("pool4 10.0.0.0/21", "pool4 10.0.8.0/21")).nat64().pool4();
        assertEquals(4096 * 511, pool.blocks(Nat64Protocol.TCP));
        assertTrue(errors(base("pool4 10.0.0.0/20", "pool4 10.0.16.0")).get(0).startsWith("t.conf:5: 'pool4' lines"
                + " give more than 4096 addresses in all"));
    }
}
