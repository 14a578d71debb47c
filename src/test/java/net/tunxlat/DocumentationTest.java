// SPDX-License-Identifier: Apache-2.0
package net.tunxlat;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and the pages of docs/ hold each fact once and link to each other, so a link that
 * points nowhere loses a fact. Every relative link must name an existing file and, for a Markdown
 * page, an existing heading (GitHub's anchor rule). The README's quick start must show the commands
 * CI runs, so that what it promises is what CI checks.
 */
class DocumentationTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern FENCED = Pattern.compile("```.*?```", Pattern.DOTALL);

    @Test
    void everyRelativeLinkReachesAFileAndHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            String text = FENCED.matcher(Files.readString(page)).replaceAll("");
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String link = m.group(1);
                if (link.matches("^[a-z]+:.*")) {
                    continue;
                }
                int hash = link.indexOf('#');
                String file = hash < 0 ? link : link.substring(0, hash);
                Path target = file.isEmpty() ? page : page.resolveSibling(file).normalize();
                if (!Files.exists(target)) {
                    broken.add(page + ": " + link + " (no file " + target + ")");
                } else if (hash >= 0 && target.toString().endsWith(".md")
                        && !anchors(target).contains(link.substring(hash + 1))) {
                    broken.add(page + ": " + link + " (no such heading in " + target + ")");
                }
            }
        }
        assertEquals(List.of(), broken, "broken links");
    }

    @Test
    void quickStartShowsWhatCiRuns() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String ci = Files.readString(Path.of(".ci/run"));
        int start = readme.indexOf("## Quick start");
        assertTrue(start >= 0, "README has a Quick start");
        String quickStart = readme.substring(start, readme.indexOf("\n## ", start + 1));
        assertTrue(quickStart.contains("\n./packaging/demo.sh "), "the quick start runs the demo without sudo");
        assertTrue(quickStart.contains("\n./.ci/run "), "the quick start runs the tests without sudo");
        assertTrue(ci.contains("\n./packaging/demo.sh\n"), ".ci/run runs the demo exactly as the README shows it");
        assertTrue(ci.contains("\nmvn -B verify "), ".ci/run runs the README's test command");
        assertTrue(quickStart.contains("`mvn -B verify`"), "the README names the test command .ci/run runs");
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** GitHub's anchors: the heading in lower case, punctuation but '-' and '_' removed, spaces as '-'. */
    private static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new HashSet<>();
        String text = FENCED.matcher(Files.readString(page)).replaceAll("");
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                String heading = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
                anchors.add(heading.replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
