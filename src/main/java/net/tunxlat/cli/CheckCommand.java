// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TaygaRules;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.pipeline.Announcements;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import java.util.List;
import java.util.Locale;
import net.tunxlat.config.Nptv6Entry;

/** {@code tunxlat check}: validates a configuration without touching the system. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Validate a configuration file without touching the system.",
                "Prints every error (up to 20) as FILE:LINE: what is wrong and exits 2.",
                "Otherwise warns about what cannot carry traffic (an address two",
                "directives claim, translated addresses no tun-route covers), prints a",
                "summary and exits 0."},
        footer = {"", "Exit status: 0 valid (warnings allowed unless --strict), 1 warnings with --strict,"
                + " 2 errors or bad command line."})
public final class CheckCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = RunCommand.DEFAULT_CONFIG,
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--strict", description = "exit 1 when there are warnings (for scripts and CI)")
    boolean strict;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Configs.Loaded loaded = Configs.load(config, spec.commandLine().getErr(), true);
        TunxlatConfig c = loaded.config();
        if (c == null) {
            return 2;
        }
        String dataDir = TaygaRules.dataDirProblem(c);
        if (dataDir != null) {
            // A warning only: the service may run as another user, or the directory may be made before the start.
            spec.commandLine().getErr().println("tunxlat: warning: " + config + ": " + dataDir
                    + " (tunxlat will not start until it can use it)");
            spec.commandLine().getErr().flush();
        }
        var out = spec.commandLine().getOut();
        out.println(config + ": OK");
        out.println("  tun-device    " + c.tunDevice());
        out.println("  ipv4-addr     " + (c.hasNat64() ? Addresses.formatIpv4(c.ipv4Addr()) : "none (NPTv6 only)"));
        out.println("  ipv6-addr     " + (c.effectiveIpv6Addr() == null ? "none" : Addresses.formatIpv6(c.effectiveIpv6Addr().hi(), c.effectiveIpv6Addr().lo()))
                + (c.ipv6Addr() == null && c.prefix() != null ? " (ipv4-addr in prefix)" : ""));
        out.println("  prefix        " + (c.prefix() == null ? "none" : c.prefix())
                + (c.prefix() != null && c.wkpfStrict() ? "" : c.prefix() != null ? " (wkpf-strict off)" : ""));
        out.println("  dynamic-pool  " + (c.dynamicPool() == null ? "none" : c.dynamicPool()));
        out.println("  data-dir      " + (c.dataDir() == null ? "none" : c.dataDir()));
        out.println("  map-file      " + (c.mapFile() == null ? "none" : c.mapFile()));
        out.println("  control-socket " + (c.controlSocket() == null ? "off" : c.controlSocket()));
        out.println("  udp-cksum-mode " + c.udpCksumMode().name().toLowerCase(Locale.ROOT)
                + ", offlink-mtu " + c.offlinkMtu());
        out.println("  metrics       " + (c.metricsListen() == null ? "off"
                : "http://" + c.metricsListen() + "/metrics, /readyz, /healthz"));
        out.println("  instance-name " + c.instanceNameOrHost() + (c.instanceName() == null ? " (the host name)" : ""));
        List<String> announce = Announcements.of(c);
        out.println("  announces     " + (announce.isEmpty() ? "nothing" : String.join(", ", announce))
                + " (/readyz: what tunxlat-announce routes here while ready)");
        out.println("  static maps   " + c.maps().size());
        for (MapEntry m : c.maps()) {
            out.println("    " + m.v4() + " <-> " + m.v6() + "  (" + m.origin() + ")");
        }
        if (!c.nptv6().isEmpty()) {
            out.println("  nptv6         " + c.nptv6().size() + " prefix pair" + (c.nptv6().size() == 1 ? "" : "s"));
            for (var n : c.nptv6()) {
                out.println("    " + n.inside() + " <-> " + n.outside()
                        + (n.direction() == Nptv6Entry.Direction.BOTH ? "" : " (" + n.direction().name().toLowerCase(Locale.ROOT) + " only)")
                        + "  (" + n.origin() + ")");
            }
        }
        if (c.nat64() != null) {
            var n = c.nat64();
            long addresses = n.pool4().ranges().stream().mapToInt(r -> r.address()).distinct().count();
            out.println("  pool4         " + addresses + " address" + (addresses == 1 ? "" : "es") + ", "
                    + (n.deterministicRule() != null ? "deterministic blocks of " + n.pool4().blockSize() + " for "
                            + (n.shard() != null ? n.deterministicRule() : n.deterministicRange())
                            : n.pool4().blockSize() == 0 ? "no port blocks"
                            : "blocks of " + n.pool4().blockSize() + " ports, " + n.blocksPerSubscriber()
                                    + " per subscriber")
                    + ", " + n.statics().size() + " static bib entr" + (n.statics().size() == 1 ? "y" : "ies")
                    + ", " + n.maxSessions()[0] + " sessions per protocol");
        }
        if (loaded.warnings() > 0) {
            out.println("  warnings      " + loaded.warnings() + (strict ? " (--strict: exit status 1)" : ""));
        }
        out.flush();
        return strict && loaded.warnings() > 0 ? 1 : 0;
    }
}
