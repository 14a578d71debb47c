// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.tunxlat.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new TunxlatCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void checkAcceptsTaygaExampleAndPrintsSummary() throws Exception {
        Path f = write("tayga.conf", "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:1:ffff::/96\n"
                + "dynamic-pool 192.168.255.0/24\ndata-dir /var/spool/tayga\n");
        Result r = run("check", "-c", f.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains(": OK"));
        assertTrue(r.out().contains("2001:db8:1:ffff::c0a8:ff01"), r.out());
    }

    @Test
    void checkSummarisesStatefulNat64AndListsEveryStatefulError() throws Exception {
        String base = "tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:1::2\nprefix 64:ff9b::/96\n";
        Path f = write("stateful.conf", base + "pool4 192.0.2.0/30\nbib tcp 2001:db8:6::80 80 192.0.2.1 80\n");
        Result r = run("check", "-c", f.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("  pool4         4 addresses, blocks of 128 ports, 8 per subscriber, 1 static bib"
                + " entry, 262144 sessions per protocol"), r.out());

        Path bad = write("bad.conf", base + "dynamic-pool 192.168.255.0/24\npool4 192.0.2.1\nnat64-timeout-udp 10\n"
                + "bib tcp 2001:db8:6::80 80 192.0.2.9 80\n");
        r = run("check", "-c", bad.toString());
        assertEquals(2, r.status());
        assertEquals(List.of(
                "tunxlat: " + bad + ":6: 'pool4' and 'dynamic-pool' (line 5) cannot be used together: IPv6 hosts"
                        + " without a static 'map' either share pool4's ports (stateful) or get an address of their own"
                        + " (dynamic pool); remove one of them",
                "tunxlat: " + bad + ":7: 'nat64-timeout-udp': UDP session lifetime 10 s is below UDP_MIN (120 s, RFC"
                        + " 6146 §4); use at least 120 (or add 'nat64-short-timeouts yes', for tests only)",
                "tunxlat: " + bad + ":8: 'bib' tcp 192.0.2.9 80 is not in pool4 (RFC 6146 §3.5.1.1: bindings use"
                        + " pool4's transport addresses); add it to a 'pool4' line or choose one of pool4's tcp ports",
                "tunxlat: 3 errors"), r.err().lines().toList());
    }

    @Test
    void checkRefusesBadFileWithFileAndLine() throws Exception {
        Path f = write("bad.conf", "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8::/80\n");
        Result r = run("check", "-c", f.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("bad.conf:3:"), r.err());
        assertTrue(r.err().contains("32, 40, 48, 56, 64 or 96"), r.err());
    }

    @Test
    void checkPrintsEveryErrorThenHowMany() throws Exception {
        Path f = write("bad.conf", "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8::/80\nworkers -1\n"
                + "tun-up maybe\n");
        Result r = run("check", "-c", f.toString());
        assertEquals(2, r.status());
        assertEquals(List.of("tunxlat: " + f + ":3: 'prefix' length must be 32, 40, 48, 56, 64 or 96, got 80",
                "tunxlat: " + f + ":4: 'workers' must be an integer from 0 to 1024, got -1",
                "tunxlat: " + f + ":5: 'tun-up' expects yes, no, on, off, true, false, 1 or 0, got 'maybe'",
                "tunxlat: 3 errors"), r.err().lines().toList());
        assertEquals("", r.out());
    }

    @Test
    void checkSaysWhenItStoppedCollectingErrors() throws Exception {
        Path f = write("many.conf", "tun-device nat64\n" + "frob\n".repeat(30));
        Result r = run("check", "-c", f.toString());
        assertEquals(2, r.status());
        List<String> lines = r.err().lines().toList();
        assertEquals(ConfigException.MAX_ERRORS + 1, lines.size(), r.err());
        assertEquals("tunxlat: stopped after 20 errors; fix these and run 'tunxlat check -c " + f + "' again",
                lines.get(lines.size() - 1));
    }

    @Test
    void checkWarnsAboutTrafficItCannotCarryAndFailsOnlyWithStrict() throws Exception {
        Path f = write("routes.conf", "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "dynamic-pool 192.168.255.0/24\ntun-up yes\ntun-route 192.168.255.0/24\n");
        String warning = "tunxlat: warning: " + f + ":3: no 'tun-route' covers the NAT64 'prefix' 2001:db8:64::/96:"
                + " packets to it are not routed into nat64; add 'tun-route 2001:db8:64::/96' (or route it yourself)";
        Result r = run("check", "-c", f.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of(warning), r.err().lines().toList());
        assertTrue(r.out().contains(": OK"), r.out());
        assertTrue(r.out().contains("  warnings      1\n"), r.out());

        r = run("check", "--strict", "-c", f.toString());
        assertEquals(1, r.status(), r.err());
        assertEquals(List.of(warning), r.err().lines().toList());
        assertTrue(r.out().contains("  warnings      1 (--strict: exit status 1)"), r.out());

        Path good = write("good.conf", "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n");
        r = run("check", "--strict", "-c", good.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
    }

    @Test
    void missingFileIsAClearError() {
        Result r = run("check", "-c", dir.resolve("nope.conf").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("no such file"), r.err());
    }

    @Test
    void versionAndHelpOnEveryCommand() {
        Result r = run("--version");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("tunxlat "), r.out());
        for (String cmd : new String[] {"run", "check", "mktun", "rmtun"}) {
            Result h = run(cmd, "--help");
            assertEquals(0, h.status(), cmd);
            assertTrue(h.out().contains("Usage: tunxlat " + cmd), h.out());
        }
    }

    /** --user is --owner's old name, hidden from the help: both at once is a command line error, before any device is made. */
    @Test
    void mktunTakesOwnerOrItsOldNameUserNotBoth() throws Exception {
        Result r = run("mktun", "--dev", "tunxlat-none0", "--owner", "nobody", "--user", "nobody");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("--owner and --user are the same option"), r.err());
        CommandLine.ParseResult parsed = new CommandLine(new TunxlatCommand()).parseArgs("mktun", "--user", "nobody");
        assertEquals("nobody", parsed.subcommand().matchedOptionValue("--user", null));
    }

    @Test
    void taygaCommandLineIsAccepted() throws Exception {
        // TAYGA's options parse; a bad config then stops it before any system change.
        Path f = write("t.conf", "tun-device nat64\n");
        Result r = run("-c", f.toString(), "-d", "-u", "nobody", "-g", "nogroup", "-p", dir.resolve("pid").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("t.conf"), r.err());
        assertFalse(Files.exists(dir.resolve("pid")));
        r = run("--mktun", "-c", f.toString());
        assertEquals(2, r.status(), "--mktun reads tun-device from the configuration, which is invalid here");
        r = run("--mktun", "--rmtun", "-c", f.toString());
        assertEquals(2, r.status());
        r = run("-r", "-c", f.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("chroot"), r.err());
    }

    @Test
    void noArgumentsPrintsUsage() {
        Result r = run();
        assertEquals(2, r.status());
        assertTrue(r.out().contains("Usage: tunxlat"), r.out());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Result r = run("check", "--frobnicate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Unknown option"), r.err());
    }
}
