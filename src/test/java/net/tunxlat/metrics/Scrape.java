// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text exposition (format 0.0.4): families with their types and samples. */
public record Scrape(String text, Map<String, String> types, List<Sample> samples) {
    public record Sample(String name, Map<String, String> labels, double value) {}

    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    public static Scrape parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher t = TYPE.matcher(line);
            if (t.matches()) {
                types.put(t.group(1), t.group(2));
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            Matcher s = SAMPLE.matcher(line);
            if (!s.matches()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (s.group(3) != null) {
                Matcher l = LABEL.matcher(s.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(s.group(1), labels, Double.parseDouble(s.group(4).replace("+Inf", "Infinity"))));
        }
        return new Scrape(text, types, samples);
    }

    /**
     * The value of the one sample with this name and exactly these labels (k1, v1, k2, v2...), apart from the
     * constant label {@code instance_name} that every series of a daemon carries (asked for only when given here;
     * HealthEndpointsTest and ReadinessIT check that it is on every series).
     */
    public double value(String name, String... labels) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name) && withoutInstance(s.labels(), want)
                .equals(want)).toList();
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + want + " in:\n" + text);
        }
        return found.get(0).value();
    }

    private static Map<String, String> withoutInstance(Map<String, String> labels, Map<String, String> want) {
        if (!labels.containsKey(INSTANCE_NAME) || want.containsKey(INSTANCE_NAME)) {
            return labels;
        }
        Map<String, String> m = new LinkedHashMap<>(labels);
        m.remove(INSTANCE_NAME);
        return m;
    }

    static final String INSTANCE_NAME = "instance_name";

    /** The family names starting with {@code prefix}. */
    public List<String> families(String prefix) {
        return types.keySet().stream().filter(n -> n.startsWith(prefix)).sorted().toList();
    }
}
