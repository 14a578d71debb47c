// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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
import java.util.stream.Stream;
import net.tunxlat.cli.TunxlatCommand;
import net.tunxlat.config.ConfigParser;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The texts the package ships tell the truth about the code (issue 15): tunxlat(8) documents every
 * command and option of picocli's model, tunxlat.conf(5) and the packaged tunxlat.conf every directive
 * of {@link ConfigParser}, and sentences known to be stale do not come back.
 */
class ShippedTextsTest {
    static final Path MAN8 = Path.of("packaging/tunxlat.8");
    static final Path MAN5 = Path.of("packaging/tunxlat.conf.5");
    static final Path CONFFILE = Path.of("packaging/tunxlat.conf");

    /** What picocli adds to every command (mixinStandardHelpOptions): documented once, under OPTIONS. */
    static final Set<String> STANDARD_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    /**
     * Sentences that were true once and are not any more (issue 15), or placeholders: none may appear in
     * a shipped text again.
     */
    static final List<String> STALE = List.of(
            "does not hand out addresses from it yet",
            "addresses are not handed out yet",
            "not read by this version yet",
            "does not reload its configuration yet",
            "the README's Status",
            "Accepted and checked",
            "License: UNDECIDED",
            "no license is granted",
            "have not chosen a license",
            "users.noreply",
            "tunxlat maintainers <maintainers@");

    // ---- tunxlat(8) ----------------------------------------------------------------------------

    @Test
    void tunxlat8DocumentsEveryCommandAndOption() throws IOException {
        Map<String, String> sections = sections(plain(Files.readString(MAN8)));
        List<String> missing = new ArrayList<>();
        CommandSpec top = new CommandLine(new TunxlatCommand()).getCommandSpec();
        for (CommandSpec spec : commands(top)) {
            // the top-level command's options are TAYGA's command line, under OPTIONS
            String section = spec == top ? "OPTIONS" : spec.qualifiedName();
            String text = sections.get(section);
            if (text == null) {
                missing.add("command '" + spec.qualifiedName() + "' (no '.SS " + section + "' section)");
                continue;
            }
            for (OptionSpec o : spec.options()) {
                for (String name : o.names()) {
                    String where = STANDARD_OPTIONS.contains(name) ? sections.get("OPTIONS") : text;
                    if (!mentions(where, name)) {
                        missing.add("option " + name + " of '" + spec.qualifiedName() + "'");
                    }
                }
            }
            for (PositionalParamSpec p : spec.positionalParameters()) {
                String label = p.paramLabel().replaceAll("[<>\\[\\]]", "");
                if (!mentions(text, label)) {
                    missing.add("parameter " + label + " of '" + spec.qualifiedName() + "'");
                }
            }
        }
        assertEquals(List.of(), missing, "missing from " + MAN8);
    }

    @Test
    void tunxlat8DocumentsNoCommandThatIsGone() throws IOException {
        Set<String> names = new TreeSet<>();
        for (CommandSpec spec : commands(new CommandLine(new TunxlatCommand()).getCommandSpec())) {
            names.add(spec.qualifiedName());
        }
        List<String> stale = new ArrayList<>();
        for (String section : sections(plain(Files.readString(MAN8))).keySet()) {
            if (section.startsWith("tunxlat") && !names.contains(section)) {
                stale.add(section);
            }
        }
        assertEquals(List.of(), stale, MAN8 + " documents commands that do not exist");
        assertTrue(names.contains("tunxlat map show") && names.size() > 10, "the model has " + names);
    }

    @Test
    void tunxlat8HasTheSectionsAnOperatorLooksFor() throws IOException {
        Set<String> sections = sections(plain(Files.readString(MAN8))).keySet();
        for (String s : List.of("SYNOPSIS", "COMMANDS", "OPTIONS", "METRICS", "CONTROL SOCKET", "SIGNALS",
                "SYSTEMD", "INSTALLATION", "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES")) {
            assertTrue(sections.contains(s), MAN8 + " has no section " + s + "; it has " + sections);
        }
    }

    // ---- the command list in --help --------------------------------------------------------------

    /** picocli lists each command with the first line of its description: that line is a whole sentence. */
    @Test
    void theCommandListShowsWholeSentences() {
        CommandLine cl = new CommandLine(new TunxlatCommand());
        StringWriter help = new StringWriter();
        cl.usage(new PrintWriter(help, true));
        String flat = help.toString().replaceAll("\\s+", " ");
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.usageMessage().hidden()) {
                continue;
            }
            // picocli lists the header's first line when there is one (its own help command), else the description's
            String[] header = spec.usageMessage().header();
            String first = String.format(header.length > 0 ? header[0] : spec.usageMessage().description()[0]);
            assertTrue(first.endsWith("."), "the description of '" + spec.name() + "' starts with a line that"
                    + " is not a whole sentence, so the command list cuts it: " + first);
            assertTrue(flat.contains(first), "--help does not list '" + spec.name() + "' as: " + first);
        }
    }

    @Test
    void mktunHelpNamesOwnerAsTheManPageDoes() {
        CommandLine mktun = new CommandLine(new TunxlatCommand()).getSubcommands().get("mktun");
        String usage = mktun.getUsageMessage();
        assertTrue(usage.contains("--owner=USER"), usage);
        assertTrue(!usage.contains("--user"), "mktun --help shows --user, tunxlat(8) says --owner:\n" + usage);
    }

    // ---- tunxlat.conf(5) and the conffile ------------------------------------------------------------

    @Test
    void tunxlatConf5DocumentsEveryDirectiveWithDefaultExampleAndTayga() throws IOException {
        Map<String, String> entries = directiveEntries(plain(Files.readString(MAN5)));
        List<String> problems = new ArrayList<>();
        for (String d : ConfigParser.directiveNames()) {
            String entry = entries.get(d);
            if (entry == null) {
                problems.add(d + ": no entry under DIRECTIVES");
                continue;
            }
            for (String label : List.of("Default:", "Example:", "TAYGA:")) {
                if (!entry.contains(label)) {
                    problems.add(d + ": no '" + label + "'");
                }
            }
            if (example(d, entry) == null) {
                problems.add(d + ": the example does not show the directive");
            }
        }
        for (String d : entries.keySet()) {
            if (!ConfigParser.directiveNames().contains(d)) {
                problems.add(d + ": documented, but the parser does not know it");
            }
        }
        assertEquals(List.of(), problems, MAN5.toString());
    }

    /** Every example line of tunxlat.conf(5) parses, added to the packaged configuration. */
    @Test
    void tunxlatConf5ExamplesParse() throws Exception {
        Map<String, String> entries = directiveEntries(plain(Files.readString(MAN5)));
        String base = Files.readString(CONFFILE);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            String line = example(e.getKey(), e.getValue());
            if (line != null) {
                String parse = parseWith(base, line);
                if (parse != null) {
                    problems.add(line + ": " + parse);
                }
            }
        }
        assertEquals(List.of(), problems, "examples in " + MAN5 + " that do not parse");
    }

    @Test
    void theConffileListsEveryDirectiveAndEveryExampleParses() throws Exception {
        String text = Files.readString(CONFFILE);
        List<String> problems = new ArrayList<>();
        Set<String> listed = new TreeSet<>();
        for (String line : text.split("\n")) {
            Matcher m = Pattern.compile("^#?([a-z0-9-]+)(\\s|$)").matcher(line);
            if (m.find() && ConfigParser.directiveNames().contains(m.group(1))) {
                listed.add(m.group(1));
                if (line.startsWith("#")) {
                    // a commented example: uncommented, it parses with the active lines
                    String parse = parseWith(text, line.substring(1));
                    if (parse != null) {
                        problems.add(line + ": " + parse);
                    }
                }
            }
        }
        for (String d : ConfigParser.directiveNames()) {
            if (!listed.contains(d)) {
                problems.add(d + ": not listed (as '" + d + " ...' or '#" + d + " ...')");
            }
        }
        ConfigParser.parse(text, CONFFILE);
        assertEquals(List.of(), problems, CONFFILE.toString());
    }

    // ---- stale sentences -------------------------------------------------------------------------------

    @Test
    void noKnownStaleSentenceInAShippedText() throws IOException {
        List<String> found = new ArrayList<>();
        int files = 0;
        for (String root : List.of("packaging", "deb")) {
            try (Stream<Path> walk = Files.walk(Path.of(root))) {
                for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                    String text;
                    try {
                        text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        continue;
                    }
                    files++;
                    String flat = plain(text).replaceAll("\\s+", " ");
                    for (String s : STALE) {
                        if (flat.contains(s)) {
                            found.add(f + ": \"" + s + "\"");
                        }
                    }
                }
            }
        }
        assertTrue(files > 10, "read only " + files + " files: is the working directory the project?");
        assertEquals(List.of(), found, "stale sentences in shipped texts");
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** The command and all its subcommands, depth first; picocli's help command included. */
    static List<CommandSpec> commands(CommandSpec top) {
        List<CommandSpec> all = new ArrayList<>();
        all.add(top);
        for (CommandLine sub : top.subcommands().values()) {
            all.addAll(commands(sub.getCommandSpec()));
        }
        return all;
    }

    /** roff source with the escapes that hide words removed: {@code \-} is '-', fonts and {@code \&} go. */
    static String plain(String roff) {
        return roff.replace("\\-", "-").replaceAll("\\\\f[BIRP]", "").replace("\\&", "").replace("\\(em", "-");
    }

    /** Sections by title: {@code .SH TITLE} and {@code .SS TITLE} (quotes removed), each up to the next. */
    static Map<String, String> sections(String man) {
        Map<String, String> sections = new LinkedHashMap<>();
        String title = null;
        StringBuilder body = new StringBuilder();
        for (String line : man.split("\n")) {
            if (line.startsWith(".SH ") || line.startsWith(".SS ")) {
                if (title != null) {
                    sections.put(title, body.toString());
                }
                title = line.substring(4).replace("\"", "").trim();
                body.setLength(0);
            } else {
                body.append(line).append('\n');
            }
        }
        if (title != null) {
            sections.put(title, body.toString());
        }
        return sections;
    }

    /** Whether {@code name} appears in {@code text} as a word of its own (not as part of a longer option). */
    static boolean mentions(String text, String name) {
        return text != null && Pattern.compile("(?<![\\w-])" + Pattern.quote(name) + "(?![\\w-])").matcher(text).find();
    }

    /** The entries of the DIRECTIVES section: directive name (the first word after .TP) to its paragraph. */
    static Map<String, String> directiveEntries(String man) {
        String section = sections(man).get("DIRECTIVES");
        Map<String, String> entries = new LinkedHashMap<>();
        if (section == null) {
            return entries;
        }
        for (String entry : section.split("(^|\n)\\.TP\n")) {
            Matcher m = Pattern.compile("^\\.B[IR]? \"?([a-z0-9-]+)").matcher(entry.strip());
            if (m.find()) {
                entries.put(m.group(1), entry);
            }
        }
        return entries;
    }

    /** The example line of a directive's entry ({@code Example:} then {@code .B "directive ..."}), or null. */
    static String example(String directive, String entry) {
        Matcher m = Pattern.compile("Example:\\s*\\.BR?\\s+\"?(" + Pattern.quote(directive) + "(\\s[^\"\\n]*)?)(\"|\\n)")
                .matcher(entry);
        return m.find() ? m.group(1).trim() : null;
    }

    /**
     * Null if {@code config} with {@code line} replacing the line of the same directive (or added) parses,
     * else the error. A stateful NAT64 line ({@code pool4}, {@code bib}, {@code nat64-*}) needs pool4 and no
     * dynamic pool: it is tried with the active {@code dynamic-pool} line left out and, unless it is a
     * {@code pool4} line itself, with the commented {@code #pool4} lines of {@code config} taken in.
     */
    static String parseWith(String config, String line) {
        String directive = line.trim().split("\\s+")[0];
        if (directive.equals("nat64-shard-file")) {
            // the documented /etc/tunxlat/shards.conf is a copy of the shipped example; pool4 comes from it
            config = config.replace("\n#pool4 ", "\n#-pool4 ");
            line = "nat64-shard-file " + Path.of("packaging/shards.conf").toAbsolutePath() + "\ninstance-name xa";
        }
        boolean stateful = directive.equals("pool4") || directive.equals("bib") || directive.startsWith("nat64-");
        StringBuilder text = new StringBuilder();
        for (String l : config.split("\n")) {
            String first = l.trim().split("\\s+")[0];
            if (!l.startsWith("#") && (first.equals(directive) || stateful && first.equals("dynamic-pool"))) {
                continue;
            }
            boolean pool4Context = stateful && !directive.equals("pool4") && l.startsWith("#pool4 ");
            text.append(pool4Context ? l.substring(1) : l).append('\n');
        }
        text.append(line).append('\n');
        try {
            ConfigParser.parse(text.toString(), Path.of("example.conf"));
            return null;
        } catch (Exception e) {
            return e.getMessage();
        }
    }
}
