// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tunxlat shard routes}: the IPv6-side router's rules and tables, from the shard file. */
class ShardRoutesTest {
    static final String SHARDS = """
            nat64-prefix 64:ff9b::/96
            port-block 512
            subscriber-prefix 64
            instance xa
                subscribers 2001:db8:100::/58
                pool4 192.0.2.1 1024-65535
                standby xb
                standby-pool4 198.51.100.1 1024-65535
                next-hop 2001:db8:ff::a
            instance xb
                subscribers 2001:db8:200::/58
                pool4 192.0.2.2 1024-65535
                standby xa
                standby-pool4 198.51.100.2 1024-65535
                next-hop fe80::b dev eth1
            """;

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new TunxlatCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    /** The lines that are not comments. */
    private static List<String> commands(String out) {
        return out.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    }

    @Test
    void ipFormatGivesEachSubscriberItsInstanceThenItsStandby(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("shards.conf"), SHARDS);
        Run r = run("shard", "routes", "--shard-file", f.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of(
                "ip -6 rule add from 2001:db8:100::/58 to 64:ff9b::/96 lookup 1000 priority 1000",
                "ip -6 rule add from 2001:db8:100::/58 to 64:ff9b::/96 lookup 1001 priority 1001",
                "ip -6 rule add from 2001:db8:200::/58 to 64:ff9b::/96 lookup 1001 priority 1000",
                "ip -6 rule add from 2001:db8:200::/58 to 64:ff9b::/96 lookup 1000 priority 1001",
                "ip -6 route replace 64:ff9b::/96 via 2001:db8:ff::a table 1000",
                "ip -6 route replace 64:ff9b::/96 via fe80::b dev eth1 table 1001"), commands(r.out()));
        assertTrue(r.out().contains("# instance xa (table 1000); it withdraws with: ip -6 route del 64:ff9b::/96"
                + " table 1000"), r.out());
        assertTrue(r.out().contains("#   xa: 192.0.2.1/32 198.51.100.2/32"), r.out());
        assertTrue(r.out().contains("#   xb: 192.0.2.2/32 198.51.100.1/32"), r.out());
    }

    @Test
    void tableAndPriorityMove(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("shards.conf"), SHARDS);
        Run r = run("shard", "routes", "--shard-file", f.toString(), "--table", "200", "--priority", "50");
        assertEquals(0, r.status(), r.err());
        assertTrue(commands(r.out()).contains("ip -6 rule add from 2001:db8:200::/58 to 64:ff9b::/96 lookup 200"
                + " priority 51"), r.out());
        assertTrue(commands(r.out()).contains("ip -6 route replace 64:ff9b::/96 via 2001:db8:ff::a table 200"), r.out());
    }

    @Test
    void birdFormatHasATableAKernelProtocolAndASessionPerInstance(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("shards.conf"), SHARDS);
        Run r = run("shard", "routes", "--shard-file", f.toString(), "--format", "bird", "--local-as", "65000");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.contains("ipv6 table shard_xa;\nprotocol kernel shard_xa_kernel {\n    kernel table 1000;\n"),
                out);
        assertTrue(out.contains("    local as 65000;\n    neighbor fe80::b as 64513;\n    interface \"eth1\";\n"), out);
        assertTrue(out.contains("    ipv6 { table shard_xb; import where net = 64:ff9b::/96; export none; };\n"), out);
        assertTrue(out.contains("#   ip -6 rule add from 2001:db8:100::/58 to 64:ff9b::/96 lookup 1001 priority 1001"),
                out);
        assertTrue(out.contains("protocol bgp shard_xb_bgp {\n"), out);
        assertEquals(0, out.lines().filter(l -> l.startsWith("ip ")).count(), "the rules are comments in BIRD's file");
    }

    /** BIRD 2 itself parses the output (bird -p), where it is installed (the CI installs bird2). */
    @Test
    void birdParsesTheBirdFormat(@TempDir Path dir) throws Exception {
        Path bird = Path.of("/usr/sbin/bird");
        Assumptions.assumeTrue(Files.isExecutable(bird), "bird2 is not installed");
        Path f = Files.writeString(dir.resolve("shards.conf"), SHARDS);
        Run r = run("shard", "routes", "--shard-file", f.toString(), "--format", "bird");
        assertEquals(0, r.status(), r.err());
        Path conf = Files.writeString(dir.resolve("bird.conf"), "router id 192.0.2.254;\n" + r.out());
        Process p = new ProcessBuilder(bird.toString(), "-p", "-c", conf.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "bird -p: " + said + "\n" + r.out());
    }

    @Test
    void aBadShardFileNamesItsLines(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("shards.conf"), SHARDS.replace("standby xb", "standby xz"));
        Run r = run("shard", "routes", "--shard-file", f.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith(f + ":7: 'standby xz' of instance 'xa' names no instance"), r.err());
        assertEquals("", r.out());
        Run missing = run("shard", "routes", "--shard-file", dir.resolve("none").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().startsWith("tunxlat: cannot read "), missing.err());
        Run format = run("shard", "routes", "--shard-file", f.toString(), "--format", "frr");
        assertEquals(2, format.status());
        assertTrue(format.err().contains("--format must be ip or bird"), format.err());
    }
}
