// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.BlockEvent;
import net.tunxlat.nat64.BlockLogLine;
import net.tunxlat.nat64.Nat64BlockJournal;
import net.tunxlat.nat64.Nat64Listener;
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.Timeouts;
import net.tunxlat.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tunxlat nat64 whois}: from the deterministic rule and from the block records, text and JSON, and its errors. */
class Nat64WhoisTest {
    static final int A = Addresses.parseIpv4("192.0.2.1");
    static final Ipv6Prefix RANGE = Ipv6Prefix.parse("2001:db8:100::/56", -1);

    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    static Nat64Settings settings(Ipv6Prefix deterministic, int blockSize) {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            ranges.add(new Pool4.Range(p, A, 1024, 65535));
        }
        return new Nat64Settings(new Pool4(ranges, blockSize), new int[] {100, 100, 100}, 100, 64, 100, 8, deterministic,
                1024, Timeouts.RFC6146, false, false, 4, List.of());
    }

    TunxlatConfig config(Nat64Settings s) {
        return TunxlatConfig.builder().prefix(Ipv6Prefix.parse("64:ff9b::/96", -1)).nat64(s).dataDir(dir)
                .nat64BlockLog(dir.resolve("blocks.log")).build();
    }

    static Result whois(TunxlatConfig c, String... args) {
        Nat64Command.WhoisCommand cmd = new Nat64Command.WhoisCommand();
        new CommandLine(cmd).parseArgs(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = cmd.whois(c, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void deterministicModeAnswersFromTheConfigurationWhatTheTablesHandedOut() {
        Nat64Settings s = settings(RANGE, 128);
        // the tables give subscriber 2001:db8:100:5::/64 its port: whois must name that subscriber
        Nat64Tables t = new Nat64Tables(s, 1, Nat64Listener.NONE, () -> 0);
        Nat64Lookup r = new Nat64Lookup();
        assertEquals(Nat64Outcome.OK, t.table(Nat64Protocol.UDP).outbound(r, 0x20010db801000005L, 0x42, 40000,
                Addresses.parseIpv4("198.51.100.1"), 53, 0, 1));
        Result res = whois(config(s), "192.0.2.1", String.valueOf(r.port()), "--protocol", "udp");
        assertEquals(0, res.status(), res.err());
        int first = 1024 + 5 * 128;
        assertEquals("192.0.2.1 port " + r.port() + " (udp): subscriber 2001:db8:100:5::/64, block 192.0.2.1 " + first
                + "-" + (first + 127) + ", deterministic (RFC 7422, nat64-deterministic 2001:db8:100::/56): the same at"
                + " any time under this configuration\n", res.out());
        // every protocol without --protocol
        assertEquals(3, whois(config(s), "192.0.2.1", "1700").out().lines().count());
        // past the 256 subscribers' blocks: nobody's
        Result none = whois(config(s), "192.0.2.1", String.valueOf(1024 + 300 * 128));
        assertEquals(1, none.status());
        assertTrue(none.err().contains("is in no subscriber's block"), none.err());
    }

    @Test
    void logModeFindsTheBlockInTheBlockLogAndTheJournal() throws Exception {
        Ipv6Prefix sub = Ipv6Prefix.parse("2001:db8:1::/64", -1);
        Files.writeString(dir.resolve("blocks.log"), BlockLogLine.format(new BlockEvent(
                Instant.parse("2026-12-06T01:00:00Z"), true, Nat64Protocol.TCP, sub, A, 1024, 1151)) + "\n"
                + BlockLogLine.format(new BlockEvent(Instant.parse("2026-12-06T02:00:00Z"), false, Nat64Protocol.TCP,
                        sub, A, 1024, 1151)) + "\n");
        Nat64BlockJournal j = new Nat64BlockJournal(dir);
        j.append(new BlockEvent(Instant.parse("2026-12-06T03:00:00Z"), true, Nat64Protocol.UDP,
                Ipv6Prefix.parse("2001:db8:2::/64", -1), A, 1024, 1151));
        j.close();
        TunxlatConfig c = config(settings(null, 128));

        Result tcp = whois(c, "192.0.2.1", "1100", "2026-12-06T01:30:00Z");
        assertEquals(0, tcp.status(), tcp.err());
        assertEquals("192.0.2.1 port 1100 (tcp) at 2026-12-06T01:30:00Z: subscriber 2001:db8:1::/64, block 192.0.2.1"
                + " 1024-1151, from 2026-12-06T01:00:00Z to 2026-12-06T02:00:00Z\n", tcp.out());

        Result both = whois(c, "192.0.2.1", "1100", "1796528400", "--json"); // 2026-12-06T03:40:00Z
        assertEquals(0, both.status(), both.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(both.out().strip());
        assertEquals("log", json.get("mode"));
        assertEquals("2026-12-06T03:40:00Z", json.get("time"));
        List<?> answers = (List<?>) json.get("answers");
        assertEquals(1, answers.size(), both.out());
        Map<?, ?> a = (Map<?, ?>) answers.get(0);
        assertEquals("udp", a.get("protocol"));
        assertEquals("2001:db8:2::/64", a.get("subscriber"));
        assertEquals("2026-12-06T03:00:00Z", a.get("from"));
        assertNull(a.get("until"));

        Result nothing = whois(c, "192.0.2.1", "1100", "2026-12-06T02:30:00Z", "--protocol", "tcp");
        assertEquals(1, nothing.status());
        assertTrue(nothing.err().startsWith("tunxlat: no record of a block holding 192.0.2.1 port 1100 at"
                + " 2026-12-06T02:30:00Z"), nothing.err());
    }

    @Test
    void fromTheCommandLineWithAParsedConfiguration() throws Exception {
        String base = "tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:1::2\nprefix 64:ff9b::/96\n"
                + "control-socket off\nmetrics-listen off\npool4 192.0.2.1 1024-65535\nnat64-subscriber-prefix 64\n";
        Path det = dir.resolve("det.conf");
        Files.writeString(det, base + "nat64-deterministic 2001:db8:100::/56\n");
        CommandLineTest.Result r = CommandLineTest.run("nat64", "whois", "-c", det.toString(), "192.0.2.1", "1700",
                "--protocol", "tcp");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("192.0.2.1 port 1700 (tcp): subscriber 2001:db8:100:5::/64, block 192.0.2.1"
                + " 1664-1791, deterministic"), r.out());

        Path logged = dir.resolve("log.conf");
        Path blockLog = dir.resolve("blocks.log");
        Files.writeString(logged, base + "data-dir " + dir + "\nnat64-block-log " + blockLog + "\n");
        Files.writeString(blockLog, BlockLogLine.format(new BlockEvent(Instant.parse("2026-12-06T01:00:00Z"), true,
                Nat64Protocol.UDP, Ipv6Prefix.parse("2001:db8:7::/64", -1), A, 1024, 1151)) + "\n");
        r = CommandLineTest.run("nat64", "whois", "-c", logged.toString(), "192.0.2.1", "1030", "2026-12-06T01:00:00Z");
        assertEquals(0, r.status(), r.err());
        assertEquals("192.0.2.1 port 1030 (udp) at 2026-12-06T01:00:00Z: subscriber 2001:db8:7::/64, block 192.0.2.1"
                + " 1024-1151, from 2026-12-06T01:00:00Z to no release recorded (still held, or the records end)\n",
                r.out());
        assertEquals(2, CommandLineTest.run("nat64").status(), "the group alone prints its usage");
    }

    @Test
    void clearErrors() {
        TunxlatConfig c = config(settings(null, 128));
        Result outside = whois(c, "192.0.2.9", "1100");
        assertEquals(1, outside.status());
        assertTrue(outside.err().startsWith("tunxlat: 192.0.2.9 port 1100 is not in pool4"), outside.err());
        assertEquals(1, whois(c, "192.0.2.1", "80").status(), "below the pool's range");
        Result noLog = whois(c, "192.0.2.1", "1100");
        assertEquals(1, noLog.status());
        assertTrue(noLog.err().contains("no block log to search"), noLog.err());
        assertEquals(2, whois(c, "192.0.2.1", "1100", "yesterday").status());
        assertEquals(2, whois(c, "2001:db8::1", "1100").status());
        assertEquals(2, whois(c, "192.0.2.1", "70000").status());
        Result off = whois(TunxlatConfig.builder().build(), "192.0.2.1", "1100");
        assertEquals(1, off.status());
        assertTrue(off.err().contains("has no pool4 line"), off.err());
        Result noBlocks = whois(config(settings(null, 0)), "192.0.2.1", "1100");
        assertTrue(noBlocks.err().contains("allocates no port blocks"), noBlocks.err());
    }

    @Test
    void timesInEveryAcceptedForm() {
        Instant t = Instant.parse("2026-12-06T05:10:00Z");
        assertEquals(t, Nat64Command.parseTime("2026-12-06T05:10:00Z"));
        assertEquals(t, Nat64Command.parseTime("2026-12-06T05:10:00"));
        assertEquals(t, Nat64Command.parseTime("2026-12-06T06:10:00+01:00"));
        assertEquals(t, Nat64Command.parseTime(String.valueOf(t.getEpochSecond())));
        assertThrows(IllegalArgumentException.class, () -> Nat64Command.parseTime("06.12.2026"));
    }
}
