// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import net.tunxlat.cli.Rfc6724.Candidate;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunxlat gai-conf}: the generated table, checked with an RFC 6724 destination-selection model
 * on the classic NPTv6 case: a host with only a ULA (fd00:11:22:1::10) and an RFC 1918 IPv4 address
 * (192.168.1.10) looks up a dual-stack name (2001:db8:9::9 and 203.0.113.9).
 */
class GaiConfCommandTest {
    static final String ULA_SOURCE = "fd00:11:22:1::10";
    static final String V4_SOURCE = "192.168.1.10";
    static final Candidate V6 = new Candidate("2001:db8:9::9", ULA_SOURCE);
    static final Candidate V4 = new Candidate("203.0.113.9", V4_SOURCE);

    @TempDir
    Path dir;

    static String generated() {
        CommandLineTest.Result r = CommandLineTest.run("gai-conf", "--prefix", "fd00:11:22::/48");
        assertEquals(0, r.status(), r.err());
        return r.out();
    }

    /** The first candidate after sorting, for both input orders (the winner must not depend on it). */
    static Candidate winner(Rfc6724 table, Candidate a, Candidate b) {
        Candidate w1 = table.sort(List.of(a, b)).get(0);
        Candidate w2 = table.sort(List.of(b, a)).get(0);
        assertEquals(w1, w2, "the order of the candidates decided (" + table.decidingRule(a, b) + ")");
        return w1;
    }

    @Test
    void withGlibcDefaultsIpv4Wins() {
        Rfc6724 glibc = Rfc6724.fromGaiConf("");
        assertEquals(V4, winner(glibc, V6, V4));
        assertEquals("rule 5", glibc.decidingRule(V6, V4), "labels: ULA 6 vs ::/0 1; IPv4 4 and 4");
    }

    @Test
    void withTheRfc6724DefaultTableIpv4WinsToo() {
        Rfc6724 rfc = Rfc6724.fromGaiConf(Rfc6724.RFC6724_DEFAULT);
        assertEquals(V4, winner(rfc, V6, V4));
        assertEquals("rule 5", rfc.decidingRule(V6, V4));
    }

    @Test
    void withTheGeneratedTableIpv6Wins() {
        Rfc6724 fixed = Rfc6724.fromGaiConf(generated());
        assertEquals(V6, winner(fixed, V6, V4));
        assertEquals("rule 6", fixed.decidingRule(V6, V4), "labels now match on both sides; precedence 40 > 10");
        assertEquals(1, fixed.label(ULA_SOURCE));
        assertEquals(fixed.label("2001:db8:9::9"), fixed.label(ULA_SOURCE));
    }

    @Test
    void theGeneratedTableKeepsEverythingElseAsGlibcHasIt() {
        Rfc6724 glibc = Rfc6724.fromGaiConf("");
        Rfc6724 fixed = Rfc6724.fromGaiConf(generated());
        for (String a : List.of("::1", "2001:db8::1", "2002:c000:204::1", "::c000:204", "::ffff:192.0.2.4",
                "fec0::1", "fc00::1", "fd99::1", "2001:0:4136:e378::1", "64:ff9b::1", "fe80::1")) {
            assertEquals(glibc.label(a), fixed.label(a), "label of " + a);
            assertEquals(glibc.precedence(a), fixed.precedence(a), "precedence of " + a);
        }
        assertEquals(6, glibc.label(ULA_SOURCE));
        assertEquals(1, fixed.label(ULA_SOURCE));
    }

    @Test
    void sideEffectsAsDocumented() {
        Rfc6724 fixed = Rfc6724.fromGaiConf(generated());
        // Another site's ULA (label 6) no longer matches the source's label: IPv4 wins against it.
        assertEquals(V4, winner(fixed, new Candidate("fd99:1:2::5", ULA_SOURCE), V4));
        // The site's own ULA destinations still match.
        Candidate own = new Candidate("fd00:11:22:2::5", ULA_SOURCE);
        assertEquals(own, winner(fixed, own, V4));
        // A host with a global IPv6 address prefers IPv6 with either table.
        Candidate global = new Candidate("2001:db8:9::9", "2001:db8:1:1::10");
        assertEquals(global, winner(Rfc6724.fromGaiConf(""), global, V4));
        assertEquals(global, winner(fixed, global, V4));
    }

    @Test
    void outputIsValidGaiConfWithAllOfGlibcsLabels() {
        String out = generated();
        Pattern label = Pattern.compile("label (\\S+)/(\\d+) +(\\d+)");
        List<String> lines = out.lines().filter(l -> !l.startsWith("#")).toList();
        for (String l : lines) {
            var m = label.matcher(l);
            assertTrue(m.matches(), "not 'label PREFIX/LEN N' or a comment: '" + l + "'");
            Ipv6Prefix.parse(m.group(1) + "/" + m.group(2), -1); // a valid prefix, host bits zero
        }
        assertEquals(List.of("label ::1/128         0", "label ::/0            1", "label 2002::/16       2",
                "label ::/96           3", "label ::ffff:0:0/96   4", "label fec0::/10       5",
                "label fc00::/7        6", "label 2001:0::/32     7", "label fd00:11:22::/48 1"), lines);
        assertFalse(out.contains("\nprecedence"), "no precedence lines: glibc's defaults already do");
        assertTrue(out.contains("replaces glibc's whole built-in label table"), out);
        assertTrue(out.contains("Side effect"), out);
        assertTrue(out.contains("glibc's getaddrinfo()"), out);
    }

    @Test
    void refusesPrefixesOutsideFc00Slash7() {
        for (String p : List.of("2001:db8::/48", "fc00::/6", "fe80::/64", "::/0")) {
            CommandLineTest.Result r = CommandLineTest.run("gai-conf", "--prefix", p);
            assertEquals(2, r.status(), p);
            assertTrue(r.err().contains("is not a unique local address prefix (fc00::/7"), r.err());
        }
        CommandLineTest.Result bad = CommandLineTest.run("gai-conf", "--prefix", "fd00::1::/48");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("is not an IPv6 prefix"), bad.err());
        CommandLineTest.Result none = CommandLineTest.run("gai-conf");
        assertEquals(2, none.status());
        assertTrue(none.err().contains("--prefix"), none.err());
    }

    @Test
    void severalPrefixesAndPrefixesFromTheConfig() throws Exception {
        Path conf = dir.resolve("t.conf");
        Files.writeString(conf, "tun-device npt\nnptv6 fd01:203:405::/48 2001:db8:1::/48\n"
                + "nptv6 fd02::/48 2001:db8:2::/48 inbound\nnptv6 2001:db8:77::/48 2001:db8:3::/48\n");
        CommandLineTest.Result r = CommandLineTest.run("gai-conf", "-c", conf.toString(), "--prefix", "fd00:11:22::/48");
        assertEquals(0, r.status(), r.err());
        List<String> tail = r.out().lines().filter(l -> !l.startsWith("#")).toList().subList(8, 10);
        assertEquals(List.of("label fd00:11:22::/48   1", "label fd01:203:405::/48 1"), tail);
        Rfc6724 fixed = Rfc6724.fromGaiConf(r.out());
        assertEquals(V6, winner(fixed, V6, V4));
        Candidate other = new Candidate("2001:db8:9::9", "fd01:203:405:7::10");
        assertEquals(other, winner(fixed, other, V4));
    }
}
