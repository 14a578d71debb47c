// SPDX-License-Identifier: Apache-2.0
package net.tunxlat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rooms (docs/architecture.md): a package never imports one of its own layer or of a layer above it, so the
 * dependencies point one way, from the command line down to the header views and checksums.
 */
class ArchitectureTest {
    /** Top to bottom. */
    static final List<List<String>> LAYERS = List.of(
            List.of("cli"),
            List.of("offline", "clat"),
            List.of("pipeline", "doctor", "migrate"),
            List.of("control", "metrics"),
            List.of("xlat"),
            List.of("nptv6", "offload"),
            List.of("config"),
            List.of("nat64"),
            List.of("header", "mapping", "pcap", "tun"),
            List.of("checksum", "util"));

    private static final Path MAIN = Path.of("src/main/java/net/tunxlat");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?net\\.tunxlat\\.([a-z0-9]+)\\.",
            Pattern.MULTILINE);

    @Test
    void everyPackageHasALayer() throws IOException {
        List<String> unplaced = new ArrayList<>();
        for (String p : imports().keySet()) {
            if (layer(p) < 0) {
                unplaced.add(p);
            }
        }
        assertEquals(List.of(), unplaced, "packages missing from ArchitectureTest.LAYERS (and docs/architecture.md)");
    }

    @Test
    void noPackageImportsItsOwnLayerOrOneAbove() throws IOException {
        List<String> upward = new ArrayList<>();
        for (Map.Entry<String, TreeSet<String>> e : imports().entrySet()) {
            int from = layer(e.getKey());
            for (String to : e.getValue()) {
                if (!to.equals(e.getKey()) && layer(to) <= from) {
                    upward.add(e.getKey() + " -> " + to);
                }
            }
        }
        assertEquals(List.of(), upward, "imports that do not point down (layers: " + LAYERS + ")");
    }

    @Test
    void theCheckSeesImports() throws IOException {
        // The test above would pass on an empty map: make sure it read real dependencies.
        assertTrue(imports().get("pipeline").contains("xlat"), imports().toString());
    }

    private static int layer(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }

    /** Package to the tunxlat packages its main classes import. */
    private static Map<String, TreeSet<String>> imports() throws IOException {
        Map<String, TreeSet<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Path rel = MAIN.relativize(f);
                if (rel.getNameCount() < 2) {
                    continue; // Main.java, the entry point, above everything
                }
                TreeSet<String> deps = out.computeIfAbsent(rel.getName(0).toString(), k -> new TreeSet<>());
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    deps.add(m.group(1));
                }
            }
        }
        return out;
    }
}
