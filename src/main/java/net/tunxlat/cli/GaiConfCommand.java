// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import net.tunxlat.config.Nptv6Entry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Ipv6Prefix;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tunxlat gai-conf}: an /etc/gai.conf for hosts whose only IPv6 addresses are ULAs translated by
 * NPTv6, so that getaddrinfo() prefers IPv6 over IPv4 for dual-stack names (RFC 6724 rules 5 and 6).
 */
@Command(name = "gai-conf", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Print an /etc/gai.conf that makes LAN hosts behind NPTv6 prefer IPv6.",
                "Their ULA prefix gets the label of ::/0, so that glibc's getaddrinfo() prefers IPv6 over IPv4"
                        + " (RFC 6724 rule 5, then rule 6). Without it, a host with only ULA addresses uses IPv4 for"
                        + " every name that also has an A record. The output repeats glibc's whole default label"
                        + " table, because one 'label' line replaces it."},
        footer = {"", "Example: tunxlat gai-conf --prefix fd00:11:22::/48 > /etc/gai.conf   (on each LAN host)",
                "", "Exit status: 0 printed, 2 bad command line (a prefix outside fc00::/7) or configuration."})
public final class GaiConfCommand implements Callable<Integer> {
    /** The ULA block (RFC 4193). */
    static final Ipv6Prefix ULA = Ipv6Prefix.parse("fc00::/7", -1);

    /**
     * glibc's built-in label table (sysdeps/posix/getaddrinfo.c, as listed in the comments of Debian 12's
     * /etc/gai.conf): RFC 3484's, plus fec0::/10, fc00::/7 and 2001::/32 labels of their own.
     */
    static final List<String[]> GLIBC_LABELS = List.of(
            new String[] {"::1/128", "0"},
            new String[] {"::/0", "1"},
            new String[] {"2002::/16", "2"},
            new String[] {"::/96", "3"},
            new String[] {"::ffff:0:0/96", "4"},
            new String[] {"fec0::/10", "5"},
            new String[] {"fc00::/7", "6"},
            new String[] {"2001:0::/32", "7"});

    /** The label glibc gives {@code ::/0} (global unicast): the ULA prefix gets the same. */
    static final String GLOBAL_LABEL = "1";

    @Option(names = {"-p", "--prefix"}, paramLabel = "ULA/LEN",
            description = "the LAN's ULA prefix (within fc00::/7); repeat for several")
    List<String> prefixes = new ArrayList<>();

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "take the prefixes from the inside prefixes of this configuration's 'nptv6' lines"
                    + " (those within fc00::/7)")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        List<Ipv6Prefix> ulas = new ArrayList<>();
        for (String p : prefixes) {
            Ipv6Prefix u;
            try {
                u = Ipv6Prefix.parse(p.trim(), -1);
            } catch (IllegalArgumentException e) {
                err.println("tunxlat gai-conf: '" + p + "' is not an IPv6 prefix ADDR/LEN: " + e.getMessage());
                err.flush();
                return 2;
            }
            if (!isUla(u)) {
                err.println("tunxlat gai-conf: " + u + " is not a unique local address prefix (fc00::/7, RFC 4193);"
                        + " hosts with global addresses already prefer IPv6 and need no gai.conf");
                err.flush();
                return 2;
            }
            ulas.add(u);
        }
        if (config != null) {
            TunxlatConfig c = Configs.load(config, err);
            if (c == null) {
                return 2;
            }
            for (Nptv6Entry e : c.nptv6()) {
                if (isUla(e.inside()) && e.direction() != Nptv6Entry.Direction.INBOUND && !ulas.contains(e.inside())) {
                    ulas.add(e.inside());
                }
            }
        }
        if (ulas.isEmpty()) {
            err.println("tunxlat gai-conf: give the LAN's ULA prefix with --prefix (e.g. --prefix fd00:11:22::/48)"
                    + (config != null ? "; " + config + " has no nptv6 inside prefix within fc00::/7" : ""));
            err.flush();
            return 2;
        }
        var out = spec.commandLine().getOut();
        out.print(generate(ulas));
        out.flush();
        return 0;
    }

    static boolean isUla(Ipv6Prefix p) {
        return p.length() >= ULA.length() && ULA.contains(p.hi(), p.lo());
    }

    /** The complete gai.conf text for these ULA prefixes. */
    static String generate(List<Ipv6Prefix> ulas) {
        String list = String.join(" ", ulas.stream().map(Ipv6Prefix::toString).toList());
        StringBuilder b = new StringBuilder();
        b.append("# /etc/gai.conf for hosts behind NPTv6 (RFC 6296), generated by: tunxlat gai-conf");
        for (Ipv6Prefix u : ulas) {
            b.append(" --prefix ").append(u);
        }
        b.append('\n');
        b.append("#\n");
        b.append("# A host whose only IPv6 addresses are ULAs (").append(list).append(") reaches the IPv6 Internet\n");
        b.append("# through NPTv6, but glibc labels ULA sources 6 and global destinations 1, so RFC 6724 rule 5\n");
        b.append("# (prefer matching labels) picks IPv4 for every name that also has an IPv4 address. Giving the\n");
        b.append("# ULA prefix the label of ::/0 (1) makes the labels match; rule 6 (precedence ::/0 40 above\n");
        b.append("# IPv4's ::ffff:0:0/96 10) then prefers IPv6.\n");
        b.append("#\n");
        b.append("# One 'label' line replaces glibc's whole built-in label table, so all of its lines are repeated\n");
        b.append("# here; merge them with any 'label' lines this file already has. No 'precedence' lines: glibc's\n");
        b.append("# default precedences already rank IPv6 above IPv4, and one would replace that whole table too.\n");
        b.append("#\n");
        b.append("# Side effect: from these ULA sources, destinations in other ULA prefixes (still label 6) no\n");
        b.append("# longer match and lose against IPv4 and global IPv6 destinations; destinations within the\n");
        b.append("# prefixes above still match. Only programs resolving names with glibc's getaddrinfo() on this\n");
        b.append("# host read this file; musl-based systems, Go's resolver, Android, Apple systems and Windows\n");
        b.append("# ignore it (Windows: netsh interface ipv6 add prefixpolicy).\n");
        int width = 0;
        for (String[] l : GLIBC_LABELS) {
            width = Math.max(width, l[0].length());
        }
        for (Ipv6Prefix u : ulas) {
            width = Math.max(width, u.toString().length());
        }
        for (String[] l : GLIBC_LABELS) {
            b.append(String.format("label %-" + width + "s %s\n", l[0], l[1]));
        }
        for (Ipv6Prefix u : ulas) {
            b.append(String.format("label %-" + width + "s %s\n", u, GLOBAL_LABEL));
        }
        return b.toString();
    }
}
