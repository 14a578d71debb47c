// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tunxlat check} and the TAYGA-style start on what issue 14 changed in reading a tayga.conf. */
class TaygaDropInCommandTest {
    private static final String BASE = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n";

    @TempDir
    Path dir;

    @Test
    void aMissingDataDirIsAWarningForCheckAndAnErrorAtStart() throws Exception {
        Path missing = dir.resolve("spool");
        Path conf = Files.writeString(dir.resolve("tayga.conf"), BASE + "data-dir " + missing + "\n");
        CommandLineTest.Result check = CommandLineTest.run("check", "-c", conf.toString());
        assertEquals(0, check.status(), check.err());
        assertTrue(check.out().contains(conf + ": OK"), check.out());
        assertTrue(check.err().contains("tunxlat: warning: " + conf + ": 'data-dir' " + missing + " does not exist; create"
                + " it writable by the user tunxlat runs as"), check.err());
        assertTrue(check.err().contains("(tunxlat will not start until it can use it)"), check.err());

        // TAYGA's command line: stops before the TUN device, exit status 2 (a configuration error).
        CommandLineTest.Result start = CommandLineTest.run("-c", conf.toString(), "-d");
        assertEquals(2, start.status(), start.err());
        assertTrue(start.err().contains("tunxlat: " + conf + ": 'data-dir' " + missing + " does not exist"), start.err());

        Files.createDirectory(missing);
        check = CommandLineTest.run("check", "-c", conf.toString());
        assertEquals(0, check.status());
        assertFalse(check.err().contains("data-dir"), check.err());
    }

    @Test
    void checkPrintsEachIgnoredOrReplacedMapFileEntryAndAcceptsTheFile() throws Exception {
        Path map = Files.writeString(dir.resolve("hosts.map"),
                "map 192.168.255.2 2001:db8:6::3\nmap 192.168.255.7 2001:db8:6::7\nmap 192.168.255.7 2001:db8:6::8\n");
        Path conf = Files.writeString(dir.resolve("tayga.conf"),
                BASE + "map 192.168.255.2 2001:db8:6::2\nmap-file " + map + "\n");
        CommandLineTest.Result r = CommandLineTest.run("check", "-c", conf.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("tunxlat: warning: " + map + ":1: 'map 192.168.255.2/32 2001:db8:6::3/128' ignored:"
                + " its IPv4 side overlaps 'map 192.168.255.2/32 2001:db8:6::2/128' of " + conf + ":4"), r.err());
        assertTrue(r.err().contains("tunxlat: warning: " + map + ":3: 'map 192.168.255.7/32 2001:db8:6::8/128' replaces"
                + " 'map 192.168.255.7/32 2001:db8:6::7/128' of " + map + ":2"), r.err());
        assertTrue(r.out().contains("static maps   2"), r.out());
        assertTrue(r.out().contains("192.168.255.7/32 <-> 2001:db8:6::8/128  (" + map + ":3)"), r.out());
    }

    @Test
    void checkTakesDirectiveNamesInAnyCaseAndRefusesAMapOnIpv4Addr() throws Exception {
        Path conf = Files.writeString(dir.resolve("tayga.conf"), "Tun-Device nat64\nIPV4-ADDR 192.168.255.1\n"
                + "Prefix 2001:db8:64::/96\n");
        assertEquals(0, CommandLineTest.run("check", "-c", conf.toString()).status());
        Files.writeString(conf, BASE + "map 192.168.255.1 2001:db8:6::1\n");
        CommandLineTest.Result r = CommandLineTest.run("check", "-c", conf.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains(conf + ":4: 'map' IPv4 side 192.168.255.1 is the translator's own 'ipv4-addr'"
                + " (line 2)"), r.err());
    }
}
