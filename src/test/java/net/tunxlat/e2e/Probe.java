// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Runs {@code src/test/python/xlat_probe.py} (scapy) against a started {@link TestBed}: crafted
 * packets go out of one host's eth0 as raw Ethernet frames, and whatever arrives at either host is
 * decoded into flat {@code key=value} fields. This class prepares the bed (the hosts' own kernels
 * are silenced so that only the translator path's output is captured), writes the case file, runs
 * the probe and parses what it wrote.
 */
final class Probe {
    /** Where a packet arrives (or is sent from). */
    enum Host {
        V6("v6 host"), V4("v4 host");

        private final String label;

        Host(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }

        String key() {
            return this == V6 ? "v6" : "v4";
        }
    }

    /** One packet as the probe decoded it. */
    record Packet(Map<String, String> fields, String summary, String hex) {}

    /** What one case sent and what arrived at each host. */
    record CaseOutcome(String name, int sent, String sentUdpMd5, List<String> sentSummaries,
                       Map<Host, List<Packet>> arrived, Map<Host, List<Map<String, String>>> reassembly) {
        List<Packet> packets(Host h) {
            return arrived.getOrDefault(h, List.of());
        }

        List<Map<String, String>> reassembled(Host h) {
            return reassembly.getOrDefault(h, List.of());
        }
    }

    private static final Pattern MAC = Pattern.compile("link/ether (\\S+)");

    private Probe() {}

    /** The python interpreter that has scapy, or null (then the reason is in {@link #scapyMissing}). */
    static String python() {
        List<String> candidates = new ArrayList<>();
        String configured = System.getProperty("tunxlat.e2e.python");
        if (configured != null) {
            candidates.add(configured);
        }
        candidates.add("/usr/bin/python3");
        candidates.add("python3");
        for (String p : candidates) {
            if (Cmd.exec(Duration.ofSeconds(20), List.of(p, "-c", "import scapy.layers.inet6")).ok()) {
                return p;
            }
        }
        return null;
    }

    /** The probe script: src/test/python/xlat_probe.py of this checkout. */
    static Path script() {
        Path here = Path.of("src/test/python/xlat_probe.py").toAbsolutePath();
        if (Files.isRegularFile(here)) {
            return here;
        }
        String jar = System.getProperty("tunxlat.jar");
        if (jar != null) {
            Path fromJar = Path.of(jar).toAbsolutePath().getParent().getParent().resolve("src/test/python/xlat_probe.py");
            if (Files.isRegularFile(fromJar)) {
                return fromJar;
            }
        }
        return here;
    }

    /**
     * Makes a ready bed fit for crafted packets: the translator namespace gets permanent neighbour
     * entries for both hosts, no ICMP rate limits and accepts IPv4 source-routed packets (so the
     * translator, not the namespace's kernel, decides about them); then the hosts' kernels are
     * silenced (IPv6 off on the IPv6 host's eth0, the IPv4 host's address removed: a non-forwarding
     * host drops what is not addressed to it without a word), so that they neither answer the
     * crafted packets nor react to what the translator delivers. Packet sockets still see every frame.
     */
    static void prepare(TestBed bed) {
        Netns xl = bed.translatorNs();
        xl.ip("neigh", "replace", TestBed.IPV6_HOST, "lladdr", mac(bed.ipv6Host(), "eth0"), "dev", "to-v6", "nud", "permanent");
        xl.ip("neigh", "replace", TestBed.IPV4_HOST, "lladdr", mac(bed.ipv4Host(), "eth0"), "dev", "to-v4", "nud", "permanent");
        xl.sysctl("net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
                "net.ipv4.conf.all.accept_source_route=1", "net.ipv4.conf.to-v4.accept_source_route=1");
        bed.ipv6Host().sysctl("net.ipv6.conf.eth0.disable_ipv6=1");
        bed.ipv4Host().ip("addr", "flush", "dev", "eth0");
    }

    static String mac(Netns ns, String dev) {
        Matcher m = MAC.matcher(ns.ip("-o", "link", "show", "dev", dev));
        if (!m.find()) {
            throw new IllegalStateException("no MAC address for " + ns + "/" + dev);
        }
        return m.group(1);
    }

    /** Runs the probe over {@code casesJson} in {@code bed}; the raw output is kept at {@code out}. */
    static Map<String, CaseOutcome> run(TestBed bed, String python, Path casesJson, Path out) throws IOException {
        String v6Gw = mac(bed.translatorNs(), "to-v6");
        String v4Gw = mac(bed.translatorNs(), "to-v4");
        ExecResult r = bed.ipv6Host().exec(Duration.ofSeconds(300), python, script().toString(),
                "--cases", casesJson.toString(), "--out", out.toString(),
                "--v4-netns", bed.ipv4Host().name(), "--v6-gw-mac", v6Gw, "--v4-gw-mac", v4Gw);
        if (!r.ok()) {
            throw new IllegalStateException("probe failed: " + r.describe());
        }
        return parse(Files.readAllLines(out, StandardCharsets.UTF_8));
    }

    static Map<String, CaseOutcome> parse(List<String> lines) {
        Map<String, CaseOutcome> byName = new LinkedHashMap<>();
        Map<String, Map<Host, Map<Integer, String[]>>> parts = new LinkedHashMap<>();
        boolean ended = false;
        for (String line : lines) {
            String[] t = line.split("\t", -1);
            switch (t[0]) {
                case "CASE" -> byName.put(t[1], new CaseOutcome(t[1], Integer.parseInt(t[2].substring(5)),
                        t[3].substring(8), new ArrayList<>(), new LinkedHashMap<>(), new LinkedHashMap<>()));
                case "SENT" -> byName.get(t[1]).sentSummaries().add(t[3]);
                case "PKT", "SUMMARY", "HEX" -> {
                    Host h = host(t[2]);
                    String[] slot = parts.computeIfAbsent(t[1], k -> new LinkedHashMap<>())
                            .computeIfAbsent(h, k -> new TreeMap<>())
                            .computeIfAbsent(Integer.parseInt(t[3]), k -> new String[3]);
                    int idx = t[0].equals("PKT") ? 0 : t[0].equals("SUMMARY") ? 1 : 2;
                    slot[idx] = t[0].equals("PKT") ? String.join("\t", List.of(t).subList(4, t.length)) : t[4];
                }
                case "REASM" -> byName.get(t[1]).reassembly().computeIfAbsent(host(t[2]), k -> new ArrayList<>())
                        .add(fields(List.of(t).subList(3, t.length)));
                case "END" -> ended = true;
                default -> throw new IllegalStateException("unexpected probe output line: " + line);
            }
        }
        if (!ended) {
            throw new IllegalStateException("probe output is incomplete (no END line)");
        }
        parts.forEach((name, hosts) -> hosts.forEach((h, slots) -> {
            List<Packet> list = byName.get(name).arrived().computeIfAbsent(h, k -> new ArrayList<>());
            slots.values().forEach(s -> list.add(new Packet(
                    fields(s[0].isEmpty() ? List.of() : List.of(s[0].split("\t"))), s[1], s[2])));
        }));
        return byName;
    }

    private static Host host(String s) {
        return s.equals("v6") ? Host.V6 : Host.V4;
    }

    private static Map<String, String> fields(List<String> kv) {
        Map<String, String> m = new TreeMap<>();
        for (String s : kv) {
            int eq = s.indexOf('=');
            m.put(s.substring(0, eq), s.substring(eq + 1));
        }
        return m;
    }

    // ---- describing and comparing -------------------------------------------------------------

    /** A one-line description of a packet for tables. */
    static String describe(Packet p) {
        Map<String, String> f = p.fields();
        StringBuilder b = new StringBuilder();
        String v = f.get("ip.v");
        if ("6".equals(v)) {
            b.append("IPv6 ").append(f.get("ip.src")).append(" hlim ").append(f.get("ip.hlim"));
            if (f.containsKey("frag.id")) {
                b.append(" frag(off ").append(f.get("frag.off")).append(", M ").append(f.get("frag.m"))
                        .append(", id ").append(f.get("frag.id")).append(")");
            }
        } else if ("4".equals(v)) {
            b.append("IPv4 ").append(f.get("ip.src")).append(" ttl ").append(f.get("ip.ttl"));
            if ("1".equals(f.get("ip.df"))) {
                b.append(" DF");
            }
            if ("1".equals(f.get("ip.mf")) || !"0".equals(f.get("ip.off"))) {
                b.append(" frag(off ").append(f.get("ip.off")).append(", MF ").append(f.get("ip.mf"))
                        .append(", id ").append(f.get("ip.id")).append(")");
            }
        }
        b.append(" len ").append(f.get("len")).append(": ");
        if (f.containsKey("icmp6.type")) {
            b.append("ICMPv6 ").append(f.get("icmp6.type")).append("/").append(f.get("icmp6.code"));
            appendIf(b, f, "icmp6.mtu", " mtu ");
            appendIf(b, f, "icmp6.ptr", " ptr ");
            inner(b, f);
        } else if (f.containsKey("icmp.type")) {
            b.append("ICMPv4 ").append(f.get("icmp.type")).append("/").append(f.get("icmp.code"));
            appendIf(b, f, "icmp.mtu", " mtu ");
            appendIf(b, f, "icmp.ptr", " ptr ");
            inner(b, f);
        } else if (f.containsKey("udp.sport")) {
            b.append("UDP ").append(f.get("udp.sport")).append(">").append(f.get("udp.dport"))
                    .append(" cksum ").append(f.get("udp.cksum_ok"));
        } else if ("6".equals(v) && f.containsKey("frag.id")) {
            b.append("fragment");
        } else if ("4".equals(v) && !"0".equals(f.get("ip.off"))) {
            b.append("fragment");
        } else {
            b.append("proto ").append(f.getOrDefault("ip.l4", f.get("ip.proto")));
        }
        return b.toString();
    }

    private static void inner(StringBuilder b, Map<String, String> f) {
        if (f.containsKey("in.ip.v")) {
            b.append(" [inner ").append(f.get("in.ip.src")).append(">").append(f.get("in.ip.dst"));
            if (f.containsKey("in.icmp6.type")) {
                b.append(" ICMPv6 ").append(f.get("in.icmp6.type"));
            } else if (f.containsKey("in.icmp.type")) {
                b.append(" ICMP ").append(f.get("in.icmp.type"));
            }
            b.append("]");
        }
    }

    private static void appendIf(StringBuilder b, Map<String, String> f, String key, String label) {
        if (f.containsKey(key)) {
            b.append(label).append(f.get(key));
        }
    }

    static String describeAll(Collection<Packet> ps) {
        return ps.stream().map(Probe::describe).collect(Collectors.joining("; "));
    }

    /**
     * The fields that define "the same output": everything decoded except raw checksum values (their
     * validity is kept), the hex dump, and IPv4 Identification values a translator picks itself
     * (unfragmented packets and their quoted copies), which are arbitrary by design.
     */
    static Map<String, String> comparable(Map<String, String> f) {
        Map<String, String> m = new TreeMap<>();
        f.forEach((k, v) -> {
            if (k.endsWith(".cksum") || k.endsWith(".word")) {
                return;
            }
            if (k.endsWith("ip.id")) {
                String p = k.substring(0, k.length() - "ip.id".length());
                if ("0".equals(f.get(p + "ip.mf")) && "0".equals(f.get(p + "ip.off"))) {
                    return;
                }
            }
            m.put(k, v);
        });
        return m;
    }

    static String signature(CaseOutcome o, Host h) {
        return o.packets(h).stream().map(p -> comparable(p.fields()).toString()).sorted()
                .collect(Collectors.joining(" | "));
    }

    /** How two outcomes of one case differ, in a few words ("" if they do not). */
    static String difference(CaseOutcome a, CaseOutcome b, String nameA, String nameB) {
        List<String> d = new ArrayList<>();
        for (Host h : Host.values()) {
            List<Packet> pa = a.packets(h);
            List<Packet> pb = b.packets(h);
            if (signature(a, h).equals(signature(b, h))) {
                continue;
            }
            if (pa.size() != pb.size()) {
                d.add(h.label() + ": " + nameA + " " + pa.size() + " packet(s), " + nameB + " " + pb.size());
                continue;
            }
            List<Map<String, String>> sa = pa.stream().map(p -> comparable(p.fields())).sorted(Probe::byText).toList();
            List<Map<String, String>> sb = pb.stream().map(p -> comparable(p.fields())).sorted(Probe::byText).toList();
            for (int i = 0; i < sa.size(); i++) {
                Map<String, String> x = sa.get(i);
                Map<String, String> y = sb.get(i);
                TreeMap<String, String> keys = new TreeMap<>();
                x.keySet().forEach(k -> keys.put(k, ""));
                y.keySet().forEach(k -> keys.put(k, ""));
                List<String> fields = new ArrayList<>();
                for (String k : keys.keySet()) {
                    String vx = x.get(k);
                    String vy = y.get(k);
                    if (vx == null ? vy != null : !vx.equals(vy)) {
                        fields.add(k + " " + (vx == null ? "-" : vx) + " vs " + (vy == null ? "-" : vy));
                    }
                }
                if (!fields.isEmpty()) {
                    d.add(h.label() + (sa.size() > 1 ? " #" + i : "") + ": " + String.join(", ", fields));
                }
            }
        }
        return String.join("; ", d);
    }

    private static int byText(Map<String, String> x, Map<String, String> y) {
        return x.toString().compareTo(y.toString());
    }

    // ---- the case file ---------------------------------------------------------------------------

    /** Writes maps, lists, strings, numbers and booleans as JSON. */
    static String json(Object o) {
        StringBuilder b = new StringBuilder();
        json(b, o);
        return b.toString();
    }

    private static void json(StringBuilder b, Object o) {
        if (o == null) {
            b.append("null");
        } else if (o instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                json(b, String.valueOf(e.getKey()));
                b.append(':');
                json(b, e.getValue());
            }
            b.append('}');
        } else if (o instanceof List<?> l) {
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                json(b, l.get(i));
            }
            b.append(']');
        } else if (o instanceof Number || o instanceof Boolean) {
            b.append(o);
        } else {
            String s = o.toString();
            b.append('"');
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
        }
    }
}
