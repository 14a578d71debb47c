// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import net.tunxlat.config.ConfigException;
import net.tunxlat.config.ShardFile;
import net.tunxlat.mapping.Ipv6Prefix;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tunxlat shard routes}: the IPv6-side router's part of stateful sharding, from the shard file. */
@Command(name = "shard", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Stateful NAT64 sharding (nat64-shard-file): what the routers need, from the shard file.",
        subcommands = {ShardCommand.RoutesCommand.class})
public final class ShardCommand extends CommandGroup {
    @Command(name = "routes", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Print the IPv6-side router's policy routing for the shard file: per instance a routing"
                    + " table whose only route is the NAT64 prefix via the instance's next-hop, and per subscriber"
                    + " prefix two rules: its instance's table first, its standby's table after. A table without the"
                    + " route (the instance withdrew it, or it was deleted) makes the lookup fall through to the"
                    + " standby's table.",
                "--format ip: shell commands that set the rules and static routes (remove a primary by 'ip -6 route"
                        + " del PREFIX table N'); --format bird: a BIRD 2 configuration that fills each table from a"
                        + " BGP session with the instance (which announces the NAT64 prefix only while /readyz is"
                        + " ready), with the rules as shell commands in comments."},
            footer = {"", "Exit status: 0 printed, 2 bad command line or shard file."})
    static final class RoutesCommand implements Callable<Integer> {
        @Option(names = "--shard-file", paramLabel = "FILE", required = true, description = "the shard file")
        Path shardFile;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "ip",
                description = "ip or bird (default: ${DEFAULT-VALUE})")
        String format;

        @Option(names = "--table", paramLabel = "N", defaultValue = "1000",
                description = "the first instance's routing table; the next ones follow (default: ${DEFAULT-VALUE})")
        int table;

        @Option(names = "--priority", paramLabel = "N", defaultValue = "1000",
                description = "priority of the primary rules; the standby rules get N+1 (default: ${DEFAULT-VALUE})")
        int priority;

        @Option(names = "--local-as", paramLabel = "AS", defaultValue = "64512",
                description = "bird: the router's AS (default: ${DEFAULT-VALUE})")
        long localAs;

        @Option(names = "--peer-as", paramLabel = "AS", defaultValue = "64513",
                description = "bird: the instances' AS (default: ${DEFAULT-VALUE})")
        long peerAs;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                String f = format.toLowerCase(Locale.ROOT);
                if (!f.equals("ip") && !f.equals("bird")) {
                    err.println("tunxlat: --format must be ip or bird, got '" + format + "'");
                    return 2;
                }
                if (table < 1 || table > 0x7fffffff - 1024 || priority < 1 || priority > 32000) {
                    err.println("tunxlat: --table must be 1 or more and --priority 1 to 32000");
                    return 2;
                }
                ShardFile shards;
                try {
                    shards = ShardFile.read(shardFile);
                } catch (IOException e) {
                    err.println("tunxlat: cannot read " + shardFile + ": " + e.getMessage());
                    return 2;
                } catch (ConfigException e) {
                    e.errors().forEach(x -> err.println(x.getMessage()));
                    return 2;
                }
                out.print(f.equals("ip") ? ip(shards, table, priority) : bird(shards, table, priority, localAs, peerAs));
                return 0;
            } finally {
                out.flush();
                err.flush();
            }
        }
    }

    /** The routing table of instance {@code i} (file order). */
    private static int tableOf(ShardFile s, String name, int table) {
        List<ShardFile.Instance> all = s.instances();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).name().equals(name)) {
                return table + i;
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** The rules: per subscriber prefix, its instance's table at {@code priority}, its standby's at the next. */
    private static String rules(ShardFile s, int table, int priority, String comment) {
        StringBuilder sb = new StringBuilder();
        for (ShardFile.Instance i : s.instances()) {
            for (Ipv6Prefix p : i.subscribers()) {
                sb.append(comment).append("ip -6 rule add from ").append(p).append(" to ").append(s.nat64Prefix())
                        .append(" lookup ").append(tableOf(s, i.name(), table)).append(" priority ").append(priority)
                        .append('\n');
                sb.append(comment).append("ip -6 rule add from ").append(p).append(" to ").append(s.nat64Prefix())
                        .append(" lookup ").append(tableOf(s, i.standby(), table)).append(" priority ")
                        .append(priority + 1).append('\n');
            }
        }
        return sb.toString();
    }

    private static String via(ShardFile.Instance i) {
        return i.nextHop() + (i.nextHopDev() != null ? " dev " + i.nextHopDev() : "");
    }

    /** {@code --format ip}: rules and static routes, as shell commands. */
    static String ip(ShardFile s, int table, int priority) {
        StringBuilder sb = new StringBuilder();
        sb.append("# tunxlat shard routes --format ip, from ").append(s.file()).append('\n');
        sb.append("# Subscribers reach the NAT64 prefix through their instance's table (priority ").append(priority)
                .append(") or, when that table has no route, their standby's (priority ").append(priority + 1)
                .append(").\n");
        sb.append(rules(s, table, priority, ""));
        for (ShardFile.Instance i : s.instances()) {
            int t = tableOf(s, i.name(), table);
            sb.append("# instance ").append(i.name()).append(" (table ").append(t).append("); it withdraws with: ip -6")
                    .append(" route del ").append(s.nat64Prefix()).append(" table ").append(t).append('\n');
            sb.append("ip -6 route replace ").append(s.nat64Prefix()).append(" via ").append(via(i))
                    .append(" table ").append(t).append('\n');
        }
        ipv4(s, sb);
        return sb.toString();
    }

    /** {@code --format bird}: a BIRD 2 table, kernel protocol and BGP session per instance. */
    static String bird(ShardFile s, int table, int priority, long localAs, long peerAs) {
        StringBuilder sb = new StringBuilder();
        sb.append("# tunxlat shard routes --format bird, from ").append(s.file()).append('\n');
        sb.append("# BIRD 2 on the IPv6-side router: each instance's BGP session fills its own kernel table with the\n"
                + "# NAT64 prefix while the instance announces it (/readyz ready); the policy rules below, which BIRD\n"
                + "# does not manage, send each subscriber prefix to its instance's table, then to its standby's.\n");
        sb.append(rules(s, table, priority, "#   "));
        for (ShardFile.Instance i : s.instances()) {
            String n = i.name().replaceAll("[^A-Za-z0-9_]", "_");
            int t = tableOf(s, i.name(), table);
            sb.append('\n');
            sb.append("ipv6 table shard_").append(n).append(";\n");
            sb.append("protocol kernel shard_").append(n).append("_kernel {\n");
            sb.append("    kernel table ").append(t).append(";\n");
            sb.append("    ipv6 { table shard_").append(n).append("; import none; export all; };\n");
            sb.append("}\n");
            sb.append("protocol bgp shard_").append(n).append("_bgp {\n");
            sb.append("    local as ").append(localAs).append(";\n");
            sb.append("    neighbor ").append(i.nextHop()).append(" as ").append(peerAs).append(";\n");
            if (i.nextHopDev() != null) {
                sb.append("    interface \"").append(i.nextHopDev()).append("\";\n");
            }
            sb.append("    hold time 3; keepalive time 1; connect retry time 1;\n");
            sb.append("    ipv6 { table shard_").append(n).append("; import where net = ").append(s.nat64Prefix())
                    .append("; export none; };\n");
            sb.append("}\n");
        }
        ipv4(s, sb);
        return sb.toString();
    }

    /** What each instance announces on the IPv4 side itself (its /readyz announce lines), as comments. */
    private static void ipv4(ShardFile s, StringBuilder sb) {
        sb.append("# IPv4 side: each instance announces its own slice and the standby ranges it holds:\n");
        for (ShardFile.Instance i : s.instances()) {
            sb.append("#   ").append(i.name()).append(": ").append(String.join(" ",
                    s.announced(i.name()).stream().map(Object::toString).toList())).append('\n');
        }
    }
}
