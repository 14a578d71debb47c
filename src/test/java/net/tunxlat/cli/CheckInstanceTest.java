// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import net.tunxlat.config.TunxlatConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tunxlat check} names the instance and the prefixes /readyz will announce (issue 18). */
class CheckInstanceTest {
    @TempDir
    Path dir;

    @Test
    void namesTheInstanceAndTheAnnouncedPrefixes() throws Exception {
        Path f = Files.writeString(dir.resolve("t.conf"), "tun-device nat64\nipv4-addr 192.0.2.254\n"
                + "ipv6-addr 2001:db8::1\nprefix 64:ff9b::/96\npool4 192.0.2.0/30\ninstance-name nat64-fra-1\n");
        CommandLineTest.Result r = CommandLineTest.run("check", "-c", f.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\n  instance-name nat64-fra-1\n"), r.out());
        assertTrue(r.out().contains("\n  announces     64:ff9b::/96, 192.0.2.0/30 (/readyz: what tunxlat-announce"
                + " routes here while ready)\n"), r.out());
        assertTrue(r.out().contains("/metrics, /readyz, /healthz"), r.out());
    }

    @Test
    void withoutInstanceNameItIsTheHostName() throws Exception {
        Path f = Files.writeString(dir.resolve("t.conf"), "tun-device npt\nnptv6 fd00::/48 2001:db8:5::/48\n");
        CommandLineTest.Result r = CommandLineTest.run("check", "-c", f.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\n  instance-name " + TunxlatConfig.hostName() + " (the host name)\n"), r.out());
        assertTrue(r.out().contains("\n  announces     2001:db8:5::/48 "), r.out());
    }
}
