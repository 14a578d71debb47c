// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Deterministic;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Settings.StaticBib;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.Timeouts;

/**
 * The stateful NAT64 directives of {@link ConfigParser} (RFC 6146): {@code pool4}, {@code bib} and
 * {@code nat64-*}, read line by line and built into {@link Nat64Settings} once the whole file is read. The checks
 * of one line are made at the line; those that relate the lines to each other and to {@code prefix} and
 * {@code dynamic-pool} (a {@code bib} outside pool4, a lifetime below RFC 6146 §4's minimum, a deterministic
 * range larger than the pool) in {@link #finish}. Every error names the file and line, what is wrong and the fix.
 */
final class Nat64Directives {
    /** {@code nat64-port-block} by default: ports per block. */
    static final int DEFAULT_PORT_BLOCK = 128;
    /** {@code nat64-max-sessions} by default: sessions per protocol table. */
    static final int DEFAULT_MAX_SESSIONS = 262_144;
    /** The largest {@code nat64-max-sessions}: 16,777,216 per protocol, about 5.6 GiB of tables. */
    static final int MAX_SESSIONS = 16_777_216;
    /**
     * The most pool4 addresses in all lines together (a /20). {@link Pool4} itself builds a /16 in under 0.1 s
     * (bench/Pool4Build); what grows with the addresses is elsewhere: the tables' state per port block (about 16 B,
     * 109 MiB at 4,096 addresses with blocks of 128, 1.5 GiB at 65,536), two metric series per address and protocol
     * (24,576 series at 4,096 addresses, 393,216 at 65,536: 239 MiB of meters and a 27 MiB scrape). Parsing
     * 65,536 one-address lines takes 0.5 s. docs/nat64-design.md, "Pool4 at scale".
     */
    static final int MAX_POOL4_ADDRESSES = 4096;
    /** The largest {@code nat64-max-blocks}. */
    static final int MAX_BLOCKS_PER_SUBSCRIBER = 256;
    /** The longest session lifetime: 30 days. */
    static final int MAX_LIFETIME = 30 * 86400;
    /** Bytes of table per session per protocol (measured at 1,000,000 sessions, docs/nat64-design.md). */
    static final int BYTES_PER_SESSION = 120;

    /** A {@code pool4} line: its addresses, and per protocol the port range (first > last: not this protocol). */
    record Pool4Line(Ipv4Prefix addresses, int[] first, int[] last, boolean explicitRange, int line) {
        /** Whether this line and {@code o} give a port (or ICMP identifier) of the same protocol and address. */
        boolean overlaps(Pool4Line o) {
            if (!addresses.overlaps(o.addresses)) {
                return false;
            }
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                if (first[p] <= last[p] && o.first[p] <= o.last[p] && first[p] <= o.last[p] && o.first[p] <= last[p]) {
                    return true;
                }
            }
            return false;
        }
    }

    private record BibLine(StaticBib entry, int line) {}

    private record BibKey(int protocol, long hi, long lo, int port) {}

    private final Path file;
    private final ConfigValues values;
    private final List<String> warnings;
    private final Map<Directive, Integer> seenAt = new EnumMap<>(Directive.class);
    private final List<Pool4Line> pool4 = new ArrayList<>();
    /** The same lines by {@link #prefixKey}: the lines a new one may overlap are found without a scan of all. */
    private final TreeMap<Long, List<Pool4Line>> pool4ByPrefix = new TreeMap<>();
    private long pool4Addresses;
    private final List<BibLine> bibs = new ArrayList<>();
    private final Map<BibKey, Integer> bibBy6 = new HashMap<>();
    private final Map<BibKey, Integer> bibBy4 = new HashMap<>();
    private int portBlock = DEFAULT_PORT_BLOCK;
    private final Nat64Settings defaults = Nat64Settings.defaults(new Pool4(List.of(), 0), DEFAULT_MAX_SESSIONS);
    private int subscriberLength = defaults.subscriberLength();
    private int maxBlocks = defaults.blocksPerSubscriber();
    private int subscriberSessions = defaults.sessionsPerSubscriber();
    private int maxSessions = DEFAULT_MAX_SESSIONS;
    private final int[] lifetimes = {Timeouts.RFC6146.udp(), Timeouts.RFC6146.tcpEstablished(),
        Timeouts.RFC6146.tcpTransitory(), Timeouts.RFC6146.icmp(), Timeouts.RFC6146.tcpIncomingSyn()};
    private boolean shortTimeouts;
    private boolean addressDependentFiltering;
    private boolean dropExternalTcp;
    private Ipv6Prefix deterministic;
    private Path blockLog;
    private Path shardFile;

    /** The lifetime directives, in the order of {@link #lifetimes}. */
    private static final Directive[] LIFETIMES = {Directive.NAT64_TIMEOUT_UDP, Directive.NAT64_TIMEOUT_TCP_EST,
        Directive.NAT64_TIMEOUT_TCP_TRANS, Directive.NAT64_TIMEOUT_ICMP, Directive.NAT64_TIMEOUT_SYN};

    Nat64Directives(Path file, ConfigValues values, List<String> warnings) {
        this.file = file;
        this.values = values;
        this.warnings = warnings;
    }

    private ConfigException error(int line, String message) {
        return new ConfigException(file, line, message);
    }

    private void warn(int line, String message) {
        warnings.add(ConfigException.format(file, line, message));
    }

    /** The first line of each stateful directive given, by name (for {@link ConfigLint}). */
    Map<String, Integer> lines() {
        Map<String, Integer> lines = new HashMap<>();
        seenAt.forEach((d, ln) -> lines.put(d.text, ln));
        return lines;
    }

    /** The path of {@code nat64-block-log}, or null. */
    Path blockLog() {
        return blockLog;
    }

    /** Reads one line of a stateful directive {@code d} (its argument count is already checked). */
    void line(int ln, Directive d, List<String> args) throws ConfigException {
        seenAt.putIfAbsent(d, ln);
        String arg = args.get(0);
        switch (d) {
            case POOL4 -> pool4(ln, args);
            case BIB -> bib(ln, args);
            case NAT64_PORT_BLOCK -> {
                int size = values.integer(ln, d, arg, 0, 65536);
                if (size == 1) {
                    throw error(ln, "'nat64-port-block' must be 0 (no blocks) or from 2 to 65536 (a block holds ports"
                            + " of both parities, RFC 4787 REQ-4), got 1");
                }
                portBlock = size;
            }
            case NAT64_SUBSCRIBER_PREFIX -> subscriberLength = values.integer(ln, d, arg, 64, 128);
            case NAT64_MAX_BLOCKS -> maxBlocks = values.integer(ln, d, arg, 1, MAX_BLOCKS_PER_SUBSCRIBER);
            case NAT64_MAX_SUBSCRIBER_SESSIONS ->
                    subscriberSessions = values.integer(ln, d, arg, 1, Nat64Protocol.COUNT * MAX_SESSIONS);
            case NAT64_MAX_SESSIONS -> maxSessions = values.integer(ln, d, arg, 1, MAX_SESSIONS);
            case NAT64_TIMEOUT_UDP, NAT64_TIMEOUT_TCP_EST, NAT64_TIMEOUT_TCP_TRANS, NAT64_TIMEOUT_ICMP,
                    NAT64_TIMEOUT_SYN -> lifetimes[List.of(LIFETIMES).indexOf(d)] =
                    values.integer(ln, d, arg, 1, MAX_LIFETIME);
            case NAT64_SHORT_TIMEOUTS -> shortTimeouts = values.bool(ln, d, arg);
            case NAT64_FILTERING -> addressDependentFiltering = switch (arg.toLowerCase(Locale.ROOT)) {
                case "endpoint-independent" -> false;
                case "address-dependent" -> true;
                default -> throw error(ln, "'nat64-filtering' expects endpoint-independent or address-dependent"
                        + " (RFC 4787 §5), got '" + arg + "'");
            };
            case NAT64_DROP_EXTERNALLY_INITIATED_TCP -> dropExternalTcp = values.bool(ln, d, arg);
            case NAT64_DETERMINISTIC -> deterministic = values.toPrefix(ln, "'nat64-deterministic'",
                    values.v6(ln, "'nat64-deterministic'", arg, -1, "the IPv6 prefix of the subscribers, such as"
                            + " 2001:db8:6::/56"));
            case NAT64_BLOCK_LOG -> {
                blockLog = values.path(ln, d, arg);
                if (!blockLog.isAbsolute()) {
                    throw error(ln, "'nat64-block-log' must be an absolute path, got '" + arg + "'");
                }
            }
            case NAT64_SHARD_FILE -> {
                shardFile = values.path(ln, d, arg);
                if (!shardFile.isAbsolute()) {
                    throw error(ln, "'nat64-shard-file' must be an absolute path, got '" + arg + "'");
                }
            }
            default -> throw new IllegalStateException(d.toString());
        }
    }

    /**
     * {@code pool4 IPV4[/LEN] [tcp|udp|icmp] [FIRST-LAST]}: RFC 6146 §3.5.1.1's pool of IPv4 transport addresses.
     * No protocol: all three; no range: 1-65535 (TCP, UDP) and 0-65535 (ICMP identifiers). A line may not give a
     * port an earlier line gave (for the same protocol and address).
     */
    private void pool4(int ln, List<String> args) throws ConfigException {
        Ipv4Prefix addresses = values.toPrefix(ln, "'pool4'", values.v4(ln, "'pool4'", args.get(0), 32,
                "an IPv4 address or prefix such as 192.0.2.1 or 192.0.2.0/30 as its first argument"));
        int o1 = addresses.address() >>> 24;
        int last1 = (addresses.address() | ~addresses.mask()) >>> 24;
        if (o1 == 0 || o1 == 127 || last1 >= 224 || (o1 < 127 && last1 > 127)) {
            throw error(ln, "'pool4' " + addresses + " must be unicast addresses (not 0/8, 127/8, multicast or"
                    + " reserved space): IPv4 hosts answer to them");
        }
        int protocol = -1;
        String range = null;
        for (String a : args.subList(1, args.size())) {
            String lower = a.toLowerCase(Locale.ROOT);
            if (protocol < 0 && range == null && (lower.equals("tcp") || lower.equals("udp") || lower.equals("icmp"))) {
                protocol = lower.equals("tcp") ? Nat64Protocol.TCP : lower.equals("udp") ? Nat64Protocol.UDP
                        : Nat64Protocol.ICMP;
            } else if (range == null && a.matches("[0-9]{1,5}-[0-9]{1,5}")) {
                range = a;
            } else {
                throw error(ln, "'pool4' expects an optional protocol (tcp, udp or icmp), then an optional port range"
                        + " FIRST-LAST such as 1024-65535, got '" + a + "' (usage: pool4 " + Directive.POOL4.usage + ")");
            }
        }
        int[] first = new int[Nat64Protocol.COUNT];
        int[] last = new int[Nat64Protocol.COUNT];
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            boolean given = protocol < 0 || protocol == p;
            first[p] = !given ? 1 : p == Nat64Protocol.ICMP ? 0 : 1;
            last[p] = !given ? 0 : 65535;
        }
        if (range != null) {
            int dash = range.indexOf('-');
            int f = Integer.parseInt(range.substring(0, dash));
            int l = Integer.parseInt(range.substring(dash + 1));
            if (l > 65535 || f > l) {
                throw error(ln, "'pool4' port range " + range + " must be FIRST-LAST with FIRST <= LAST <= 65535");
            }
            if (f == 0 && protocol != Nat64Protocol.ICMP) {
                throw error(ln, "'pool4' port range " + range + " starts at 0, which is no TCP or UDP port; start at 1"
                        + " (only ICMP identifiers may be 0)");
            }
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                if (protocol < 0 || protocol == p) {
                    first[p] = f;
                    last[p] = l;
                }
            }
        }
        long size = 1L << (32 - addresses.length());
        if (pool4Addresses + size > MAX_POOL4_ADDRESSES) {
            throw error(ln, "'pool4' lines give more than " + MAX_POOL4_ADDRESSES + " addresses in all (a /20);"
                    + " use fewer addresses, each with all its ports");
        }
        Pool4Line line = new Pool4Line(addresses, first, last, range != null, ln);
        for (Pool4Line e : sharingAddresses(addresses)) {
            overlap(e, line);
        }
        pool4Addresses += size;
        pool4.add(line);
        pool4ByPrefix.computeIfAbsent(prefixKey(addresses.address(), addresses.length()), k -> new ArrayList<>())
                .add(line);
    }

    /** (first address, prefix length) as one number: ordered by address, then length. */
    private static long prefixKey(int address, int length) {
        return (address & 0xffffffffL) << 6 | length;
    }

    /**
     * The earlier lines with an address in {@code p}, in line order: prefixes either nest or are disjoint, so
     * these are the prefixes holding p's first address at p's length or shorter (one look-up per length) and
     * those inside p (one range of keys). Not a scan of every line: 65,536 one-address lines took 40 s that way.
     */
    private List<Pool4Line> sharingAddresses(Ipv4Prefix p) {
        List<Pool4Line> found = new ArrayList<>();
        for (int l = 0; l <= p.length(); l++) {
            int mask = l == 0 ? 0 : -1 << (32 - l);
            found.addAll(pool4ByPrefix.getOrDefault(prefixKey(p.address() & mask, l), List.of()));
        }
        long start = p.address() & 0xffffffffL;
        long end = start + (1L << (32 - p.length())) - 1;
        if (p.length() < 32) {
            pool4ByPrefix.subMap(start << 6 | (p.length() + 1), true, end << 6 | 32, true).values()
                    .forEach(found::addAll);
        }
        found.sort((a, b) -> Integer.compare(a.line(), b.line()));
        return found;
    }

    /** An error in {@link Pool4}'s words if {@code b} gives a port {@code a} gave (same protocol and address). */
    private void overlap(Pool4Line a, Pool4Line b) throws ConfigException {
        if (!a.overlaps(b)) {
            return;
        }
        int address = a.addresses().length() > b.addresses().length() ? a.addresses().address()
                : b.addresses().address();
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            if (a.first()[p] <= a.last()[p] && b.first()[p] <= b.last()[p] && a.first()[p] <= b.last()[p]
                    && b.first()[p] <= a.last()[p]) {
                try {
                    new Pool4(List.of(new Pool4.Range(p, address, a.first()[p], a.last()[p]),
                            new Pool4.Range(p, address, b.first()[p], b.last()[p])), 0);
                } catch (IllegalArgumentException e) {
                    throw error(b.line(), e.getMessage() + " (the first is on line " + a.line() + ")");
                }
                throw new IllegalStateException("Pool4 accepted an overlap");
            }
        }
    }

    /** {@code bib tcp|udp|icmp IPV6 PORT IPV4 PORT}: a static BIB entry (RFC 6146 §3.1), port forwarding. */
    private void bib(int ln, List<String> args) throws ConfigException {
        int protocol = switch (args.get(0).toLowerCase(Locale.ROOT)) {
            case "tcp" -> Nat64Protocol.TCP;
            case "udp" -> Nat64Protocol.UDP;
            case "icmp" -> Nat64Protocol.ICMP;
            default -> throw error(ln, "'bib' expects tcp, udp or icmp as its first argument, got '" + args.get(0)
                    + "' (usage: bib " + Directive.BIB.usage + ")");
        };
        String s6 = args.get(1);
        if (!Addresses.isIpv6Literal(s6)) {
            throw error(ln, "'bib' expects the IPv6 server's address (no prefix length) as its second argument, such"
                    + " as 2001:db8:6::80, got '" + s6 + "'");
        }
        long[] a6 = Addresses.parseIpv6(s6);
        if ((a6[0] == 0 && (a6[1] == 0 || a6[1] == 1)) || (a6[0] >>> 56) == 0xff) {
            throw error(ln, "'bib' IPv6 address " + s6 + " is not a unicast host address");
        }
        int port6 = port(ln, protocol, args.get(2), "third");
        String s4 = args.get(3);
        if (!Addresses.isIpv4Literal(s4)) {
            throw error(ln, "'bib' expects a pool4 IPv4 address as its fourth argument, such as 192.0.2.1, got '"
                    + s4 + "'");
        }
        int a4 = Addresses.parseIpv4(s4);
        int port4 = port(ln, protocol, args.get(4), "fifth");
        String name = Nat64Protocol.name(protocol);
        Integer other = bibBy6.putIfAbsent(new BibKey(protocol, a6[0], a6[1], port6), ln);
        if (other != null) {
            throw error(ln, "'bib' " + name + " " + s6 + " " + port6 + " is already bound on line " + other
                    + " (an IPv6 transport address has one static binding); remove one of the lines");
        }
        other = bibBy4.putIfAbsent(new BibKey(protocol, 0, a4, port4), ln);
        if (other != null) {
            throw error(ln, "'bib' " + name + " " + s4 + " " + port4 + " is already bound on line " + other
                    + " (an IPv4 transport address has one binding); remove one of the lines");
        }
        bibs.add(new BibLine(new StaticBib(protocol, a6[0], a6[1], port6, a4, port4), ln));
    }

    private int port(int ln, int protocol, String s, String which) throws ConfigException {
        int min = protocol == Nat64Protocol.ICMP ? 0 : 1;
        String what = protocol == Nat64Protocol.ICMP ? "ICMP identifier" : "port";
        if (!s.matches("[0-9]{1,5}") || Integer.parseInt(s) < min || Integer.parseInt(s) > 65535) {
            throw error(ln, "'bib' " + which + " argument must be a " + what + " from " + min + " to 65535, got '" + s
                    + "'");
        }
        return Integer.parseInt(s);
    }

    /**
     * The checks that need the whole file, their errors added to {@code errors}; the settings, or null without
     * {@code pool4} or after an error.
     *
     * @param valid whether no line of a directive was wrong (a check that needs its value is skipped otherwise)
     */
    Nat64Settings finish(ErrorCollector errors, Predicate<Directive> valid, Ipv6Prefix prefix,
            Map<Directive, Integer> otherLines, Ipv4Prefix dynamicPool, String instanceName) {
        Nat64Settings.Shard shard = null;
        ShardFile shards = null;
        if (shardFile != null) {
            if (!valid.test(Directive.NAT64_SHARD_FILE) || !valid.test(Directive.INSTANCE_NAME)) {
                return null;
            }
            shards = shards(errors, prefix, valid, instanceName);
            if (shards == null) {
                return null;
            }
            String name = instanceName != null ? instanceName : TunxlatConfig.hostName();
            shard = new Nat64Settings.Shard(name, shards.parts(name));
            portBlock = shards.portBlock();
            subscriberLength = shards.subscriberLength();
        }
        if (pool4.isEmpty() && shard == null) {
            if (valid.test(Directive.POOL4)) {
                seenAt.forEach((d, ln) -> errors.add(error(ln, "'" + d.text + "' does nothing without 'pool4' (stateful"
                        + " NAT64 is off); add a 'pool4' line or remove this one")));
            }
            return null;
        }
        int pool4Line = seenAt.get(shard != null ? Directive.NAT64_SHARD_FILE : Directive.POOL4);
        List<ConfigException> found = new ArrayList<>();
        if (prefix == null && valid.test(Directive.PREFIX)) {
            found.add(error(pool4Line, "'pool4' needs a 'prefix': stateful NAT64 translates IPv6 destinations under the"
                    + " NAT64 prefix (its pool6, RFC 6146 §3.1); add for example 'prefix 64:ff9b::/96'"));
        }
        if (dynamicPool != null) {
            found.add(error(pool4Line, "'pool4' and 'dynamic-pool' (line " + otherLines.get(Directive.DYNAMIC_POOL)
                    + ") cannot be used together: IPv6 hosts without a static 'map' either share pool4's ports"
                    + " (stateful) or get an address of their own (dynamic pool); remove one of them"));
        }
        Timeouts timeouts = valid.test(Directive.NAT64_SHORT_TIMEOUTS) ? lifetimes(found) : null;
        Pool4 pool = null;
        if (valid.test(Directive.NAT64_PORT_BLOCK)) {
            try {
                pool = new Pool4(shard != null ? shards.ranges(shard.instance()) : ranges(), portBlock);
            } catch (IllegalArgumentException e) {
                found.add(error(pool4Line, "'pool4': " + e.getMessage()));
            }
        }
        if (pool != null && shard == null) {
            blocks(pool, valid.test(Directive.NAT64_DETERMINISTIC) && valid.test(Directive.NAT64_SUBSCRIBER_PREFIX),
                    found);
        }
        if (pool != null) {
            statics(pool, prefix, found);
        }
        found.forEach(errors::add);
        boolean allValid = seenAt.keySet().stream().allMatch(valid);
        if (!found.isEmpty() || !allValid || pool == null || timeouts == null) {
            return null;
        }
        Nat64Settings d = Nat64Settings.defaults(pool, maxSessions);
        return new Nat64Settings(pool, d.maxSessions(), d.maxSubscribers(), subscriberLength, subscriberSessions,
                maxBlocks, deterministic, d.maxIterations(), timeouts, addressDependentFiltering, dropExternalTcp,
                d.maxSynHeld(), bibs.stream().map(BibLine::entry).toList(), shard);
    }

    /**
     * {@code nat64-shard-file}: reads and checks the shard file (its errors name its own lines), finds this instance
     * ({@code instance-name}, or the host name) in it, and checks that tunxlat.conf leaves the slice to it: no
     * {@code pool4}, {@code nat64-deterministic}, {@code nat64-port-block} or {@code nat64-subscriber-prefix} here,
     * and the same NAT64 {@code prefix}. Null after an error.
     */
    private ShardFile shards(ErrorCollector errors, Ipv6Prefix prefix, Predicate<Directive> valid, String name) {
        int ln = seenAt.get(Directive.NAT64_SHARD_FILE);
        boolean ok = true;
        for (Directive d : List.of(Directive.POOL4, Directive.NAT64_DETERMINISTIC, Directive.NAT64_PORT_BLOCK,
                Directive.NAT64_SUBSCRIBER_PREFIX)) {
            if (seenAt.containsKey(d)) {
                errors.add(error(seenAt.get(d), "'" + d.text + "' comes from the shard file with 'nat64-shard-file'"
                        + " (line " + ln + "): each instance's slice, blocks and subscribers are described there once"
                        + " for all instances; remove this line"));
                ok = false;
            }
        }
        ShardFile shards;
        try {
            shards = ShardFile.read(shardFile);
        } catch (IOException e) {
            errors.add(error(ln, "cannot read 'nat64-shard-file' " + shardFile + ": " + e.getMessage()));
            return null;
        } catch (ConfigException e) {
            e.errors().forEach(errors::add);
            return null;
        }
        String me = name != null ? name : TunxlatConfig.hostName();
        if (shards.instance(me) == null) {
            errors.add(error(ln, "'nat64-shard-file' " + shardFile + " describes no instance '" + me + "'"
                    + (name == null ? " (this host's name; set 'instance-name')" : " ('instance-name')")
                    + ": it has " + shards.instances().stream().map(ShardFile.Instance::name).toList()
                    + "; add an 'instance " + me + "' section or set 'instance-name' to one of them"));
            return null;
        }
        if (prefix != null && !prefix.equals(shards.nat64Prefix()) && valid.test(Directive.PREFIX)) {
            errors.add(error(ln, "'prefix' is not the shard file's 'nat64-prefix' " + shards.nat64Prefix() + " (the"
                    + " routes of 'tunxlat shard routes' lead that prefix here); make them the same"));
            return null;
        }
        return ok ? shards : null;
    }

    /** The {@code pool4} lines read, in order (for {@link ShardFile}, which reads its pool4 lines through this class). */
    List<Pool4Line> pool4Lines() {
        return pool4;
    }

    /** The pool4 lines as {@link Pool4} ranges, one per address and protocol, in line order. */
    List<Pool4.Range> ranges() {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (Pool4Line l : pool4) {
            long n = 1L << (32 - l.addresses().length());
            for (long i = 0; i < n; i++) {
                for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                    if (l.first()[p] <= l.last()[p]) {
                        ranges.add(new Pool4.Range(p, (int) (l.addresses().address() + i), l.first()[p], l.last()[p]));
                    }
                }
            }
        }
        return ranges;
    }

    /**
     * RFC 6146 §4: UDP, TCP_EST and TCP_TRANS lifetimes "MUST NOT" be below their minimums unless
     * {@code nat64-short-timeouts yes} allows it (scaled-down tests); each one below is an error at its line.
     */
    private Timeouts lifetimes(List<ConfigException> found) {
        Timeouts t = new Timeouts(lifetimes[0], lifetimes[1], lifetimes[2], lifetimes[4], lifetimes[3]);
        if (shortTimeouts) {
            if (t.problem() != null) {
                warn(seenAt.get(Directive.NAT64_SHORT_TIMEOUTS), "lifetimes below RFC 6146 §4's minimums are allowed"
                        + " ('nat64-short-timeouts yes'; for tests, not for service): " + t.problem());
            }
            return t;
        }
        Timeouts rfc = Timeouts.RFC6146;
        Timeouts[] each = {
            new Timeouts(t.udp(), rfc.tcpEstablished(), rfc.tcpTransitory(), rfc.tcpIncomingSyn(), rfc.icmp()),
            new Timeouts(rfc.udp(), t.tcpEstablished(), rfc.tcpTransitory(), rfc.tcpIncomingSyn(), rfc.icmp()),
            new Timeouts(rfc.udp(), rfc.tcpEstablished(), t.tcpTransitory(), rfc.tcpIncomingSyn(), rfc.icmp())};
        boolean ok = true;
        for (int k = 0; k < each.length; k++) {
            String problem = each[k].problem();
            if (problem != null) {
                ok = false;
                found.add(error(seenAt.get(LIFETIMES[k]), "'" + LIFETIMES[k].text + "': " + problem
                        + " (or add 'nat64-short-timeouts yes', for tests only)"));
            }
        }
        return ok ? t : null;
    }

    /**
     * Port blocks: every protocol of the pool needs at least one whole block; the deterministic mode (RFC 7422)
     * needs a block for each subscriber of its range; a range the blocks do not divide leaves ports unused (a
     * warning, for ranges given explicitly: the default 1-1023 always leaves 127 with blocks of 128).
     */
    private void blocks(Pool4 pool, boolean checkDeterministic, List<ConfigException> found) {
        if (portBlock > 0) {
            for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                int line = 0;
                for (Pool4Line l : pool4) {
                    if (line == 0 && l.first()[p] <= l.last()[p]) {
                        line = l.line();
                    }
                }
                if (line > 0 && pool.blocks(p) == 0) {
                    found.add(error(line, "pool4 has no whole block of " + portBlock + " "
                            + Nat64Protocol.name(p) + " ports (every range of it is shorter), so no " + Nat64Protocol.name(p)
                            + " flow could start; give longer ranges or a smaller 'nat64-port-block'"));
                }
            }
            for (Pool4Line l : pool4) {
                if (l.explicitRange()) {
                    remainder(l);
                }
            }
        }
        if (deterministic != null && checkDeterministic) {
            int ln = seenAt.get(Directive.NAT64_DETERMINISTIC);
            try {
                new Deterministic(deterministic, subscriberLength, pool);
            } catch (IllegalArgumentException e) {
                found.add(error(ln, "'nat64-deterministic' " + deterministic + ": " + e.getMessage()
                        + (portBlock == 0 ? " (set 'nat64-port-block' above 0)" : "")
                        + (e.getMessage().contains("subscriber prefix length") ? " (set 'nat64-subscriber-prefix')" : "")));
            }
            if (seenAt.containsKey(Directive.NAT64_MAX_BLOCKS)) {
                warn(seenAt.get(Directive.NAT64_MAX_BLOCKS), "'nat64-max-blocks' has no effect with"
                        + " 'nat64-deterministic': each subscriber has exactly one block per protocol");
            }
        }
        if (blockLog != null && (deterministic != null || portBlock == 0)) {
            warn(seenAt.get(Directive.NAT64_BLOCK_LOG), "'nat64-block-log' stays empty: "
                    + (deterministic != null ? "the deterministic mode computes blocks, it allocates none"
                            : "'nat64-port-block 0' allocates ports one by one, not in blocks"));
        }
    }

    /** A warning for each segment of {@code l} (cut at 1023/1024 as {@link Pool4} does) that blocks do not fill. */
    private void remainder(Pool4Line l) {
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            int f = l.first()[p];
            int la = l.last()[p];
            if (f > la) {
                continue;
            }
            int[][] segments = f < 1024 && la >= 1024 ? new int[][] {{f, 1023}, {1024, la}} : new int[][] {{f, la}};
            for (int[] s : segments) {
                int size = s[1] - s[0] + 1;
                if (size % portBlock != 0) {
                    warn(l.line(), "'pool4' " + Nat64Protocol.name(p) + " ports " + s[0] + "-" + s[1] + " (" + size
                            + ") are not a multiple of 'nat64-port-block' " + portBlock + ": the last " + size % portBlock
                            + " of each address are never used (blocks do not cross 1023/1024 nor a range's end);"
                            + " give a range of whole blocks or change 'nat64-port-block'");
                    return;
                }
            }
        }
    }

    /** Static BIB entries: the IPv4 side in pool4, the IPv6 side outside the NAT64 prefix. */
    private void statics(Pool4 pool, Ipv6Prefix prefix, List<ConfigException> found) {
        for (BibLine b : bibs) {
            StaticBib s = b.entry();
            String name = Nat64Protocol.name(s.protocol());
            if (!pool.contains(s.protocol(), s.address(), s.port())) {
                found.add(error(b.line(), "'bib' " + name + " " + Addresses.formatIpv4(s.address()) + " " + s.port()
                        + " is not in pool4 (RFC 6146 §3.5.1.1: bindings use pool4's transport addresses); add it to a"
                        + " 'pool4' line or choose one of pool4's " + name + " ports"));
            }
            if (prefix != null && prefix.contains(s.hostHi(), s.hostLo())) {
                found.add(error(b.line(), "'bib' IPv6 address " + Addresses.formatIpv6(s.hostHi(), s.hostLo())
                        + " lies in 'prefix' " + prefix + ": that is where IPv4 hosts appear, not IPv6 servers; give"
                        + " the IPv6 server's own address"));
            }
        }
        if (deterministic != null && prefix != null && deterministic.overlaps(prefix)) {
            found.add(error(seenAt.get(Directive.NAT64_DETERMINISTIC), "'nat64-deterministic' " + deterministic
                    + " overlaps 'prefix' " + prefix + ": give the prefix of the IPv6 subscribers"));
        }
    }
}
