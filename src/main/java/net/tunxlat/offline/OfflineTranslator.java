// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offline;

import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.pipeline.Worker;
import net.tunxlat.tun.MemoryQueue;
import net.tunxlat.xlat.DropReason;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.Translator;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;

/**
 * The translator core without a TUN device: one packet in, the packets it emits out (as byte arrays),
 * and a one-line account of what happened, read from the {@link XlatCounters} around the call. Used by
 * {@code tunxlat translate} and by the conformance tests, so both see exactly what a worker would do.
 *
 * <p>Runs a {@link Worker} over a {@link MemoryQueue}: each packet is put on the queue and the worker drains
 * it in the calling thread. Not thread-safe; owns the worker's buffers until {@link #close}. The translator's clock (ICMP error rate
 * limit, generated IPv4 Identification start) is whatever the caller passes with each packet, so a
 * capture is replayed with its own timing and the output does not depend on the wall clock.
 */
public final class OfflineTranslator implements AutoCloseable {
    /** What became of one input packet. */
    public enum Kind {
        /** Translated to the other IP version (possibly several packets, possibly with an ICMP error too). */
        TRANSLATED,
        /** An echo request to the translator's own address, answered. */
        ECHO_REPLY,
        /** Not translated; the translator sent an ICMP error about it. */
        ANSWERED,
        /** Not translated, nothing sent. */
        DROPPED,
        /** Not given to the translator (longer than any IP packet). */
        SKIPPED,
        /** The translator emitted nothing and counted nothing (should not happen). */
        NO_EFFECT
    }

    /**
     * The result of one packet.
     *
     * @param input   a short description of the input packet
     * @param kind    the category, for summaries
     * @param outcome what happened, e.g. "translated 4->6 (120 bytes)" or
     *                "answered: ICMPv4 Time Exceeded (11/0, TTL exceeded in transit) sent; dropped: ttl_exceeded_46 (...)"
     * @param rules   which rule mapped the source and the destination, e.g. "source: new binding
     *                192.168.255.7 <-> 2001:db8::5 (dynamic-pool 192.168.255.0/24)" (empty if none did)
     * @param packets the emitted packets, in order
     */
    public record Result(String input, Kind kind, String outcome, List<String> rules, List<byte[]> packets) {
        /**
         * "{@code prefix}input{@code note}: outcome" followed by one indented line per address rule, then
         * one per emitted packet.
         *
         * @param prefix for example the packet number and a space
         * @param note   appended to the input description (empty for none)
         */
        public String explain(String prefix, String note) {
            StringBuilder sb = new StringBuilder(prefix).append(input).append(note).append(": ").append(outcome);
            for (String rule : rules) {
                sb.append('\n').append(" ".repeat(prefix.length())).append("  ").append(rule);
            }
            for (byte[] p : packets) {
                sb.append('\n').append(" ".repeat(prefix.length())).append("  > ").append(describe(p, 0, p.length));
            }
            return sb.toString();
        }
    }

    private final int ownIpv4;
    private final long ownIpv6Hi;
    private final long ownIpv6Lo;
    /** Where the worker reads each input packet and writes what the translator emits. */
    private final MemoryQueue queue = new MemoryQueue("offline", 0, 0, false);
    private final Worker worker;
    /** The configuration in force: the worker reads it at each batch; {@link #reload} replaces it. */
    private volatile XlatSnapshot snapshot;
    private final XlatCounters counters;
    private final long[] before = new long[XlatCounters.SIZE];
    private final long[] dropsBefore = new long[DropReason.values().length];
    private long now;

    /** A translator for the given configuration (its TUN and process settings are ignored). */
    public OfflineTranslator(TunxlatConfig config) {
        this(new XlatSnapshot(config));
    }

    /** A translator for {@code snapshot} (a daemon's, say, with its dynamic pool and link MTU). */
    OfflineTranslator(XlatSnapshot snapshot) {
        TunxlatConfig config = snapshot.config();
        this.snapshot = snapshot;
        this.ownIpv4 = config.ipv4Addr();
        Ipv6Prefix own6 = config.effectiveIpv6Addr();
        this.ownIpv6Hi = own6.hi();
        this.ownIpv6Lo = own6.lo();
        // A worker (its pooled direct buffers, its read-translate-write) over a queue in memory: nothing
        // differs from the daemon but the TUN device.
        this.worker = new Worker(queue, () -> this.snapshot, PooledByteBufAllocator.DEFAULT, () -> now, PacketLog.OFF,
                snapshot.state().newWorker(() -> now));
        this.counters = worker.counters();
    }

    /**
     * Translates the next packets with {@code config}, over the state learnt so far (dynamic bindings, stateful
     * NAT64 tables), as a SIGHUP reload does in the daemon: the state's own settings (pool4, the NAT64 limits)
     * stay those of the first configuration. The translator's own addresses stay those of the first too.
     */
    public void reload(TunxlatConfig config) {
        XlatSnapshot old = snapshot;
        snapshot = old.state().install(new XlatSnapshot(config, old.state(), old.linkMtu()));
    }

    /**
     * Runs one pass of the stateful NAT64 tables' expiry at {@code clockNanos} (the daemon's sweeper does this
     * every second on its own thread): sessions and bindings past their lifetime end, held SYNs time out. Nothing
     * without {@code pool4}.
     */
    public void sweep(long clockNanos) {
        Nat64Tables tables = snapshot.state().nat64();
        if (tables != null) {
            tables.sweep(TimeUnit.NANOSECONDS.toSeconds(clockNanos));
        }
    }

    /**
     * Lets the capture's clock run to {@code clockNanos} with no packet: one expiry pass ({@link #sweep}), then a
     * batch of the worker, which sends what the timers ask for (ICMP Port Unreachable for a SYN held for a
     * simultaneous open that timed out, RFC 6146 §3.5.2.2). What it sent, as the result of a "timers" input.
     */
    public Result advance(long clockNanos) {
        now = clockNanos;
        sweep(clockNanos);
        for (int i = 0; i < XlatCounters.SIZE; i++) {
            before[i] = counters.local(i);
        }
        for (DropReason r : DropReason.values()) {
            dropsBefore[r.ordinal()] = counters.localDrops(r);
        }
        worker.drain();
        List<byte[]> out = queue.takeWritten();
        return outcome("timers", List.of(), out);
    }

    /** Cumulative counters over every packet so far. */
    public XlatCounters counters() {
        return counters;
    }

    /**
     * Runs one packet through the translator.
     *
     * @param packet     the IP packet is {@code packet[offset, offset + length)}
     * @param clockNanos the translator's clock for this packet (monotonic; e.g. capture time relative to
     *                   the first packet); it must not go backwards between calls
     */
    public Result translate(byte[] packet, int offset, int length, long clockNanos) {
        String input = describe(packet, offset, length);
        if (length > Translator.MAX_PACKET) {
            return new Result(input, Kind.SKIPPED, "skipped: longer than " + Translator.MAX_PACKET
                    + " bytes, the largest IP packet", List.of(), List.of());
        }
        now = clockNanos;
        for (int i = 0; i < XlatCounters.SIZE; i++) {
            before[i] = counters.local(i);
        }
        for (DropReason r : DropReason.values()) {
            dropsBefore[r.ordinal()] = counters.localDrops(r);
        }
        queue.offer(Arrays.copyOfRange(packet, offset, offset + length));
        worker.drain();
        boolean ipv4 = length > 0 && (packet[offset] & 0xf0) == 0x40;
        return outcome(input, RuleExplainer.lines(worker.addressRules(), snapshot, ipv4), queue.takeWritten());
    }

    /** Same, for a whole array. */
    public Result translate(byte[] packet, long clockNanos) {
        return translate(packet, 0, packet.length, clockNanos);
    }

    private long delta(int counter) {
        return counters.local(counter) - before[counter];
    }

    private Result outcome(String input, List<String> rules, List<byte[]> out) {
        List<String> parts = new ArrayList<>();
        Kind kind = Kind.NO_EFFECT;
        if (translated(parts, "translated 4->6", XlatCounters.PACKETS_46, XlatCounters.BYTES_46)
                | translated(parts, "translated 6->4", XlatCounters.PACKETS_64, XlatCounters.BYTES_64)
                | translated(parts, "NPTv6 inside->outside", XlatCounters.PACKETS_NPTV6_OUT, XlatCounters.BYTES_NPTV6_OUT)
                | translated(parts, "NPTv6 outside->inside", XlatCounters.PACKETS_NPTV6_IN, XlatCounters.BYTES_NPTV6_IN)) {
            kind = Kind.TRANSLATED;
        }
        if (delta(XlatCounters.ECHO_REPLIES_SENT) > 0) {
            parts.add("echo reply");
            if (kind == Kind.NO_EFFECT) {
                kind = Kind.ECHO_REPLY;
            }
        }
        long errors = delta(XlatCounters.ICMP_ERRORS_SENT_4) + delta(XlatCounters.ICMP_ERRORS_SENT_6);
        if (errors > 0) {
            List<String> sent = new ArrayList<>();
            for (byte[] p : out) {
                String e = ownIcmpError(p);
                if (e != null) {
                    sent.add(e);
                }
            }
            parts.add("answered: " + (sent.isEmpty() ? errors + " ICMP error(s)" : String.join(", ", sent)) + " sent");
            if (kind == Kind.NO_EFFECT) {
                kind = Kind.ANSWERED;
            }
        }
        if (delta(XlatCounters.ICMP_ERRORS_RATE_LIMITED) > 0) {
            parts.add("ICMP error not sent (icmp-rate-limit)");
        }
        boolean dropped = false;
        for (DropReason r : DropReason.values()) {
            if (counters.localDrops(r) > dropsBefore[r.ordinal()]) {
                parts.add("dropped: " + r.label() + " (" + r.help() + ")");
                dropped = true;
                if (kind == Kind.NO_EFFECT) {
                    kind = Kind.DROPPED;
                }
            }
        }
        if (dropped && errors == 0 && delta(XlatCounters.ICMP_ERRORS_RATE_LIMITED) == 0) {
            // Say what happened: a reason's help names the answer it usually gets, but none went out here
            // (an ICMP error, a non-first fragment or a non-unicast source is never answered, RFC 1812
            // §4.3.2.7 / RFC 4443 §2.4(e); some drops are silent by design).
            parts.add("no ICMP error sent");
        }
        if (parts.isEmpty()) {
            parts.add(out.isEmpty() ? "nothing emitted, nothing counted"
                    : out.size() + " packet(s) emitted, nothing counted");
        }
        return new Result(input, kind, String.join("; ", parts), rules, out);
    }

    /** Adds "{@code what} (N bytes)" if the packet counter moved; whether it did. */
    private boolean translated(List<String> parts, String what, int packets, int bytes) {
        long n = delta(packets);
        if (n > 0) {
            parts.add(what + " (" + amount(n, delta(bytes)) + ")");
        }
        return n > 0;
    }

    private static String amount(long packets, long bytes) {
        return packets == 1 ? bytes + " bytes" : packets + " packets, " + bytes + " bytes";
    }

    /** "ICMPv4 Destination Unreachable (3/13, communication administratively prohibited)" if {@code p} is an ICMP error from the translator's own address, else null. */
    private String ownIcmpError(byte[] p) {
        if (p.length >= 28 && (p[0] & 0xf0) == 0x40 && p[9] == 1 && getInt(p, 12) == ownIpv4) {
            int ihl = (p[0] & 0x0f) * 4;
            if (p.length >= ihl + 8) {
                return "ICMPv4 " + RuleExplainer.icmp(false, p[ihl] & 0xff, p[ihl + 1] & 0xff);
            }
        }
        if (p.length >= 48 && (p[0] & 0xf0) == 0x60 && (p[6] & 0xff) == 58 && getLong(p, 8) == ownIpv6Hi
                && getLong(p, 16) == ownIpv6Lo && (p[40] & 0xff) < 128) {
            return "ICMPv6 " + RuleExplainer.icmp(true, p[40] & 0xff, p[41] & 0xff);
        }
        return null;
    }

    @Override
    public void close() {
        worker.close();
        queue.close();
    }

    // ---------------------------------------------------------------- descriptions

    /** An ICMP type and code for people: "Destination Unreachable (1/4, port unreachable)" (ICMPv6 if {@code v6}). */
    public static String icmpName(boolean v6, int type, int code) {
        return RuleExplainer.icmp(v6, type, code);
    }

    /**
     * A one-line description of an IP packet for people: version, addresses, protocol (with ICMP type/code
     * or ports), fragment fields and length, e.g. {@code IPv4 192.0.2.1 -> 198.51.100.2 UDP 1000 -> 53 len 60}.
     * Never throws, whatever the bytes.
     */
    public static String describe(byte[] p, int off, int len) {
        if (len < 1) {
            return "empty packet";
        }
        int version = (p[off] & 0xff) >>> 4;
        if (version == 4) {
            if (len < 20) {
                return "IPv4 (truncated, " + len + " bytes)";
            }
            int ihl = (p[off] & 0x0f) * 4;
            int flags = u16(p, off + 6);
            int proto = p[off + 9] & 0xff;
            StringBuilder sb = new StringBuilder("IPv4 ").append(Addresses.formatIpv4(getInt(p, off + 12)))
                    .append(" -> ").append(Addresses.formatIpv4(getInt(p, off + 16))).append(' ');
            boolean firstFragment = (flags & 0x1fff) == 0;
            transport(sb, proto, p, off + ihl, off + len, firstFragment, false);
            if ((flags & 0x3fff) != 0) {
                sb.append(" fragment id ").append(u16(p, off + 4)).append(" offset ").append((flags & 0x1fff) * 8)
                        .append((flags & 0x2000) != 0 ? " MF" : "");
            }
            if ((flags & 0x4000) != 0) {
                sb.append(" DF");
            }
            return sb.append(" len ").append(len).toString();
        }
        if (version == 6) {
            if (len < 40) {
                return "IPv6 (truncated, " + len + " bytes)";
            }
            StringBuilder sb = new StringBuilder("IPv6 ")
                    .append(Addresses.formatIpv6(getLong(p, off + 8), getLong(p, off + 16))).append(" -> ")
                    .append(Addresses.formatIpv6(getLong(p, off + 24), getLong(p, off + 32))).append(' ');
            int nh = p[off + 6] & 0xff;
            int q = off + 40;
            int end = off + len;
            String fragment = "";
            boolean firstFragment = true;
            while ((nh == 0 || nh == 43 || nh == 60 || nh == 44) && q + 8 <= end) {
                if (nh == 44) {
                    int fo = u16(p, q + 2);
                    firstFragment = (fo >>> 3) == 0;
                    fragment = " fragment id 0x" + Integer.toHexString(getInt(p, q + 4)) + " offset " + (fo & 0xfff8)
                            + ((fo & 1) != 0 ? " M" : "");
                    nh = p[q] & 0xff;
                    q += 8;
                } else {
                    sb.append(nh == 0 ? "hop-by-hop, " : nh == 43 ? "routing, " : "dest-opts, ");
                    nh = p[q] & 0xff;
                    q += ((p[q + 1] & 0xff) + 1) * 8;
                }
            }
            transport(sb, nh, p, q, end, firstFragment, true);
            return sb.append(fragment).append(" len ").append(len).toString();
        }
        return "not IP (version " + version + "), " + len + " bytes";
    }

    private static void transport(StringBuilder sb, int proto, byte[] p, int l4, int end, boolean first, boolean v6) {
        switch (proto) {
            case 6, 17 -> {
                sb.append(proto == 6 ? "TCP" : "UDP");
                if (first && l4 + 4 <= end) {
                    sb.append(' ').append(u16(p, l4)).append(" -> ").append(u16(p, l4 + 2));
                }
            }
            case 1, 58 -> {
                sb.append(proto == 1 ? "ICMP" : "ICMPv6");
                if (first && l4 + 2 <= end) {
                    sb.append(' ').append(RuleExplainer.icmp(proto == 58, p[l4] & 0xff, p[l4 + 1] & 0xff));
                }
            }
            default -> sb.append(v6 ? "next-header " : "proto ").append(proto);
        }
    }

    private static int u16(byte[] p, int i) {
        return ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
    }

    private static int getInt(byte[] p, int i) {
        return (u16(p, i) << 16) | u16(p, i + 2);
    }

    private static long getLong(byte[] p, int i) {
        return ((long) getInt(p, i) << 32) | (getInt(p, i + 4) & 0xffffffffL);
    }
}
