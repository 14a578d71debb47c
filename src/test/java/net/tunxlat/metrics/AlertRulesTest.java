// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.tunxlat.ExternalTool;
import org.junit.jupiter.api.Test;
import java.nio.file.StandardCopyOption;

/**
 * grafana/tunxlat-alerts.yml: {@code promtool check rules} finds nothing, {@code promtool test rules} passes
 * grafana/tunxlat-alerts.test.yml (synthetic series, each alert firing where it must and silent where it must
 * not), every alert has a firing case there, every tunxlat metric the rules use is in {@link MetricCatalogue},
 * and the test file is not a rubber stamp (a rule with a wrong threshold fails it). Skipped only when promtool
 * is not installed (Debian's prometheus package).
 */
class AlertRulesTest {
    static final Path RULES = Path.of("grafana/tunxlat-alerts.yml");
    static final Path TESTS = Path.of("grafana/tunxlat-alerts.test.yml");

    /** The alerts issue 15 asks for, by what they watch. */
    static final List<String> REQUIRED = List.of("TunxlatDown", "TunxlatDynamicPoolNearlyExhausted",
            "TunxlatPersistenceFailing", "TunxlatReloadFailed", "TunxlatDropsRising", "TunxlatTunWriteErrors",
            "TunxlatNptv6LearnedTableFull");

    record Result(int status, String output) {}

    static Result promtool(Path dir, String... args) throws Exception {
        Path promtool = ExternalTool.require("promtool", "apt-get install prometheus");
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        Result r = promtool(RULES.getParent(), "check", "rules", RULES.getFileName().toString());
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("SUCCESS: " + alerts().size() + " rules found"), r.output());
    }

    @Test
    void promtoolUnitTestsPass() throws Exception {
        Result r = promtool(TESTS.getParent(), "test", "rules", TESTS.getFileName().toString());
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void everyAlertIsTestedFiringAndTheRequiredOnesExist() throws Exception {
        Set<String> alerts = alerts();
        assertTrue(alerts.containsAll(REQUIRED), "missing alerts: " + REQUIRED + " vs " + alerts);
        String tests = Files.readString(TESTS);
        for (String alert : alerts) {
            Pattern firing = Pattern.compile("alertname: " + alert + "\\s*\\n\\s*exp_alerts:\\s*\\n\\s*- exp_labels: \\{severity: (critical|warning),");
            assertTrue(firing.matcher(tests).find(), alert + " has no firing case in " + TESTS);
            assertTrue(tests.contains("alertname: " + alert + "\n        exp_alerts: []"),
                    alert + " has no silent case in " + TESTS);
        }
    }

    @Test
    void rulesUseOnlyCatalogueMetrics() throws Exception {
        Matcher m = Pattern.compile("\\btunxlat_[a-z0-9_]+").matcher(Files.readString(RULES));
        Set<String> used = new LinkedHashSet<>();
        while (m.find()) {
            used.add(m.group());
        }
        assertFalse(used.isEmpty());
        for (String name : used) {
            assertNotNull(MetricCatalogue.byName(name), name + " in " + RULES + " is not a tunxlat metric");
        }
    }

    /** Likewise for pool4: at 40%, the half-used TCP ports of instance "full" fire and the test fails. */
    @Test
    void unitTestsCatchAWrongPool4Threshold() throws Exception {
        Path dir = Path.of("target/alert-rules-mutant-pool4");
        Files.createDirectories(dir);
        String rules = Files.readString(RULES);
        String mutant = rules.replace("(tunxlat_nat64_pool4_ports) > 0) > 0.9)", "(tunxlat_nat64_pool4_ports) > 0) > 0.4)");
        assertFalse(mutant.equals(rules), "the pool4 rule changed; update this test");
        Files.writeString(dir.resolve(RULES.getFileName()), mutant);
        Files.copy(TESTS, dir.resolve(TESTS.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Result r = promtool(dir, "test", "rules", TESTS.getFileName().toString());
        assertEquals(1, r.status(), r.output());
        assertTrue(r.output().contains("alertname: TunxlatNat64Pool4NearlyExhausted") && r.output().contains("protocol=\"tcp\""),
                r.output());
    }

    /** The tests catch a wrong rule: with the pool threshold at 40%, the half-full pool fires and the test fails. */
    @Test
    void unitTestsCatchAWrongThreshold() throws Exception {
        Path dir = Path.of("target/alert-rules-mutant");
        Files.createDirectories(dir);
        String rules = Files.readString(RULES);
        String mutant = rules.replace("(tunxlat_dynamic_pool_addresses > 0) > 0.9", "(tunxlat_dynamic_pool_addresses > 0) > 0.4");
        assertFalse(mutant.equals(rules), "the pool rule changed; update this test");
        Files.writeString(dir.resolve(RULES.getFileName()), mutant);
        Files.copy(TESTS, dir.resolve(TESTS.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Result r = promtool(dir, "test", "rules", TESTS.getFileName().toString());
        assertEquals(1, r.status(), r.output());
        assertTrue(r.output().contains("alertname: TunxlatDynamicPoolNearlyExhausted") && r.output().contains("instance=\"half\""),
                r.output());
    }

    static Set<String> alerts() throws Exception {
        Matcher m = Pattern.compile("(?m)^\\s*- alert: (\\w+)$").matcher(Files.readString(RULES));
        Set<String> names = new LinkedHashSet<>();
        while (m.find()) {
            assertTrue(names.add(m.group(1)), "twice: " + m.group(1));
        }
        return names;
    }
}
