// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import net.tunxlat.config.ListenAddress;
import net.tunxlat.config.TaygaRules;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.pipeline.Daemon;
import net.tunxlat.pipeline.WarmUp;
import net.tunxlat.util.Log;
import net.tunxlat.util.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tunxlat run}: translate in the foreground until SIGTERM or SIGINT. */
@Command(name = RunCommand.NAME, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Open the TUN device and translate in the foreground until SIGTERM or SIGINT.",
                "Logs to standard error; stops within a second of the signal. SIGHUP reloads the maps and the"
                        + " map-file."})
public final class RunCommand implements Callable<Integer> {
    static final String NAME = "run";
    static final String DEFAULT_CONFIG = "/etc/tunxlat/tunxlat.conf";
    // The option names, also read by QuickRun (the start without picocli).
    static final String CONFIG = "--config";
    static final String CONFIG_SHORT = "-c";
    static final String DEBUG = "--debug";
    static final String DEBUG_SHORT = "-d";
    static final String USER = "--user";
    static final String USER_SHORT = "-u";
    static final String GROUP = "--group";
    static final String GROUP_SHORT = "-g";
    static final String PIDFILE = "--pidfile";
    static final String PIDFILE_SHORT = "-p";
    static final String METRICS_LISTEN = "--metrics-listen";

    @Option(names = {CONFIG_SHORT, CONFIG}, paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = {DEBUG_SHORT, DEBUG}, description = "debug messages")
    boolean debug;

    @Option(names = {USER_SHORT, USER}, paramLabel = "USER", description = "drop to USER after opening the device")
    String user;

    @Option(names = {GROUP_SHORT, GROUP}, paramLabel = "GROUP", description = "drop to GROUP after opening the device")
    String group;

    @Option(names = {PIDFILE_SHORT, PIDFILE}, paramLabel = "FILE", description = "write the process id to FILE")
    Path pidFile;

    @Option(names = METRICS_LISTEN, paramLabel = "ADDRESS:PORT|off",
            description = {"where to serve Prometheus metrics at /metrics, e.g. 127.0.0.1:9464 or [::1]:9464,",
                    "or off; overrides the metrics-listen directive (default 127.0.0.1:9464; when",
                    "neither sets it and the default cannot be bound, tunxlat warns and runs without it)"})
    String metricsListen;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return runDaemon(config, debug, user, group, pidFile, metricsListen, spec.commandLine().getErr());
    }

    /** @param metricsListen the {@code --metrics-listen} value, or null to keep the configuration's */
    static int runDaemon(Path config, boolean debug, String user, String group, Path pidFile, String metricsListen,
            PrintWriter err) throws Exception {
        WarmUp.start(); // JNA and Netty in the background while the configuration is read
        Log.setDebug(debug);
        TunxlatConfig cfg = load(config, metricsListen, err);
        if (cfg == null) {
            return 2;
        }
        String dataDir = TaygaRules.dataDirProblem(cfg);
        if (dataDir != null) {
            // As the maintained TAYGA: a data-dir it cannot use stops the start (check only warns: other user).
            err.println("tunxlat: " + config + ": " + dataDir);
            err.flush();
            return 2;
        }
        Log.info("tunxlat " + Version.version() + " starting with " + config);
        return new Daemon(cfg, new Daemon.Options(user, group, pidFile)).run();
    }

    /**
     * The configuration with the command line's overrides ({@code --metrics-listen}, null if not given),
     * or null after printing why it cannot be used.
     */
    static TunxlatConfig load(Path config, String metricsListen, PrintWriter err) {
        ListenAddress listen = null;
        if (metricsListen != null) {
            try {
                listen = ListenAddress.parseOrOff(metricsListen);
            } catch (IllegalArgumentException e) {
                err.println("tunxlat: --metrics-listen " + e.getMessage());
                err.flush();
                return null;
            }
        }
        TunxlatConfig cfg = Configs.loadWithMapFile(config, err);
        if (cfg != null && metricsListen != null) {
            cfg = cfg.toBuilder().metricsListen(listen).build();
        }
        return cfg;
    }
}
