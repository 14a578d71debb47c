// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.BlockEvent;
import net.tunxlat.nat64.BlockLogLine;
import net.tunxlat.nat64.BlockWhois;
import net.tunxlat.nat64.Deterministic;
import net.tunxlat.nat64.Nat64BlockJournal;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tunxlat nat64 whois}: stateful NAT64's answers that need no running daemon. */
@Command(name = "nat64", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Stateful NAT64 (pool4) tools that read the configuration and the block logs, not the daemon.",
        subcommands = {Nat64Command.WhoisCommand.class})
public final class Nat64Command extends CommandGroup {
    @Command(name = "whois", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Which subscriber used IPV4 PORT at TIME (an abuse report's question).",
                "In deterministic mode (nat64-deterministic) the configuration answers (RFC 7422); otherwise the port"
                        + " block records of nat64-block-log and of data-dir/nat64.blocks (and every --log FILE) are"
                        + " searched for the block that held the port at TIME."},
            footer = {"", "Exit status: 0 found, 1 no answer (not in pool4, no record, no log to search), 2 bad command"
                    + " line or configuration."})
    static final class WhoisCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IPV4", description = "a pool4 address")
        String address;

        @Parameters(index = "1", paramLabel = "PORT", description = "the port (or ICMP identifier), 0-65535")
        int port;

        @Parameters(index = "2", paramLabel = "TIME", arity = "0..1", description = "when: UTC ISO 8601"
                + " (2026-12-06T05:10:00Z; without an offset it is UTC) or seconds since the epoch (default: now)")
        String time;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = RunCommand.DEFAULT_CONFIG,
                description = "the daemon's configuration file, for pool4 and the block logs (default: ${DEFAULT-VALUE})")
        Path config;

        @Option(names = "--protocol", paramLabel = "PROTO", description = "only tcp, udp or icmp (default: every"
                + " protocol whose pool4 range holds the port)")
        String protocol;

        @Option(names = "--log", paramLabel = "FILE", description = "also search FILE (repeatable; a rotated block log,"
                + " .gz read too, or journalctl output)")
        List<Path> logs = new ArrayList<>();

        @Option(names = "--json", description = "JSON output (schema 1, see tunxlat(8))")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                return whois(out, err);
            } finally {
                out.flush();
                err.flush();
            }
        }

        private int whois(PrintWriter out, PrintWriter err) {
            if (!Addresses.isIpv4Literal(address)) {
                return fail(err, "'" + address + "' is not an IPv4 address", 2);
            }
            TunxlatConfig c = Configs.load(config, err);
            return c == null ? 2 : whois(c, out, err);
        }

        /** The answer under configuration {@code c} (loaded from {@link #config}). */
        int whois(TunxlatConfig c, PrintWriter out, PrintWriter err) {
            if (!Addresses.isIpv4Literal(address)) {
                return fail(err, "'" + address + "' is not an IPv4 address", 2);
            }
            if (port < 0 || port > 65535) {
                return fail(err, "port " + port + " is not within 0-65535", 2);
            }
            int only;
            Instant at;
            try {
                only = protocol == null ? -1 : BlockLogLine.protocol(protocol);
                at = time == null ? Instant.now() : parseTime(time);
            } catch (IllegalArgumentException e) {
                return fail(err, e.getMessage(), 2);
            }
            Nat64Settings s = c.nat64();
            if (s == null) {
                return fail(err, config + " has no pool4 line: stateful NAT64 is off, no port belongs to a subscriber",
                        1);
            }
            int a = Addresses.parseIpv4(address);
            List<Integer> protocols = new ArrayList<>();
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                if ((only < 0 || p == only) && s.pool4().contains(p, a, port)) {
                    protocols.add(p);
                }
            }
            if (protocols.isEmpty()) {
                return fail(err, address + " port " + port + " is not in pool4"
                        + (only < 0 ? "" : " for " + protocol) + " of " + config + ": no subscriber ever used it", 1);
            }
            if (s.deterministicRule() != null) {
                return deterministic(out, err, s, a, protocols, at);
            }
            if (s.pool4().blockSize() == 0) {
                return fail(err, config + " allocates no port blocks (nat64-port-block 0): there is no block log to"
                        + " search; set nat64-port-block (and nat64-block-log) to be able to answer", 1);
            }
            return fromLogs(out, err, c, a, only, protocols, at);
        }

        private int deterministic(PrintWriter out, PrintWriter err, Nat64Settings s, int a, List<Integer> protocols,
                Instant at) {
            Deterministic d = s.deterministic();
            List<String[]> rows = new ArrayList<>();
            for (int p : protocols) {
                Ipv6Prefix sub = d.subscriberOf(p, a, port);
                int b = s.pool4().blockOf(p, a, port);
                if (sub != null) {
                    int first = s.pool4().blockFirstPort(p, b);
                    rows.add(new String[] {Nat64Protocol.name(p), sub.toString(), String.valueOf(first),
                        String.valueOf(first + s.pool4().blockSize() - 1)});
                }
            }
            if (rows.isEmpty()) {
                return fail(err, address + " port " + port + " is in no subscriber's block of " + config
                        + " (" + s.deterministicRule() + ": the rest of the pool is unused)", 1);
            }
            if (json) {
                StringBuilder sb = new StringBuilder();
                Json.Writer w = header(sb, at, "deterministic");
                for (String[] r : rows) {
                    w.beginObject().field("protocol", r[0]).field("subscriber", r[1]).field("ipv4", address)
                            .field("first_port", Long.parseLong(r[2])).field("last_port", Long.parseLong(r[3]))
                            .name("from").nullValue().name("until").nullValue().endObject();
                }
                w.endArray().endObject();
                out.println(sb);
                return 0;
            }
            for (String[] r : rows) {
                out.println(address + " port " + port + " (" + r[0] + "): subscriber " + r[1] + ", block " + address
                        + " " + r[2] + "-" + r[3] + ", deterministic (RFC 7422, " + s.deterministicRule()
                        + "): the same at any time under this configuration");
            }
            return 0;
        }

        private int fromLogs(PrintWriter out, PrintWriter err, TunxlatConfig c, int a, int only,
                List<Integer> protocols, Instant at) {
            List<Path> files = new ArrayList<>();
            if (c.nat64BlockLog() != null) {
                files.add(c.nat64BlockLog());
            }
            if (c.dataDir() != null) {
                files.add(c.dataDir().resolve(Nat64BlockJournal.NAME));
            }
            files.addAll(logs);
            List<BlockEvent> records = new ArrayList<>();
            List<Path> read = new ArrayList<>();
            for (Path f : files) {
                if (!Files.exists(f)) {
                    continue;
                }
                try {
                    BlockLogLine.Read r = BlockLogLine.read(f);
                    records.addAll(r.events());
                    r.problems().stream().limit(3).forEach(p -> err.println("tunxlat: warning: " + p));
                    read.add(f);
                } catch (IOException e) {
                    err.println("tunxlat: warning: " + f + ": cannot read: " + e.getMessage());
                }
            }
            if (read.isEmpty()) {
                return fail(err, "no block log to search: none of " + files + " exists (set nat64-block-log or"
                        + " data-dir in " + config + ", or give --log FILE)", 1);
            }
            List<BlockWhois.Answer> answers = new ArrayList<>();
            for (BlockWhois.Answer x : BlockWhois.find(records, only, a, port, at)) {
                if (protocols.contains(x.allocation().protocol())) {
                    answers.add(x);
                }
            }
            if (answers.isEmpty()) {
                return fail(err, "no record of a block holding " + address + " port " + port + " at " + at + " in "
                        + read + " (no subscriber had it then, or the record was rotated away: add --log FILE)", 1);
            }
            if (json) {
                StringBuilder sb = new StringBuilder();
                Json.Writer w = header(sb, at, "log");
                for (BlockWhois.Answer x : answers) {
                    BlockEvent e = x.allocation();
                    w.beginObject().field("protocol", Nat64Protocol.name(e.protocol()))
                            .field("subscriber", e.subscriber().toString()).field("ipv4", address)
                            .field("first_port", e.firstPort()).field("last_port", e.lastPort())
                            .field("from", e.time().toString()).field("from_epoch", e.time().getEpochSecond());
                    if (x.releasedAt() == null) {
                        w.name("until").nullValue();
                    } else {
                        w.field("until", x.releasedAt().toString()).field("until_epoch", x.releasedAt().getEpochSecond());
                    }
                    w.endObject();
                }
                w.endArray().endObject();
                out.println(sb);
                return 0;
            }
            for (BlockWhois.Answer x : answers) {
                BlockEvent e = x.allocation();
                out.println(address + " port " + port + " (" + Nat64Protocol.name(e.protocol()) + ") at " + at
                        + ": subscriber " + e.subscriber() + ", block " + address + " " + e.firstPort() + "-"
                        + e.lastPort() + ", from " + e.time() + " to "
                        + (x.releasedAt() == null ? "no release recorded (still held, or the records end)"
                                : x.releasedAt().toString()));
            }
            return 0;
        }

        private Json.Writer header(StringBuilder sb, Instant at, String mode) {
            return new Json.Writer(sb).beginObject().field("schema", 1).field("ipv4", address)
                    .field("port", port).field("time", at.toString()).field("time_epoch", at.getEpochSecond())
                    .field("mode", mode).name("answers").beginArray();
        }

        private static int fail(PrintWriter err, String why, int status) {
            err.println("tunxlat: " + why);
            return status;
        }
    }

    /** UTC ISO 8601 with or without an offset (none: UTC), or seconds since the epoch. */
    static Instant parseTime(String s) {
        try {
            if (s.matches("\\d+")) {
                return Instant.ofEpochSecond(Long.parseLong(s));
            }
            if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:\\d\\d$")) {
                return OffsetDateTime.parse(s).toInstant();
            }
            return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException | NumberFormatException e) {
            throw new IllegalArgumentException("TIME '" + s + "' is neither ISO 8601 (2026-12-06T05:10:00Z) nor"
                    + " seconds since the epoch");
        }
    }
}
