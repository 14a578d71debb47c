// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.BlockEvent;
import net.tunxlat.nat64.BlockLogLine;
import net.tunxlat.nat64.Nat64Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Block log lines name the instance that handed the block out (issue 18), and still parse. */
class Nat64BlockLogInstanceTest {
    @TempDir
    Path dir;

    @Test
    void theLogAndTheFileLinesStartWithTheInstance() throws Exception {
        List<String> log = new ArrayList<>();
        Nat64BlockLog blocks = new Nat64BlockLog(dir.resolve("blocks.log"), null, log::add, "nat64-b");
        blocks.open();
        BlockEvent e = new BlockEvent(Instant.parse("2026-12-06T05:10:00Z"), true, Nat64Protocol.TCP,
                Ipv6Prefix.parse("2001:db8:1::/64", -1), Addresses.parseIpv4("192.0.2.1"), 1024, 1151);
        blocks.onBlock(e);
        blocks.close();
        String record = "time=2026-12-06T05:10:00Z event=allocated subscriber=2001:db8:1::/64 protocol=tcp"
                + " ipv4=192.0.2.1 ports=1024-1151";
        assertEquals(List.of("nat64 block instance=nat64-b " + record), log);
        List<String> file = Files.readAllLines(dir.resolve("blocks.log"));
        assertEquals(List.of("instance=nat64-b " + record), file);
        assertEquals(e, BlockLogLine.parse(file.get(0)), "whois reads it");
        assertEquals(e, BlockLogLine.parse(log.get(0)));
    }
}
