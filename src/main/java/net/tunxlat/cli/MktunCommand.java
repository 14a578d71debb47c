// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.tun.Privileges;
import net.tunxlat.tun.TunDevice;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tunxlat mktun}: TAYGA's --mktun, create the TUN device as a persistent interface. */
@Command(name = "mktun", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Create the configured TUN device as a persistent interface and exit (TAYGA's --mktun).",
                "With --owner, that user may later attach to it without privileges."})
public final class MktunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = RunCommand.DEFAULT_CONFIG,
            description = "configuration file naming tun-device (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--dev", paramLabel = "NAME", description = "device name (instead of reading the configuration)")
    String dev;

    @Option(names = "--owner", paramLabel = "USER", description = "user allowed to attach to the device")
    String owner;

    /** The old spelling of {@code --owner}, kept for scripts; hidden so that the help names one option. */
    @Option(names = "--user", paramLabel = "USER", hidden = true, description = "the same as --owner")
    String ownerOldName;

    @Option(names = "--group", paramLabel = "GROUP", description = "group allowed to attach to the device")
    String group;

    @Option(names = "--multi-queue", description = "create it with IFF_MULTI_QUEUE, so that tunxlat can open one queue per"
            + " worker (TAYGA 0.9.2 cannot attach to such a device)")
    boolean multiQueue;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (owner != null && ownerOldName != null) {
            spec.commandLine().getErr().println("tunxlat: --owner and --user are the same option: give one");
            spec.commandLine().getErr().flush();
            return 2;
        }
        return make(config, dev, owner != null ? owner : ownerOldName, group, multiQueue, spec.commandLine());
    }

    static String deviceName(Path config, String dev, CommandLine cl) {
        if (dev != null) {
            return dev;
        }
        TunxlatConfig c = Configs.load(config, cl.getErr());
        return c == null ? null : c.tunDevice();
    }

    static int make(Path config, String dev, String owner, String group, boolean multiQueue, CommandLine cl)
            throws Exception {
        String name = deviceName(config, dev, cl);
        if (name == null) {
            return 2;
        }
        int uid = owner == null ? -1 : Privileges.resolveUser(owner);
        int gid = group == null ? -1 : Privileges.resolveGroup(group);
        TunDevice.makePersistent(name, uid, gid, multiQueue);
        cl.getOut().println("created persistent TUN device " + name + (multiQueue ? " (multi-queue)" : ""));
        cl.getOut().flush();
        return 0;
    }
}
