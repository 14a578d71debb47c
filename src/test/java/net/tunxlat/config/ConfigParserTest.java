// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigParserTest {
    private static final Path NAME = Path.of("tayga.conf");
    private static final Path DEBIAN_EXAMPLE = Path.of("/usr/share/doc/tayga/tayga.conf.example");

    /** The directive lines of the TAYGA 0.9.2 example file that are active as shipped. */
    private static final String EXAMPLE_ACTIVE = """
            tun-device nat64
            ipv4-addr 192.168.255.1
            prefix 2001:db8:1:ffff::/96
            dynamic-pool 192.168.255.0/24
            data-dir /var/spool/tayga
            """;

    private static TunxlatConfig parse(String text) throws ConfigException {
        return ConfigParser.parse(text, NAME);
    }

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    /** A valid base with the given lines appended (lines 1 to 3 are the base). */
    private static String base(String... more) {
        return lines("tun-device nat64", "ipv4-addr 192.168.255.1", "prefix 2001:db8:1:ffff::/96") + lines(more);
    }

    private static Ipv4Prefix v4(String s) {
        return Ipv4Prefix.parse(s, 32);
    }

    private static Ipv6Prefix v6(String s) {
        return Ipv6Prefix.parse(s, 128);
    }

    private static ConfigException assertError(String text, int line, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        assertEquals(NAME, e.file());
        assertEquals(line, e.line(), e.getMessage());
        String prefix = line > 0 ? "tayga.conf:" + line + ": " : "tayga.conf: ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertEquals(prefix + e.detail(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
        return e;
    }

    @Nested
    class GoodFiles {
        @Test
        void exampleActiveLines() throws ConfigException {
            TunxlatConfig c = parse(EXAMPLE_ACTIVE);
            assertEquals(NAME, c.source());
            assertEquals("nat64", c.tunDevice());
            assertEquals(Addresses.parseIpv4("192.168.255.1"), c.ipv4Addr());
            assertNull(c.ipv6Addr());
            assertEquals(v6("2001:db8:1:ffff::/96"), c.prefix());
            assertEquals(v4("192.168.255.0/24"), c.dynamicPool());
            assertEquals(Path.of("/var/spool/tayga"), c.dataDir());
            assertNull(c.mapFile());
            assertEquals(List.of(), c.maps());
            // defaults
            assertTrue(c.wkpfStrict());
            assertFalse(c.strictFragHdr());
            assertEquals(UdpCksumMode.DROP, c.udpCksumMode());
            assertEquals(1280, c.offlinkMtu());
            assertEquals(EnumSet.noneOf(LogOption.class), c.log());
            assertEquals(0, c.workers());
            assertFalse(c.tunUp());
            assertFalse(c.zeroizeTrafficClass()); // RFC 7915 §4.1: the TOS is copied by default
            assertEquals(TunIo.AUTO, c.tunIo());
            assertEquals(List.of(), c.tunIps());
            assertEquals(List.of(), c.tunRoutes());
            // ipv4-addr embedded in the prefix
            assertEquals("2001:db8:1:ffff::c0a8:ff01/128", c.effectiveIpv6Addr().toString());
            assertEquals(List.of(), ConfigParser.parseWithWarnings(EXAMPLE_ACTIVE, NAME).warnings());
        }

        @Test
        void exampleWithItsCommentedAlternativesEnabled() throws ConfigException {
            // ipv6-addr is needed: 64:ff9b::/96 cannot embed the private 192.168.255.1 (RFC 6052 §3.1).
            TunxlatConfig c = parse(lines(
                    "tun-device nat64",
                    "ipv4-addr 192.168.255.1",
                    "ipv6-addr 2001:db8:1::2",
                    "prefix 64:ff9b::/96",
                    "dynamic-pool 192.168.255.0/24",
                    "data-dir /var/spool/tayga",
                    "map 192.168.5.42 2001:db8:1:4444::1",
                    "map 192.168.5.43 2001:db8:1:4444::2",
                    "map 192.168.255.2 2001:db8:1:569::143"));
            assertEquals(v6("2001:db8:1::2"), c.ipv6Addr());
            assertEquals(c.ipv6Addr(), c.effectiveIpv6Addr());
            assertEquals(v6("64:ff9b::/96"), c.prefix());
            assertEquals(List.of(
                    new MapEntry(v4("192.168.5.42/32"), v6("2001:db8:1:4444::1/128"), "tayga.conf:7"),
                    new MapEntry(v4("192.168.5.43/32"), v6("2001:db8:1:4444::2/128"), "tayga.conf:8"),
                    new MapEntry(v4("192.168.255.2/32"), v6("2001:db8:1:569::143/128"), "tayga.conf:9")),
                    c.maps());
        }

        @Test
        void exampleWithAlternativesAndTheNetworkSpecificPrefix() throws ConfigException {
            TunxlatConfig c = parse(EXAMPLE_ACTIVE + lines(
                    "ipv6-addr 2001:db8:1::2",
                    "map 192.168.5.42 2001:db8:1:4444::1",
                    "map 192.168.5.43 2001:db8:1:4444::2",
                    "map 192.168.255.2 2001:db8:1:569::143"));
            assertEquals(3, c.maps().size());
            assertEquals(v6("2001:db8:1:ffff::/96"), c.prefix());
            assertEquals(v6("2001:db8:1::2"), c.effectiveIpv6Addr());
        }

        @Test
        void readmeExampleWithTrailingComments() throws ConfigException {
            TunxlatConfig c = parse(lines(
                    "  tun-device nat64",
                    "  ipv4-addr 192.168.255.1",
                    "  prefix 2001:db8:1:ffff::/96     # replace with a prefix from",
                    "                                  # your site's address range",
                    "  dynamic-pool 192.168.255.0/24",
                    "  data-dir /var/db/tayga          # omit if you do not need persistent",
                    "                                  # dynamic address maps"));
            assertEquals(v6("2001:db8:1:ffff::/96"), c.prefix());
            assertEquals(Path.of("/var/db/tayga"), c.dataDir());
        }

        @Test
        void commentsBlankLinesTabsCrlfAndByteOrderMark() throws ConfigException {
            String text = "\uFEFF# leading comment\r\n"
                    + "\r\n"
                    + "tun-device\tnat64\t\r\n"
                    + "   \t  \r\n"
                    + "ipv4-addr 192.168.255.1#comment right after the value\r\n"
                    + "prefix\t 2001:db8:1:ffff::/96 \t# tab before the comment\r\n"
                    + "#map 192.168.5.42 2001:db8:1:4444::1\r\n"
                    + "map 192.168.5.42 2001:db8:1:4444::1";
            TunxlatConfig c = parse(text);
            assertEquals("nat64", c.tunDevice());
            assertEquals(Addresses.parseIpv4("192.168.255.1"), c.ipv4Addr());
            assertEquals(v6("2001:db8:1:ffff::/96"), c.prefix());
            assertEquals(1, c.maps().size());
            assertEquals("tayga.conf:8", c.maps().get(0).origin());
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "2001:db8::/32", "2001:db8:100::/40", "2001:db8:122::/48", "2001:db8:122:300::/56",
            "2001:db8:122:344::/64", "2001:db8:122:344::/96", "64:ff9b::/96", "64:ff9b:1::/48",
            "2001:DB8:0:0:0:0:0:0/32", "2001:db8:122:344::0.0.0.0/96",
        })
        void prefixForms(String prefix) throws ConfigException {
            TunxlatConfig c = parse(lines("tun-device nat64", "ipv4-addr 198.51.99.1", "prefix " + prefix));
            assertEquals(Ipv6Prefix.parse(prefix, -1), c.prefix());
        }

        @Test
        void mapForms() throws ConfigException {
            TunxlatConfig c = parse(base(
                    "map 192.0.2.1 2001:db8:5::1",
                    "map 192.0.2.2/32 2001:db8:5::2/128",
                    "map 198.51.100.0/24 2001:db8:6::/120",
                    "map 203.0.113.0/28 2001:db8:7::/64",
                    "map 10.0.0.0/8 2001:db8:8::/104",
                    "map 192.0.2.3 2001:db8:5:0:0:0:0:300/120",
                    "map 192.0.2.4 2001:db8:9::192.0.2.4"));
            assertEquals(List.of(
                    new MapEntry(v4("192.0.2.1/32"), v6("2001:db8:5::1/128"), "tayga.conf:4"),
                    new MapEntry(v4("192.0.2.2/32"), v6("2001:db8:5::2/128"), "tayga.conf:5"),
                    new MapEntry(v4("198.51.100.0/24"), v6("2001:db8:6::/120"), "tayga.conf:6"),
                    new MapEntry(v4("203.0.113.0/28"), v6("2001:db8:7::/64"), "tayga.conf:7"),
                    new MapEntry(v4("10.0.0.0/8"), v6("2001:db8:8::/104"), "tayga.conf:8"),
                    new MapEntry(v4("192.0.2.3/32"), v6("2001:db8:5::300/120"), "tayga.conf:9"),
                    new MapEntry(v4("192.0.2.4/32"), v6("2001:db8:9::c000:204/128"), "tayga.conf:10")),
                    c.maps());
        }

        @Test
        void mapsAloneWithIpv6AddrAndNoPrefix() throws ConfigException {
            TunxlatConfig c = parse(lines(
                    "tun-device clat",
                    "ipv4-addr 192.0.0.2",
                    "ipv6-addr 2001:db8:1::2",
                    "map 192.0.0.1 2001:db8:1::1"));
            assertNull(c.prefix());
            assertEquals(v6("2001:db8:1::2"), c.effectiveIpv6Addr());
        }

        @Test
        void mapsMayOverlapTheDynamicPoolAndIpv4AddrMayBeInsideIt() throws ConfigException {
            TunxlatConfig c = parse(base("dynamic-pool 192.168.255.0/24", "map 192.168.255.2 2001:db8:1:569::143",
                    "map 192.168.255.128/25 2001:db8:1:570::/121"));
            assertEquals(2, c.maps().size());
        }

        @Test
        void ipv6AddrInsideThePrefixIsAccepted() throws ConfigException {
            TunxlatConfig c = parse(base("ipv6-addr 2001:db8:1:ffff::1"));
            assertEquals(v6("2001:db8:1:ffff::1"), c.ipv6Addr());
        }

        @Test
        void wellKnownPrefixWithGlobalIpv4AddrDerivesTheIpv6Address() throws ConfigException {
            TunxlatConfig c = parse(lines("tun-device nat64", "ipv4-addr 198.51.99.1", "prefix 64:ff9b::/96"));
            assertNull(c.ipv6Addr());
            assertEquals("64:ff9b::c633:6301/128", c.effectiveIpv6Addr().toString());
        }

        @Test
        void wellKnownPrefixWithPrivateIpv4AddrIsAcceptedWhenWkpfStrictIsOff() throws ConfigException {
            TunxlatConfig c = parse(lines("tun-device nat64", "ipv4-addr 192.168.255.1", "prefix 64:ff9b::/96",
                    "wkpf-strict no"));
            assertFalse(c.wkpfStrict());
            assertEquals("64:ff9b::c0a8:ff01/128", c.effectiveIpv6Addr().toString());
        }

        @Test
        void newerTaygaDirectives() throws ConfigException {
            TunxlatConfig c = parse(base(
                    "wkpf-strict yes",
                    "udp-cksum-mode calc",
                    "offlink-mtu 1500",
                    "log drop reject icmp self",
                    "workers 4",
                    "tun-up yes",
                    "tun-ip 192.168.0.1/24",
                    "tun-ip 2001:DB8:1:0::1/64",
                    "tun-ip 192.168.0.2",
                    "tun-route 192.168.255.0/24",
                    "tun-route 2001:db8:1:ffff::/96",
                    "tun-route 2001:db8:2::5"));
            assertTrue(c.wkpfStrict());
            assertEquals(UdpCksumMode.CALC, c.udpCksumMode());
            assertEquals(1500, c.offlinkMtu());
            assertEquals(EnumSet.allOf(LogOption.class), c.log());
            assertEquals(4, c.workers());
            assertTrue(c.tunUp());
            assertEquals(List.of("192.168.0.1/24", "2001:db8:1::1/64", "192.168.0.2/32"), c.tunIps());
            assertEquals(List.of("192.168.255.0/24", "2001:db8:1:ffff::/96", "2001:db8:2::5/128"), c.tunRoutes());
        }

        @ParameterizedTest
        @CsvSource({"drop, DROP", "fwd, FWD", "calc, CALC", "CALC, CALC"})
        void udpCksumModes(String value, UdpCksumMode mode) throws ConfigException {
            assertEquals(mode, parse(base("udp-cksum-mode " + value)).udpCksumMode());
        }

        @ParameterizedTest
        @CsvSource({"1280, 1280", "1500, 1500", "9000, 9000", "65535, 65535"})
        void offlinkMtuRange(String value, int mtu) throws ConfigException {
            assertEquals(mtu, parse(base("offlink-mtu " + value)).offlinkMtu());
        }

        @ParameterizedTest
        @CsvSource({"0, 0", "1, 1", "1024, 1024"})
        void workersRange(String value, int workers) throws ConfigException {
            assertEquals(workers, parse(base("workers " + value)).workers());
        }

        @Test
        void tunxlatDirectivesDefaults() throws ConfigException {
            TunxlatConfig c = parse(EXAMPLE_ACTIVE);
            assertNull(c.rfc6791Pool());
            assertEquals(0, c.ipv4EgressMtu(), "0: unknown, left to the kernel");
            assertEquals(0, c.ipv6EgressMtu());
            assertEquals(TunxlatConfig.DEFAULT_ICMP_RATE_LIMIT, c.icmpRateLimit());
            assertEquals(100, c.icmpRateLimit());
            assertEquals(100, c.dynamicPoolRate(), "dynamic-pool-rate: 100 new bindings a second per /64");
        }

        @Test
        void dynamicPoolRate() throws ConfigException {
            assertEquals(5, parse(base("dynamic-pool-rate 5")).dynamicPoolRate());
            assertEquals(0, parse(base("dynamic-pool-rate 0")).dynamicPoolRate(), "0: no limit (TAYGA)");
            assertError(base("dynamic-pool-rate -1"), 4, "'dynamic-pool-rate' must be an integer from 0 to 1000000, got -1");
            assertError(base("dynamic-pool-rate many"), 4, "'dynamic-pool-rate' must be an integer");
            assertError(base("dynamic-pool-rate 1 2"), 4, "'dynamic-pool-rate' expects 1 argument, got 2 (usage:"
                    + " dynamic-pool-rate NEW-BINDINGS-PER-SECOND)");
            assertError(base("dynamic-pool-rate 1", "dynamic-pool-rate 2"), 5,
                    "duplicate 'dynamic-pool-rate' directive, already given on line 4");
        }

        @Test
        void tunxlatDirectivesTogether() throws ConfigException {
            TunxlatConfig c = parse(base(
                    "rfc6791-pool 203.0.113.8",
                    "ipv4-egress-mtu 1400",
                    "ipv6-egress-mtu 1280",
                    "icmp-rate-limit 1000"));
            assertEquals(v4("203.0.113.8/32"), c.rfc6791Pool());
            assertEquals(1400, c.ipv4EgressMtu());
            assertEquals(1280, c.ipv6EgressMtu());
            assertEquals(1000, c.icmpRateLimit());
            assertEquals(List.of(), ConfigParser.parseWithWarnings(base("rfc6791-pool 203.0.113.8"), NAME).warnings());
        }

        @ParameterizedTest
        @CsvSource({
            "203.0.113.8, 203.0.113.8/32", "203.0.113.8/32, 203.0.113.8/32", "203.0.113.0/28, 203.0.113.0/28",
            "192.0.2.0/24, 192.0.2.0/24", "10.0.0.0/8, 10.0.0.0/8", "128.0.0.0/2, 128.0.0.0/2",
        })
        void rfc6791PoolForms(String value, String prefix) throws ConfigException {
            assertEquals(v4(prefix), parse(base("rfc6791-pool " + value)).rfc6791Pool());
        }

        @ParameterizedTest
        @CsvSource({"68, 68", "576, 576", "1500, 1500", "9000, 9000", "65535, 65535"})
        void ipv4EgressMtuRange(String value, int mtu) throws ConfigException {
            assertEquals(mtu, parse(base("ipv4-egress-mtu " + value)).ipv4EgressMtu());
        }

        @ParameterizedTest
        @CsvSource({"1280, 1280", "1500, 1500", "9000, 9000", "65535, 65535"})
        void ipv6EgressMtuRange(String value, int mtu) throws ConfigException {
            assertEquals(mtu, parse(base("ipv6-egress-mtu " + value)).ipv6EgressMtu());
        }

        @ParameterizedTest
        @CsvSource({"0, 0", "1, 1", "100, 100", "1000000, 1000000"})
        void icmpRateLimitRange(String value, int limit) throws ConfigException {
            assertEquals(limit, parse(base("icmp-rate-limit " + value)).icmpRateLimit());
        }

        @Test
        void logOptionsSubset() throws ConfigException {
            assertEquals(EnumSet.of(LogOption.DROP), parse(base("log drop")).log());
            assertEquals(EnumSet.of(LogOption.REJECT, LogOption.SELF), parse(base("log self REJECT")).log());
        }

        @ParameterizedTest
        @CsvSource({
            "on, true", "off, false", "true, true", "false, false", "1, true", "0, false", "yes, true", "no, false",
            "ON, true", "No, false", "TRUE, true",
        })
        void booleansAcceptEveryTaygaSpelling(String value, boolean expected) throws ConfigException {
            assertEquals(expected, parse(base("tun-up " + value)).tunUp());
            assertEquals(expected, parse(base("wkpf-strict " + value)).wkpfStrict());
            assertEquals(expected, parse(base("strict-frag-hdr " + value)).strictFragHdr());
            assertEquals(expected, parse(base("zeroize-traffic-class " + value)).zeroizeTrafficClass());
        }

        @ParameterizedTest
        @CsvSource({"auto, AUTO", "uring, URING", "readwrite, READWRITE", "URING, URING", "ReadWrite, READWRITE"})
        void tunIo(String value, TunIo expected) throws ConfigException {
            assertEquals(expected, parse(base("tun-io " + value)).tunIo());
        }

        @Test
        void strictFragHdrIsAcceptedWithAWarning() throws ConfigException {
            ConfigParser.Parsed p = ConfigParser.parseWithWarnings(base("# comment", "strict-frag-hdr on"), NAME);
            assertTrue(p.config().strictFragHdr());
            assertEquals(1, p.warnings().size());
            String w = p.warnings().get(0);
            assertTrue(w.startsWith("tayga.conf:5: 'strict-frag-hdr'"), w);
            assertTrue(w.contains("RFC 7915"), w);
        }

        @Test
        void mapFileRelativeToDataDirEvenWhenDataDirComesLater() throws ConfigException {
            TunxlatConfig c = parse(base("map-file maps.conf", "data-dir /var/lib/tunxlat"));
            assertEquals(Path.of("/var/lib/tunxlat/maps.conf"), c.mapFile());
        }

        @Test
        void mapFileAbsoluteWithoutDataDir() throws ConfigException {
            TunxlatConfig c = parse(base("map-file /etc/tunxlat/maps.conf"));
            assertEquals(Path.of("/etc/tunxlat/maps.conf"), c.mapFile());
            assertNull(c.dataDir());
        }

        @Test
        void mapFileAloneIsSomethingToTranslate() throws ConfigException {
            TunxlatConfig c = parse(lines("tun-device nat64", "ipv4-addr 192.0.2.1", "ipv6-addr 2001:db8::1",
                    "map-file /etc/tunxlat/maps.conf"));
            assertEquals(List.of(), c.maps());
        }

        @Test
        void tunDeviceNames() throws ConfigException {
            assertEquals("a", parse(lines("tun-device a", "ipv4-addr 198.51.99.1", "prefix 64:ff9b::/96")).tunDevice());
            assertEquals("nat64-0123456.x", parse(lines("tun-device nat64-0123456.x", "ipv4-addr 198.51.99.1",
                    "prefix 64:ff9b::/96")).tunDevice());
        }

        @Test
        void readsAFile(@TempDir Path dir) throws ConfigException, IOException {
            Path file = dir.resolve("tunxlat.conf");
            Files.writeString(file, EXAMPLE_ACTIVE + "strict-frag-hdr off\n");
            ConfigParser.Parsed p = ConfigParser.parseWithWarnings(file);
            assertEquals(file, p.config().source());
            assertEquals("nat64", p.config().tunDevice());
            assertEquals(1, p.warnings().size());
            assertTrue(p.warnings().get(0).startsWith(file + ":6: 'strict-frag-hdr'"), p.warnings().get(0));
            assertEquals(p.config(), ConfigParser.parse(file));
        }

        @Test
        void debianExampleFileLoadsUnchanged() throws ConfigException, IOException {
            Assumptions.assumeTrue(Files.isReadable(DEBIAN_EXAMPLE),
                    DEBIAN_EXAMPLE + " is not installed (Debian package tayga); skipped");
            TunxlatConfig c = ConfigParser.parse(DEBIAN_EXAMPLE);
            assertEquals("nat64", c.tunDevice());
            assertEquals(Addresses.parseIpv4("192.168.255.1"), c.ipv4Addr());
            assertEquals(v6("2001:db8:1:ffff::/96"), c.prefix());
            assertEquals(v4("192.168.255.0/24"), c.dynamicPool());
            assertEquals(Path.of("/var/spool/tayga"), c.dataDir());
        }
    }

    @Nested
    class Nptv6Directives {
        @Test
        void nptv6OnlyConfigurationNeedsNoIpv4() throws ConfigException {
            TunxlatConfig c = parse(lines("tun-device npt", "nptv6 fd01:203:405::/48 2001:db8:1::/48",
                    "nptv6 fd00:a::/64 2001:db8:2::/64 outbound", "nptv6 fd00:b::/64 2001:db8:2::/64 inbound",
                    "nptv6-learn-max 1024", "nptv6-learn-timeout 600"));
            assertFalse(c.hasNat64());
            assertEquals(3, c.nptv6().size());
            assertEquals(Nptv6Entry.Direction.OUTBOUND, c.nptv6().get(1).direction());
            assertEquals(Nptv6Entry.Direction.INBOUND, c.nptv6().get(2).direction());
            assertEquals("tayga.conf:2", c.nptv6().get(0).origin());
            assertEquals(1024, c.nptv6LearnMax());
            assertEquals(600, c.nptv6LearnTimeout());
            assertNull(c.effectiveIpv6Addr());
        }

        @Test
        void nptv6BesideNat64() throws ConfigException {
            TunxlatConfig c = parse(base("nptv6 fd01:203:405::/48 2001:db8:1::/48"));
            assertTrue(c.hasNat64());
            assertEquals(1, c.nptv6().size());
        }

        @Test
        void refusesLongPrefixesOverlapsAndBadDirections() {
            assertError(lines("tun-device npt", "nptv6 fd01::/80 2001:db8:1::/48"), 2, "longer than /64");
            assertError(lines("tun-device npt", "nptv6 fd01::/48 2001:db8:1::/48", "nptv6 fd01:0:0:1::/64 2001:db8:2::/64"),
                    3, "overlaps inside prefix fd01::/48 of line 2");
            assertError(lines("tun-device npt", "nptv6 fd01::/48 2001:db8:1::/48", "nptv6 fd02::/48 2001:db8:1:5::/64"),
                    3, "without being equal to it");
            assertError(lines("tun-device npt", "nptv6 fd01::/48 fd01:0:0:1::/64"), 2, "overlaps its outside prefix");
            assertError(lines("tun-device npt", "nptv6 fd01::/48 2001:db8:1::/48 sideways"), 2,
                    "direction must be both, outbound or inbound");
            assertError(lines("tun-device npt", "nptv6 fd01::1/48 2001:db8:1::/48"), 2, "has host bits set");
            assertError(lines("tun-device npt", "ipv6-addr 2001:db8:1::1", "nptv6 fd01::/48 2001:db8:1::/48"), 2,
                    "lies in the NPTv6 prefix pair of line 3");
        }
    }

    @Nested
    class BadFiles {
        @Test
        void unknownDirective() {
            assertError(base("# fine", "frobnicate yes"), 5, "unknown directive 'frobnicate'; expected one of");
        }

        @Test
        void missingTunDevice() {
            ConfigException e = assertError(lines("ipv4-addr 192.168.255.1", "prefix 2001:db8:1:ffff::/96"), 0,
                    "missing mandatory directive 'tun-device'");
            assertTrue(e.getMessage().startsWith("tayga.conf: missing"), e.getMessage());
        }

        @Test
        void missingIpv4Addr() {
            assertError(lines("tun-device nat64", "prefix 2001:db8:1:ffff::/96"), 0,
                    "missing mandatory directive 'ipv4-addr'");
        }

        @Test
        void missingIpv6AddrWithoutPrefix() {
            assertError(lines("tun-device nat64", "ipv4-addr 192.168.255.1", "map 192.168.5.42 2001:db8:1:4444::1"), 0,
                    "missing directive 'ipv6-addr' (the translator's own IPv6 address), which is mandatory when no"
                            + " 'prefix' is given");
        }

        @Test
        void emptyFile() {
            assertError("", 0, "missing mandatory directive 'tun-device'");
            assertError("# only a comment\n\n", 0, "missing mandatory directive 'tun-device'");
        }

        @Test
        void nothingToTranslate() {
            assertError(lines("tun-device nat64", "ipv4-addr 192.168.255.1", "ipv6-addr 2001:db8:1::2",
                    "dynamic-pool 192.168.255.0/24"), 0, "nothing to translate");
        }

        @Test
        void wellKnownPrefixAndPrivateIpv4AddrWithoutIpv6Addr() {
            assertError(lines("tun-device nat64", "ipv4-addr 192.168.255.1", "prefix 64:ff9b::/96"), 0,
                    "missing directive 'ipv6-addr': 'prefix' (line 3) is the Well-Known Prefix 64:ff9b::/96 and"
                            + " 'ipv4-addr' 192.168.255.1 (line 2) is not a global address");
            assertError(lines("tun-device nat64", "ipv4-addr 10.0.0.1", "wkpf-strict yes", "prefix 64:ff9b::/96"), 0,
                    "set 'wkpf-strict no'");
        }

        @Test
        void duplicateDirectiveNamesBothLines() {
            assertError(base("dynamic-pool 192.168.255.0/24", "prefix 2001:db8:2::/96"), 5,
                    "duplicate 'prefix' directive, already given on line 3 (only 'map', 'tun-ip', 'tun-route',"
                            + " 'nptv6', 'pool4' and 'bib' may appear more than once)");
            assertError(base("log drop", "log reject"), 5, "duplicate 'log' directive, already given on line 4");
            assertError(lines("tun-device a", "tun-device a"), 2, "already given on line 1");
            assertError(base("strict-frag-hdr on", "strict-frag-hdr on"), 5, "already given on line 4");
        }

        @Test
        void duplicateTunIpOrRoute() {
            assertError(base("tun-ip 192.168.0.1/24", "tun-ip 192.168.0.1/24"), 5,
                    "'tun-ip' 192.168.0.1/24 is already given on line 4");
            assertError(base("tun-route 2001:db8::/32", "tun-route 2001:DB8:0::/32"), 5, "already given on line 4");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "ipv4-addr 192.168.255.256   | 'ipv4-addr' expects an IPv4 address such as 192.168.255.1, got '192.168.255.256'",
            "ipv4-addr 192.168.255.1/24  | 'ipv4-addr' expects an IPv4 address",
            "ipv4-addr nat64.example     | 'ipv4-addr' expects an IPv4 address",
            "ipv6-addr 2001:db8::g       | 'ipv6-addr' expects an IPv6 address such as 2001:db8:1::2, got '2001:db8::g'",
            "ipv6-addr 2001:db8::1/64    | 'ipv6-addr' expects an address without a prefix length",
            "ipv6-addr 192.168.255.1     | 'ipv6-addr' expects an IPv6 address",
            "prefix 2001:db8:1:ffff::    | 'prefix' expects an IPv6 prefix such as 64:ff9b::/96",
            "prefix 192.168.0.0/16       | 'prefix' expects an IPv6 prefix",
            "map 192.168.5 2001:db8::1   | 'map' expects an IPv4 address or prefix (a.b.c.d[/LEN]) as its first argument, got '192.168.5'",
            "map 192.168.5.1 2001:db8:::1 | 'map' expects an IPv6 address or prefix (ADDR[/LEN]) as its second argument",
            "map 2001:db8::1 192.168.5.1 | 'map' expects an IPv4 address or prefix",
            "dynamic-pool 192.168.255.0  | 'dynamic-pool' expects an IPv4 prefix such as 192.168.255.0/24, got '192.168.255.0'",
            "tun-ip 192.168.0.300/24     | 'tun-ip' expects an IPv4 or IPv6 address",
            "tun-route fe80::1::2/64     | 'tun-route' expects an IPv4 or IPv6 prefix",
        })
        void badAddresses(String directive, String fragment) {
            assertError(lines("tun-device nat64", "# the directive under test", directive), 3, fragment);
        }

        @Test
        void reservedOwnAddresses() {
            assertError(lines("tun-device nat64", "ipv4-addr 127.0.0.1"), 2, "is a loopback address");
            assertError(lines("tun-device nat64", "ipv4-addr 224.0.0.5"), 2, "is a multicast address");
            assertError(lines("tun-device nat64", "ipv4-addr 0.0.0.0"), 2, "0.0.0.0/8");
            assertError(lines("tun-device nat64", "ipv4-addr 255.255.255.255"), 2, "limited broadcast");
            assertError(base("ipv6-addr ::"), 4, "is the unspecified address");
            assertError(base("ipv6-addr ::1"), 4, "is the loopback address");
            assertError(base("ipv6-addr ff02::1"), 4, "is a multicast address");
        }

        @Test
        void badPrefixLength() {
            ConfigException e = assertError(lines("tun-device nat64", "ipv4-addr 192.168.255.1", "", "", "", "",
                    "prefix 2001:db8:1::/80"), 7, "'prefix' length must be 32, 40, 48, 56, 64 or 96, got 80");
            assertEquals("tayga.conf:7: 'prefix' length must be 32, 40, 48, 56, 64 or 96, got 80", e.getMessage());
            assertError(lines("tun-device nat64", "prefix 2001:db8::/129"), 2,
                    "'prefix': the prefix length in '2001:db8::/129' must be a number from 0 to 128");
            assertError(lines("tun-device nat64", "prefix 2001:db8::/x"), 2, "must be a number from 0 to 128");
            assertError(lines("tun-device nat64", "prefix 2001:db8::/"), 2, "must be a number from 0 to 128");
            assertError(base("map 192.0.2.1/33 2001:db8::1"), 4,
                    "'map': the prefix length in '192.0.2.1/33' must be a number from 0 to 32");
            assertError(base("map 192.0.2.1 2001:db8::1/-1"), 4, "must be a number from 0 to 128");
            assertError(base("dynamic-pool 192.168.255.0/32"), 4,
                    "'dynamic-pool' length must be 31 or less (the lowest address of the pool is reserved), got 32");
        }

        @Test
        void prefixUOctetMustBeZero() {
            assertError(lines("tun-device nat64", "prefix 2001:db8:122:344:100::/96"), 2,
                    "'prefix' 2001:db8:122:344:100::/96: bits 64 to 71 (the \"u\" octet) must be zero");
        }

        @Test
        void hostBitsSet() {
            assertError(lines("tun-device nat64", "ipv4-addr 192.0.2.1", "prefix 2001:db8:1:ffff::1/96"), 3,
                    "'prefix' 2001:db8:1:ffff::1/96 has host bits set (the bits after /96 must be zero: did you mean"
                            + " 2001:db8:1:ffff::/96?)");
            assertError(base("map 192.0.2.1/24 2001:db8:2::/120"), 4,
                    "'map' 192.0.2.1/24 has host bits set (the bits after /24 must be zero: did you mean 192.0.2.0/24?)");
            assertError(base("map 192.0.2.0/24 2001:db8:2::1/120"), 4, "did you mean 2001:db8:2::/120?");
            assertError(base("dynamic-pool 192.168.255.1/24"), 4, "did you mean 192.168.255.0/24?");
            assertError(base("tun-route 192.168.255.1/24"), 4, "did you mean 192.168.255.0/24?");
        }

        @Test
        void mapIpv6SideWithFewerHostBits() {
            assertError(base("map 192.0.2.0/24 2001:db8:2::/124"), 4,
                    "'map' IPv6 side 2001:db8:2::/124 has 4 host bits but the IPv4 side 192.0.2.0/24 has 8; the IPv6"
                            + " side must have at least as many (RFC 7757)");
        }

        @Test
        void mapOverlappingPrefix() {
            assertError(base("map 192.168.5.42 2001:db8:1:ffff::c0a8:52a"), 4,
                    "'map' IPv6 side 2001:db8:1:ffff::c0a8:52a/128 overlaps 'prefix' 2001:db8:1:ffff::/96 (line 3)");
            assertError(base("map 192.0.2.0/24 2001:db8:1:ffff::/64"), 4, "overlaps 'prefix' 2001:db8:1:ffff::/96");
            // the prefix may come after the map; the map's line is reported
            assertError(lines("tun-device nat64", "ipv4-addr 198.51.99.1", "map 192.168.5.42 64:ff9b::1",
                    "prefix 64:ff9b::/96"), 3, "overlaps 'prefix' 64:ff9b::/96 (line 4)");
        }

        @Test
        void duplicateMap() {
            assertError(base("map 192.168.5.42 2001:db8:1:4444::1", "map 192.168.5.42/32 2001:db8:1:4444::2"), 5,
                    "'map' IPv4 side 192.168.5.42/32 is already mapped on line 4");
            assertError(base("map 192.168.5.42 2001:db8:1:4444::1", "", "map 192.168.5.43 2001:DB8:1:4444:0::1"), 6,
                    "'map' IPv6 side 2001:db8:1:4444::1/128 is already mapped on line 4");
        }

        @Test
        void relativeDataDir() {
            assertError(base("data-dir var/spool/tayga"), 4,
                    "'data-dir' must be an absolute path, got 'var/spool/tayga'");
        }

        @Test
        void relativeMapFileWithoutDataDir() {
            assertError(base("map-file maps.conf"), 4,
                    "'map-file' path 'maps.conf' is relative but no 'data-dir' is given");
        }

        @ParameterizedTest
        @ValueSource(strings = {"maybe", "2", "y", "enabled", "-1"})
        void badBoolean(String value) {
            assertError(base("tun-up " + value), 4,
                    "'tun-up' expects yes, no, on, off, true, false, 1 or 0, got '" + value + "'");
            assertError(base("wkpf-strict " + value), 4, "'wkpf-strict' expects yes, no");
            assertError(base("strict-frag-hdr " + value), 4, "'strict-frag-hdr' expects yes, no");
            assertError(base("zeroize-traffic-class " + value), 4,
                    "'zeroize-traffic-class' expects yes, no, on, off, true, false, 1 or 0, got '" + value + "'");
        }

        @ParameterizedTest
        @ValueSource(strings = {"io_uring", "read-write", "yes", "epoll"})
        void badTunIo(String value) {
            assertError(base("tun-io " + value), 4, "'tun-io' expects auto, uring or readwrite, got '" + value
                    + "' (auto: io_uring where the kernel allows it, else read/write)");
        }

        @ParameterizedTest
        @ValueSource(strings = {"1279", "0", "65536", "70000", "99999999999", "-1280", "1500b", "0x5dc", "+1500"})
        void mtuOutOfRange(String value) {
            assertError(base("offlink-mtu " + value), 4,
                    "'offlink-mtu' must be an integer from 1280 to 65535, got " + value);
        }

        @ParameterizedTest
        @ValueSource(strings = {"67", "0", "65536", "99999999999", "-1500", "1500b", "0x5dc", "+1500", "1e3"})
        void ipv4EgressMtuOutOfRange(String value) {
            assertError(base("ipv4-egress-mtu " + value), 4,
                    "'ipv4-egress-mtu' must be an integer from 68 to 65535, got " + value);
        }

        @ParameterizedTest
        @ValueSource(strings = {"1279", "68", "0", "65536", "-1280", "1280.0", "mtu"})
        void ipv6EgressMtuOutOfRange(String value) {
            assertError(base("ipv6-egress-mtu " + value), 4,
                    "'ipv6-egress-mtu' must be an integer from 1280 to 65535, got " + value);
        }

        @ParameterizedTest
        @ValueSource(strings = {"-1", "1000001", "99999999999", "10/s", "unlimited", "1.5"})
        void icmpRateLimitOutOfRange(String value) {
            assertError(base("icmp-rate-limit " + value), 4,
                    "'icmp-rate-limit' must be an integer from 0 to 1000000, got " + value);
        }

        @Test
        void badRfc6791Pool() {
            assertError(base("rfc6791-pool 203.0.113.1/24"), 4,
                    "'rfc6791-pool' 203.0.113.1/24 has host bits set (the bits after /24 must be zero: did you mean"
                            + " 203.0.113.0/24?)");
            assertError(base("rfc6791-pool 2001:db8::1"), 4,
                    "'rfc6791-pool' expects an IPv4 address or prefix, got '2001:db8::1'");
            assertError(base("rfc6791-pool 203.0.113"), 4, "'rfc6791-pool' expects an IPv4 address or prefix");
            for (String bad : new String[] {"0.0.0.0/0", "127.0.0.1", "224.0.0.0/4", "0.0.0.5", "96.0.0.0/3"}) {
                assertError(base("rfc6791-pool " + bad), 4, "must be unicast addresses");
            }
            assertError(base("rfc6791-pool 203.0.113.8/33"), 4,
                    "'rfc6791-pool': the prefix length in '203.0.113.8/33' must be a number from 0 to 32");
            assertError(base("rfc6791-pool 203.0.113.8/"), 4, "must be a number from 0 to 32");
        }

        @Test
        void tunxlatDirectivesArgumentsAndDuplicates() {
            assertError(base("rfc6791-pool 203.0.113.8 203.0.113.9"), 4,
                    "'rfc6791-pool' expects 1 argument, got 2 (usage: rfc6791-pool IPV4[/LEN])");
            assertError(base("ipv4-egress-mtu"), 4, "'ipv4-egress-mtu' expects 1 argument, got 0 (usage: ipv4-egress-mtu"
                    + " BYTES)");
            assertError(base("ipv6-egress-mtu 1280 1500"), 4, "'ipv6-egress-mtu' expects 1 argument, got 2");
            assertError(base("icmp-rate-limit"), 4, "'icmp-rate-limit' expects 1 argument, got 0 (usage: icmp-rate-limit"
                    + " ERRORS-PER-SECOND)");
            assertError(base("rfc6791-pool 203.0.113.8", "rfc6791-pool 203.0.113.9"), 5,
                    "duplicate 'rfc6791-pool' directive, already given on line 4");
            assertError(base("ipv4-egress-mtu 1500", "ipv4-egress-mtu 1500"), 5,
                    "duplicate 'ipv4-egress-mtu' directive, already given on line 4");
            assertError(base("ipv6-egress-mtu 1500", "# comment", "ipv6-egress-mtu 1280"), 6,
                    "duplicate 'ipv6-egress-mtu' directive, already given on line 4");
            assertError(base("icmp-rate-limit 10", "icmp-rate-limit 10"), 5,
                    "duplicate 'icmp-rate-limit' directive, already given on line 4");
        }

        @Test
        void workersOutOfRange() {
            assertError(base("workers 1025"), 4, "'workers' must be an integer from 0 to 1024, got 1025");
            assertError(base("workers -1"), 4, "'workers' must be an integer from 0 to 1024, got -1");
        }

        @Test
        void badKeywords() {
            assertError(base("udp-cksum-mode forward-it"), 4,
                    "'udp-cksum-mode' expects drop, fwd or calc, got 'forward-it'");
            assertError(base("log drop verbose"), 4, "'log' option 'verbose' is not one of drop, reject, icmp, self");
        }

        @Test
        void tooManyOrTooFewArguments() {
            assertError(base("dynamic-pool 192.168.255.0/24 192.168.254.0/24"), 4,
                    "'dynamic-pool' expects 1 argument, got 2 (usage: dynamic-pool IPV4-PREFIX/LEN)");
            assertError(base("map 192.168.5.42"), 4,
                    "'map' expects 2 arguments, got 1 (usage: map IPV4[/LEN] IPV6[/LEN])");
            assertError(base("map 192.168.5.42 2001:db8:1:4444::1 extra"), 4, "'map' expects 2 arguments, got 3");
            assertError(base("log"), 4, "'log' expects at least 1 argument, got 0");
            assertError(lines("tun-device"), 1, "'tun-device' expects 1 argument, got 0 (usage: tun-device NAME)");
            assertError(lines("tun-device nat64 # comment", "ipv4-addr  # 192.168.255.1"), 2,
                    "'ipv4-addr' expects 1 argument, got 0");
        }

        @Test
        void badTunDeviceNames() {
            assertError(lines("tun-device nat64-0123456789"), 1,
                    "'tun-device' name 'nat64-0123456789' is 16 bytes long; Linux interface names are 1 to 15 bytes");
            assertError(lines("tun-device n\u00e4t64-012345678"), 1, "is 16 bytes long");
            assertError(lines("tun-device nat/64"), 1, "contains '/'");
            assertError(lines("tun-device nat:64"), 1, "contains ':'");
            assertError(lines("tun-device nat\u00a064"), 1, "contains U+00A0");
            assertError(lines("tun-device nat\u000164"), 1, "contains U+0001");
            assertError(lines("tun-device .."), 1, "'tun-device' name cannot be '..'");
            assertError(lines("tun-device ."), 1, "'tun-device' name cannot be '.'");
        }

        @Test
        void errorsInAFileNameThePath(@TempDir Path dir) throws IOException {
            Path file = dir.resolve("bad.conf");
            Files.writeString(file, "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:1::/80\n");
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(file));
            assertEquals(file, e.file());
            assertEquals(3, e.line());
            assertEquals(file + ":3: 'prefix' length must be 32, 40, 48, 56, 64 or 96, got 80", e.getMessage());
        }

        @Test
        void invalidUtf8(@TempDir Path dir) throws IOException {
            Path file = dir.resolve("latin1.conf");
            Files.write(file, "tun-device nat64\n# ok\ndata-dir /var/spool/t\u00e4yga\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(file));
            assertEquals(3, e.line());
            assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        }

        @Test
        void missingFileIsAnIoException(@TempDir Path dir) {
            assertThrows(IOException.class, () -> ConfigParser.parse(dir.resolve("absent.conf")));
        }
    }
}
