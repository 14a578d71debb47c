// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.control.ControlClient;
import net.tunxlat.mapping.Addresses;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import java.io.IOException;

/** {@code tunxlat map list|show}: the running daemon's mappings, asked over its control socket. */
@Command(name = "map", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show the running daemon's address mappings (static maps, dynamic bindings), asked over its"
                + " control socket ('control-socket' in the configuration; root and the service's group only).",
        subcommands = {MapCommand.ListCommand.class, MapCommand.ShowCommand.class})
public final class MapCommand extends CommandGroup {
    /** Where the daemon is: its configuration file or the socket itself. */
    static final class Target {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = RunCommand.DEFAULT_CONFIG,
                description = "the daemon's configuration file, to find its control socket (default: ${DEFAULT-VALUE})")
        Path config;

        @Option(names = "--socket", paramLabel = "PATH", description = "the control socket itself (instead of -c)")
        Path socket;

        @Option(names = "--json", description = "JSON output (schema 1, see tunxlat(8))")
        boolean json;

        /** The socket path, or null after printing why there is none. */
        Path resolve(PrintWriter err) {
            if (socket != null) {
                return socket;
            }
            TunxlatConfig c = Configs.load(config, err);
            if (c == null) {
                return null;
            }
            if (c.controlSocket() == null) {
                err.println("tunxlat: " + config + " says 'control-socket off': the daemon has no control socket");
                err.flush();
                return null;
            }
            return c.controlSocket();
        }
    }

    static int ask(Target target, String request, CommandLine cl) {
        PrintWriter err = cl.getErr();
        Path socket = target.resolve(err);
        if (socket == null) {
            return 1;
        }
        try {
            ControlClient.request(socket, request + (target.json ? " json" : ""), cl.getOut());
            return 0;
        } catch (ControlClient.Refused e) {
            err.println("tunxlat: the daemon at " + socket + " refused: " + e.getMessage());
        } catch (IOException e) {
            err.println("tunxlat: " + e.getMessage());
        }
        err.flush();
        return 1;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "List the static maps (tayga.conf and map-file), the active dynamic bindings and the"
                    + " dormant ones with their last use.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return ask(target, "map list", spec.commandLine());
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Show which mapping covers ADDRESS (static map, dynamic binding, RFC 6052 prefix) and"
                    + " what it translates to.")
    static final class ShowCommand implements Callable<Integer> {
        @Parameters(paramLabel = "ADDRESS", description = "an IPv4 or IPv6 address")
        String address;

        @Mixin
        Target target = new Target();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (!Addresses.isIpv4Literal(address) && !Addresses.isIpv6Literal(address)) {
                spec.commandLine().getErr().println("tunxlat: '" + address + "' is not an IPv4 or IPv6 address");
                spec.commandLine().getErr().flush();
                return 2;
            }
            return ask(target, "map show " + address, spec.commandLine());
        }
    }
}
