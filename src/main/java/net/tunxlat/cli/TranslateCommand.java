// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.pcap.LinkType;
import net.tunxlat.pcap.PcapFormatException;
import net.tunxlat.pcap.PcapReader;
import net.tunxlat.pcap.PcapRecord;
import net.tunxlat.pcap.PcapWriter;
import net.tunxlat.offline.OfflineTranslator;
import net.tunxlat.offline.OfflineTranslator.Kind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tunxlat translate}: runs the packets of a pcap file through the translator core, without a TUN
 * device, and writes what it emits to another pcap file and/or explains each packet.
 */
@Command(name = "translate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Translate the packets of a pcap file offline (no TUN device, no root).",
                "Writes what the translator emits to a pcap file (link type RAW, one record per emitted packet, with"
                        + " the time of the input packet), and/or explains what happened to each packet.",
                "",
                "Input: classic pcap (either byte order, micro- or nanosecond timestamps) with raw IP (101, 12, 14),"
                        + " IPv4 (228), IPv6 (229), Linux cooked (113, 276: 'tcpdump -i any') or Ethernet (1) frames;"
                        + " the link header is stripped. Capture times drive the ICMP error rate limit, as on the wire."},
        footer = {"", "Exit status: 0 success, 2 bad configuration or unreadable/garbled input (packets before the"
                        + " damage are still translated and written).",
                "", "Example: tunxlat translate -c tayga.conf --in capture.pcap --out translated.pcap --explain"})
public final class TranslateCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = RunCommand.DEFAULT_CONFIG,
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--in", paramLabel = "PCAP", required = true,
            description = "packets to translate ('-' for standard input)")
    String in;

    @Option(names = "--out", paramLabel = "PCAP",
            description = "where to write the emitted packets ('-' for standard output; explanations then go to"
                    + " standard error)")
    String out;

    @Option(names = "--explain", description = "print one line per input packet: what it is and what happened,"
            + " followed by the packets emitted")
    boolean explain;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        boolean pcapToStdout = "-".equals(out);
        PrintWriter text = pcapToStdout ? err : spec.commandLine().getOut();
        TunxlatConfig cfg = Configs.loadWithMapFile(config, err); // the maps run translates with
        if (cfg == null) {
            return 2;
        }
        String inName = "-".equals(in) ? "standard input" : in;
        PcapReader reader;
        try {
            InputStream is = "-".equals(in) ? new FilterInputStream(System.in) {
                @Override
                public void close() {
                    // standard input stays open
                }
            } : Files.newInputStream(Path.of(in));
            reader = open(is, inName);
        } catch (NoSuchFileException e) {
            err.println("tunxlat: " + inName + ": no such file");
            err.flush();
            return 2;
        } catch (IOException e) {
            err.println("tunxlat: " + (e instanceof PcapFormatException ? e.getMessage()
                    : inName + ": cannot read: " + e.getMessage()));
            err.flush();
            return 2;
        }
        try (reader) {
            PcapWriter writer = null;
            String outName = pcapToStdout ? "standard output" : out;
            if (out != null) {
                try {
                    OutputStream os = pcapToStdout ? new FilterOutputStream(System.out) {
                        @Override
                        public void write(byte[] b, int off, int len) throws IOException {
                            out.write(b, off, len);
                        }

                        @Override
                        public void close() throws IOException {
                            flush(); // standard output stays open
                        }
                    } : Files.newOutputStream(Path.of(out));
                    writer = new PcapWriter(os);
                } catch (IOException e) {
                    err.println("tunxlat: " + outName + ": cannot write: " + e.getMessage());
                    err.flush();
                    return 2;
                }
            }
            return run(cfg, reader, writer, outName, text, err);
        } catch (IOException e) {
            err.println("tunxlat: " + inName + ": " + e.getMessage());
            err.flush();
            return 2;
        }
    }

    private static PcapReader open(InputStream is, String name) throws IOException {
        boolean ok = false;
        try {
            PcapReader r = new PcapReader(is, name);
            ok = true;
            return r;
        } finally {
            if (!ok) {
                is.close();
            }
        }
    }

    private int run(TunxlatConfig cfg, PcapReader reader, PcapWriter writer, String outName, PrintWriter text,
            PrintWriter err) {
        Map<Kind, Long> kinds = new EnumMap<>(Kind.class);
        long packets = 0;
        long emitted = 0;
        int status = 0;
        try (OfflineTranslator xlat = new OfflineTranslator(cfg)) {
            long first = Long.MIN_VALUE;
            long clock = 0;
            PcapRecord r;
            while (true) {
                try {
                    r = reader.next();
                } catch (PcapFormatException e) {
                    err.println("tunxlat: " + e.getMessage());
                    status = 2;
                    break;
                }
                if (r == null) {
                    break;
                }
                packets++;
                if (first == Long.MIN_VALUE) {
                    first = r.epochNanos();
                }
                clock = Math.max(clock, r.epochNanos() - first); // the translator's clock never goes backwards
                LinkType.IpPacket ip = LinkType.ipPacket(reader.linkType(), r.data());
                if (!ip.ok()) {
                    kinds.merge(Kind.SKIPPED, 1L, Long::sum);
                    if (explain) {
                        text.println(r.index() + " skipped: " + ip.error());
                    }
                    continue;
                }
                OfflineTranslator.Result res = xlat.translate(r.data(), ip.offset(), ip.length(), clock);
                kinds.merge(res.kind(), 1L, Long::sum);
                if (explain) {
                    String cut = r.truncated() ? " (captured " + r.data().length + " of " + r.originalLength()
                            + " bytes)" : "";
                    text.println(res.explain(r.index() + " ", cut));
                }
                if (writer != null) {
                    for (byte[] p : res.packets()) {
                        writer.write(r.epochNanos(), p);
                    }
                }
                emitted += res.packets().size();
            }
        } catch (IOException e) {
            err.println("tunxlat: " + outName + ": cannot write: " + e.getMessage());
            status = 2;
        } finally {
            if (writer != null) {
                try {
                    writer.close();
                } catch (IOException e) {
                    err.println("tunxlat: " + outName + ": cannot write: " + e.getMessage());
                    status = 2;
                }
            }
        }
        StringBuilder summary = new StringBuilder(reader.name()).append(": ").append(packets)
                .append(packets == 1 ? " packet" : " packets");
        for (Map.Entry<Kind, Long> e : kinds.entrySet()) {
            summary.append(", ").append(e.getValue()).append(' ')
                    .append(e.getKey().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        }
        summary.append("; ").append(emitted).append(emitted == 1 ? " packet" : " packets")
                .append(writer != null ? " written to " + outName : " emitted");
        text.println(summary);
        text.flush();
        err.flush();
        return status;
    }
}
