// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import net.tunxlat.clat.ClatDoctor;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.doctor.Doctor;
import net.tunxlat.doctor.SystemState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tunxlat doctor}: does the running system match the configuration (device, forwarding, routes, rules)? */
@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Check that the running system matches the configuration.",
                "The TUN device exists, is up and attached; forwarding is on; the NAT64",
                "routes and the NPTv6 policy rules and routes send the right packets into the",
                "TUN device; private dynamic-pool and map addresses have NAT44 (masquerade or",
                "snat); no forward chain with policy drop (nftables, iptables) drops the",
                "translated packets; an uplink whose IPv6 default route comes from router",
                "advertisements has accept_ra = 2. Prints one line per check and, for each",
                "problem, the command that fixes it. Reads the system with 'ip -j',",
                "'nft -j list ruleset' (or iptables-save) and /proc/sys, as root to see the",
                "firewall; changes nothing. With --clat it explains this host's CLAT instead."},
        footer = {"", "Exit status: 0 all checks OK, 1 at least one problem, 2 bad command line or configuration."})
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = RunCommand.DEFAULT_CONFIG,
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--clat", description = "explain this host's CLAT (tunxlat clat) instead: its state and why, and,"
            + " when it is up, its device, IPv4 default route, address, forwarding and accept_ra")
    boolean clat;

    @Option(names = "--runtime-dir", paramLabel = "DIR", defaultValue = "/run/tunxlat-clat",
            description = "with --clat: the CLAT's runtime directory (default: ${DEFAULT-VALUE})")
    Path runtimeDir;

    @Option(names = "--tun-device", paramLabel = "NAME", defaultValue = "clat",
            description = "with --clat: the CLAT's TUN device (default: ${DEFAULT-VALUE})")
    String tun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (clat) {
            return report("--clat " + runtimeDir, ClatDoctor.run(runtimeDir, tun), spec.commandLine().getOut());
        }
        TunxlatConfig c = Configs.load(config, spec.commandLine().getErr());
        if (c == null) {
            return 2;
        }
        return report(config.toString(), Doctor.run(c, config.toString(), SystemState.read()),
                spec.commandLine().getOut());
    }

    /** Prints the checks; returns the exit status (0 if all are OK, else 1). */
    static int report(String configFile, List<Doctor.Check> checks, PrintWriter out) {
        out.println("tunxlat doctor: " + configFile);
        int problems = 0;
        for (Doctor.Check c : checks) {
            out.println((c.ok() ? "OK       " : "PROBLEM  ") + c.text());
            if (!c.ok()) {
                problems++;
                out.println("         fix: " + (c.fix() == null ? "(no single command; see above)" : c.fix()));
            }
        }
        out.println(checks.size() + " checks: " + (checks.size() - problems) + " OK, " + problems + " problem"
                + (problems == 1 ? "" : "s"));
        out.flush();
        return problems == 0 ? 0 : 1;
    }
}
