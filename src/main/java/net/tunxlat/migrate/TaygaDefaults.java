// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.migrate;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.tunxlat.config.ConfigException;

/**
 * Debian's {@code /etc/default/tayga}, the shell file its init script {@code /etc/init.d/tayga} sources:
 * {@code CONFIGURE_IFACE}, {@code CONFIGURE_NAT44}, {@code IPV4_TUN_ADDR}, {@code IPV6_TUN_ADDR},
 * {@code DAEMON_OPTS} (and {@code RUN} in packages older than Debian 12's 0.9.2-8). Only plain
 * assignments are read ({@code NAME=value}, {@code NAME="value"}, {@code NAME='value'}, optionally after
 * {@code export}); anything else the shell would run is refused with the file and line, because its
 * effect cannot be known without running it.
 *
 * <p>As in the init script, a variable the file does not set keeps the script's default:
 * {@code CONFIGURE_IFACE="no"}, {@code CONFIGURE_NAT44="no"}, the others empty.
 */
public final class TaygaDefaults {
    /** The path Debian's tayga package installs. */
    public static final String DEFAULT_PATH = "/etc/default/tayga";

    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\"([^\"$`\\\\]*)\"|'([^']*)'|([^\\s\"'$`\\\\;&|<>()]*))\\s*(#.*)?");

    private final Path file;
    private final Map<String, String> values;

    private TaygaDefaults(Path file, Map<String, String> values) {
        this.file = file;
        this.values = values;
    }

    /** What the init script sees when the file does not exist: every variable at its default. */
    public static TaygaDefaults absent(Path file) {
        return new TaygaDefaults(file, Map.of());
    }

    /** Reads the file's text; {@code file} names it in messages. */
    public static TaygaDefaults parse(String text, Path file) throws ConfigException {
        Map<String, String> values = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = ASSIGNMENT.matcher(line);
            if (!m.matches()) {
                throw new ConfigException(file, n + 1, "cannot read '" + line + "': only plain shell assignments"
                        + " such as CONFIGURE_IFACE=\"yes\" are understood (no expansions, commands or line"
                        + " continuations); write the value the init script sees there, or pass a simplified copy"
                        + " with --tayga-default");
            }
            String value = m.group(3) != null ? m.group(3) : m.group(4) != null ? m.group(4) : m.group(5);
            values.put(m.group(1), value);
        }
        return new TaygaDefaults(file, values);
    }

    public Path file() {
        return file;
    }

    /** The value the init script sees (its own default when the file does not set it). */
    public String get(String name) {
        String v = values.get(name);
        if (v != null) {
            return v;
        }
        return switch (name) {
            case "CONFIGURE_IFACE", "CONFIGURE_NAT44" -> "no";
            default -> "";
        };
    }

    /** Whether the file sets {@code name} itself. */
    public boolean sets(String name) {
        return values.containsKey(name);
    }

    /** The init script tests {@code [ "$X" = "yes" ]}: exactly "yes", nothing else. */
    public boolean yes(String name) {
        return "yes".equals(get(name));
    }
}
