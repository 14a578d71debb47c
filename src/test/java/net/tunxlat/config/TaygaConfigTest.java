// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration rules of the maintained TAYGA (issue 14, item 4). */
class TaygaConfigTest {
    private static final Path NAME = Path.of("tayga.conf");
    private static final String BASE = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n";

    private static TunxlatConfig parse(String text, Map<String, String> env) throws ConfigException {
        return ConfigParser.parseWithWarnings(text, NAME, env::get).config();
    }

    private static ConfigException error(String text, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> parse(text, env));
    }

    @Test
    void directiveNamesAreAcceptedInAnyCaseAsTaygasStrcasecmp() throws Exception {
        TunxlatConfig c = parse("TUN-DEVICE nat64\nIpv4-Addr 192.168.255.1\nPrefix 64:ff9b::/96\nMAP 192.168.255.9 "
                + "2001:db8:6::9\nWkpf-Strict no\n", Map.of());
        assertEquals("nat64", c.tunDevice());
        assertEquals(Ipv6Prefix.parse("64:ff9b::/96", 96), c.prefix());
        assertEquals(1, c.maps().size());
        assertEquals(false, c.wkpfStrict());
        // The same directive in two spellings is still a duplicate.
        ConfigException e = error(BASE + "PREFIX 2001:db8:65::/96\n", Map.of());
        assertTrue(e.getMessage().startsWith("tayga.conf:4: duplicate 'prefix' directive, already given on line 3"),
                e.getMessage());
        // An unknown name still says which names there are.
        assertTrue(error(BASE + "Prefixx 1\n", Map.of()).getMessage().startsWith("tayga.conf:4: unknown directive 'Prefixx'"));
    }

    @Test
    void aMapOnTheTranslatorsOwnIpv4AddressIsRefusedWithLineAndFix() {
        ConfigException e = error(BASE + "# hosts\nmap 192.168.255.1 2001:db8:6::1\n", Map.of());
        assertEquals("tayga.conf:5: 'map' IPv4 side 192.168.255.1 is the translator's own 'ipv4-addr' (line 2): packets"
                + " to it are answered by the translator, so the mapped host would never get replies; map another IPv4"
                + " address or choose another 'ipv4-addr'", e.getMessage());
    }

    @Test
    void aMapWhosePrefixMerelyHoldsIpv4AddrIsAcceptedAsTaygaDoes() throws Exception {
        // TAYGA keeps ipv4-addr as a /32 of its own: only an exact /32 collides; the translator still answers .1 itself.
        assertEquals(1, parse(BASE + "map 192.168.255.0/24 2001:db8:6::/120\n", Map.of()).maps().size());
    }

    /**
     * The tayga.conf clatd writes (toreanderson/clatd, the lines of its "Write out the TAYGA config file" step) for a
     * NAT64 on the Well-Known Prefix: ipv4-addr 192.0.0.2 (RFC 7335) and no ipv6-addr. Accepted, the own IPv6
     * address derived as TAYGA 0.9.2 derives it; just outside 192.0.0.0/29 the RFC 6052 §3.1 refusal stands.
     */
    @Test
    void clatdsConfigurationForTheWellKnownPrefixIsAcceptedAndOnlyForRfc7335Addresses() throws Exception {
        String clatd = "# Ephemeral TAYGA config file written by /usr/sbin/clatd\n"
                + "# This file may be safely deleted at any time.\n"
                + "tun-device clat\nprefix 64:ff9b::/96\nipv4-addr 192.0.0.2\nmap 192.0.0.1 2001:db8:6::c1a7\n";
        TunxlatConfig c = parse(clatd, Map.of());
        assertNull(c.ipv6Addr());
        assertEquals(Ipv6Prefix.parse("64:ff9b::c000:2", 128), c.effectiveIpv6Addr());
        assertEquals(1, c.maps().size());
        assertTrue(c.wkpfStrict(), "wkpf-strict stays on for the translated packets");
        for (String edge : new String[] {"192.0.0.0", "192.0.0.7"}) {
            assertEquals(edge, Addresses.formatIpv4(
                    parse(clatd.replace("192.0.0.2", edge), Map.of()).ipv4Addr()));
        }
        ConfigException e = error(clatd.replace("ipv4-addr 192.0.0.2", "ipv4-addr 192.0.0.8"), Map.of());
        assertTrue(e.getMessage().contains("missing directive 'ipv6-addr': 'prefix' (line 4) is the Well-Known Prefix"
                + " 64:ff9b::/96 and 'ipv4-addr' 192.0.0.8 (line 5) is not a global address"), e.getMessage());
    }

    @Test
    void anIpv6AddrInsideTheWellKnownPrefixIsRefusedUnlessWkpfStrictIsOff() throws Exception {
        String text = "tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 64:ff9b::c0a8:ff01\nprefix 2001:db8:64::/96\n";
        ConfigException e = error(text, Map.of());
        assertEquals("tayga.conf:3: 'ipv6-addr' 64:ff9b::c0a8:ff01 lies in the Well-Known Prefix 64:ff9b::/96, which"
                + " holds only IPv4-embedded addresses (RFC 6052 §2.1); choose an address of your own IPv6 network, or"
                + " set 'wkpf-strict no'", e.getMessage());
        assertEquals(Ipv6Prefix.parse("64:ff9b::c0a8:ff01", 128), parse(text + "wkpf-strict no\n", Map.of()).ipv6Addr());
        // Just outside the /96 is fine.
        parse("tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 64:ff9b:0:0:1::1\nprefix 2001:db8:64::/96\n", Map.of());
    }

    @Test
    void stateDirectoryIsTheDefaultDataDirTheFileStillWins() throws Exception {
        assertNull(parse(BASE, Map.of()).dataDir());
        assertEquals(Path.of("/var/lib/tayga"), parse(BASE, Map.of("STATE_DIRECTORY", "/var/lib/tayga")).dataDir());
        assertEquals(Path.of("/var/lib/a"), parse(BASE, Map.of("STATE_DIRECTORY", "/var/lib/a:/var/lib/b")).dataDir(),
                "systemd lists several StateDirectory= entries with ':'; the first is used, as TAYGA does");
        assertEquals(Path.of("/srv/x"), parse(BASE + "data-dir /srv/x\n", Map.of("STATE_DIRECTORY", "/var/lib/t")).dataDir());
        assertNull(parse(BASE, Map.of("STATE_DIRECTORY", "")).dataDir());
        // A relative map-file resolves against it.
        assertEquals(Path.of("/var/lib/t/hosts.map"),
                parse(BASE + "map-file hosts.map\n", Map.of("STATE_DIRECTORY", "/var/lib/t")).mapFile());
        ConfigException e = error(BASE, Map.of("STATE_DIRECTORY", "state"));
        assertEquals("tayga.conf: no 'data-dir', and $STATE_DIRECTORY 'state' (the default data-dir) is not an absolute"
                + " path; add 'data-dir /ABSOLUTE/PATH'", e.getMessage());
        e = error(BASE + "map-file hosts.map\n", Map.of());
        assertTrue(e.getMessage().contains("is relative but no 'data-dir' is given (nor $STATE_DIRECTORY)"), e.getMessage());
    }

    @Test
    void dataDirProblemsAreNamedWithTheFix(@TempDir Path dir) throws Exception {
        assertNull(TaygaRules.dataDirProblem(parse(BASE, Map.of())), "no data-dir: nothing to check");
        assertNull(TaygaRules.dataDirProblem(parse(BASE + "data-dir " + dir + "\n", Map.of())));
        Path missing = dir.resolve("missing");
        assertEquals("'data-dir' " + missing + " does not exist; create it writable by the user tunxlat runs as (for"
                + " example 'install -d -o USER " + missing + "'), or name another directory",
                TaygaRules.dataDirProblem(parse(BASE + "data-dir " + missing + "\n", Map.of())));
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertTrue(TaygaRules.dataDirProblem(parse(BASE + "data-dir " + file + "\n", Map.of()))
                .startsWith("'data-dir' " + file + " is not a directory; "));
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        String problem = TaygaRules.dataDirProblem(parse(BASE + "data-dir " + ro + "\n", Map.of()));
        if ("root".equals(System.getProperty("user.name"))) {
            assertNull(problem, "root writes anywhere: nothing to report");
        } else {
            assertTrue(problem.startsWith("'data-dir' " + ro + " is not writable by this process (user "), problem);
        }
    }
}
