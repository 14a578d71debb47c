// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import net.tunxlat.pipeline.EndpointException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tunxlat}: the subcommands, plus TAYGA's own command line ({@code -c FILE -d}, {@code --mktun},
 * {@code --rmtun}, {@code -u}, {@code -g}, {@code -p}) so that scripts written for TAYGA keep working.
 *
 * <p>Empty arguments are ignored, as TAYGA's getopt loop ignores every operand: clatd (toreanderson/clatd, the
 * Perl CLAT) runs {@code tayga --config FILE --mktun ""} and {@code tayga --config FILE --nodetach ""}, the empty
 * string standing for its {@code -d} when debugging is off. Any other operand is refused (exit status 2): TAYGA
 * ignores those too, but a word there is a typo (a misspelt command) that deserves to be said.
 */
@Command(name = "tunxlat", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Userspace NAT64/SIIT translator (RFC 7915, RFC 6052, RFC 7757) on a TUN device.",
                "",
                "Run without a subcommand but with TAYGA's options (-c FILE, -d, --mktun, --rmtun, ...) it behaves"
                        + " like TAYGA, except that it always stays in the foreground (TAYGA's -d and -n are accepted"
                        + " and change nothing).",
                "",
                "Commands: 'tunxlat help COMMAND' or 'tunxlat COMMAND --help' for each; tunxlat(8) for all."},
        subcommands = {RunCommand.class, CheckCommand.class, TranslateCommand.class, MapCommand.class,
                SessionCommand.class, BibCommand.class, Nat64Command.class, ShardCommand.class, ClatCommand.class,
                MktunCommand.class, RmtunCommand.class, DoctorCommand.class, GaiConfCommand.class, CdsArchiveCommand.class,
                ImportTaygaCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit status: 0 success, 1 runtime failure, 2 bad command line or configuration."})
public final class TunxlatCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "TAYGA-style: configuration file (default: ${DEFAULT-VALUE})",
            defaultValue = RunCommand.DEFAULT_CONFIG)
    Path config;

    @Option(names = "-d", description = "TAYGA-style: debug messages (implies staying in the foreground)")
    boolean debug;

    @Option(names = {"-n", "--nodetach"}, description = "TAYGA-style: do not detach (tunxlat never detaches)")
    boolean nodetach;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "TAYGA-style: set uid to USER after opening the device")
    String user;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", description = "TAYGA-style: set gid to GROUP after opening the device")
    String group;

    @Option(names = {"-p", "--pidfile"}, paramLabel = "FILE", description = "TAYGA-style: write the process id to FILE")
    Path pidFile;

    @Option(names = {"-r", "--chroot"}, description = "TAYGA-style: chroot to data-dir (not supported: the JVM cannot run in a chroot; use systemd's sandboxing)")
    boolean chroot;

    @Option(names = "--mktun", description = "TAYGA-style: create the configured TUN device as a persistent device and exit")
    boolean mktun;

    @Option(names = "--rmtun", description = "TAYGA-style: remove the configured persistent TUN device and exit")
    boolean rmtun;

    /** Operands: only empty strings are accepted (clatd's), see the class comment. */
    @Parameters(arity = "0..*", paramLabel = "\"\"", hidden = true)
    List<String> operands = List.of();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static int execute(String[] args) {
        CommandLine cl = new CommandLine(new TunxlatCommand());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("tunxlat: " + ex.getMessage());
            // An endpoint the configuration asks for that cannot be bound is a configuration error: 2, like the others.
            return ex instanceof EndpointException ? 2 : 1;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (String operand : operands) {
            if (!operand.isEmpty()) {
                spec.commandLine().getErr().println("tunxlat: unexpected argument '" + operand + "': not a command ("
                        + String.join(", ", spec.subcommands().keySet()) + ") nor an option; 'tunxlat --help' lists"
                        + " them (an empty argument, as clatd passes, is ignored)");
                return 2;
            }
        }
        boolean taygaStyle = pr.hasMatchedOption("-c") || debug || nodetach || user != null || group != null
                || pidFile != null || mktun || rmtun || chroot;
        if (!taygaStyle) {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 2;
        }
        if (chroot) {
            spec.commandLine().getErr().println("tunxlat: --chroot is not supported (a JVM cannot run inside data-dir); "
                    + "run it under systemd with the shipped unit's sandboxing instead");
            return 2;
        }
        if (mktun && rmtun) {
            spec.commandLine().getErr().println("tunxlat: --mktun and --rmtun exclude each other");
            return 2;
        }
        if (mktun) {
            return MktunCommand.make(config, null, user, group, false, spec.commandLine());
        }
        if (rmtun) {
            return RmtunCommand.remove(config, null, spec.commandLine());
        }
        exitZeroOnStopSignals();
        return RunCommand.runDaemon(config, debug, user, group, pidFile, null, spec.commandLine());
    }

    /**
     * On TAYGA's command line, a stop by SIGTERM or SIGINT exits with status 0, as TAYGA's does. clatd runs
     * {@code tayga --config FILE --nodetach ""} through its {@code cmd(\&err, ...)}, which takes any other status for
     * a failure: it logs an error and exits 1 after its clean-up, so its service would end "failed" at every stop.
     * The JVM's own handlers exit 143 (SIGTERM) or 130 (SIGINT), which {@code tunxlat run} keeps (its units say
     * {@code SuccessExitStatus=143}). The stop itself is the same: {@link System#exit} runs the daemon's shutdown hook,
     * which stops the workers and waits for the clean-up. A signal the process was started with ignored stays
     * ignored (the JVM does not install a handler for it).
     */
    static void exitZeroOnStopSignals() {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> System.exit(0));
        }
    }
}
