// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.control;

import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;
import net.tunxlat.mapping.StaticMap;
import net.tunxlat.util.Json;
import net.tunxlat.xlat.XlatSnapshot;

/**
 * The answers of the control socket: {@code map list} and {@code map show ADDRESS}, as text or JSON, read
 * from the running snapshot and dynamic pool without touching any binding; the stateful NAT64 requests
 * ({@code session ...}, {@code bib ...}) go to {@link Nat64Query}.
 *
 * <p>JSON schema 1 (stable: fields may be added, never renamed or removed):
 * <pre>
 * map list:  {"schema":1, "now":ISO, "now_epoch":N,
 *             "static":[{"ipv4":"A/L","ipv6":"A/L","origin":"FILE:LINE"}...],
 *             "pool":{"prefix":"A/L","capacity":N,"free":N} | null,
 *             "dynamic_active":[BINDING...], "dynamic_dormant":[BINDING...]}
 *   BINDING: {"ipv4":"A","ipv6":"A","state":"active"|"dormant","last_use":ISO,"last_use_epoch":N,"idle_seconds":N}
 * map show:  {"schema":1, "address":"A", "kind":"static"|"dynamic"|"rfc6052"|"translator"|"none",
 *             "translates_to":"A" | null, "static":{...} (kind static), "dynamic":BINDING (kind dynamic),
 *             "prefix":"A/L" (kind rfc6052), "note":"..." (when there is more to say)}
 * </pre>
 */
public final class MapQuery implements ControlServer.Handler {
    public static final int SCHEMA = 1;

    private final Supplier<XlatSnapshot> snapshots;
    private final LongSupplier clock;
    private final Nat64Query nat64;

    public MapQuery(Supplier<XlatSnapshot> snapshots, LongSupplier clockSeconds) {
        this(snapshots, clockSeconds, Nat64Query.MONOTONIC_SECONDS);
    }

    /**
     * @param monotonicSeconds the stateful NAT64 workers' clock, for the sessions' remaining lifetimes
     *     ({@code session list}, {@code session show}, {@code bib list}: {@link Nat64Query})
     */
    public MapQuery(Supplier<XlatSnapshot> snapshots, LongSupplier clockSeconds, LongSupplier monotonicSeconds) {
        this.snapshots = snapshots;
        this.clock = clockSeconds;
        this.nat64 = new Nat64Query(snapshots, monotonicSeconds);
    }

    @Override
    public void handle(String request, Writer out) throws IOException {
        String[] words = request.trim().split("\\s+");
        boolean json = words.length > 0 && words[words.length - 1].equals("json");
        int n = json ? words.length - 1 : words.length;
        if (n == 1 && words[0].equals("ping")) {
            out.write("ok\npong\n");
        } else if (n == 2 && words[0].equals("map") && words[1].equals("list")) {
            out.write("ok\n");
            list(out, json);
        } else if (n == 3 && words[0].equals("map") && words[1].equals("show")) {
            String a = words[2];
            if (!Addresses.isIpv4Literal(a) && !Addresses.isIpv6Literal(a)) {
                out.write("error: '" + a + "' is not an IPv4 or IPv6 address\n");
                return;
            }
            out.write("ok\n");
            show(out, a, json);
        } else if (Nat64Query.handles(words)) {
            nat64.handle(Arrays.copyOf(words, n), json, out);
        } else {
            out.write("error: unknown request '" + request.strip() + "' (expected: map list [json], map show ADDRESS [json],"
                    + " session list|show ..., bib list ...)\n");
        }
    }

    // ---- map list ---------------------------------------------------------------------------

    void list(Writer out, boolean json) throws IOException {
        XlatSnapshot snap = snapshots.get();
        TunxlatConfig config = snap.config();
        DynamicPool pool = snap.pool();
        long now = clock.getAsLong();
        List<DynamicPool.Binding> active = new ArrayList<>();
        List<DynamicPool.Binding> dormant = new ArrayList<>();
        if (pool != null) {
            for (DynamicPool.Binding b : pool.bindings()) {
                (DynamicPool.isActive(b, now) ? active : dormant).add(b);
            }
        }
        StringBuilder sb = new StringBuilder(1 << 16);
        if (json) {
            Json.Writer j = new Json.Writer(sb).beginObject().field("schema", SCHEMA).field("now", iso(now)).field("now_epoch", now);
            j.name("static").beginArray();
            for (MapEntry m : config.maps()) {
                staticJson(j, m);
                flushIfBig(sb, out);
            }
            j.endArray().name("pool");
            if (pool == null) {
                j.nullValue();
            } else {
                j.beginObject().field("prefix", pool.prefix().toString()).field("capacity", pool.capacity())
                        .field("free", pool.freeAddresses()).endObject();
            }
            for (int k = 0; k < 2; k++) {
                j.name(k == 0 ? "dynamic_active" : "dynamic_dormant").beginArray();
                for (DynamicPool.Binding b : k == 0 ? active : dormant) {
                    bindingJson(j, b, now);
                    flushIfBig(sb, out);
                }
                j.endArray();
            }
            j.endObject();
            sb.append('\n');
        } else {
            sb.append("static maps (").append(config.maps().size()).append("):\n");
            for (MapEntry m : config.maps()) {
                sb.append(String.format("  %-18s %-40s %s%n", m.v4(), m.v6(), m.origin()));
                flushIfBig(sb, out);
            }
            if (pool == null) {
                sb.append("dynamic pool: none\n");
            } else {
                sb.append("dynamic pool ").append(pool.prefix()).append(": ").append(active.size() + dormant.size())
                        .append(" bound, ").append(pool.freeAddresses()).append(" of ").append(pool.capacity())
                        .append(" free\n");
                for (int k = 0; k < 2; k++) {
                    List<DynamicPool.Binding> list = k == 0 ? active : dormant;
                    sb.append(k == 0 ? "dynamic, active (" : "dynamic, dormant (").append(list.size()).append("):\n");
                    for (DynamicPool.Binding b : list) {
                        sb.append(String.format("  %-18s %-40s last use %s (%s ago)%n", Addresses.formatIpv4(b.address()),
                                Addresses.formatIpv6(b.hi(), b.lo()), iso(b.lastUse()), age(now - b.lastUse())));
                        flushIfBig(sb, out);
                    }
                }
            }
        }
        out.append(sb);
    }

    private static void flushIfBig(StringBuilder sb, Writer out) throws IOException {
        if (sb.length() > 60_000) {
            out.append(sb);
            sb.setLength(0);
        }
    }

    // ---- map show ---------------------------------------------------------------------------

    void show(Writer out, String address, boolean json) throws IOException {
        XlatSnapshot snap = snapshots.get();
        TunxlatConfig config = snap.config();
        DynamicPool pool = snap.pool();
        StaticMap map = snap.staticMap();
        Rfc6052 rfc6052 = config.prefix() == null ? null : new Rfc6052(config.prefix());
        long now = clock.getAsLong();
        String kind = "none";
        String to = null;
        MapEntry entry = null;
        DynamicPool.Binding binding = null;
        String note = null;
        if (Addresses.isIpv4Literal(address)) {
            int a = Addresses.parseIpv4(address);
            address = Addresses.formatIpv4(a);
            int i = map.lookup4(a);
            if (a == config.ipv4Addr()) {
                kind = "translator";
                note = "the translator's own IPv4 address (ipv4-addr); it answers ping there";
            } else if (i >= 0) {
                kind = "static";
                entry = config.maps().get(i);
                to = Addresses.formatIpv6(map.translate4to6Hi(i, a), map.translate4to6Lo(i, a));
            } else if (pool != null && pool.contains(a)) {
                binding = pool.binding4(a);
                if (binding != null) {
                    kind = "dynamic";
                    boolean active = DynamicPool.isActive(binding, now);
                    to = active ? Addresses.formatIpv6(binding.hi(), binding.lo()) : null;
                    if (!active) {
                        note = "dormant: packets to it are refused until its IPv6 host sends again";
                    }
                } else {
                    note = "in dynamic-pool " + pool.prefix() + " but not bound to any IPv6 host: unreachable from IPv4";
                }
            } else if (rfc6052 != null) {
                if (rfc6052.isWellKnown() && config.wkpfStrict() && Rfc6052.isNonGlobalIpv4(a)) {
                    note = "not a global address: RFC 6052 §3.1 forbids embedding it in the Well-Known Prefix"
                            + " (wkpf-strict)";
                } else {
                    kind = "rfc6052";
                    to = Addresses.formatIpv6(rfc6052.embedHi(a), rfc6052.embedLo(a));
                }
            } else {
                note = "no map covers it and no prefix is configured";
            }
        } else {
            long[] v6 = Addresses.parseIpv6(address);
            address = Addresses.formatIpv6(v6[0], v6[1]);
            Ipv6Prefix own = config.effectiveIpv6Addr();
            int i = map.lookup6(v6[0], v6[1]);
            if (own.hi() == v6[0] && own.lo() == v6[1]) {
                kind = "translator";
                note = "the translator's own IPv6 address (ipv6-addr); it answers ping there";
            } else if (i >= 0) {
                kind = "static";
                entry = config.maps().get(i);
                to = Addresses.formatIpv4(map.translate6to4(i, v6[0], v6[1]));
            } else if (rfc6052 != null && rfc6052.matches(v6[0], v6[1])) {
                int a = rfc6052.extract(v6[0], v6[1]);
                if (rfc6052.isWellKnown() && config.wkpfStrict() && Rfc6052.isNonGlobalIpv4(a)) {
                    note = "embeds " + Addresses.formatIpv4(a) + ", not a global address: RFC 6052 §3.1 forbids"
                            + " translating it (wkpf-strict)";
                } else {
                    kind = "rfc6052";
                    to = Addresses.formatIpv4(a);
                }
            } else if (pool != null && (binding = pool.lookup6(v6[0], v6[1])) != null) {
                kind = "dynamic";
                to = Addresses.formatIpv4(binding.address());
                if (!DynamicPool.isActive(binding, now)) {
                    note = "dormant: its next packet reactivates the binding with the same IPv4 address";
                }
            } else if (pool != null) {
                note = pool.allowed(v6[0], v6[1])
                        ? "no mapping yet: its first packet to IPv4 gets an address from dynamic-pool " + pool.prefix()
                        : "no mapping, and dynamic-pool-allow does not let it use the dynamic pool";
            } else {
                note = "no map covers it" + (rfc6052 != null ? " and it is outside prefix " + rfc6052.prefix() : "");
            }
        }
        StringBuilder sb = new StringBuilder();
        if (json) {
            Json.Writer j = new Json.Writer(sb).beginObject().field("schema", SCHEMA).field("address", address).field("kind", kind)
                    .field("translates_to", to);
            if (entry != null) {
                j.name("static");
                staticJson(j, entry);
            }
            if (binding != null) {
                j.name("dynamic");
                bindingJson(j, binding, now);
            }
            if (kind.equals("rfc6052")) {
                j.field("prefix", rfc6052.prefix().toString());
            }
            if (note != null) {
                j.field("note", note);
            }
            j.endObject();
            sb.append('\n');
        } else {
            sb.append(address).append(": ");
            switch (kind) {
                case "static" -> sb.append("static map ").append(entry.v4()).append(" <-> ").append(entry.v6())
                        .append(" (").append(entry.origin()).append(")");
                case "dynamic" -> sb.append("dynamic binding ").append(Addresses.formatIpv4(binding.address()))
                        .append(" <-> ").append(Addresses.formatIpv6(binding.hi(), binding.lo())).append(", ")
                        .append(DynamicPool.isActive(binding, now) ? "active" : "dormant").append(", last use ")
                        .append(iso(binding.lastUse())).append(" (").append(age(now - binding.lastUse())).append(" ago)");
                case "rfc6052" -> sb.append("RFC 6052 prefix ").append(rfc6052.prefix());
                case "translator" -> sb.append("the translator itself");
                default -> sb.append("not mapped");
            }
            sb.append('\n');
            if (to != null) {
                sb.append("  translates to ").append(to).append('\n');
            }
            if (note != null) {
                sb.append("  ").append(note).append('\n');
            }
        }
        out.append(sb);
    }

    // ---- pieces -----------------------------------------------------------------------------

    private static void staticJson(Json.Writer j, MapEntry m) {
        j.beginObject().field("ipv4", m.v4().toString()).field("ipv6", m.v6().toString()).field("origin", m.origin())
                .endObject();
    }

    private static void bindingJson(Json.Writer j, DynamicPool.Binding b, long now) {
        j.beginObject().field("ipv4", Addresses.formatIpv4(b.address())).field("ipv6", Addresses.formatIpv6(b.hi(), b.lo()))
                .field("state", DynamicPool.isActive(b, now) ? "active" : "dormant").field("last_use", iso(b.lastUse()))
                .field("last_use_epoch", b.lastUse()).field("idle_seconds", Math.max(0, now - b.lastUse())).endObject();
    }

    static String iso(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).toString();
    }

    /** A short age: 42s, 5m3s, 2h4m, 3d5h. */
    static String age(long seconds) {
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + seconds % 60 + "s";
        }
        if (seconds < 86400) {
            return seconds / 3600 + "h" + seconds % 3600 / 60 + "m";
        }
        return seconds / 86400 + "d" + seconds % 86400 / 3600 + "h";
    }
}
