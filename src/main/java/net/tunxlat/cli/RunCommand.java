package net.tunxlat.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.pipeline.Daemon;
import net.tunxlat.util.Log;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tunxlat run}: translate in the foreground until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Open the TUN device and translate in the foreground, logging to stderr,",
                "until SIGTERM or SIGINT (stops within a second)."})
public final class RunCommand implements Callable<Integer> {
    static final String DEFAULT_CONFIG = "/etc/tunxlat/tunxlat.conf";

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = {"-d", "--debug"}, description = "debug messages")
    boolean debug;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "drop to USER after opening the device")
    String user;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", description = "drop to GROUP after opening the device")
    String group;

    @Option(names = {"-p", "--pidfile"}, paramLabel = "FILE", description = "write the process id to FILE")
    Path pidFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return runDaemon(config, debug, user, group, pidFile, spec.commandLine());
    }

    static int runDaemon(Path config, boolean debug, String user, String group, Path pidFile, CommandLine cl)
            throws Exception {
        Log.setDebug(debug);
        TunxlatConfig cfg = Configs.loadWithMapFile(config, cl.getErr());
        if (cfg == null) {
            return 2;
        }
        Log.info("tunxlat " + VersionProvider.version() + " starting with " + config);
        return new Daemon(cfg, new Daemon.Options(user, group, pidFile)).run();
    }
}
