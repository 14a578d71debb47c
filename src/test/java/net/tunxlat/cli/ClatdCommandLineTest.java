// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * clatd's command lines (toreanderson/clatd, the Perl CLAT, its {@code cmd(\&err, cfg("cmd-tayga"), "--config",
 * cfg("tayga-conffile"), "--mktun", cfgint("debug") ? "-d" : "")} and the same with {@code --nodetach}): with
 * debugging off the last argument is an empty string, which TAYGA ignores. The end-to-end run of the whole clatd
 * sequence is {@code ClatdCompatIT}.
 */
class ClatdCommandLineTest {
    @TempDir
    Path dir;

    /** A tayga.conf that parses but cannot start: its data-dir is missing, so a start stops at exit status 2. */
    private Path unstartable() throws Exception {
        return Files.writeString(dir.resolve("tayga.conf"), "tun-device clat\nprefix 2001:db8:64::/96\n"
                + "ipv4-addr 192.0.0.2\nmap 192.0.0.1 2001:db8:6::c1a7\ndata-dir " + dir.resolve("missing") + "\n");
    }

    @Test
    void clatdsEmptyArgumentIsAnOperandThatChangesNothing() throws Exception {
        String conf = unstartable().toString();
        for (String action : List.of("--mktun", "--nodetach", "--rmtun")) {
            TunxlatCommand parsed = new TunxlatCommand();
            new CommandLine(parsed).parseArgs("--config", conf, action, "");
            assertEquals(List.of(""), parsed.operands, action);
            assertEquals(Path.of(conf), parsed.config, action);
        }
        // clatd with debug=1 passes -d there instead: the same parse, no operand.
        TunxlatCommand debug = new TunxlatCommand();
        new CommandLine(debug).parseArgs("--config", conf, "--nodetach", "-d");
        assertTrue(debug.debug && debug.nodetach && debug.operands.isEmpty());
    }

    @Test
    void clatdsNodetachRunsTheDaemonPathWithOrWithoutTheEmptyArgument() throws Exception {
        String conf = unstartable().toString();
        CommandLineTest.Result with = CommandLineTest.run("--config", conf, "--nodetach", "");
        CommandLineTest.Result without = CommandLineTest.run("--config", conf, "--nodetach");
        assertEquals(2, with.status(), with.err());
        assertTrue(with.err().contains("'data-dir' " + dir.resolve("missing") + " does not exist"), with.err());
        assertFalse(with.err().contains("Unmatched") || with.err().contains("unexpected argument"), with.err());
        assertEquals(without.status(), with.status());
        assertEquals(without.err(), with.err());
    }

    @Test
    void aWordWhereClatdPutsTheEmptyArgumentIsRefusedBeforeAnythingHappens() throws Exception {
        String conf = unstartable().toString();
        Path pid = dir.resolve("pid");
        CommandLineTest.Result r = CommandLineTest.run("--config", conf, "--nodetach", "-p", pid.toString(), "nodetach");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().startsWith("tunxlat: unexpected argument 'nodetach': not a command (run, check, "), r.err());
        assertTrue(r.err().contains("(an empty argument, as clatd passes, is ignored)"), r.err());
        assertFalse(r.err().contains("data-dir"), "refused before the configuration is read: " + r.err());
        assertFalse(Files.exists(pid));
        // A misspelt command says the same, naming the commands.
        CommandLineTest.Result typo = CommandLineTest.run("rnu", "-c", conf);
        assertEquals(2, typo.status());
        assertTrue(typo.err().contains("unexpected argument 'rnu'") && typo.err().contains("run, check"), typo.err());
        // An empty argument alone is no TAYGA option: the usage, as with no argument at all.
        CommandLineTest.Result empty = CommandLineTest.run("");
        assertEquals(2, empty.status());
        assertTrue(empty.out().contains("Usage: tunxlat"), empty.out());
    }
}
