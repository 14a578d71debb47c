// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import org.junit.jupiter.api.Test;

/** A reload keeps the running {@code instance-name}: it is a constant label of every metric, fixed at start. */
class ReloadInstanceNameTest {
    static final String BASE = "tun-device nat64\nipv4-addr 192.0.2.254\nprefix 2001:db8:64::/96\n";

    @Test
    void aNewNameNeedsARestart() throws Exception {
        TunxlatConfig running = ConfigParser.parse(BASE + "instance-name a\n", Path.of("t.conf"));
        TunxlatConfig parsed = ConfigParser.parse(BASE + "instance-name b\nmap 192.0.2.7 2001:db8::7\n", Path.of("t.conf"));
        List<String> changed = new ArrayList<>();
        TunxlatConfig kept = Reloader.keepRestartOnly(parsed, running, changed);
        assertEquals(List.of("instance-name"), changed);
        assertEquals("a", kept.instanceName());
        assertEquals(1, kept.maps().size(), "the rest of the reload applies");

        changed.clear();
        TunxlatConfig same = Reloader.keepRestartOnly(ConfigParser.parse(BASE + "instance-name a\n", Path.of("t.conf")),
                running, changed);
        assertEquals(List.of(), changed);
        assertEquals("a", same.instanceName());
    }
}
