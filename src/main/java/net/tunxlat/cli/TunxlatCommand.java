package net.tunxlat.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tunxlat} command (subcommands are added as they are written). */
@Command(name = "tunxlat", mixinStandardHelpOptions = true, description = "Userspace NAT64/SIIT translator.")
public final class TunxlatCommand implements Runnable {
    public static int execute(String[] args) {
        return new CommandLine(new TunxlatCommand()).execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
