// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import net.tunxlat.config.Nat64Directives.Pool4Line;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Deterministic;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Pool4;

/**
 * The shard file ({@code nat64-shard-file}, docs/scale-out.md "Stateful sharding"): one description of every
 * stateful NAT64 instance of a deployment, read by each instance (which picks its entry by {@code instance-name})
 * and by {@code tunxlat shard routes} (the IPv6-side router's routes). Each instance owns a disjoint slice of pool4
 * with deterministic port blocks (RFC 7422) for its subscriber prefixes, so no state crosses instances; when it
 * fails, its standby serves its subscribers from the instance's standby range, disjoint from every slice.
 *
 * <pre>
 * nat64-prefix 64:ff9b::/96          # the NAT64 prefix every instance translates (default 64:ff9b::/96)
 * port-block 128                     # ports per block, the same for every instance (default 128)
 * subscriber-prefix 64               # what counts as one subscriber (default 64)
 * instance xa
 *     subscribers 2001:db8:100::/56  # repeatable
 *     pool4 192.0.2.0/28             # repeatable, the grammar of tunxlat.conf's pool4
 *     standby xb                     # the instance that takes xa's subscribers when xa fails
 *     standby-pool4 198.51.100.0/28  # repeatable: the range xb uses for them
 *     next-hop 2001:db8:ff::a [dev eth1]   # where the IPv6-side router reaches xa
 * </pre>
 *
 * Every error names the file and line, what is wrong and the fix; all are collected, not only the first.
 */
public final class ShardFile {
    /** {@code nat64-prefix} by default. */
    public static final Ipv6Prefix DEFAULT_NAT64_PREFIX = Ipv6Prefix.parse("64:ff9b::/96", -1);
    /** {@code subscriber-prefix} by default. */
    public static final int DEFAULT_SUBSCRIBER_LENGTH = 64;

    /**
     * One instance's entry.
     *
     * @param standbyPool4 the range its standby uses for its subscribers
     * @param nextHopDev the interface of the next hop on the router, or null
     */
    public record Instance(String name, int line, List<Ipv6Prefix> subscribers, List<Ipv4Prefix> pool4Prefixes,
            List<Pool4.Range> pool4, String standby, List<Ipv4Prefix> standbyPrefixes, List<Pool4.Range> standbyPool4,
            String nextHop, String nextHopDev) {
    }

    private final Path file;
    private final Ipv6Prefix nat64Prefix;
    private final int portBlock;
    private final int subscriberLength;
    private final Map<String, Instance> instances;

    private ShardFile(Path file, Ipv6Prefix nat64Prefix, int portBlock, int subscriberLength,
            Map<String, Instance> instances) {
        this.file = file;
        this.nat64Prefix = nat64Prefix;
        this.portBlock = portBlock;
        this.subscriberLength = subscriberLength;
        this.instances = instances;
    }

    /** Reads and checks {@code file}. */
    public static ShardFile read(Path file) throws IOException, ConfigException {
        return parse(file, Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses and checks {@code text} (of {@code file}, for the messages). */
    public static ShardFile parse(Path file, String text) throws ConfigException {
        return new Reader(file).read(text);
    }

    public Path file() {
        return file;
    }

    public Ipv6Prefix nat64Prefix() {
        return nat64Prefix;
    }

    public int portBlock() {
        return portBlock;
    }

    public int subscriberLength() {
        return subscriberLength;
    }

    /** The instances in file order. */
    public List<Instance> instances() {
        return List.copyOf(instances.values());
    }

    /** The instance named {@code name}, or null. */
    public Instance instance(String name) {
        return instances.get(name);
    }

    /** The instances whose standby {@code name} is, in file order. */
    public List<Instance> standbyFor(String name) {
        return instances.values().stream().filter(i -> i.standby().equals(name)).toList();
    }

    /**
     * What instance {@code name} runs (RFC 7422 deterministic parts): its own subscribers on its slice, then for
     * each instance it stands by for, that instance's subscribers on that instance's standby range.
     */
    public List<Deterministic.Part> parts(String name) {
        List<Deterministic.Part> parts = new ArrayList<>();
        Instance own = instances.get(name);
        parts.add(new Deterministic.Part("instance=" + name, own.subscribers(), own.pool4()));
        for (Instance i : standbyFor(name)) {
            parts.add(new Deterministic.Part("instance=" + name + " standby-for=" + i.name(), i.subscribers(),
                    i.standbyPool4()));
        }
        return parts;
    }

    /** The pool4 of instance {@code name}: its slice, then the standby ranges it holds, in {@link #parts} order. */
    public List<Pool4.Range> ranges(String name) {
        List<Pool4.Range> ranges = new ArrayList<>();
        parts(name).forEach(p -> ranges.addAll(p.ranges()));
        return ranges;
    }

    /** The IPv4 prefixes instance {@code name} serves (and a router sends to it): its slice and its standby ranges. */
    public List<Ipv4Prefix> announced(String name) {
        List<Ipv4Prefix> out = new ArrayList<>(instances.get(name).pool4Prefixes());
        standbyFor(name).forEach(i -> out.addAll(i.standbyPrefixes()));
        return out;
    }

    /** Reads one file: the global lines, then the instances' sections, then the checks across them. */
    private static final class Reader {
        private final Path file;
        private final ConfigValues values;
        private final ErrorCollector errors = new ErrorCollector();
        private final List<String> warnings = new ArrayList<>();
        private Ipv6Prefix nat64Prefix = DEFAULT_NAT64_PREFIX;
        private int portBlock = Nat64Directives.DEFAULT_PORT_BLOCK;
        private int subscriberLength = DEFAULT_SUBSCRIBER_LENGTH;
        private final Map<String, Integer> globalSeen = new LinkedHashMap<>();
        private final List<Section> sections = new ArrayList<>();

        /** One {@code instance} section as read. */
        private final class Section {
            final String name;
            final int line;
            final List<Ipv6Prefix> subscribers = new ArrayList<>();
            final List<Integer> subscriberLines = new ArrayList<>();
            final Nat64Directives pool4 = new Nat64Directives(file, values, warnings);
            final Nat64Directives standbyPool4 = new Nat64Directives(file, values, warnings);
            final Map<String, Integer> seen = new LinkedHashMap<>();
            String standby;
            String nextHop;
            String nextHopDev;

            Section(String name, int line) {
                this.name = name;
                this.line = line;
            }

            Instance instance() {
                return new Instance(name, line, List.copyOf(subscribers), prefixes(pool4), pool4.ranges(), standby,
                        prefixes(standbyPool4), standbyPool4.ranges(), nextHop, nextHopDev);
            }
        }

        Reader(Path file) {
            this.file = file;
            this.values = new ConfigValues(file);
        }

        private ConfigException error(int line, String message) {
            return new ConfigException(file, line, message);
        }

        ShardFile read(String text) throws ConfigException {
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                try {
                    line(i + 1, lines[i]);
                } catch (ConfigException e) {
                    errors.add(e);
                }
            }
            if (sections.isEmpty()) {
                errors.add(error(0, "no 'instance' section: name each translator instance with 'instance NAME' and"
                        + " give its 'subscribers', 'pool4', 'standby', 'standby-pool4' and 'next-hop'"));
            }
            if (errors.isEmpty()) {
                check();
            }
            errors.throwIfAny();
            Map<String, Instance> out = new LinkedHashMap<>();
            sections.forEach(s -> out.put(s.name, s.instance()));
            return new ShardFile(file, nat64Prefix, portBlock, subscriberLength, out);
        }

        private void line(int ln, String raw) throws ConfigException {
            int hash = raw.indexOf('#');
            String body = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (body.isEmpty()) {
                return;
            }
            List<String> t = List.of(body.split("[ \t\r\f\u000b]+"));
            String key = t.get(0).toLowerCase(Locale.ROOT);
            List<String> args = t.subList(1, t.size());
            if (key.equals("instance")) {
                count(ln, key, args, 1, 1, "NAME");
                String name = args.get(0);
                if (!ConfigParser.INSTANCE_NAME_SYNTAX.matcher(name).matches()) {
                    throw error(ln, "'instance' name '" + name + "' must be 1 to 63 letters, digits, '.', '_' or '-',"
                            + " starting with a letter or digit (as tunxlat.conf's 'instance-name')");
                }
                for (Section s : sections) {
                    if (s.name.equals(name)) {
                        sections.add(new Section(name, ln)); // read its lines, report once
                        throw error(ln, "instance '" + name + "' is already described on line " + s.line
                                + "; give each instance one section, or rename one");
                    }
                }
                sections.add(new Section(name, ln));
                return;
            }
            if (sections.isEmpty()) {
                global(ln, key, args);
            } else {
                instanceLine(sections.get(sections.size() - 1), ln, key, args);
            }
        }

        private void count(int ln, String key, List<String> args, int min, int max, String usage)
                throws ConfigException {
            if (args.size() < min || args.size() > max) {
                throw error(ln, "'" + key + "' expects " + (min == max ? min + " argument" + (min == 1 ? "" : "s")
                        : min + " to " + max + " arguments") + ", got " + args.size() + " (usage: " + key + " "
                        + usage + ")");
            }
        }

        private void once(int ln, Map<String, Integer> seen, String key, String where) throws ConfigException {
            Integer first = seen.putIfAbsent(key, ln);
            if (first != null) {
                throw error(ln, "duplicate '" + key + "'" + where + ", already given on line " + first
                        + "; keep one");
            }
        }

        private void global(int ln, String key, List<String> args) throws ConfigException {
            switch (key) {
                case "nat64-prefix" -> {
                    count(ln, key, args, 1, 1, "IPV6-PREFIX/LEN");
                    once(ln, globalSeen, key, "");
                    nat64Prefix = values.nat64Prefix(ln, args.get(0));
                }
                case "port-block" -> {
                    count(ln, key, args, 1, 1, "PORTS");
                    once(ln, globalSeen, key, "");
                    portBlock = values.integer(ln, Directive.NAT64_PORT_BLOCK, args.get(0), 2, 65536);
                }
                case "subscriber-prefix" -> {
                    count(ln, key, args, 1, 1, "LEN");
                    once(ln, globalSeen, key, "");
                    subscriberLength = values.integer(ln, Directive.NAT64_SUBSCRIBER_PREFIX, args.get(0), 1, 128);
                }
                case "subscribers", "pool4", "standby", "standby-pool4", "next-hop" -> throw error(ln, "'" + key
                        + "' belongs to an instance: start its section with 'instance NAME' above this line");
                default -> throw error(ln, "unknown shard file line '" + key + "'; expected nat64-prefix, port-block,"
                        + " subscriber-prefix or instance, then in each instance subscribers, pool4, standby,"
                        + " standby-pool4 and next-hop");
            }
        }

        private void instanceLine(Section s, int ln, String key, List<String> args) throws ConfigException {
            String where = " in instance '" + s.name + "' (line " + s.line + ")";
            switch (key) {
                case "subscribers" -> {
                    count(ln, key, args, 1, 1, "IPV6-PREFIX/LEN");
                    s.subscribers.add(values.toPrefix(ln, "'subscribers'", values.v6(ln, "'subscribers'", args.get(0),
                            -1, "the IPv6 prefix of subscribers, such as 2001:db8:100::/56")));
                    s.subscriberLines.add(ln);
                }
                case "pool4" -> {
                    count(ln, key, args, 1, 3, Directive.POOL4.usage);
                    s.pool4.line(ln, Directive.POOL4, args);
                }
                case "standby-pool4" -> {
                    count(ln, key, args, 1, 3, Directive.POOL4.usage);
                    s.standbyPool4.line(ln, Directive.POOL4, args);
                }
                case "standby" -> {
                    count(ln, key, args, 1, 1, "NAME");
                    once(ln, s.seen, key, where);
                    s.standby = args.get(0);
                }
                case "next-hop" -> {
                    if (args.size() != 1 && !(args.size() == 3 && args.get(1).equals("dev"))) {
                        throw error(ln, "'next-hop' expects an IPv6 address, optionally followed by 'dev INTERFACE'"
                                + " (usage: next-hop IPV6-ADDRESS [dev NAME])");
                    }
                    once(ln, s.seen, key, where);
                    if (!Addresses.isIpv6Literal(args.get(0))) {
                        throw error(ln, "'next-hop' expects the IPv6 address (no prefix length) at which the IPv6-side"
                                + " router reaches instance '" + s.name + "', got '" + args.get(0) + "'");
                    }
                    s.nextHop = args.get(0);
                    s.nextHopDev = args.size() == 3 ? values.interfaceName(ln, args.get(2)) : null;
                    long[] a = Addresses.parseIpv6(s.nextHop);
                    if ((a[0] & 0xffc0000000000000L) == 0xfe80000000000000L && s.nextHopDev == null) {
                        throw error(ln, "'next-hop' " + s.nextHop + " is link-local: add 'dev INTERFACE' (the router's"
                                + " interface towards instance '" + s.name + "')");
                    }
                }
                case "nat64-prefix", "port-block", "subscriber-prefix" -> throw error(ln, "'" + key + "' is global:"
                        + " move it above the first 'instance' line (every instance must use the same value)");
                default -> throw error(ln, "unknown line '" + key + "'" + where + "; expected subscribers, pool4,"
                        + " standby, standby-pool4 or next-hop");
            }
        }

        /** The checks across lines and instances, each error at the line to change. */
        private void check() {
            for (Section s : sections) {
                if (s.subscribers.isEmpty()) {
                    errors.add(error(s.line, "instance '" + s.name + "' has no 'subscribers' line: add the IPv6"
                            + " prefix(es) of its subscribers, such as 'subscribers 2001:db8:100::/56'"));
                }
                if (s.pool4.pool4Lines().isEmpty()) {
                    errors.add(error(s.line, "instance '" + s.name + "' has no 'pool4' line: add its slice of pool4,"
                            + " such as 'pool4 192.0.2.0/28'"));
                }
                if (s.standby == null) {
                    errors.add(error(s.line, "instance '" + s.name + "' has no 'standby': add 'standby NAME', the"
                            + " instance that serves its subscribers when it fails"));
                } else if (s.standby.equals(s.name)) {
                    errors.add(error(s.seen.get("standby"), "instance '" + s.name + "' names itself as its standby:"
                            + " name another instance (a failed instance cannot stand by for itself)"));
                } else if (sections.stream().noneMatch(o -> o.name.equals(s.standby))) {
                    errors.add(error(s.seen.get("standby"), "'standby " + s.standby + "' of instance '" + s.name
                            + "' names no instance of this file; add an 'instance " + s.standby + "' section or name"
                            + " one of " + sections.stream().map(o -> o.name).toList()));
                }
                if (s.standbyPool4.pool4Lines().isEmpty()) {
                    errors.add(error(s.line, "instance '" + s.name + "' has no 'standby-pool4': add the range its"
                            + " standby uses for its subscribers, disjoint from every slice"));
                }
                if (s.nextHop == null) {
                    errors.add(error(s.line, "instance '" + s.name + "' has no 'next-hop': add the IPv6 address at"
                            + " which the IPv6-side router reaches it"));
                }
                for (int k = 0; k < s.subscribers.size(); k++) {
                    Ipv6Prefix p = s.subscribers.get(k);
                    if (subscriberLength < p.length() || subscriberLength - p.length() > 31) {
                        errors.add(error(s.subscriberLines.get(k), "'subscriber-prefix' /" + subscriberLength
                                + " does not fit 'subscribers' " + p + ": RFC 7422 numbers the subscribers of a prefix,"
                                + " at most 2^31 of them; set 'subscriber-prefix' between /" + p.length() + " and /"
                                + Math.min(128, p.length() + 31) + " or split the prefix"));
                    }
                    if (p.overlaps(nat64Prefix)) {
                        errors.add(error(s.subscriberLines.get(k), "'subscribers' " + p + " overlaps 'nat64-prefix' "
                                + nat64Prefix + ": give the prefix of IPv6 subscribers, not of translated IPv4 hosts"));
                    }
                }
            }
            subscribersDisjoint();
            slicesDisjoint();
            if (errors.isEmpty()) {
                arithmetic();
            }
        }

        /** No subscriber prefix in two places: each subscriber has one instance. */
        private void subscribersDisjoint() {
            List<Object[]> seen = new ArrayList<>();
            for (Section s : sections) {
                for (int k = 0; k < s.subscribers.size(); k++) {
                    Ipv6Prefix p = s.subscribers.get(k);
                    for (Object[] o : seen) {
                        if (((Ipv6Prefix) o[0]).overlaps(p)) {
                            errors.add(error(s.subscriberLines.get(k), "'subscribers' " + p + " of instance '" + s.name
                                    + "' overlaps " + o[0] + " of instance '" + o[1] + "' (line " + o[2] + "): each"
                                    + " subscriber belongs to one instance; make the prefixes disjoint"));
                        }
                    }
                    seen.add(new Object[] {p, s.name, s.subscriberLines.get(k)});
                }
            }
        }

        /** No port in two slices or standby ranges: an instance never hands out a port another one may. */
        private void slicesDisjoint() {
            List<Object[]> seen = new ArrayList<>();
            for (Section s : sections) {
                for (Nat64Directives d : List.of(s.pool4, s.standbyPool4)) {
                    String what = (d == s.pool4 ? "pool4 slice" : "standby-pool4") + " of instance '" + s.name + "'";
                    for (Pool4Line l : d.pool4Lines()) {
                        for (Object[] o : seen) {
                            Pool4Line e = (Pool4Line) o[0];
                            if (e.overlaps(l) && (o[1] != d)) {
                                errors.add(error(l.line(), "the " + what + " (" + l.addresses() + ") shares ports with"
                                        + " the " + o[2] + " on line " + e.line() + ": slices and standby ranges must"
                                        + " be disjoint, or two instances could hand out the same port; give other"
                                        + " addresses or port ranges"));
                            }
                        }
                        seen.add(new Object[] {l, d, what});
                    }
                }
            }
        }

        /**
         * RFC 7422 arithmetic per instance: its slice holds a block for each of its subscribers, and its standby
         * range a block for each of them too (subscribers x port-block <= ports, per protocol the slice gives).
         */
        private void arithmetic() {
            for (Section s : sections) {
                for (Nat64Directives d : List.of(s.pool4, s.standbyPool4)) {
                    String what = d == s.pool4 ? "pool4 slice" : "standby-pool4 range";
                    int ln = d.pool4Lines().get(0).line();
                    try {
                        Pool4 pool = new Pool4(d.ranges(), portBlock);
                        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                            int protocol = p;
                            if (pool.ranges().stream().anyMatch(r -> r.protocol() == protocol) && pool.blocks(p) == 0) {
                                throw new IllegalArgumentException("it has no whole block of " + portBlock + " "
                                        + Nat64Protocol.name(p) + " ports; give longer ranges or a smaller"
                                        + " 'port-block'");
                            }
                        }
                        new Deterministic(List.of(new Deterministic.Part(s.name, s.subscribers, d.ranges())),
                                subscriberLength, pool);
                    } catch (IllegalArgumentException e) {
                        errors.add(error(ln, "the " + what + " of instance '" + s.name + "': " + e.getMessage()
                                + (e.getMessage().contains("subscriber prefix length") ? " (set 'subscriber-prefix')"
                                        : " (or give fewer 'subscribers')")));
                    }
                }
            }
        }

        private static List<Ipv4Prefix> prefixes(Nat64Directives d) {
            return d.pool4Lines().stream().map(Pool4Line::addresses).distinct().toList();
        }
    }
}
