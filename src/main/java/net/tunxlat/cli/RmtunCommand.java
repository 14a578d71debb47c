// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import net.tunxlat.tun.TunDevice;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tunxlat rmtun}: TAYGA's --rmtun, remove the persistent TUN device. */
@Command(name = "rmtun", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Remove the configured persistent TUN device and exit (TAYGA's --rmtun).")
public final class RmtunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = RunCommand.DEFAULT_CONFIG,
            description = "configuration file naming tun-device (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--dev", paramLabel = "NAME", description = "device name (instead of reading the configuration)")
    String dev;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return remove(config, dev, spec.commandLine());
    }

    static int remove(Path config, String dev, CommandLine cl) throws Exception {
        String name = MktunCommand.deviceName(config, dev, cl);
        if (name == null) {
            return 2;
        }
        TunDevice.removePersistent(name);
        cl.getOut().println("removed persistent TUN device " + name);
        cl.getOut().flush();
        return 0;
    }
}
