// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offline;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data sharing archive's training run walks what it claims to: its configuration parses, each of its
 * packets takes the path it stands for (so the translator's classes for that path are loaded), and it writes
 * nothing outside its directory.
 */
class StartTrainingTest {
    @TempDir
    Path dir;

    @Test
    void everyPacketTakesItsPath() throws Exception {
        TunxlatConfig config = ConfigParser.parse(StartTraining.writeConfig(dir));
        XlatState state = XlatState.forConfig(config, DynamicPool::systemSeconds);
        DynamicPool pool = state.pool();
        assertNotNull(pool, "the training configuration has a dynamic pool");
        assertFalse(config.nptv6().isEmpty(), "and NPTv6");
        List<OfflineTranslator.Kind> kinds = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        long nptv6 = -1;
        try (OfflineTranslator xlat = new OfflineTranslator(state.install(new XlatSnapshot(config, state, 1500)))) {
            long clock = 0;
            for (byte[] p : StartTraining.packets()) {
                clock += 1_000_000;
                OfflineTranslator.Result r = xlat.translate(p, 0, p.length, clock);
                kinds.add(r.kind());
                outcomes.add(r.outcome() + ", " + r.packets().size() + " emitted");
            }
            nptv6 = xlat.counters().local(XlatCounters.PACKETS_NPTV6_OUT);
        }
        String all = String.join("\n", outcomes);
        // The NPTv6 packet (7th) is rewritten, which OfflineTranslator does not classify: its counter says so.
        assertEquals(1, nptv6, all);
        assertEquals("1 emitted", outcomes.get(6).replaceAll(".*, ", ""), all);
        kinds.set(6, null);
        OfflineTranslator.Kind t = OfflineTranslator.Kind.TRANSLATED;
        assertEquals(Arrays.asList(t, t, t, t, OfflineTranslator.Kind.ANSWERED, OfflineTranslator.Kind.ECHO_REPLY, null,
                t, t, t, t, OfflineTranslator.Kind.ECHO_REPLY, t), kinds, all);
        assertEquals(1, pool.allocations(), "the unmapped IPv6 host got an address from the pool:\n" + all);
    }

    @Test
    void runsWithoutDeviceOrRootAndWritesOnlyInItsDirectory() throws Exception {
        StringWriter err = new StringWriter();
        TunxlatConfig config = ConfigParser.parse(StartTraining.writeConfig(dir));
        int emitted = StartTraining.run(config, new PrintWriter(err, true));
        assertEquals(StartTraining.packets().size(), emitted, err.toString());
        assertEquals("", err.toString());
        try (var files = Files.walk(dir)) {
            assertEquals(List.of("", "data", "data/dynamic.map", "training.conf"),
                    files.map(p -> dir.relativize(p).toString()).sorted().toList(), "the control socket is gone too");
        }
        assertTrue(Files.readString(dir.resolve("data/dynamic.map")).contains("2001:db8:6::99"),
                "the binding was written to data-dir");
    }
}
