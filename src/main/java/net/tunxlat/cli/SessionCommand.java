// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tunxlat session list|show}: the running daemon's stateful NAT64 sessions (RFC 6146 §3.2). */
@Command(name = "session", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show the running daemon's stateful NAT64 sessions (pool4), asked over its control socket"
                + " (root and the service's group only).",
        subcommands = {SessionCommand.ListCommand.class, SessionCommand.ShowCommand.class})
public final class SessionCommand extends CommandGroup {
    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "List the sessions: IPv6 host and port, pool4 address and port, IPv4 remote, TCP state and"
                    + " remaining lifetime.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        MapCommand.Target target = new MapCommand.Target();

        @Mixin
        Nat64Filters filters = new Nat64Filters();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return MapCommand.ask(target, "session list" + filters.words(), spec.commandLine());
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Show one IPv6 host (its subscriber, port blocks, bindings and sessions) or one pool4"
                    + " address or address:port (who is bound to it).")
    static final class ShowCommand implements Callable<Integer> {
        @Parameters(paramLabel = "ADDRESS", description = "an IPv6 host, or a pool4 IPV4 or IPV4:PORT")
        String address;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
                description = "show at most N bindings and N sessions (default: ${DEFAULT-VALUE})")
        int limit;

        @Mixin
        MapCommand.Target target = new MapCommand.Target();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return MapCommand.ask(target, "session show " + address + " limit " + limit, spec.commandLine());
        }
    }
}
