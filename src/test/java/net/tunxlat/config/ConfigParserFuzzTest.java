// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.*;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.tunxlat.cli.TunxlatCommand;
import net.tunxlat.xlat.XlatSnapshot;
import picocli.CommandLine;
import net.tunxlat.LeakWatch;

/**
 * Fuzz test of the configuration parser (issue 9): any bytes as a configuration file. The parser either
 * accepts them or throws a {@link ConfigException} naming the file and a line of it, never anything else;
 * and what it accepts can be used: a translator snapshot is built from it (the dynamic pool, the static map,
 * NPTv6 tables) and {@code tunxlat check} prints it and exits 0. Corpus:
 * {@code src/test/resources/net/tunxlat/config/ConfigParserFuzzTestInputs/configFile/}.
 */
class ConfigParserFuzzTest {
    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("tunxlat-fuzz", ".conf");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Leaks Netty had reported before these tests (another class's, on purpose: LeakWatchTest). */
    static final int LEAK_MARK = LeakWatch.mark();

    @org.junit.jupiter.api.AfterAll
    static void noBufferLeaked() {
        LeakWatch.assertNoLeaks(LEAK_MARK);
    }

    @FuzzTest(maxDuration = "5m")
    @DictionaryEntries({"tun-device ", "ipv4-addr ", "ipv6-addr ", "prefix ", "wkpf-strict ", "map ", "dynamic-pool ",
        "data-dir ", "map-file ", "strict-frag-hdr ", "udp-cksum-mode ", "log ", "offlink-mtu ", "workers ", "tun-up ",
        "tun-ip ", "tun-route ", "rfc6791-pool ", "ipv4-egress-mtu ", "ipv6-egress-mtu ", "icmp-rate-limit ",
        "dynamic-pool-allow ", "nptv6 ", "nptv6-learn-max ", "nptv6-learn-timeout ", "tun-offload ", "tun-io ", "metrics-listen ",
        "dynamic-pool-rate ", "zeroize-traffic-class ", "pool4 ", "bib ", "nat64-port-block ", "nat64-subscriber-prefix ",
        "nat64-max-blocks ", "nat64-max-subscriber-sessions ", "nat64-max-sessions ", "nat64-timeout-udp ",
        "nat64-timeout-tcp-est ", "nat64-timeout-tcp-trans ", "nat64-timeout-icmp ", "nat64-timeout-syn ",
        "nat64-short-timeouts ", "nat64-filtering ", "nat64-drop-externally-initiated-tcp ", "nat64-deterministic ",
        "nat64-block-log ", "tcp ", "udp ", "icmp ", "1024-65535", "address-dependent", "64:ff9b::/96", "2001:db8::/32", "192.168.255.0/24", "/var/lib/tunxlat", "\\x0A", "#", "::",
        "::ffff:", "/128", "/32", "yes", "off", "calc", "drop reject icmp self", "[::1]:9464", "inbound"})
    void configFile(byte[] data) throws IOException {
        Files.write(FILE, data);
        TunxlatConfig c;
        try {
            c = ConfigParser.parseWithWarnings(FILE).config();
        } catch (ConfigException e) {
            assertEquals(FILE, e.file());
            long lines = 1;
            for (byte b : data) {
                if (b == '\n') {
                    lines++;
                }
            }
            assertTrue(e.errors().size() <= ConfigException.MAX_ERRORS);
            for (ConfigException x : e.errors()) {
                assertEquals(FILE, x.file());
                assertTrue(x.line() >= 0 && x.line() <= lines, () -> "line " + x.line() + " of " + FILE + ": " + x.getMessage());
                assertTrue(x.getMessage().startsWith(FILE + ":"), x.getMessage());
                assertFalse(x.detail().isBlank());
            }
            return;
        }
        // What parses can be used. (A pool larger than /16 is not built: its tables take hundreds of MiB.)
        if (c.dynamicPool() == null || c.dynamicPool().length() >= 16) {
            XlatSnapshot s = new XlatSnapshot(c);
            assertNotNull(s.config());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new TunxlatCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            throw ex;
        });
        int status = cl.execute("check", "-c", FILE.toString());
        if (c.mapFile() != null && !Files.isReadable(c.mapFile())) {
            // check also reads the map-file: a missing one is a clear error naming it, not a crash.
            assertEquals(2, status, () -> "tunxlat check with a missing map-file: " + err);
            assertTrue(err.toString().contains(c.mapFile().toString()), err::toString);
            return;
        }
        assertEquals(0, status, () -> "tunxlat check of a configuration the parser accepted: " + err);
        assertTrue(out.toString().startsWith(FILE + ": OK"), out::toString);
    }
}
