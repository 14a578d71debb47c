// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * tunxlat is licensed under the Apache License 2.0 (LICENSE): every .java file of src/main and src/test
 * starts with the SPDX line that says so. {@code packaging/spdx-headers.sh} adds it where it is missing.
 */
class SpdxHeaderTest {
    static final String HEADER = "// SPDX-License-Identifier: Apache-2.0";

    @Test
    void everyJavaFileStartsWithTheSpdxLine() throws IOException {
        List<Path> missing = new ArrayList<>();
        int seen = 0;
        for (String root : List.of("src/main", "src/test")) {
            try (Stream<Path> files = Files.walk(Path.of(root))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    seen++;
                    if (!HEADER.equals(firstLine(f))) {
                        missing.add(f);
                    }
                }
            }
        }
        assertTrue(seen > 100, "found only " + seen + " .java files: is the working directory the project?");
        assertEquals(List.of(), missing.subList(0, Math.min(5, missing.size())), missing.size()
                + " .java file(s) do not start with '" + HEADER + "' (the first 5 shown): run ./packaging/spdx-headers.sh");
    }

    @Test
    void theLicenceIsTheApacheLicence() throws IOException {
        String licence = Files.readString(Path.of("LICENSE"));
        assertTrue(licence.contains("Apache License") && licence.contains("Version 2.0, January 2004")
                && licence.contains("END OF TERMS AND CONDITIONS"), "LICENSE is not the full Apache License 2.0 text");
    }

    private static String firstLine(Path f) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            return line == null ? "" : line;
        }
    }
}
