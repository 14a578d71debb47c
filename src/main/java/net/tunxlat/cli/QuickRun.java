// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import net.tunxlat.pipeline.EndpointException;

/**
 * {@code tunxlat run} read without picocli, so that the daemon's start does not wait for picocli's command model:
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

    /** {@code args} as picocli would set {@link RunCommand}'s fields, or null when picocli must read them. */
    static RunCommand parse(String[] args) {
        if (args.length == 0 || !RunCommand.NAME.equals(args[0])) {
            return null;
        }
        RunCommand run = new RunCommand();
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            int eq = arg.indexOf('=');
            String option = longName(eq < 0 ? arg : arg.substring(0, eq));
            if (option == null || !seen.add(option)) {
                return null; // not one of run's options, or a second time: picocli explains
            }
            if (option.equals(RunCommand.DEBUG)) {
                if (eq >= 0) {
                    return null;
                }
                run.debug = true;
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
            if (value.isEmpty() || value.startsWith("-")) {
                return null;
            }
            try {
                switch (option) {
                    case RunCommand.CONFIG -> run.config = Path.of(value);
                    case RunCommand.USER -> run.user = value;
                    case RunCommand.GROUP -> run.group = value;
                    case RunCommand.PIDFILE -> run.pidFile = Path.of(value);
                    default -> run.metricsListen = value;
                }
            } catch (InvalidPathException e) {
                return null; // picocli says what is wrong with it
            }
        }
        if (run.config == null) {
            run.config = Path.of(RunCommand.DEFAULT_CONFIG);
        }
        return run;
    }

    /** The long name of one of {@link RunCommand}'s options given by either of its names, else null. */
    private static String longName(String name) {
        return switch (name) {
            case RunCommand.CONFIG_SHORT, RunCommand.CONFIG -> RunCommand.CONFIG;
            case RunCommand.DEBUG_SHORT, RunCommand.DEBUG -> RunCommand.DEBUG;
            case RunCommand.USER_SHORT, RunCommand.USER -> RunCommand.USER;
            case RunCommand.GROUP_SHORT, RunCommand.GROUP -> RunCommand.GROUP;
            case RunCommand.PIDFILE_SHORT, RunCommand.PIDFILE -> RunCommand.PIDFILE;
            case RunCommand.METRICS_LISTEN -> RunCommand.METRICS_LISTEN;
            default -> null;
        };
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
