// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import net.tunxlat.pipeline.EndpointException;

/**
 * {@code tunxlat run}, and TAYGA's command line for the daemon (clatd's), read without picocli, so that the daemon's start does not wait for picocli's command model:
 * picocli's own classes (about 180, compiled for Java 5, so the class-data sharing archive cannot hold them and the
 * JVM verifies them with its old verifier) and the reflection over every subcommand, which loads their classes too,
 * took more time than anything else before the first packet (docs/performance.md, "Start-up").
 *
 * <p>Only the plain forms are read here: {@code run} followed by {@link RunCommand}'s own options, each at most once,
 * as {@code NAME VALUE} or {@code NAME=VALUE}, with a value that is not empty and does not start with '-'. Anything
 * else ({@code --help}, {@code --version}, an unknown or repeated option, clustered short options, an attached
 * {@code -cFILE}, a value that looks like an option, an operand) is left to picocli ({@link #parse} returns null),
 * which parses it or explains the error as it always did. QuickRunTest checks that every command line read here gets
 * the values picocli gives it. {@code --version} alone is answered here too, with picocli's text.
 */
final class QuickRun {
    private QuickRun() {}

    /** The options read here: every name to its long name (the key of {@link #read}'s result), and the flags. */
    private record Options(Map<String, String> names, Set<String> flags) {}

    private static final Options RUN = new Options(Map.ofEntries(
            Map.entry(RunCommand.CONFIG_SHORT, RunCommand.CONFIG), Map.entry(RunCommand.CONFIG, RunCommand.CONFIG),
            Map.entry(RunCommand.DEBUG_SHORT, RunCommand.DEBUG), Map.entry(RunCommand.DEBUG, RunCommand.DEBUG),
            Map.entry(RunCommand.USER_SHORT, RunCommand.USER), Map.entry(RunCommand.USER, RunCommand.USER),
            Map.entry(RunCommand.GROUP_SHORT, RunCommand.GROUP), Map.entry(RunCommand.GROUP, RunCommand.GROUP),
            Map.entry(RunCommand.PIDFILE_SHORT, RunCommand.PIDFILE), Map.entry(RunCommand.PIDFILE, RunCommand.PIDFILE),
            Map.entry(RunCommand.METRICS_LISTEN, RunCommand.METRICS_LISTEN)), Set.of(RunCommand.DEBUG));

    /** TAYGA's daemon options on {@link TunxlatCommand} (its -d has no long name; --mktun, --rmtun, -r go to picocli). */
    private static final Options TAYGA = new Options(Map.ofEntries(
            Map.entry(RunCommand.CONFIG_SHORT, RunCommand.CONFIG), Map.entry(RunCommand.CONFIG, RunCommand.CONFIG),
            Map.entry(RunCommand.DEBUG_SHORT, RunCommand.DEBUG_SHORT),
            Map.entry(TunxlatCommand.NODETACH_SHORT, TunxlatCommand.NODETACH),
            Map.entry(TunxlatCommand.NODETACH, TunxlatCommand.NODETACH),
            Map.entry(RunCommand.USER_SHORT, RunCommand.USER), Map.entry(RunCommand.USER, RunCommand.USER),
            Map.entry(RunCommand.GROUP_SHORT, RunCommand.GROUP), Map.entry(RunCommand.GROUP, RunCommand.GROUP),
            Map.entry(RunCommand.PIDFILE_SHORT, RunCommand.PIDFILE), Map.entry(RunCommand.PIDFILE, RunCommand.PIDFILE)),
            Set.of(RunCommand.DEBUG_SHORT, TunxlatCommand.NODETACH));

    /** {@code args} as picocli would set {@link RunCommand}'s fields, or null when picocli must read them. */
    static RunCommand parse(String[] args) {
        if (args.length == 0 || !RunCommand.NAME.equals(args[0])) {
            return null;
        }
        Map<String, String> o = read(args, 1, RUN, false);
        if (o == null) {
            return null;
        }
        RunCommand run = new RunCommand();
        try {
            run.config = Path.of(o.getOrDefault(RunCommand.CONFIG, RunCommand.DEFAULT_CONFIG));
            run.debug = o.containsKey(RunCommand.DEBUG);
            run.user = o.get(RunCommand.USER);
            run.group = o.get(RunCommand.GROUP);
            run.pidFile = o.containsKey(RunCommand.PIDFILE) ? Path.of(o.get(RunCommand.PIDFILE)) : null;
        } catch (InvalidPathException e) {
            return null; // picocli says what is wrong with it
        }
        run.metricsListen = o.get(RunCommand.METRICS_LISTEN);
        return run;
    }

    /**
     * TAYGA's command line for the daemon (no subcommand: {@code -c FILE}, {@code -d}, {@code --nodetach}, {@code -u},
     * {@code -g}, {@code -p}, and the empty arguments clatd passes) as picocli would set {@link TunxlatCommand}'s
     * fields, when at least one of those options is there (else tunxlat prints its usage); otherwise null.
     */
    static TunxlatCommand parseTayga(String[] args) {
        Map<String, String> o = read(args, 0, TAYGA, true);
        if (o == null || o.isEmpty()) {
            return null;
        }
        TunxlatCommand t = new TunxlatCommand();
        try {
            t.config = Path.of(o.getOrDefault(RunCommand.CONFIG, RunCommand.DEFAULT_CONFIG));
            t.pidFile = o.containsKey(RunCommand.PIDFILE) ? Path.of(o.get(RunCommand.PIDFILE)) : null;
        } catch (InvalidPathException e) {
            return null;
        }
        t.debug = o.containsKey(RunCommand.DEBUG_SHORT);
        t.nodetach = o.containsKey(TunxlatCommand.NODETACH);
        t.user = o.get(RunCommand.USER);
        t.group = o.get(RunCommand.GROUP);
        t.operands = new ArrayList<>();
        for (String arg : args) {
            if (arg.isEmpty()) {
                t.operands.add(arg);
            }
        }
        return t;
    }

    /**
     * The options of {@code args} from {@code from} on, by long name (a flag's value is "true"), or null when one is
     * not in {@code options}, comes twice, lacks its value, has an empty value or one starting with '-', or when an
     * operand is there. With {@code emptyOperands} (TAYGA's line: the top-level command) empty operands are skipped,
     * and a value that could be a subcommand's name is refused too.
     */
    private static Map<String, String> read(String[] args, int from, Options options, boolean emptyOperands) {
        Map<String, String> read = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (arg.isEmpty() && emptyOperands) {
                continue;
            }
            int eq = arg.indexOf('=');
            String option = options.names().get(eq < 0 ? arg : arg.substring(0, eq));
            if (option == null || read.containsKey(option)) {
                return null; // not one of the options, or a second time: picocli explains
            }
            if (options.flags().contains(option)) {
                if (eq >= 0) {
                    return null;
                }
                read.put(option, "true");
                continue;
            }
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return null;
            }
            if (value.isEmpty() || value.startsWith("-") || emptyOperands && commandLike(value)) {
                return null;
            }
            read.put(option, value);
        }
        return read;
    }

    /**
     * Whether {@code value} could be the name of a subcommand (only lower-case letters, digits and '-'), which picocli
     * does not take as the value of a top-level option: such lines go to picocli, with a user name like "nobody" too.
     */
    private static boolean commandLike(String value) {
        return value.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-');
    }

    /**
     * Whether {@code args} is {@code --version} or {@code -V} alone, which {@link #printVersion} answers as picocli
     * would (scripts ask it, and so does the check of {@code tunxlat cds-archive}).
     */
    static boolean isVersion(String[] args) {
        return args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
    }

    /** Prints {@link VersionProvider}'s lines, as picocli's {@code --version} does; returns the exit status, 0. */
    static int printVersion(PrintWriter out) {
        for (String line : new VersionProvider().getVersion()) {
            out.println(line);
        }
        out.flush();
        return 0;
    }

    /** Runs the daemon {@link #parse} read, reporting a failure as picocli's execution handler does. */
    static int execute(RunCommand run) {
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            return RunCommand.runDaemon(run.config, run.debug, run.user, run.group, run.pidFile, run.metricsListen, err);
        } catch (Exception e) {
            return failed(e, err);
        }
    }

    /** Runs the daemon {@link #parseTayga} read, as {@link TunxlatCommand} runs it. */
    static int executeTayga(TunxlatCommand tayga) {
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            return tayga.runDaemon(err);
        } catch (Exception e) {
            return failed(e, err);
        }
    }

    /**
     * How a command that failed ends, with or without picocli: its message on {@code err}, exit status 2 for an
     * endpoint the configuration asks for that cannot be bound (a configuration error, like the others), else 1.
     */
    static int failed(Exception e, PrintWriter err) {
        err.println("tunxlat: " + e.getMessage());
        err.flush();
        return e instanceof EndpointException ? 2 : 1;
    }
}
