// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.tunxlat.xlat.DropReason;
import org.junit.jupiter.api.Test;
import java.util.stream.Collectors;

/** The metrics and drop reasons tables of docs/metrics.md say what the code exports. */
class MetricCatalogueTest {
    /** The metrics reference (moved out of the README, which links to it). */
    private static final Path REFERENCE = Path.of("docs/metrics.md");
    private static final Pattern ROW = Pattern.compile("^\\| `(tunxlat_[a-z0-9_]+)` \\| (\\w+) \\|\\s*([^|]*?)\\s*\\| (.*) \\|$");

    @Test
    void referenceTableIsTheCatalogue() throws Exception {
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(REFERENCE)) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                assertNull(rows.put(m.group(1), new String[] {m.group(2), m.group(3), m.group(4)}), "twice: " + m.group(1));
            }
        }
        List<String> names = new ArrayList<>();
        for (MetricCatalogue.Entry e : MetricCatalogue.ALL) {
            names.add(e.name());
            String[] row = rows.get(e.name());
            assertNotNull(row, e.name() + " is not in the metrics table of " + REFERENCE);
            assertEquals(e.type().prometheusType(), row[0], e.name());
            Set<String> labels = new TreeSet<>();
            for (String l : row[1].split(",")) {
                if (!l.isBlank()) {
                    labels.add(l.trim().replace("`", ""));
                }
            }
            labels.remove("le");
            assertEquals(new TreeSet<>(e.labels()), labels, e.name());
            assertEquals(e.reserved(), row[2].contains("*Reserved: exported once " + e.reservedFor() + " lands.*"),
                    e.name() + ": reserved in " + REFERENCE + " exactly when reserved in the code");
        }
        assertEquals(new TreeSet<>(names), new TreeSet<>(rows.keySet()), REFERENCE + " rows vs MetricCatalogue");
    }

    @Test
    void everyDropReasonIsDocumented() throws Exception {
        String reference = Files.readString(REFERENCE);
        for (DropReason r : DropReason.values()) {
            assertTrue(reference.contains("| `" + r.label() + "` | "), r.label() + " is not in the drop reasons table of " + REFERENCE);
        }
    }

    @Test
    void namesFollowPrometheusConventions() {
        Pattern snake = Pattern.compile("tunxlat_[a-z][a-z0-9_]*");
        for (MetricCatalogue.Entry e : MetricCatalogue.ALL) {
            assertTrue(snake.matcher(e.name()).matches(), e.name());
            assertEquals(e.type() == MetricCatalogue.Type.COUNTER, e.name().endsWith("_total"), e.name());
            assertFalse(e.labels().stream().anyMatch(l -> l.contains("addr") || l.contains("ip") && !l.equals("ip_version")),
                    e.name() + ": no address labels");
            assertFalse(e.help().isBlank());
            // the one label that holds an address: a configured pool4 address (a fixed set), on the pool4 meters only
            assertEquals(e.name().startsWith("tunxlat_nat64_pool4_"), e.labels().contains("pool4"), e.name());
        }
        assertEquals(MetricCatalogue.ALL.stream().filter(MetricCatalogue.Entry::reserved).map(MetricCatalogue.Entry::name)
                .collect(Collectors.toSet()), MetricCatalogue.RESERVED);
    }
}
