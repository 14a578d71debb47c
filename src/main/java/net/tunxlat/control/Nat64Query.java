// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.control;

import java.io.IOException;
import java.io.Writer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;
import net.tunxlat.nat64.Nat64Clock;
import net.tunxlat.nat64.Nat64Listing;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.TcpStates;
import net.tunxlat.util.Json;
import net.tunxlat.xlat.XlatSnapshot;

/**
 * The stateful NAT64 answers of the control socket (RFC 6146 §3.1 BIB, §3.2 sessions), read with
 * {@link Nat64Listing} (no lock, no write, no worker stopped):
 * <pre>
 * session list [proto tcp|udp|icmp] [host IPV6[/LEN]] [ipv4 ADDRESS] [port N] [limit N] [json]
 * session show IPV6 | IPV4[:PORT] [limit N] [json]
 * bib list     [proto tcp|udp|icmp] [host IPV6[/LEN]] [ipv4 ADDRESS] [port N] [limit N] [json]
 * </pre>
 * At most {@code limit} rows (default {@value #DEFAULT_LIMIT}), then a line saying how many more matched.
 *
 * <p>JSON schema 1 (stable: fields may be added, never renamed or removed):
 * <pre>
 * session list: {"schema":1, "sessions":[SESSION...], "matched":N, "shown":N, "more":N, "skipped":N}
 *   SESSION: {"protocol":"tcp"|"udp"|"icmp", "ipv6":A, "ipv6_port":N, "ipv4":A, "ipv4_port":N, "remote":A,
 *             "remote_port":N, "remote_ipv6":A, "state":"ESTABLISHED"... | null (udp, icmp), "expires_in":SECONDS,
 *             "static":BOOL}      (ports of icmp: the query identifier)
 * bib list:     {"schema":1, "bib":[BINDING...], "matched":N, "shown":N, "more":N, "skipped":N}
 *   BINDING: {"protocol":P, "ipv6":A, "ipv6_port":N, "ipv4":A, "ipv4_port":N, "static":BOOL, "sessions":N}
 * session show: {"schema":1, "address":A, "port":N | null, "subscriber":SUBSCRIBER | null, "bib":[BINDING...],
 *               "sessions":[SESSION...], "matched":N, "shown":N, "more":N, "skipped":N}
 *   SUBSCRIBER: {"prefix":"A/L", "sessions":N, "max_sessions":N, "bib_entries":N, "max_blocks":N,
 *                "blocks":[{"protocol":P, "ipv4":A, "first_port":N, "last_port":N}...]}
 * </pre>
 * {@code skipped}: entries that changed under every read (they were being created or ended) and are not shown.
 */
public final class Nat64Query {
    public static final int DEFAULT_LIMIT = 1000;
    /** The most rows one answer may hold: the daemon builds the answer in its heap. */
    public static final int MAX_LIMIT = 100_000;
    /** The workers' clock, in which session expiries are kept. */
    public static final LongSupplier MONOTONIC_SECONDS = Nat64Clock::monotonicSeconds;
    static final String NOT_CONFIGURED = "stateful NAT64 is not configured: the configuration has no pool4, so there"
            + " are no sessions or BIB entries (see tunxlat.conf(5), STATEFUL NAT64)";

    private final Supplier<XlatSnapshot> snapshots;
    private final LongSupplier monotonicSeconds;

    public Nat64Query(Supplier<XlatSnapshot> snapshots, LongSupplier monotonicSeconds) {
        this.snapshots = snapshots;
        this.monotonicSeconds = monotonicSeconds;
    }

    /** Whether {@code words} (the request, split) is one of ours. */
    static boolean handles(String[] words) {
        return words.length >= 2 && (words[0].equals("session") || words[0].equals("bib"));
    }

    /** The request parsed: what to list, how many, how. */
    private record Request(Nat64Listing.Filter filter, int limit, boolean json) {
    }

    /** Answers {@code words} (without a trailing {@code json}). */
    void handle(String[] words, boolean json, Writer out) throws IOException {
        XlatSnapshot snap = snapshots.get();
        Nat64Tables tables = snap.state().nat64();
        String what = words[0] + " " + words[1];
        Request r;
        try {
            if (what.equals("session show")) {
                r = parseShow(words, json);
            } else if (what.equals("session list") || what.equals("bib list")) {
                r = parse(words, 2, json, new Nat64Listing.Filter(-1, null, -1, -1));
            } else {
                out.write("error: unknown request '" + String.join(" ", words) + "' (expected: session list, session"
                        + " show, bib list)\n");
                return;
            }
        } catch (IllegalArgumentException e) {
            out.write("error: " + e.getMessage() + "\n");
            return;
        }
        if (tables == null) {
            out.write("error: " + NOT_CONFIGURED + "\n");
            return;
        }
        Rfc6052 pool6 = snap.config().prefix() == null ? null : new Rfc6052(snap.config().prefix());
        Nat64Listing listing = new Nat64Listing(tables);
        long now = monotonicSeconds.getAsLong();
        StringBuilder sb = new StringBuilder(1 << 12);
        out.write("ok\n");
        switch (what) {
            case "session list" -> sessions(sb, listing.sessions(r.filter(), r.limit()), now, pool6, r.json(), true);
            case "bib list" -> bindings(sb, listing.bindings(r.filter(), r.limit()), r.json(), true);
            default -> show(sb, listing, r, now, pool6);
        }
        out.append(sb);
    }

    private static Request parse(String[] words, int from, boolean json, Nat64Listing.Filter base) {
        int protocol = base.protocol();
        Ipv6Prefix host = base.host();
        long address = base.address();
        int port = base.port();
        int limit = DEFAULT_LIMIT;
        for (int i = from; i < words.length; i += 2) {
            if (i + 1 >= words.length) {
                throw new IllegalArgumentException("'" + words[i] + "' needs a value");
            }
            String v = words[i + 1];
            switch (words[i]) {
                case "proto" -> protocol = protocol(v);
                case "host" -> host = host(v);
                case "ipv4" -> {
                    if (!Addresses.isIpv4Literal(v)) {
                        throw new IllegalArgumentException("'" + v + "' is not an IPv4 address");
                    }
                    address = Addresses.parseIpv4(v) & 0xffffffffL;
                }
                case "port" -> port = number(v, "port", 0, 65535);
                case "limit" -> limit = number(v, "limit", 1, MAX_LIMIT);
                default -> throw new IllegalArgumentException("unknown filter '" + words[i]
                        + "' (expected: proto, host, ipv4, port, limit)");
            }
        }
        return new Request(new Nat64Listing.Filter(protocol, host, address, port), limit, json);
    }

    /** {@code session show IPV6 | IPV4[:PORT]}: one host's (or one pool4 address's) bindings and sessions. */
    private static Request parseShow(String[] words, boolean json) {
        if (words.length < 3) {
            throw new IllegalArgumentException("session show needs an IPv6 address or an IPv4 address[:port]");
        }
        String a = words[2];
        Nat64Listing.Filter f;
        if (Addresses.isIpv6Literal(a)) {
            long[] v6 = Addresses.parseIpv6(a);
            f = new Nat64Listing.Filter(-1, new Ipv6Prefix(v6[0], v6[1], 128), -1, -1);
        } else {
            int colon = a.indexOf(':');
            String v4 = colon < 0 ? a : a.substring(0, colon);
            if (!Addresses.isIpv4Literal(v4)) {
                throw new IllegalArgumentException("'" + a + "' is not an IPv6 address or an IPv4 address[:port]");
            }
            int port = colon < 0 ? -1 : number(a.substring(colon + 1), "port", 0, 65535);
            f = new Nat64Listing.Filter(-1, null, Addresses.parseIpv4(v4) & 0xffffffffL, port);
        }
        return parse(words, 3, json, f);
    }

    private static int protocol(String v) {
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            if (Nat64Protocol.name(p).equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol '" + v + "' (expected tcp, udp or icmp)");
    }

    private static Ipv6Prefix host(String v) {
        try {
            int slash = v.indexOf('/');
            long[] a = Addresses.parseIpv6(slash < 0 ? v : v.substring(0, slash));
            int len = slash < 0 ? 128 : Integer.parseInt(v.substring(slash + 1));
            if (len < 0 || len > 128) {
                throw new IllegalArgumentException("bad length");
            }
            return new Ipv6Prefix(a[0] & Addresses.maskHi(len), a[1] & Addresses.maskLo(len), len);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + v + "' is not an IPv6 address or prefix (ADDRESS[/LEN])");
        }
    }

    private static int number(String v, String what, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(what + " '" + v + "' must be a number from " + min + " to " + max);
    }

    // ---- session list / bib list ------------------------------------------------------------------------

    private static final String SESSION_ROW = "%-5s  %-46s  %-21s  %-21s  %-17s  %s%n";
    private static final String BIB_ROW = "%-5s  %-46s  %-21s  %-7s  %s%n";

    private static void sessions(StringBuilder sb, Nat64Listing.Page<Nat64Listing.Session> page, long now,
            Rfc6052 pool6, boolean json, boolean whole) {
        if (json) {
            Json.Writer j = new Json.Writer(sb).beginObject().field("schema", MapQuery.SCHEMA);
            sessionsJson(j, page, now, pool6);
            pageJson(j, page);
            j.endObject();
            sb.append('\n');
            return;
        }
        if (page.rows().isEmpty()) {
            sb.append("no sessions\n");
        } else {
            sb.append(String.format(SESSION_ROW, "PROTO", "IPV6 HOST", "POOL4", "REMOTE", "STATE", "EXPIRES IN"));
            for (Nat64Listing.Session s : page.rows()) {
                sb.append(String.format(SESSION_ROW, Nat64Protocol.name(s.protocol()),
                        v6(s.hostHi(), s.hostLo(), s.hostPort()), v4(s.address(), s.port()),
                        v4(s.remoteAddress(), s.remotePort()), s.tcpState() < 0 ? "-" : TcpStates.name(s.tcpState()),
                        MapQuery.age(s.expiry() - now)));
            }
        }
        if (whole) {
            pageText(sb, page, "sessions");
        }
    }

    private static void sessionsJson(Json.Writer j, Nat64Listing.Page<Nat64Listing.Session> page, long now,
            Rfc6052 pool6) {
        j.name("sessions").beginArray();
        for (Nat64Listing.Session s : page.rows()) {
            j.beginObject().field("protocol", Nat64Protocol.name(s.protocol()))
                    .field("ipv6", Addresses.formatIpv6(s.hostHi(), s.hostLo())).field("ipv6_port", s.hostPort())
                    .field("ipv4", Addresses.formatIpv4(s.address())).field("ipv4_port", s.port())
                    .field("remote", Addresses.formatIpv4(s.remoteAddress())).field("remote_port", s.remotePort())
                    .field("remote_ipv6", pool6 == null ? null : Addresses.formatIpv6(pool6.embedHi(s.remoteAddress()),
                            pool6.embedLo(s.remoteAddress())))
                    .field("state", s.tcpState() < 0 ? null : TcpStates.name(s.tcpState()))
                    .field("expires_in", Math.max(0, s.expiry() - now)).field("static", s.staticBinding())
                    .endObject();
        }
        j.endArray();
    }

    private static void bindings(StringBuilder sb, Nat64Listing.Page<Nat64Listing.Binding> page, boolean json,
            boolean whole) {
        if (json) {
            Json.Writer j = new Json.Writer(sb).beginObject().field("schema", MapQuery.SCHEMA);
            bindingsJson(j, page);
            pageJson(j, page);
            j.endObject();
            sb.append('\n');
            return;
        }
        if (page.rows().isEmpty()) {
            sb.append("no BIB entries\n");
        } else {
            sb.append(String.format(BIB_ROW, "PROTO", "IPV6 HOST", "POOL4", "TYPE", "SESSIONS"));
            for (Nat64Listing.Binding b : page.rows()) {
                sb.append(String.format(BIB_ROW, Nat64Protocol.name(b.protocol()), v6(b.hostHi(), b.hostLo(),
                        b.hostPort()), v4(b.address(), b.port()), b.staticEntry() ? "static" : "dynamic", b.sessions()));
            }
        }
        if (whole) {
            pageText(sb, page, "BIB entries");
        }
    }

    private static void bindingsJson(Json.Writer j, Nat64Listing.Page<Nat64Listing.Binding> page) {
        j.name("bib").beginArray();
        for (Nat64Listing.Binding b : page.rows()) {
            j.beginObject().field("protocol", Nat64Protocol.name(b.protocol()))
                    .field("ipv6", Addresses.formatIpv6(b.hostHi(), b.hostLo())).field("ipv6_port", b.hostPort())
                    .field("ipv4", Addresses.formatIpv4(b.address())).field("ipv4_port", b.port())
                    .field("static", b.staticEntry()).field("sessions", b.sessions()).endObject();
        }
        j.endArray();
    }

    private static void pageJson(Json.Writer j, Nat64Listing.Page<?> page) {
        j.field("matched", page.matched()).field("shown", page.rows().size()).field("more", page.more())
                .field("skipped", page.skipped());
    }

    private static void pageText(StringBuilder sb, Nat64Listing.Page<?> page, String what) {
        if (page.more() > 0) {
            sb.append("... ").append(page.more()).append(" more ").append(what).append(" not shown (")
                    .append(page.matched()).append(" match; raise --limit or filter)\n");
        }
        if (page.skipped() > 0) {
            sb.append("(").append(page.skipped()).append(" entries changed while they were read and are not shown)\n");
        }
    }

    // ---- session show -----------------------------------------------------------------------------------

    private static void show(StringBuilder sb, Nat64Listing listing, Request r, long now, Rfc6052 pool6) {
        Nat64Listing.Filter f = r.filter();
        Nat64Listing.Subscriber sub = f.host() == null ? null : listing.subscriberOf(f.host().hi(), f.host().lo());
        // the bindings of a host are few (one per source port in use); of a pool4 address, at most the limit
        Nat64Listing.Page<Nat64Listing.Binding> bib = listing.bindings(f, r.limit());
        Nat64Listing.Page<Nat64Listing.Session> sessions = listing.sessions(f, r.limit());
        String address = f.host() != null ? Addresses.formatIpv6(f.host().hi(), f.host().lo())
                : Addresses.formatIpv4((int) f.address());
        if (r.json()) {
            Json.Writer j = new Json.Writer(sb).beginObject().field("schema", MapQuery.SCHEMA).field("address", address);
            if (f.port() < 0) {
                j.name("port").nullValue();
            } else {
                j.field("port", f.port());
            }
            j.name("subscriber");
            if (sub == null) {
                j.nullValue();
            } else {
                j.beginObject().field("prefix", sub.prefix().toString()).field("sessions", sub.sessions())
                        .field("max_sessions", sub.maxSessions()).field("bib_entries", sub.bibEntries())
                        .field("max_blocks", sub.maxBlocks()).name("blocks").beginArray();
                for (Nat64Listing.Block b : sub.blocks()) {
                    j.beginObject().field("protocol", Nat64Protocol.name(b.protocol()))
                            .field("ipv4", Addresses.formatIpv4(b.address())).field("first_port", b.firstPort())
                            .field("last_port", b.lastPort()).endObject();
                }
                j.endArray().endObject();
            }
            bindingsJson(j, bib);
            sessionsJson(j, sessions, now, pool6);
            pageJson(j, sessions);
            j.endObject();
            sb.append('\n');
            return;
        }
        sb.append(address).append(f.port() < 0 ? "" : ":" + f.port()).append(":\n");
        if (sub != null) {
            sb.append("subscriber ").append(sub.prefix()).append(": ").append(sub.sessions()).append(" of ")
                    .append(sub.maxSessions()).append(" sessions, ").append(sub.bibEntries()).append(" BIB entries");
            if (sub.maxBlocks() > 0) {
                sb.append(", port blocks (at most ").append(sub.maxBlocks()).append(" per protocol):");
                for (Nat64Listing.Block b : sub.blocks()) {
                    sb.append(' ').append(Nat64Protocol.name(b.protocol())).append(' ')
                            .append(Addresses.formatIpv4(b.address())).append(' ').append(b.firstPort()).append('-')
                            .append(b.lastPort());
                }
                if (sub.blocks().isEmpty()) {
                    sb.append(" none");
                }
            }
            sb.append('\n');
        } else if (f.host() != null) {
            sb.append("no subscriber: this host has no binding now\n");
        }
        bindings(sb, bib, false, false);
        sessions(sb, sessions, now, pool6, false, false);
        if (bib.more() > 0 || sessions.more() > 0) {
            sb.append("... more not shown (").append(bib.matched()).append(" BIB entries, ").append(sessions.matched())
                    .append(" sessions match; raise --limit)\n");
        }
    }

    private static String v6(long hi, long lo, int port) {
        return "[" + Addresses.formatIpv6(hi, lo) + "]:" + port;
    }

    private static String v4(int address, int port) {
        return Addresses.formatIpv4(address) + ":" + port;
    }
}
