// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import net.tunxlat.config.TunxlatConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tunxlat run --metrics-listen ADDRESS:PORT|off} overrides the {@code metrics-listen} directive. */
class MetricsListenFlagTest {
    @TempDir
    Path dir;

    private Path config(String extra) throws Exception {
        Path p = dir.resolve("t.conf");
        Files.writeString(p, "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:1:ffff::/96\n" + extra);
        return p;
    }

    @Test
    void flagOverridesTheDirective() throws Exception {
        Path f = config("metrics-listen 127.0.0.1:9000\n");
        StringWriter err = new StringWriter();
        assertEquals("127.0.0.1:9000", RunCommand.load(f, null, new PrintWriter(err)).metricsListen().toString());
        assertEquals("[::1]:9100", RunCommand.load(f, "[::1]:9100", new PrintWriter(err)).metricsListen().toString());
        assertNull(RunCommand.load(f, "off", new PrintWriter(err)).metricsListen());
        assertEquals("", err.toString());
    }

    @Test
    void withoutEitherTheDefaultApplies() throws Exception {
        TunxlatConfig c = RunCommand.load(config(""), null, new PrintWriter(new StringWriter()));
        assertEquals(TunxlatConfig.DEFAULT_METRICS_LISTEN, c.metricsListen());
    }

    @Test
    void badFlagIsABadCommandLine() throws Exception {
        CommandLineTest.Result r = CommandLineTest.run("run", "-c", config("").toString(), "--metrics-listen", "localhost:80");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("tunxlat: --metrics-listen expects ADDRESS:PORT"), r.err());
    }

    @Test
    void helpShowsTheFlag() {
        CommandLineTest.Result r = CommandLineTest.run("run", "--help");
        assertTrue(r.out().contains("--metrics-listen=ADDRESS:PORT|off"), r.out());
    }

    @Test
    void checkShowsWhereMetricsAreServed() throws Exception {
        CommandLineTest.Result r = CommandLineTest.run("check", "-c", config("metrics-listen [::]:9464\n").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("metrics       http://[::]:9464/metrics"), r.out());
        r = CommandLineTest.run("check", "-c", config("metrics-listen off\n").toString());
        assertTrue(r.out().contains("metrics       off"), r.out());
    }
}
