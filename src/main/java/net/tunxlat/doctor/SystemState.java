// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.doctor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.util.Json;
import java.io.File;
import java.util.HashMap;

/**
 * What {@code tunxlat doctor} looks at: links, IPv6 policy rules, IPv4 and IPv6 routes of every table,
 * and the forwarding switches, parsed from {@code ip -j} (iproute2's JSON output) and {@code /proc/sys}.
 * Built either from the running system ({@link #read()}) or from canned JSON ({@link #parse}), so the
 * analysis in {@link Doctor} can be tested without root.
 *
 * @param links          every link ({@code ip -d -j link show})
 * @param rules6         IPv6 policy rules ({@code ip -j -6 rule show})
 * @param routes6        IPv6 routes of all tables ({@code ip -j -6 route show table all})
 * @param routes4        IPv4 routes of all tables ({@code ip -j -4 route show table all}), destinations
 *                       stored as IPv4-mapped IPv6 prefixes ({@code ::ffff:0:0/96} plus the IPv4 prefix)
 * @param ipv4Forwarding {@code net.ipv4.ip_forward}, null if it could not be read
 * @param ipv6Forwarding {@code net.ipv6.conf.all.forwarding}, null if it could not be read
 * @param errors         what could not be read, one line each
 * @param firewall       the packet filter's NAT44 rules and drop-policy forward chains, or null when it was not
 *                       inspected (then the checks that need it are skipped)
 * @param sysctls        other sysctls read, by name ({@code net.ipv6.conf.eth0.accept_ra}): for each interface
 *                       with a default route from router advertisements, its {@code accept_ra} and
 *                       {@code forwarding}
 */
public record SystemState(List<Link> links, List<Rule> rules6, List<Route> routes6, List<Route> routes4,
                          Boolean ipv4Forwarding, Boolean ipv6Forwarding, List<String> errors, Firewall firewall,
                          Map<String, String> sysctls) {

    public SystemState {
        links = List.copyOf(links);
        rules6 = List.copyOf(rules6);
        routes6 = List.copyOf(routes6);
        routes4 = List.copyOf(routes4);
        errors = List.copyOf(errors);
        sysctls = Map.copyOf(sysctls);
    }

    /** The routes, links and forwarding only: the firewall not inspected, no other sysctl read. */
    public SystemState(List<Link> links, List<Rule> rules6, List<Route> routes6, List<Route> routes4,
                       Boolean ipv4Forwarding, Boolean ipv6Forwarding, List<String> errors) {
        this(links, rules6, routes6, routes4, ipv4Forwarding, ipv6Forwarding, errors, null, Map.of());
    }

    /** This state with {@code firewall} and {@code sysctls} (for tests built from canned output). */
    public SystemState with(Firewall firewall, Map<String, String> sysctls) {
        return new SystemState(links, rules6, routes6, routes4, ipv4Forwarding, ipv6Forwarding, errors, firewall,
                sysctls);
    }

    /** The IPv6 default routes of the main table learned from router advertisements ({@code proto ra}). */
    public List<Route> raDefaultRoutes() {
        List<Route> r = new ArrayList<>();
        for (Route x : routes6) {
            if ("main".equals(x.table()) && x.dst().length() == 0 && "ra".equals(x.protocol()) && x.dev() != null) {
                r.add(x);
            }
        }
        return r;
    }

    /**
     * A network interface.
     *
     * @param name  its name
     * @param flags its flags as {@code ip} prints them (UP, LOWER_UP, NO-CARRIER, ...)
     * @param kind  {@code linkinfo.info_kind} ("tun" for TUN and TAP devices, "veth", ...), or null
     * @param tunType {@code linkinfo.info_data.type} for tun devices ("tun" or "tap"), or null
     */
    public record Link(String name, Set<String> flags, String kind, String tunType) {
        public Link {
            flags = Set.copyOf(flags);
        }

        public boolean isUp() {
            return flags.contains("UP");
        }

        /** A TUN device with no process attached has no carrier. */
        public boolean hasCarrier() {
            return !flags.contains("NO-CARRIER");
        }

        public boolean isTun() {
            return "tun".equals(kind) && (tunType == null || "tun".equals(tunType));
        }
    }

    /**
     * A policy rule.
     *
     * @param priority       its priority (lower is looked at first)
     * @param src            source prefix, or null for "all"
     * @param iif            input interface selector, or null
     * @param table          the table it looks up, or null when the rule has another action
     * @param action         "lookup" (to {@code table}), or "unreachable", "prohibit", "blackhole", "goto", "nop"
     * @param otherSelectors whether it also selects on something else (destination, fwmark, "not", ...),
     *                       so that it does not match every packet from {@code src}
     */
    public record Rule(long priority, Prefix src, String iif, String table, String action, boolean otherSelectors) {
        public boolean isLookup() {
            return "lookup".equals(action) && table != null;
        }

        public String describe() {
            return "from " + (src == null ? "all" : src) + (iif == null ? "" : " iif " + iif)
                    + (otherSelectors ? " (with more selectors)" : "")
                    + (isLookup() ? " lookup " + table : " " + action) + " (priority " + priority + ")";
        }
    }

    /**
     * A route.
     *
     * @param table   its table ("main" when {@code ip} prints none)
     * @param type    "unicast" (when {@code ip} prints none), "throw", "unreachable", "local", ...
     * @param dst     its destination (IPv4 routes as IPv4-mapped IPv6 prefixes)
     * @param text    the destination as {@code ip} printed it
     * @param dev     its output device, or null (multipath, blackhole)
     * @param protocol who made it ("kernel", "ra", "static", "boot", ...), or null
     */
    public record Route(String table, String type, Prefix dst, String text, String dev, String protocol) {
        public boolean isUnicast() {
            return "unicast".equals(type);
        }

        public String describe() {
            boolean unicast = "unicast".equals(type);
            return (unicast ? "" : type + " ") + text + (dev == null || !unicast ? "" : " dev " + dev)
                    + ("main".equals(table) ? "" : " table " + table);
        }
    }

    /** An IPv6 prefix (IPv4 prefixes as IPv4-mapped IPv6 prefixes), with containment tests. */
    public record Prefix(long hi, long lo, int length) {
        public Prefix {
            hi &= Addresses.maskHi(length);
            lo &= Addresses.maskLo(length);
        }

        static final long MAPPED_LO = 0x0000_ffff_0000_0000L;

        /** An IPv4 prefix as its IPv4-mapped IPv6 form. */
        public static Prefix ofIpv4(int address, int length) {
            return new Prefix(0, MAPPED_LO | (address & 0xffffffffL), 96 + length);
        }

        public boolean contains(Prefix p) {
            return p.length >= length && (p.hi & Addresses.maskHi(length)) == hi
                    && (p.lo & Addresses.maskLo(length)) == lo;
        }

        /** Whether {@code p} shares an address with this prefix. */
        public boolean overlaps(Prefix p) {
            return contains(p) || p.contains(this);
        }

        public boolean isIpv4() {
            return hi == 0 && length >= 96 && (lo & 0xffff_ffff_0000_0000L) == MAPPED_LO;
        }

        @Override
        public String toString() {
            if (isIpv4()) {
                return Addresses.formatIpv4((int) lo) + "/" + (length - 96);
            }
            return Addresses.formatIpv6(hi, lo) + "/" + length;
        }
    }

    // ---- parsing ----------------------------------------------------------------------------------

    /** Parses the outputs of the four {@code ip -j} commands (see the record's parameters). */
    public static SystemState parse(String linksJson, String rules6Json, String routes6Json, String routes4Json,
                                    Boolean ipv4Forwarding, Boolean ipv6Forwarding) {
        List<String> errors = new ArrayList<>();
        return new SystemState(parseLinks(linksJson, errors), parseRules(rules6Json, errors),
                parseRoutes(routes6Json, false, errors), parseRoutes(routes4Json, true, errors),
                ipv4Forwarding, ipv6Forwarding, errors);
    }

    private static List<Object> array(String json, String what, List<String> errors) {
        if (json == null) {
            return List.of();
        }
        try {
            Object v = Json.parse(json.isBlank() ? "[]" : json);
            if (v instanceof List<?> l) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) l;
                return list;
            }
            errors.add(what + ": expected a JSON array");
        } catch (IllegalArgumentException e) {
            errors.add(what + ": " + e.getMessage());
        }
        return List.of();
    }

    private static String str(Map<?, ?> m, String key) {
        Object v = m.get(key);
        return v == null ? null : v.toString();
    }

    private static List<Link> parseLinks(String json, List<String> errors) {
        List<Link> links = new ArrayList<>();
        for (Object o : array(json, "ip -j link", errors)) {
            if (!(o instanceof Map<?, ?> m) || str(m, "ifname") == null) {
                continue;
            }
            List<String> flags = new ArrayList<>();
            if (m.get("flags") instanceof List<?> fl) {
                fl.forEach(f -> flags.add(f.toString()));
            }
            String kind = null;
            String tunType = null;
            if (m.get("linkinfo") instanceof Map<?, ?> info) {
                kind = str(info, "info_kind");
                if (info.get("info_data") instanceof Map<?, ?> data) {
                    tunType = str(data, "type");
                }
            }
            links.add(new Link(str(m, "ifname"), Set.copyOf(flags), kind, tunType));
        }
        return links;
    }

    private static final Set<String> RULE_KEYS = Set.of("priority", "src", "srclen", "iif", "table", "action",
            "protocol", "flags");

    private static List<Rule> parseRules(String json, List<String> errors) {
        List<Rule> rules = new ArrayList<>();
        for (Object o : array(json, "ip -j -6 rule", errors)) {
            if (!(o instanceof Map<?, ?> m)) {
                continue;
            }
            try {
                long priority = m.get("priority") instanceof Number n ? n.longValue() : 0;
                Prefix src = null;
                String s = str(m, "src");
                if (s != null && !"all".equals(s)) {
                    int len = m.get("srclen") instanceof Number n ? n.intValue() : 128;
                    long[] a = Addresses.parseIpv6(s);
                    src = new Prefix(a[0], a[1], len);
                }
                boolean other = false;
                for (Object k : m.keySet()) {
                    if (!RULE_KEYS.contains(k.toString())) {
                        other = true; // dst, fwmark, not, tos, ipproto, sport, dport, uidrange, l3mdev, oif, ...
                    }
                }
                String action = str(m, "action");
                String table = str(m, "table");
                if (action == null) {
                    action = table != null ? "lookup" : "unknown";
                } else if ("to_tbl".equals(action)) {
                    action = "lookup";
                }
                rules.add(new Rule(priority, src, str(m, "iif"), table, action, other));
            } catch (IllegalArgumentException e) {
                errors.add("ip -j -6 rule: cannot read " + o + ": " + e.getMessage());
            }
        }
        rules.sort((a, b) -> Long.compare(a.priority(), b.priority()));
        return rules;
    }

    private static List<Route> parseRoutes(String json, boolean ipv4, List<String> errors) {
        List<Route> routes = new ArrayList<>();
        String what = ipv4 ? "ip -j -4 route" : "ip -j -6 route";
        for (Object o : array(json, what, errors)) {
            if (!(o instanceof Map<?, ?> m) || str(m, "dst") == null) {
                continue;
            }
            String text = str(m, "dst");
            try {
                Prefix dst;
                if (ipv4) {
                    if (text.indexOf(':') >= 0) {
                        continue; // some iproute2 versions mix families in "table all" listings
                    }
                    dst = parse4(text);
                } else {
                    if (text.indexOf(':') < 0 && !"default".equals(text)) {
                        continue;
                    }
                    dst = parse6(text);
                }
                String table = str(m, "table");
                String type = str(m, "type");
                routes.add(new Route(table == null ? "main" : table, type == null ? "unicast" : type, dst, text,
                        str(m, "dev"), str(m, "protocol")));
            } catch (IllegalArgumentException e) {
                errors.add(what + ": cannot read destination '" + text + "': " + e.getMessage());
            }
        }
        return routes;
    }

    static Prefix parse6(String text) {
        if ("default".equals(text)) {
            return new Prefix(0, 0, 0);
        }
        int slash = text.indexOf('/');
        long[] a = Addresses.parseIpv6(slash < 0 ? text : text.substring(0, slash));
        int len = slash < 0 ? 128 : Integer.parseInt(text.substring(slash + 1));
        if (len < 0 || len > 128) {
            throw new IllegalArgumentException("bad prefix length");
        }
        return new Prefix(a[0], a[1], len);
    }

    static Prefix parse4(String text) {
        if ("default".equals(text)) {
            return Prefix.ofIpv4(0, 0);
        }
        int slash = text.indexOf('/');
        int a = Addresses.parseIpv4(slash < 0 ? text : text.substring(0, slash));
        int len = slash < 0 ? 32 : Integer.parseInt(text.substring(slash + 1));
        if (len < 0 || len > 32) {
            throw new IllegalArgumentException("bad prefix length");
        }
        return Prefix.ofIpv4(a & Addresses.mask4(len), len);
    }

    // ---- queries ----------------------------------------------------------------------------------

    public Link link(String name) {
        for (Link l : links) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        return null;
    }

    /** Routes of one family ({@code p.isIpv4()}) in one table. */
    List<Route> routes(String table, boolean ipv4) {
        List<Route> r = new ArrayList<>();
        for (Route x : ipv4 ? routes4 : routes6) {
            if (x.table().equals(table)) {
                r.add(x);
            }
        }
        return r;
    }

    /**
     * The route that a packet to every address of {@code p} would take in {@code table}: the longest
     * route covering all of {@code p} (routes of types local, broadcast, multicast, anycast and nat are
     * ignored), or null.
     */
    public Route covering(String table, Prefix p) {
        Route best = null;
        for (Route r : routes(table, p.isIpv4())) {
            if (r.type().equals("local") || r.type().equals("broadcast") || r.type().equals("multicast")
                    || r.type().equals("anycast") || r.type().equals("nat")) {
                continue;
            }
            if (r.dst().contains(p) && (best == null || r.dst().length() > best.dst().length())) {
                best = r;
            }
        }
        return best;
    }

    /** Routes in {@code table} strictly inside {@code p} (more specific than it). */
    public List<Route> inside(String table, Prefix p) {
        List<Route> r = new ArrayList<>();
        for (Route x : routes(table, p.isIpv4())) {
            if (p.contains(x.dst()) && x.dst().length() > p.length() && x.isUnicast()) {
                r.add(x);
            }
        }
        return r;
    }

    // ---- reading the running system ---------------------------------------------------------------

    /** Reads the running system with {@code ip} (iproute2, JSON output) and {@code /proc/sys}. */
    public static SystemState read() {
        List<String> errors = new ArrayList<>();
        String links = ip(errors, "-d", "-j", "link", "show");
        String rules = ip(errors, "-j", "-6", "rule", "show");
        String routes6 = ip(errors, "-j", "-6", "route", "show", "table", "all");
        String routes4 = ip(errors, "-j", "-4", "route", "show", "table", "all");
        Boolean f4 = sysctl(errors, "/proc/sys/net/ipv4/ip_forward");
        Boolean f6 = sysctl(errors, "/proc/sys/net/ipv6/conf/all/forwarding");
        SystemState s = parse(links, rules, routes6, routes4, f4, f6);
        List<String> all = new ArrayList<>(errors);
        all.addAll(s.errors());
        Map<String, String> sysctls = new HashMap<>();
        for (Route r : s.raDefaultRoutes()) {
            for (String key : new String[] {"accept_ra", "forwarding"}) {
                String name = "net.ipv6.conf." + r.dev() + "." + key;
                String v = sysctlText(all, "/proc/sys/net/ipv6/conf/" + r.dev() + "/" + key);
                if (v != null) {
                    sysctls.put(name, v);
                }
            }
        }
        return new SystemState(s.links(), s.rules6(), s.routes6(), s.routes4(), f4, f6, all, readFirewall(all),
                sysctls);
    }

    /**
     * nftables (which shows iptables-nft's rules too) plus iptables-legacy's; when {@code nft} is not installed,
     * whatever {@code iptables-save} and {@code ip6tables-save} show. A tool that is not installed is not an error.
     */
    static Firewall readFirewall(List<String> errors) {
        Firewall fw;
        int before = errors.size();
        String nft = run(errors, true, "nft", "-j", "list", "ruleset");
        if (errors.size() > before) {
            return null; // installed but not readable (not root?): not inspected, rather than "no rules"
        }
        if (nft != null) {
            fw = Firewall.parseNft(nft, errors);
            String legacy4 = run(errors, true, "iptables-legacy-save");
            String legacy6 = run(errors, true, "ip6tables-legacy-save");
            if (legacy4 != null) {
                fw = fw.plus(Firewall.parseIptablesSave(legacy4, false, "iptables-legacy"));
            }
            if (legacy6 != null) {
                fw = fw.plus(Firewall.parseIptablesSave(legacy6, true, "ip6tables-legacy"));
            }
            return new Firewall(fw.nat44(), fw.forward(), List.of("nft"));
        }
        String v4 = run(errors, true, "iptables-save");
        String v6 = run(errors, true, "ip6tables-save");
        if (errors.size() > before) {
            return null;
        }
        fw = Firewall.empty();
        if (v4 != null) {
            fw = fw.plus(Firewall.parseIptablesSave(v4, false, "iptables"));
        }
        if (v6 != null) {
            fw = fw.plus(Firewall.parseIptablesSave(v6, true, "ip6tables"));
        }
        return fw;
    }

    private static String ip(List<String> errors, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        return run(errors, false, cmd.toArray(new String[0]));
    }

    /**
     * The output of {@code cmd}, or null after adding why to {@code errors}; with {@code optional}, a program that
     * is not installed gives null and no error.
     */
    private static String run(List<String> errors, boolean optional, String... cmd) {
        String line = String.join(" ", cmd);
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            String out = readAll(p.getInputStream());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                errors.add(line + ": timed out");
                return null;
            }
            if (p.exitValue() != 0) {
                errors.add(line + ": exit status " + p.exitValue() + ": " + err.join().strip());
                return null;
            }
            return out;
        } catch (IOException e) {
            if (!optional) {
                errors.add(line + ": cannot run it (is iproute2 installed?): " + e.getMessage());
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.add(line + ": interrupted");
            return null;
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String sysctlText(List<String> errors, String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            errors.add(path + ": cannot read: " + e.getMessage());
            return null;
        }
    }

    private static Boolean sysctl(List<String> errors, String path) {
        String v = sysctlText(errors, path);
        return v == null ? null : !v.equals("0");
    }
}
