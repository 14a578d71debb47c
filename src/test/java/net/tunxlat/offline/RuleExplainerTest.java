// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.tunxlat.cli.TranslateExplainTest;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binding rules on the pool's own clock: a host's first packet creates its binding, the next uses it,
 * and after {@link DynamicPool#ACTIVE_SECONDS} of silence its next packet makes the same binding active again.
 */
class RuleExplainerTest {
    @TempDir
    Path dir;

    @Test
    void newThenExistingThenDormantBindingMadeActiveAgain() throws Exception {
        Path conf = Files.writeString(dir.resolve("tunxlat.conf"), "tun-device nat64\nipv4-addr 192.168.255.1\n"
                + "prefix 2001:db8:64::/96\ndynamic-pool 192.168.255.0/24\n");
        TunxlatConfig config = ConfigParser.parse(conf);
        AtomicLong seconds = new AtomicLong(1_000_000);
        XlatState state = XlatState.forConfig(config, seconds::get);
        byte[] p = TranslateExplainTest.ipv6UdpFrom("2001:db8:5::5", "2001:db8:64::cb00:7102");
        try (OfflineTranslator xlat = new OfflineTranslator(state.install(new XlatSnapshot(config, state, 1500)))) {
            List<String> first = xlat.translate(p, 0).rules();
            assertTrue(first.get(0).startsWith("source: new binding 192.168.255."), first.toString());
            String bound = first.get(0).split(" ")[3];
            String binding = bound + " <-> 2001:db8:5::5";
            String pool24 = " (dynamic-pool 192.168.255.0/24)";
            String pair = binding + pool24;
            assertEquals(List.of("source: new binding " + pair, "destination: RFC 6052 prefix 2001:db8:64::/96"), first);
            assertEquals("source: binding " + pair, xlat.translate(p, 1).rules().get(0));
            seconds.addAndGet(DynamicPool.ACTIVE_SECONDS + 1);
            assertEquals("source: dormant binding " + binding + " made active again" + pool24, xlat.translate(p, 2).rules().get(0));
            assertEquals("source: binding " + pair, xlat.translate(p, 3).rules().get(0));
        }
    }
}
