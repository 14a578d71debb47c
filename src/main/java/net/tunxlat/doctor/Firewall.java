// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.doctor;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.tunxlat.doctor.SystemState.Prefix;
import net.tunxlat.util.Json;
import java.util.HashMap;

/**
 * What {@code tunxlat doctor} needs of the packet filter: the NAT44 rules (source NAT of IPv4 packets, which
 * private dynamic-pool and map addresses need to reach the Internet) and the forward chains whose policy drops
 * packets (which then need accept rules for the TUN device). Read from nftables ({@code nft -j list ruleset},
 * which also shows the rules iptables-nft made) and from iptables' text form ({@code iptables-save}, for the
 * legacy back end, or when {@code nft} is not installed).
 *
 * @param nat44   source NAT rules for IPv4 (masquerade, snat; iptables MASQUERADE, SNAT)
 * @param forward forward-hook chains whose policy is drop
 * @param tools   the tools that could be read ("nft", "iptables"): the fix commands use the first
 */
public record Firewall(List<Nat44> nat44, List<DropChain> forward, List<String> tools) {
    public Firewall {
        nat44 = List.copyOf(nat44);
        forward = List.copyOf(forward);
        tools = List.copyOf(tools);
    }

    /** No rules at all, read with {@code tools}. */
    public static Firewall empty(String... tools) {
        return new Firewall(List.of(), List.of(), List.of(tools));
    }

    /** This firewall's rules and those of {@code o}. */
    public Firewall plus(Firewall o) {
        List<Nat44> n = new ArrayList<>(nat44);
        n.addAll(o.nat44);
        List<DropChain> f = new ArrayList<>(forward);
        f.addAll(o.forward);
        Set<String> t = new LinkedHashSet<>(tools);
        t.addAll(o.tools);
        return new Firewall(n, f, List.copyOf(t));
    }

    /**
     * A source NAT rule for IPv4.
     *
     * @param src      the source prefix it matches, or null for any source
     * @param negated  whether it matches sources outside {@code src} ({@code ! -s}, {@code ip saddr !=})
     * @param describe where it is and what it says, for the report
     */
    public record Nat44(Prefix src, boolean negated, String describe) {
        /** Whether every address of {@code p} is translated by this rule. */
        public boolean covers(Prefix p) {
            if (src == null) {
                return true;
            }
            return negated ? !src.contains(p) && !p.contains(src) : src.contains(p);
        }
    }

    /**
     * A forward chain with policy drop.
     *
     * @param family     "ip", "ip6" or "inet" (iptables: "ip", ip6tables: "ip6")
     * @param name       how to name it in the report and in {@code nft}/{@code iptables} commands: for nftables
     *                   "FAMILY TABLE CHAIN", for iptables the command ("iptables", "ip6tables-legacy", ...)
     * @param nftables   whether it is an nftables chain (else iptables')
     * @param acceptIif  input interface names (nft wildcards {@code name*}, iptables {@code name+}) of accept rules
     * @param acceptOif  likewise for output interface names
     */
    public record DropChain(String family, String name, boolean nftables, Set<String> acceptIif,
                            Set<String> acceptOif) {
        public DropChain {
            acceptIif = Set.copyOf(acceptIif);
            acceptOif = Set.copyOf(acceptOif);
        }

        public boolean carriesIpv4() {
            return !family.equals("ip6");
        }

        public boolean carriesIpv6() {
            return !family.equals("ip");
        }

        /** Whether an accept rule takes packets arriving from {@code dev}. */
        public boolean acceptsFrom(String dev) {
            return matches(acceptIif, dev);
        }

        /** Whether an accept rule takes packets leaving through {@code dev}. */
        public boolean acceptsTo(String dev) {
            return matches(acceptOif, dev);
        }

        private static boolean matches(Set<String> names, String dev) {
            for (String n : names) {
                if (n.equals(dev) || ((n.endsWith("*") || n.endsWith("+")) && dev.startsWith(n.substring(0, n.length() - 1)))) {
                    return true;
                }
            }
            return false;
        }
    }

    // ---- nftables -----------------------------------------------------------------------------------

    /** Parses {@code nft -j list ruleset}; what cannot be read is added to {@code errors}. */
    public static Firewall parseNft(String json, List<String> errors) {
        Object root;
        try {
            root = Json.parse(json == null || json.isBlank() ? "{\"nftables\":[]}" : json);
        } catch (IllegalArgumentException e) {
            errors.add("nft -j list ruleset: " + e.getMessage());
            return empty("nft");
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("nftables") instanceof List<?> items)) {
            errors.add("nft -j list ruleset: expected {\"nftables\": [...]}");
            return empty("nft");
        }
        // Chains by "family table name": their hook, type and policy.
        Map<String, Map<?, ?>> chains = new HashMap<>();
        for (Object o : items) {
            if (o instanceof Map<?, ?> item && item.get("chain") instanceof Map<?, ?> c) {
                chains.put(key(c, "name"), c);
            }
        }
        Map<String, Set<String>> iif = new HashMap<>();
        Map<String, Set<String>> oif = new HashMap<>();
        List<Nat44> nat = new ArrayList<>();
        for (Object o : items) {
            if (!(o instanceof Map<?, ?> item) || !(item.get("rule") instanceof Map<?, ?> r)
                    || !(r.get("expr") instanceof List<?> expr)) {
                continue;
            }
            String chainKey = key(r, "chain");
            Map<?, ?> chain = chains.get(chainKey);
            String family = String.valueOf(r.get("family"));
            if (isAccept(expr)) {
                iif.computeIfAbsent(chainKey, k -> new LinkedHashSet<>()).addAll(names(expr, "iifname", "iif"));
                oif.computeIfAbsent(chainKey, k -> new LinkedHashSet<>()).addAll(names(expr, "oifname", "oif"));
            }
            boolean natChain = chain == null || chain.get("hook") == null
                    || ("nat".equals(chain.get("type")) && "postrouting".equals(chain.get("hook")));
            if ((family.equals("ip") || family.equals("inet")) && natChain && isSourceNat(expr)) {
                nat.addAll(nat44(expr, "nftables " + chainKey + ": " + describe(expr)));
            }
        }
        List<DropChain> drop = new ArrayList<>();
        for (Map.Entry<String, Map<?, ?>> e : chains.entrySet()) {
            Map<?, ?> c = e.getValue();
            if ("forward".equals(c.get("hook")) && "drop".equals(c.get("policy"))) {
                drop.add(new DropChain(String.valueOf(c.get("family")), e.getKey(), true,
                        iif.getOrDefault(e.getKey(), Set.of()), oif.getOrDefault(e.getKey(), Set.of())));
            }
        }
        drop.sort((a, b) -> a.name().compareTo(b.name()));
        return new Firewall(nat, drop, List.of("nft"));
    }

    private static String key(Map<?, ?> m, String nameKey) {
        return m.get("family") + " " + m.get("table") + " " + m.get(nameKey);
    }

    private static boolean isAccept(List<?> expr) {
        for (Object x : expr) {
            if (x instanceof Map<?, ?> m && m.containsKey("accept")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSourceNat(List<?> expr) {
        for (Object x : expr) {
            if (x instanceof Map<?, ?> m) {
                if (m.containsKey("masquerade") || m.containsKey("snat")) {
                    return true;
                }
                if (m.get("xt") instanceof Map<?, ?> xt && "target".equals(xt.get("type"))
                        && ("MASQUERADE".equals(xt.get("name")) || "SNAT".equals(xt.get("name")))) {
                    return true; // iptables-nft's translation of -j MASQUERADE / -j SNAT
                }
            }
        }
        return false;
    }

    /** The interface names an {@code ==} or {@code in} match on {@code meta key} (one of {@code keys}) accepts. */
    private static List<String> names(List<?> expr, String... keys) {
        List<String> out = new ArrayList<>();
        for (Object x : expr) {
            if (x instanceof Map<?, ?> m && m.get("match") instanceof Map<?, ?> match
                    && ("==".equals(match.get("op")) || "in".equals(match.get("op")))
                    && match.get("left") instanceof Map<?, ?> left && left.get("meta") instanceof Map<?, ?> meta
                    && List.of(keys).contains(String.valueOf(meta.get("key")))) {
                Object right = match.get("right");
                if (right instanceof Map<?, ?> set && set.get("set") instanceof List<?> l) {
                    l.forEach(v -> out.add(String.valueOf(v)));
                } else if (right instanceof List<?> l) {
                    l.forEach(v -> out.add(String.valueOf(v)));
                } else if (right != null) {
                    out.add(String.valueOf(right));
                }
            }
        }
        return out;
    }

    /**
     * The source match of a source NAT rule ({@code ip saddr}) as {@link Nat44}s: one, or one per element of an
     * anonymous set ({@code ip saddr { 10.0.0.0/8, 192.168.0.0/16 }}).
     */
    private static List<Nat44> nat44(List<?> expr, String describe) {
        for (Object x : expr) {
            if (x instanceof Map<?, ?> m && m.get("match") instanceof Map<?, ?> match
                    && match.get("left") instanceof Map<?, ?> left && left.get("payload") instanceof Map<?, ?> p
                    && "ip".equals(p.get("protocol")) && "saddr".equals(p.get("field"))) {
                boolean negated = "!=".equals(match.get("op"));
                Object right = match.get("right");
                List<?> elements = right instanceof Map<?, ?> r && r.get("set") instanceof List<?> l && !negated
                        ? l : List.of(right);
                List<Nat44> out = new ArrayList<>();
                for (Object e : elements) {
                    Prefix src = source(e);
                    out.add(src != null ? new Nat44(src, negated, describe)
                            : new Nat44(Prefix.ofIpv4(0, 32), false, describe + " (source match not understood)"));
                }
                return out;
            }
        }
        return List.of(new Nat44(null, false, describe));
    }

    /** An address or prefix operand of a match, or null when it is something else (a range, a named set). */
    private static Prefix source(Object o) {
        try {
            if (o instanceof Map<?, ?> r && r.get("prefix") instanceof Map<?, ?> pr) {
                return SystemState.parse4(pr.get("addr") + "/" + ((Number) pr.get("len")).intValue());
            }
            if (o instanceof String s) {
                return SystemState.parse4(s);
            }
        } catch (IllegalArgumentException | ClassCastException e) {
            // not an IPv4 address or prefix
        }
        return null;
    }

    /** A short {@code nft}-like rendering of a rule, for the report. */
    private static String describe(List<?> expr) {
        List<String> parts = new ArrayList<>();
        for (Object x : expr) {
            if (x instanceof Map<?, ?> m) {
                if (m.get("match") instanceof Map<?, ?> match) {
                    parts.add(operand(match.get("left")) + ("==".equals(match.get("op")) ? "" : " " + match.get("op"))
                            + " " + operand(match.get("right")));
                } else if (!m.containsKey("counter")) {
                    String k = String.valueOf(m.keySet().iterator().next());
                    parts.add(k.equals("xt") && m.get("xt") instanceof Map<?, ?> xt ? String.valueOf(xt.get("name")) : k);
                }
            }
        }
        return String.join(" ", parts);
    }

    private static String operand(Object o) {
        if (o instanceof Map<?, ?> m) {
            if (m.get("meta") instanceof Map<?, ?> meta) {
                return String.valueOf(meta.get("key"));
            }
            if (m.get("payload") instanceof Map<?, ?> p) {
                return p.get("protocol") + " " + p.get("field");
            }
            if (m.get("prefix") instanceof Map<?, ?> p) {
                return p.get("addr") + "/" + p.get("len");
            }
            if (m.get("set") instanceof List<?> l) {
                return "{ " + String.join(", ", l.stream().map(Firewall::operand).toList()) + " }";
            }
            if (m.get("range") instanceof List<?> l && l.size() == 2) {
                return l.get(0) + "-" + l.get(1);
            }
        }
        return String.valueOf(o);
    }

    // ---- iptables -----------------------------------------------------------------------------------

    /**
     * Parses {@code iptables-save} ({@code ipv6} false) or {@code ip6tables-save} output: the FORWARD policy of the
     * filter table with its {@code -i}/{@code -o} ACCEPT rules, and (IPv4) the MASQUERADE and SNAT rules of the nat
     * table, in any chain.
     *
     * @param tool the command that changes these rules ("iptables", "ip6tables-legacy", ...), named in fixes
     */
    public static Firewall parseIptablesSave(String text, boolean ipv6, String tool) {
        String table = "";
        boolean forwardDrop = false;
        Set<String> iif = new LinkedHashSet<>();
        Set<String> oif = new LinkedHashSet<>();
        List<Nat44> nat = new ArrayList<>();
        for (String line : (text == null ? "" : text).split("\n")) {
            line = line.strip();
            if (line.startsWith("*")) {
                table = line.substring(1);
            } else if (line.startsWith(":FORWARD ") && table.equals("filter")) {
                forwardDrop = line.split("\\s+")[1].equals("DROP");
            } else if (line.startsWith("-A ")) {
                List<String> t = List.of(line.split("\\s+"));
                String target = after(t, "-j");
                if (table.equals("filter") && t.get(1).equals("FORWARD") && "ACCEPT".equals(target)) {
                    add(iif, t, "-i");
                    add(oif, t, "-o");
                } else if (!ipv6 && table.equals("nat") && ("MASQUERADE".equals(target) || "SNAT".equals(target))) {
                    int s = t.indexOf("-s");
                    Prefix src = null;
                    if (s > 0 && s + 1 < t.size()) {
                        try {
                            src = SystemState.parse4(t.get(s + 1));
                        } catch (IllegalArgumentException e) {
                            src = Prefix.ofIpv4(0, 32);
                        }
                    }
                    nat.add(new Nat44(src, s > 0 && t.get(s - 1).equals("!"), tool + " -t nat " + line));
                }
            }
        }
        List<DropChain> drop = forwardDrop
                ? List.of(new DropChain(ipv6 ? "ip6" : "ip", tool, false, iif, oif)) : List.of();
        return new Firewall(nat, drop, List.of(tool));
    }

    private static String after(List<String> tokens, String flag) {
        int i = tokens.indexOf(flag);
        return i >= 0 && i + 1 < tokens.size() ? tokens.get(i + 1) : null;
    }

    /** The interface of a {@code -i}/{@code -o} match that is not negated. */
    private static void add(Set<String> names, List<String> tokens, String flag) {
        int i = tokens.indexOf(flag);
        if (i > 0 && i + 1 < tokens.size() && !tokens.get(i - 1).equals("!")) {
            names.add(tokens.get(i + 1));
        }
    }
}
