// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tunxlat bib list}: the running daemon's stateful NAT64 bindings (RFC 6146 §3.1). */
@Command(name = "bib", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show the running daemon's stateful NAT64 bindings (BIB), asked over its control socket"
                + " (root and the service's group only).",
        subcommands = {BibCommand.ListCommand.class})
public final class BibCommand extends CommandGroup {
    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "List the BIB entries: IPv6 host and port, pool4 address and port, static or dynamic, and"
                    + " the number of sessions of each.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        MapCommand.Target target = new MapCommand.Target();

        @Mixin
        Nat64Filters filters = new Nat64Filters();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return MapCommand.ask(target, "bib list" + filters.words(), spec.commandLine());
        }
    }
}
