// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * A command that only groups subcommands ({@code tunxlat map}, {@code bib}, {@code session}, {@code nat64},
 * {@code shard}): run without one, it prints its usage to standard error and exits with status 2.
 */
abstract class CommandGroup implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }
}
