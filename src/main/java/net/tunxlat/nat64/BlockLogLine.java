// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * The text of one port block allocation or release ({@link BlockEvent}): the line written to the journal, to
 * {@code nat64-block-log FILE} and to {@code data-dir/nat64.blocks}, and read back by {@code tunxlat nat64 whois}
 * and by the block journal's replay. RFC 6888 REQ-12 and RFC 7422 §2 (bulk port allocation logging): the time,
 * the subscriber, the IPv4 address and the port range are what an abuse report needs.
 *
 * <pre>
 * time=2026-12-06T05:10:00Z event=allocated subscriber=2001:db8:1::/64 protocol=tcp ipv4=192.0.2.1 ports=1024-1151
 * </pre>
 * Space-separated {@code key=value} pairs in this order (logfmt), the time in UTC ISO 8601 to the second. A reader
 * finds the record anywhere in a line ({@code time=} starts it), so the lines of {@code journalctl} output, with
 * their own prefix, parse too.
 */
public final class BlockLogLine {
    public static final String ALLOCATED = "allocated";
    public static final String RELEASED = "released";

    private BlockLogLine() {
    }

    /** The line of {@code e} (no newline). */
    public static String format(BlockEvent e) {
        return "time=" + e.time().truncatedTo(ChronoUnit.SECONDS) + " event=" + (e.allocated() ? ALLOCATED : RELEASED)
                + " subscriber=" + e.subscriber() + " protocol=" + Nat64Protocol.name(e.protocol()) + " ipv4="
                + Addresses.formatIpv4(e.address()) + " ports=" + e.firstPort() + "-" + e.lastPort();
    }

    /**
     * The event of a line, or null when the line holds no block record (other log lines). A record that starts but
     * is malformed throws, with what is wrong.
     *
     * @throws IllegalArgumentException a malformed record
     */
    public static BlockEvent parse(String line) {
        int at = line.indexOf("time=");
        if (at < 0 || (at > 0 && line.charAt(at - 1) != ' ') || !line.contains(" event=")) {
            return null;
        }
        String[] f = line.substring(at).strip().split(" +");
        if (f.length != 6) {
            throw new IllegalArgumentException("expected 6 fields time= event= subscriber= protocol= ipv4= ports=,"
                    + " got " + f.length);
        }
        try {
            Instant time = Instant.parse(value(f[0], "time"));
            String event = value(f[1], "event");
            if (!event.equals(ALLOCATED) && !event.equals(RELEASED)) {
                throw new IllegalArgumentException("event '" + event + "' is neither " + ALLOCATED + " nor " + RELEASED);
            }
            Ipv6Prefix subscriber = Ipv6Prefix.parse(value(f[2], "subscriber"), -1);
            int protocol = protocol(value(f[3], "protocol"));
            int address = Addresses.parseIpv4(value(f[4], "ipv4"));
            String ports = value(f[5], "ports");
            int dash = ports.indexOf('-');
            if (dash < 0) {
                throw new IllegalArgumentException("ports '" + ports + "' is not FIRST-LAST");
            }
            int first = Integer.parseInt(ports.substring(0, dash));
            int last = Integer.parseInt(ports.substring(dash + 1));
            if (first < 0 || last > 65535 || first > last) {
                throw new IllegalArgumentException("ports '" + ports + "' is not a range within 0-65535");
            }
            return new BlockEvent(time, event.equals(ALLOCATED), protocol, subscriber, address, first, last);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("time is not UTC ISO 8601: " + e.getParsedString());
        }
    }

    /** The protocol named {@code name} ({@code tcp}, {@code udp}, {@code icmp}). */
    public static int protocol(String name) {
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            if (Nat64Protocol.name(p).equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("protocol '" + name + "' is not tcp, udp or icmp");
    }

    private static String value(String field, String key) {
        if (!field.startsWith(key + "=")) {
            throw new IllegalArgumentException("expected " + key + "=..., got '" + field + "'");
        }
        return field.substring(key.length() + 1);
    }

    /** The records of a file and what could not be read (FILE:LINE: why). */
    public record Read(List<BlockEvent> events, List<String> problems) {
    }

    /**
     * The block records of {@code file} (a {@code .gz} name is read through gzip), in file order. Lines without a
     * record are passed over; a malformed record is a problem; a last line without its newline (a write cut short by
     * a crash) is passed over in silence.
     */
    public static Read read(Path file) throws IOException {
        List<BlockEvent> events = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n') + 1;
            BufferedReader lines = new BufferedReader(new StringReader(text.substring(0, end)));
            int n = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                n++;
                if (line.startsWith("#")) {
                    continue;
                }
                try {
                    BlockEvent e = parse(line);
                    if (e != null) {
                        events.add(e);
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(file + ":" + n + ": not a block record: " + e.getMessage());
                }
            }
        }
        return new Read(events, problems);
    }

    /** The blocks owned after {@code events} (in order): each block's last event, where it is an allocation. */
    public static List<BlockEvent> owned(List<BlockEvent> events) {
        Map<List<Integer>, BlockEvent> last = new LinkedHashMap<>();
        for (BlockEvent e : events) {
            List<Integer> key = List.of(e.protocol(), e.address(), e.firstPort(), e.lastPort());
            if (e.allocated()) {
                last.put(key, e);
            } else {
                last.remove(key);
            }
        }
        return new ArrayList<>(last.values());
    }
}
