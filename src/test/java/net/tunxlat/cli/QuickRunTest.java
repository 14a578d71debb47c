// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.tunxlat.pipeline.EndpointException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** QuickRun reads only what picocli reads the same way, and leaves everything else to picocli. */
class QuickRunTest {
    /** RunCommand's fields as picocli sets them for {@code args}, or null if picocli refuses the line. */
    static List<Object> picocli(String... args) {
        try {
            CommandLine.ParseResult pr = new CommandLine(new TunxlatCommand()).parseArgs(args);
            if (!pr.hasSubcommand() || pr.subcommand().isUsageHelpRequested() || pr.subcommand().isVersionHelpRequested()) {
                return null;
            }
            return fields((RunCommand) pr.subcommand().commandSpec().userObject());
        } catch (CommandLine.ParameterException e) {
            return null;
        }
    }

    static List<Object> fields(RunCommand r) {
        return Arrays.asList(r.config, r.debug, r.user, r.group, r.pidFile, r.metricsListen);
    }

    static void same(String... args) {
        RunCommand quick = QuickRun.parse(args);
        assertNotNull(quick, "QuickRun left " + List.of(args) + " to picocli");
        assertEquals(picocli(args), fields(quick), List.of(args).toString());
    }

    @Test
    void readsThePlainDaemonLinesAsPicocliDoes() {
        same("run");
        same("run", "-c", "/etc/tunxlat/other.conf");
        same("run", "--config", "relative.conf");
        same("run", "--config=/a.conf");
        same("run", "-c=/a.conf");
        same("run", "-c", "/odd=name.conf");
        same("run", "--config=/a=b.conf");
        same("run", "-d", "-c", "/a.conf");
        same("run", "-c", "/a.conf", "--debug");
        same("run", "-c", "/a.conf", "-u", "tunxlat", "-g", "tunxlat", "-p", "/run/tunxlat.pid");
        same("run", "--user=nobody", "--group=nogroup", "--pidfile=/tmp/p", "--metrics-listen=off");
        same("run", "--metrics-listen", "[::1]:9464", "-c", "/etc/tunxlat/tunxlat.conf");
        assertEquals(Path.of(RunCommand.DEFAULT_CONFIG), QuickRun.parse(new String[] {"run"}).config);
    }

    @Test
    void leavesEverythingElseToPicocli() {
        String[][] lines = {
            {}, {"check", "-c", "/a"}, {"-c", "/a"}, {"--config", "/a", "--nodetach", ""}, {"help", "run"},
            {"run", "--help"}, {"run", "-h"}, {"run", "-V"}, {"run", "--version"},
            {"run", "-c"}, {"run", "-c", ""}, {"run", "--config="}, {"run", "-c", "-d"}, {"run", "-c", "--debug"},
            {"run", "-dc", "/a"}, {"run", "-c/a"}, {"run", "-c", "/a", "-c", "/b"}, {"run", "-c", "/a", "--config=/b"},
            {"run", "-d", "-d"}, {"run", "-d", "--debug"}, {"run", "--debug=true"}, {"run", "extra"},
            {"run", "--unknown"}, {"run", "--", "-c"}, {"run", "-c", "/a\0b"}, {"run", "-u", "a", "--user", "b"},
            {"run", "--metrics-listen"}, {"run", "--metrics-listen", "-1"}, {"run", "-x"}, {"run", ""},
        };
        for (String[] line : lines) {
            assertNull(QuickRun.parse(line), List.of(line).toString());
        }
    }

    /** Random lines from the option names, values and odd tokens: whatever QuickRun reads, picocli reads the same. */
    @Test
    void randomLinesQuickRunReadsMeanTheSameToPicocli() {
        String[] tokens = {"-c", "--config", "-d", "--debug", "-u", "--user", "-g", "--group", "-p", "--pidfile",
            "--metrics-listen", "/etc/a.conf", "b.conf", "nobody", "[::1]:9464", "off", "-c=/x", "--config=y",
            "--user=u", "--metrics-listen=127.0.0.1:1", "-h", "-V", "", "x=y", "-dc", "run", "--"};
        Random random = new Random(19);
        int read = 0;
        for (int n = 0; n < 500; n++) {
            List<String> args = new ArrayList<>(List.of("run"));
            int len = random.nextInt(7);
            for (int i = 0; i < len; i++) {
                args.add(tokens[random.nextInt(tokens.length)]);
            }
            String[] line = args.toArray(new String[0]);
            RunCommand quick = QuickRun.parse(line);
            if (quick != null) {
                read++;
                assertEquals(picocli(line), fields(quick), args.toString());
            }
        }
        assertTrue(read > 40, "only " + read + " random lines were read by QuickRun: the test would prove little");
    }

    /** TunxlatCommand's fields as picocli sets them for TAYGA's daemon line {@code args}, or null if it is not one. */
    static List<Object> picocliTayga(String... args) {
        try {
            CommandLine.ParseResult pr = new CommandLine(new TunxlatCommand()).parseArgs(args);
            TunxlatCommand t = (TunxlatCommand) pr.commandSpec().userObject();
            boolean taygaStyle = pr.hasMatchedOption("-c") || t.debug || t.nodetach || t.user != null || t.group != null
                    || t.pidFile != null || t.mktun || t.rmtun || t.chroot;
            if (pr.hasSubcommand() || pr.isUsageHelpRequested() || pr.isVersionHelpRequested() || !taygaStyle
                    || t.mktun || t.rmtun || t.chroot || t.operands.stream().anyMatch(o -> !o.isEmpty())) {
                return null; // not the daemon: usage, --mktun, a refused operand, ...
            }
            return taygaFields(t);
        } catch (CommandLine.ParameterException e) {
            return null;
        }
    }

    static List<Object> taygaFields(TunxlatCommand t) {
        return Arrays.asList(t.config, t.debug, t.nodetach, t.user, t.group, t.pidFile, t.operands);
    }

    @Test
    void readsTaygasDaemonLinesAsPicocliDoes() {
        String[][] lines = {
            {"--config", "/tmp/clat.conf", "--nodetach", ""}, {"-c", "/etc/tayga.conf", "-d"}, {"-c", "/etc/tayga.conf"},
            {"-d"}, {"-n"}, {"-c", "/etc/tayga.conf", "-u", "tunxlat_1", "-g", "tunxlat_1", "-p", "/run/tayga.pid"},
            {"--config=/a.conf", "", "", "-n"},
        };
        for (String[] line : lines) {
            TunxlatCommand quick = QuickRun.parseTayga(line);
            assertNotNull(quick, List.of(line).toString());
            assertEquals(picocliTayga(line), taygaFields(quick), List.of(line).toString());
        }
        String[][] others = {
            {}, {""}, {"run"}, {"-c", "run"}, {"-u", "nobody", "-d"}, {"--mktun", "-c", "/a.conf"}, {"--rmtun"},
            {"-r", "-c", "/a.conf"}, {"-c", "/a.conf", "x"}, {"-c", "/a.conf", "-c", "/b.conf"}, {"--debug"},
            {"-dn"}, {"-c", "/a.conf", "--help"}, {"--version"}, {"-c", "/a.conf", "check"},
        };
        for (String[] line : others) {
            assertNull(QuickRun.parseTayga(line), List.of(line).toString());
        }
    }

    @Test
    void randomTaygaLinesQuickRunReadsMeanTheSameToPicocli() {
        String[] tokens = {"-c", "--config", "-d", "-n", "--nodetach", "-u", "--user", "-g", "--group", "-p",
            "--pidfile", "/etc/tayga.conf", "tayga.conf", "nobody", "user_1", "/run/t.pid", "", "", "x=y", "--mktun",
            "-r", "-h", "-V", "run", "check", "-dn", "--config=/x", "-p=/y"};
        Random random = new Random(64);
        int read = 0;
        for (int n = 0; n < 2_000; n++) { // picocli parses only the lines QuickRun read
            String[] line = new String[1 + random.nextInt(6)];
            for (int i = 0; i < line.length; i++) {
                line[i] = tokens[random.nextInt(tokens.length)];
            }
            TunxlatCommand quick = QuickRun.parseTayga(line);
            if (quick != null) {
                read++;
                assertEquals(picocliTayga(line), taygaFields(quick), Arrays.toString(line));
            }
        }
        assertTrue(read > 40, "only " + read + " random lines were read by QuickRun: the test would prove little");
    }

    @Test
    void versionAloneIsAnsweredWithPicoclisText() {
        for (String option : new String[] {"--version", "-V"}) {
            assertTrue(QuickRun.isVersion(new String[] {option}));
            StringWriter picocli = new StringWriter();
            CommandLine cl = new CommandLine(new TunxlatCommand());
            cl.setOut(new PrintWriter(picocli, true));
            assertEquals(0, cl.execute(option));
            StringWriter quick = new StringWriter();
            assertEquals(0, QuickRun.printVersion(new PrintWriter(quick, true)));
            assertEquals(picocli.toString(), quick.toString());
            assertTrue(quick.toString().startsWith("tunxlat "), quick.toString());
        }
        assertFalse(QuickRun.isVersion(new String[] {"--version", "run"}));
        assertFalse(QuickRun.isVersion(new String[] {"run", "--version"}));
        assertFalse(QuickRun.isVersion(new String[] {}));
    }

    @Test
    void failuresEndAsWithPicocli() {
        StringWriter text = new StringWriter();
        PrintWriter err = new PrintWriter(text, true);
        assertEquals(2, QuickRun.failed(new EndpointException("metrics-listen 127.0.0.1:1: cannot listen", null), err));
        assertEquals(1, QuickRun.failed(new IOException("cannot open /dev/net/tun"), err));
        assertEquals("tunxlat: metrics-listen 127.0.0.1:1: cannot listen\ntunxlat: cannot open /dev/net/tun\n",
                text.toString().replace(System.lineSeparator(), "\n"));
    }
}
