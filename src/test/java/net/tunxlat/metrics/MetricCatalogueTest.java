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

/**
 * The metrics and drop reasons tables say what the code exports. The metrics table is split while the README
 * is cut into docs/: its rows may be in README.md, docs/metrics.md or docs/metrics-additions.md (the rows not
 * yet moved), each exactly once.
 */
class MetricCatalogueTest {
    static final List<Path> METRIC_TABLES = List.of(Path.of("README.md"), Path.of("docs/metrics.md"),
            Path.of("docs/metrics-additions.md"));

    private static final Pattern ROW = Pattern.compile("^\\| `(tunxlat_[a-z0-9_]+)` \\| (\\w+) \\|\\s*([^|]*?)\\s*\\| (.*) \\|$");

    @Test
    void readmeTableIsTheCatalogue() throws Exception {
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (Path table : METRIC_TABLES) {
            if (!Files.exists(table)) {
                continue;
            }
            for (String line : Files.readAllLines(table)) {
                Matcher m = ROW.matcher(line);
                if (m.matches()) {
                    assertNull(rows.put(m.group(1), new String[] {m.group(2), m.group(3), m.group(4)}),
                            "twice: " + m.group(1));
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (MetricCatalogue.Entry e : MetricCatalogue.ALL) {
            names.add(e.name());
            String[] row = rows.get(e.name());
            assertNotNull(row, e.name() + " is not in a metrics table (" + METRIC_TABLES + ")");
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
                    e.name() + ": reserved in the README exactly when reserved in the code");
        }
        assertEquals(new TreeSet<>(names), new TreeSet<>(rows.keySet()), "README rows vs MetricCatalogue");
    }

    @Test
    void everyDropReasonIsDocumented() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (DropReason r : DropReason.values()) {
            assertTrue(readme.contains("| `" + r.label() + "` | "), r.label() + " is not in the README's drop reasons table");
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
        }
        assertEquals(MetricCatalogue.ALL.stream().filter(MetricCatalogue.Entry::reserved).map(MetricCatalogue.Entry::name)
                .collect(java.util.stream.Collectors.toSet()), MetricCatalogue.RESERVED);
    }
}
