// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;
import net.tunxlat.nat64.Nat64Settings;
import java.util.Iterator;

/**
 * Reads TAYGA's configuration format (tayga.conf(5)) into a {@link TunxlatConfig}.
 *
 * <p>One directive per line, {@code name value...}, separated by spaces or tabs; {@code #} starts a
 * comment anywhere on a line; blank lines are ignored; CRLF line ends and a leading UTF-8 byte order
 * mark are tolerated. Directive names and keyword values (booleans, {@code udp-cksum-mode}, {@code log}
 * options) are accepted in any case, as TAYGA's parser does ({@code strcasecmp}).
 *
 * <p>Everything is validated here, so that a configuration that parses can be used: every problem is
 * reported as a {@link ConfigException} naming the file and line. The parser goes on after an error, so the
 * exception carries every error of the file ({@link ConfigException#errors()}, up to
 * {@link ConfigException#MAX_ERRORS}); a check that depends on a directive whose own line was wrong is
 * skipped, so that one mistake is reported once. Non-fatal remarks (a directive
 * accepted only for compatibility, for example) are returned as warnings by
 * {@link #parseWithWarnings(Path)}; the parser itself never logs. The {@code map-file} is not read
 * by {@link #parse}, only its path is resolved; {@link MapFile#load} reads it (at start and on SIGHUP).
 *
 * <p>The directives are listed in {@link Directive}; the argument of each is read by {@link ConfigValues}, and
 * the checks that relate lines to one another (duplicates, overlaps, whole-file rules) are made here.
 *
 * <p>Without {@code data-dir}, systemd's {@code $STATE_DIRECTORY} (set by {@code StateDirectory=}; the first
 * of a colon-separated list) is the data directory, as in the maintained TAYGA.
 */
public final class ConfigParser {
    /** The largest {@code workers} value. */
    public static final int MAX_WORKERS = 1024;
    /** The smallest {@code offlink-mtu}: the IPv6 minimum link MTU (RFC 8200 §5). */
    public static final int MIN_OFFLINK_MTU = 1280;
    /** The largest {@code offlink-mtu}: the largest IPv4 packet. */
    public static final int MAX_OFFLINK_MTU = 65535;
    /** RFC 791: every IPv4 link carries 68-byte datagrams. */
    public static final int MIN_IPV4_EGRESS_MTU = 68;
    /** Linux sun_path (108 bytes) less the terminating NUL. */
    public static final int MAX_UNIX_SOCKET_PATH_BYTES = 107;
    /** The environment variable systemd's {@code StateDirectory=} sets: the default {@code data-dir}. */
    public static final String STATE_DIRECTORY = "STATE_DIRECTORY";
    /** Where the control socket is when {@code control-socket} is not given: {@code /run/tunxlat/<tun-device>.sock}. */
    public static final String DEFAULT_CONTROL_SOCKET_DIR = "/run/tunxlat";
    /** {@code instance-name}: a host-name-like word. */
    static final Pattern INSTANCE_NAME_SYNTAX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private ConfigParser() {}

    /**
     * A parsed configuration with the warnings about it.
     *
     * @param config   the configuration
     * @param warnings non-fatal remarks, each formatted {@code FILE:LINE: text}, in file order
     * @param lines    the line of each directive given (its first line for a repeated one), by name
     */
    public record Parsed(TunxlatConfig config, List<String> warnings, Map<String, Integer> lines) {
        public Parsed {
            Objects.requireNonNull(config, "config");
            warnings = List.copyOf(warnings);
            lines = Map.copyOf(lines);
        }

        public Parsed(TunxlatConfig config, List<String> warnings) {
            this(config, warnings, Map.of());
        }
    }

    /** Reads and validates {@code file}; warnings are discarded (see {@link #parseWithWarnings(Path)}). */
    public static TunxlatConfig parse(Path file) throws ConfigException, IOException {
        return parseWithWarnings(file).config();
    }

    /**
     * Validates configuration {@code text}; {@code nameForMessages} names it in messages and becomes
     * {@link TunxlatConfig#source()}. Warnings are discarded.
     */
    public static TunxlatConfig parse(String text, Path nameForMessages) throws ConfigException {
        return parseWithWarnings(text, nameForMessages).config();
    }

    /** Reads and validates {@code file} (UTF-8 text), returning the configuration and any warnings. */
    public static Parsed parseWithWarnings(Path file) throws ConfigException, IOException {
        return parseWithWarnings(decode(Files.readAllBytes(file), file), file);
    }

    /** Validates configuration {@code text}, returning the configuration and any warnings. */
    public static Parsed parseWithWarnings(String text, Path nameForMessages) throws ConfigException {
        return parseWithWarnings(text, nameForMessages, System::getenv);
    }

    /** {@link #parseWithWarnings(String, Path)} with {@code env} in place of the process environment. */
    static Parsed parseWithWarnings(String text, Path nameForMessages, Function<String, String> env)
            throws ConfigException {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(nameForMessages, "nameForMessages");
        Run run = new Run(nameForMessages);
        run.env = env;
        return run.parse(text);
    }

    /**
     * Reads a {@code map-file}: {@code map V4[/LEN] V6[/LEN]} lines, {@code #} comments and blank lines only,
     * each map validated as in tayga.conf; errors are {@code FILE:LINE: what is wrong}. A later entry with the
     * IPv4 or IPv6 prefix of an earlier one replaces it (tayga.conf(5)); see {@link #readMapFile(String, Path)}.
     */
    public static List<MapEntry> parseMapFile(Path file) throws ConfigException, IOException {
        return readMapFile(file).maps();
    }

    /** {@link #parseMapFile(Path)} on text; {@code nameForMessages} names it in messages and origins. */
    public static List<MapEntry> parseMapFile(String text, Path nameForMessages) throws ConfigException {
        return readMapFile(text, nameForMessages).maps();
    }

    /** {@link #parseMapFile(Path)} with a note for every entry a later one replaced. */
    public static MapFile.Entries readMapFile(Path file) throws ConfigException, IOException {
        return readMapFile(decode(Files.readAllBytes(file), file), file);
    }

    /**
     * The maps of map-file {@code text} in file order, with a note ({@code FILE:LINE: text}) for every entry a
     * later one replaced; {@code nameForMessages} names it in messages and origins.
     */
    public static MapFile.Entries readMapFile(String text, Path nameForMessages) throws ConfigException {
        Run run = new Run(nameForMessages, true);
        run.lines(text);
        run.throwErrors();
        return new MapFile.Entries(run.maps.stream().map(MapAt::entry).toList(), run.warnings);
    }

    /**
     * {@code config} with the maps of its {@code map-file} (if it names one) added after its own; entries TAYGA
     * would ignore are dropped silently here: use {@link MapFile#load} to see them.
     */
    public static TunxlatConfig withMapFile(TunxlatConfig config) throws ConfigException, IOException {
        return MapFile.load(config).config();
    }

    /** Strict UTF-8 decoding, so that a mangled byte in a path is an error rather than a U+FFFD. */
    private static String decode(byte[] bytes, Path file) throws ConfigException {
        CharsetDecoder decoder = UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new ConfigException(file, line, "not valid UTF-8 text (byte offset " + in.position() + ")");
        }
        return out.flip().toString();
    }

    /**
     * The name of every directive this parser accepts, in the order of the documentation (TAYGA's, then
     * tunxlat's own). The shipped texts (tunxlat.conf(5), the packaged tunxlat.conf) are tested against it.
     */
    public static List<String> directiveNames() {
        return Stream.of(Directive.values()).map(d -> d.text).toList();
    }

    /** A {@code map} directive and where it was. */
    private record MapAt(MapEntry entry, int line) {}

    /** The state of one parse. */
    private static final class Run {
        private final Path file;
        /** The parsers of single values, naming {@link #file} in their errors. */
        private final ConfigValues values;
        private final List<String> warnings = new ArrayList<>();
        private final Map<Directive, Integer> seenAt = new EnumMap<>(Directive.class);
        private final ErrorCollector errors = new ErrorCollector();
        /** Directives a line of which was wrong: whole-file checks that need their values are skipped. */
        private final Set<Directive> failed = EnumSet.noneOf(Directive.class);
        /** The directive of the line being read, or null before its name is known. */
        private Directive current;

        private String tunDevice;
        private int ipv4Addr;
        private Ipv6Prefix ipv6Addr;
        private Ipv6Prefix prefix;
        private boolean wkpfStrict = true;
        private Ipv4Prefix dynamicPool;
        private Path dataDir;
        private Path mapFile;
        private final List<MapAt> maps = new ArrayList<>();
        private final Map<Ipv4Prefix, Integer> mapV4Lines = new HashMap<>();
        private final Map<Ipv6Prefix, Integer> mapV6Lines = new HashMap<>();
        private boolean strictFragHdr;
        private UdpCksumMode udpCksumMode = UdpCksumMode.DROP;
        private int offlinkMtu = TunxlatConfig.DEFAULT_OFFLINK_MTU;
        private final Set<LogOption> log = EnumSet.noneOf(LogOption.class);
        private int workers;
        private boolean tunUp;
        private final Map<String, Integer> tunIps = new LinkedHashMap<>();
        private final Map<String, Integer> tunRoutes = new LinkedHashMap<>();
        private Ipv4Prefix rfc6791Pool;
        private int ipv4EgressMtu;
        private int ipv6EgressMtu;
        private int icmpRateLimit = TunxlatConfig.DEFAULT_ICMP_RATE_LIMIT;
        private final List<Ipv6Prefix> dynamicPoolAllow = new ArrayList<>();
        private final List<Nptv6Entry> nptv6 = new ArrayList<>();
        private final List<Integer> nptv6Lines = new ArrayList<>();
        private int nptv6LearnMax = TunxlatConfig.DEFAULT_NPTV6_LEARN_MAX;
        private long nptv6LearnTimeout = TunxlatConfig.DEFAULT_NPTV6_LEARN_TIMEOUT;
        private boolean tunOffload = true;
        private TunIo tunIo = TunIo.AUTO;
        private ListenAddress metricsListen = TunxlatConfig.DEFAULT_METRICS_LISTEN;
        private Path controlSocket;
        private boolean controlSocketOff;
        /** A map-file: only {@code map} lines. */
        private final boolean mapsOnly;
        private int dynamicPoolRate = TunxlatConfig.DEFAULT_DYNAMIC_POOL_RATE;
        private boolean zeroizeTrafficClass;
        /** {@code instance-name}, or null (the host name). */
        private String instanceName;
        /** The environment ({@code $STATE_DIRECTORY}). */
        private Function<String, String> env = System::getenv;
        /** The stateful NAT64 lines ({@code pool4}, {@code bib}, {@code nat64-*}). */
        private final Nat64Directives nat64;
        /** What {@link #nat64} built, or null. */
        private Nat64Settings nat64Settings;

        Run(Path file) {
            this(file, false);
        }

        Run(Path file, boolean mapsOnly) {
            this.file = file;
            this.values = new ConfigValues(file);
            this.mapsOnly = mapsOnly;
            this.nat64 = new Nat64Directives(file, values, warnings);
        }

        Parsed parse(String text) throws ConfigException {
            lines(text);
            TunxlatConfig config = finish();
            throwErrors();
            Map<String, Integer> lines = new HashMap<>();
            seenAt.forEach((d, ln) -> lines.put(d.text, ln));
            lines.putAll(nat64.lines());
            if (!tunRoutes.isEmpty()) {
                lines.put(Directive.TUN_ROUTE.text, tunRoutes.values().iterator().next());
            }
            return new Parsed(config, warnings, lines);
        }

        /** Reads every line, collecting the errors (see {@link #throwErrors()}). */
        void lines(String text) {
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                current = null;
                try {
                    line(i + 1, lines[i]);
                } catch (ConfigException e) {
                    errors.add(e);
                    if (current != null) {
                        failed.add(current);
                    }
                }
            }
        }

        void throwErrors() throws ConfigException {
            errors.throwIfAny();
        }

        /** Whether no line of any of {@code ds} was wrong, so that their values can be checked together. */
        private boolean valid(Directive... ds) {
            for (Directive d : ds) {
                if (failed.contains(d)) {
                    return false;
                }
            }
            return true;
        }

        private ConfigException error(int line, String message) {
            return new ConfigException(file, line, message);
        }

        private void warn(int line, String message) {
            warnings.add(ConfigException.format(file, line, message));
        }

        private static List<String> tokenize(String s) {
            List<String> tokens = new ArrayList<>();
            int i = 0;
            int n = s.length();
            while (i < n) {
                while (i < n && isBlank(s.charAt(i))) {
                    i++;
                }
                int start = i;
                while (i < n && !isBlank(s.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    tokens.add(s.substring(start, i));
                }
            }
            return tokens;
        }

        /** Space, tab, and the other C isspace() characters a line can hold (CR of a CRLF, FF, VT). */
        private static boolean isBlank(char c) {
            return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\u000b';
        }

        private void line(int ln, String raw) throws ConfigException {
            int hash = raw.indexOf('#');
            List<String> tokens = tokenize(hash >= 0 ? raw.substring(0, hash) : raw);
            if (tokens.isEmpty()) {
                return;
            }
            String name = tokens.get(0);
            Directive d = Directive.byName(name);
            if (d == null) {
                throw error(ln, "unknown directive '" + name + "'; expected one of " + Directive.names());
            }
            current = d;
            if (mapsOnly && d != Directive.MAP) {
                throw error(ln, "only 'map' lines may appear in a map-file, got '" + d.text + "'");
            }
            List<String> args = tokens.subList(1, tokens.size());
            if (args.size() < d.minArgs || args.size() > d.maxArgs) {
                String count;
                if (d.minArgs == d.maxArgs) {
                    count = d.minArgs + (d.minArgs == 1 ? " argument" : " arguments");
                } else if (args.size() > d.maxArgs) {
                    count = "at most " + d.maxArgs + " arguments";
                } else {
                    count = "at least " + d.minArgs + (d.minArgs == 1 ? " argument" : " arguments");
                }
                throw error(ln, "'" + d.text + "' expects " + count + ", got " + args.size()
                        + " (usage: " + d.text + " " + d.usage + ")");
            }
            if (!d.repeatable) {
                Integer first = seenAt.putIfAbsent(d, ln);
                if (first != null) {
                    throw error(ln, "duplicate '" + d.text + "' directive, already given on line " + first
                            + " (only " + Directive.repeatableNames() + " may appear more than once)");
                }
            }
            if (d.stateful()) {
                nat64.line(ln, d, args);
                return;
            }
            String arg = args.get(0);
            switch (d) {
                case TUN_DEVICE -> tunDevice = values.interfaceName(ln, arg);
                case IPV4_ADDR -> ipv4Addr = values.ownIpv4(ln, arg);
                case IPV6_ADDR -> ipv6Addr = values.ownIpv6(ln, arg);
                case PREFIX -> prefix = values.nat64Prefix(ln, arg);
                case WKPF_STRICT -> wkpfStrict = values.bool(ln, d, arg);
                case MAP -> map(ln, arg, args.get(1));
                case DYNAMIC_POOL -> dynamicPool = values.dynamicPool(ln, arg);
                case DATA_DIR -> dataDir = values.dataDir(ln, arg);
                case MAP_FILE -> mapFile = values.path(ln, d, arg);
                case STRICT_FRAG_HDR -> {
                    strictFragHdr = values.bool(ln, d, arg);
                    warn(ln, "'strict-frag-hdr' is accepted for compatibility and has no effect: tunxlat never adds"
                            + " a Fragment Header to unfragmented packets (RFC 7915 §4.1 / RFC 8021)");
                }
                case UDP_CKSUM_MODE -> udpCksumMode = values.udpCksumMode(ln, arg);
                case LOG -> {
                    for (String option : args) {
                        log.add(values.logOption(ln, option));
                    }
                }
                case OFFLINK_MTU -> offlinkMtu = values.integer(ln, d, arg, MIN_OFFLINK_MTU, MAX_OFFLINK_MTU);
                case WORKERS -> workers = values.integer(ln, d, arg, 0, MAX_WORKERS);
                case TUN_UP -> tunUp = values.bool(ln, d, arg);
                case TUN_IP -> addOnce(ln, d, tunIps, values.tunAddress(ln, d, arg, false));
                case TUN_ROUTE -> addOnce(ln, d, tunRoutes, values.tunAddress(ln, d, arg, true));
                case RFC6791_POOL -> {
                    rfc6791Pool = values.toPrefix(ln, "'rfc6791-pool'",
                            values.v4(ln, "'rfc6791-pool'", arg, 32, "an IPv4 address or prefix"));
                    int first = rfc6791Pool.address() >>> 24;
                    int last = (rfc6791Pool.address() | ~rfc6791Pool.mask()) >>> 24;
                    if (first == 0 || first == 127 || last >= 224 || (first <= 127 && last >= 127)) {
                        throw error(ln, "'rfc6791-pool' " + rfc6791Pool + " must be unicast addresses (not 0/8,"
                                + " 127/8, multicast or reserved space): they become the source of ICMP errors");
                    }
                }
                case IPV4_EGRESS_MTU -> ipv4EgressMtu = values.integer(ln, d, arg, MIN_IPV4_EGRESS_MTU, MAX_OFFLINK_MTU);
                case IPV6_EGRESS_MTU -> ipv6EgressMtu = values.integer(ln, d, arg, MIN_OFFLINK_MTU, MAX_OFFLINK_MTU);
                case ICMP_RATE_LIMIT -> icmpRateLimit = values.integer(ln, d, arg, 0, 1_000_000);
                case NPTV6 -> nptv6(ln, args);
                case TUN_OFFLOAD -> tunOffload = values.bool(ln, d, arg);
                case TUN_IO -> tunIo = values.tunIo(ln, arg);
                case NPTV6_LEARN_MAX -> nptv6LearnMax = values.integer(ln, d, arg, 16, 16_777_216);
                case NPTV6_LEARN_TIMEOUT -> nptv6LearnTimeout = values.integer(ln, d, arg, 1, 30 * 86400);
                case DYNAMIC_POOL_ALLOW -> {
                    for (String a : args) {
                        dynamicPoolAllow.add(values.toPrefix(ln, "'dynamic-pool-allow'",
                                values.v6(ln, "'dynamic-pool-allow'", a, -1, "IPv6 prefixes ADDR/LEN")));
                    }
                }
                case METRICS_LISTEN -> metricsListen = values.listen(ln, d, arg);
                case CONTROL_SOCKET -> {
                    if (arg.equals("off")) {
                        controlSocketOff = true;
                    } else {
                        controlSocket = values.path(ln, d, arg);
                        if (!controlSocket.isAbsolute()) {
                            throw error(ln, "'control-socket' must be an absolute path or 'off', got '" + arg + "'");
                        }
                        if (arg.getBytes(UTF_8).length > MAX_UNIX_SOCKET_PATH_BYTES) {
                            throw error(ln, "'control-socket' path is " + arg.getBytes(UTF_8).length
                                    + " bytes long; Unix socket paths are at most " + MAX_UNIX_SOCKET_PATH_BYTES);
                        }
                    }
                }
                case DYNAMIC_POOL_RATE ->
                        dynamicPoolRate = values.integer(ln, d, arg, 0, TunxlatConfig.MAX_DYNAMIC_POOL_RATE);
                case ZEROIZE_TRAFFIC_CLASS -> zeroizeTrafficClass = values.bool(ln, d, arg);
                case INSTANCE_NAME -> {
                    if (!INSTANCE_NAME_SYNTAX.matcher(arg).matches()) {
                        throw error(ln, "'instance-name' '" + arg + "' is not a name: use 1 to 63 letters, digits,"
                                + " '.', '_' or '-', starting with a letter or digit (it becomes a metric label and"
                                + " a line of /readyz)");
                    }
                    instanceName = arg;
                }
                default -> throw new IllegalStateException(d.toString());
            }
        }

        // ---- directive values ----------------------------------------------------------------

        /**
         * RFC 6296: prefixes of at most /64 (§3.5), host bits zero; inside prefixes may not overlap each
         * other, outside prefixes are either equal (several LANs behind one prefix) or disjoint, and no
         * inside prefix may overlap an outside one.
         */
        private void nptv6(int ln, List<String> args) throws ConfigException {
            Ipv6Prefix in = values.toPrefix(ln, "'nptv6' inside prefix",
                    values.v6(ln, "'nptv6'", args.get(0), -1, "INSIDE-PREFIX/LEN"));
            Ipv6Prefix out = values.toPrefix(ln, "'nptv6' outside prefix",
                    values.v6(ln, "'nptv6'", args.get(1), -1, "OUTSIDE-PREFIX/LEN"));
            for (Ipv6Prefix p : new Ipv6Prefix[] {in, out}) {
                if (p.length() > 64) {
                    throw error(ln, "'nptv6' prefix " + p + " is longer than /64 (RFC 6296 §3.5 translates prefixes up"
                            + " to /64)");
                }
            }
            Nptv6Entry.Direction dir = Nptv6Entry.Direction.BOTH;
            if (args.size() == 3) {
                dir = switch (args.get(2).toLowerCase(Locale.ROOT)) {
                    case "both" -> Nptv6Entry.Direction.BOTH;
                    case "outbound", "out" -> Nptv6Entry.Direction.OUTBOUND;
                    case "inbound", "in" -> Nptv6Entry.Direction.INBOUND;
                    default -> throw error(ln, "'nptv6' direction must be both, outbound or inbound, got '" + args.get(2) + "'");
                };
            }
            if (in.overlaps(out)) {
                throw error(ln, "'nptv6' inside prefix " + in + " overlaps its outside prefix " + out);
            }
            for (int k = 0; k < nptv6.size(); k++) {
                Nptv6Entry o = nptv6.get(k);
                int other = nptv6Lines.get(k);
                if (o.inside().overlaps(in)) {
                    throw error(ln, "'nptv6' inside prefix " + in + " overlaps inside prefix " + o.inside() + " of line "
                            + other + "; an inside address must have one translation");
                }
                if (o.outside().overlaps(out) && !o.outside().equals(out)) {
                    throw error(ln, "'nptv6' outside prefix " + out + " overlaps outside prefix " + o.outside() + " of line "
                            + other + " without being equal to it (several inside prefixes may share one outside prefix,"
                            + " but not parts of it)");
                }
                if (o.outside().overlaps(in) || o.inside().overlaps(out)) {
                    throw error(ln, "'nptv6' prefixes " + in + " " + out + " overlap the other side of line " + other);
                }
            }
            nptv6.add(new Nptv6Entry(in, out, dir, file + ":" + ln));
            nptv6Lines.add(ln);
        }

        private void map(int ln, String v4Text, String v6Text) throws ConfigException {
            ConfigValues.V4 a4 = values.v4(ln, "'map'", v4Text, 32,
                    "an IPv4 address or prefix (a.b.c.d[/LEN]) as its first argument");
            ConfigValues.V6 a6 = values.v6(ln, "'map'", v6Text, 128,
                    "an IPv6 address or prefix (ADDR[/LEN]) as its second argument");
            Ipv4Prefix p4 = values.toPrefix(ln, "'map'", a4);
            Ipv6Prefix p6 = values.toPrefix(ln, "'map'", a6);
            int hostBits4 = 32 - p4.length();
            int hostBits6 = 128 - p6.length();
            if (hostBits6 < hostBits4) {
                throw error(ln, "'map' IPv6 side " + p6 + " has " + hostBits6 + " host bits but the IPv4 side " + p4
                        + " has " + hostBits4 + "; the IPv6 side must have at least as many (RFC 7757), e.g. /"
                        + (128 - hostBits4) + " or shorter");
            }
            if (mapsOnly && (mapV4Lines.containsKey(p4) || mapV6Lines.containsKey(p6))) {
                replaceEarlier(ln, p4, p6);
            }
            Integer other = mapV4Lines.putIfAbsent(p4, ln);
            if (other != null) {
                throw error(ln, "'map' IPv4 side " + p4 + " is already mapped on line " + other
                        + " (each IPv4 prefix may appear in only one 'map')");
            }
            other = mapV6Lines.putIfAbsent(p6, ln);
            if (other != null) {
                throw error(ln, "'map' IPv6 side " + p6 + " is already mapped on line " + other
                        + " (each IPv6 prefix may appear in only one 'map')");
            }
            maps.add(new MapAt(new MapEntry(p4, p6, file + ":" + ln), ln));
        }

        /**
         * tayga.conf(5), {@code map-file}: within a map file a later entry replaces an earlier one with the same
         * IPv4 or IPv6 prefix; each replaced entry is noted.
         */
        private void replaceEarlier(int ln, Ipv4Prefix p4, Ipv6Prefix p6) {
            for (Iterator<MapAt> it = maps.iterator(); it.hasNext(); ) {
                MapEntry old = it.next().entry();
                if (old.v4().equals(p4) || old.v6().equals(p6)) {
                    it.remove();
                    mapV4Lines.remove(old.v4());
                    mapV6Lines.remove(old.v6());
                    warn(ln, "'map " + p4 + " " + p6 + "' replaces 'map " + old.v4() + " " + old.v6() + "' of "
                            + old.origin() + " (a later map-file entry with the same IPv4 or IPv6 prefix wins)");
                }
            }
        }

        private void addOnce(int ln, Directive d, Map<String, Integer> seen, String value) throws ConfigException {
            Integer first = seen.putIfAbsent(value, ln);
            if (first != null) {
                throw error(ln, "'" + d.text + "' " + value + " is already given on line " + first);
            }
        }

        // ---- whole-file checks -----------------------------------------------------------------

        /**
         * The checks that need the whole file; their errors are collected with the lines' ones. Returns the
         * configuration, or null when an error was found (in a line or here).
         */
        private TunxlatConfig finish() {
            if (tunDevice == null && valid(Directive.TUN_DEVICE)) {
                errors.add(error(0, "missing mandatory directive 'tun-device' (the TUN interface name, e.g. 'tun-device"
                        + " nat64')"));
            }
            if (ipv6Addr != null) {
                for (int k = 0; k < nptv6.size(); k++) {
                    Nptv6Entry e = nptv6.get(k);
                    if (e.inside().contains(ipv6Addr.hi(), ipv6Addr.lo()) || e.outside().contains(ipv6Addr.hi(), ipv6Addr.lo())) {
                        errors.add(error(seenAt.get(Directive.IPV6_ADDR), "'ipv6-addr' " + ipv6Addr + " lies in the NPTv6"
                                + " prefix pair of line " + nptv6Lines.get(k) + ": packets to it would be rewritten, never"
                                + " answered; choose an address outside " + e.inside() + " and " + e.outside()));
                    }
                }
            }
            nat64Settings = nat64.finish(errors, d -> valid(d), prefix, seenAt, dynamicPool,
                    valid(Directive.INSTANCE_NAME) ? instanceName : null);
            boolean nat64 = prefix != null || !maps.isEmpty() || mapFile != null || dynamicPool != null
                    || !valid(Directive.PREFIX, Directive.MAP, Directive.MAP_FILE, Directive.DYNAMIC_POOL);
            if (!nat64 && !nptv6.isEmpty()) {
                // An NPTv6-only translator needs no IPv4 address; ipv6-addr (optional) sources its ICMPv6 errors.
                return errors.isEmpty() ? build(null) : null;
            }
            if (!seenAt.containsKey(Directive.IPV4_ADDR)) {
                errors.add(error(0, "missing mandatory directive 'ipv4-addr' (the translator's own IPv4 address, e.g."
                        + " 'ipv4-addr 192.168.255.1')"));
            }
            if (ipv6Addr == null && prefix == null && valid(Directive.IPV6_ADDR, Directive.PREFIX)) {
                errors.add(error(0, "missing directive 'ipv6-addr' (the translator's own IPv6 address), which is"
                        + " mandatory when no 'prefix' is given"));
            }
            if (ipv6Addr == null && prefix != null && seenAt.containsKey(Directive.IPV4_ADDR) && wkpfStrict
                    && valid(Directive.IPV6_ADDR, Directive.IPV4_ADDR, Directive.WKPF_STRICT)
                    && new Rfc6052(prefix).isWellKnown() && Rfc6052.isNonGlobalIpv4(ipv4Addr)
                    && !TaygaRules.isClatOwnIpv4(ipv4Addr)) {
                errors.add(error(0, "missing directive 'ipv6-addr': 'prefix' (line " + seenAt.get(Directive.PREFIX)
                        + ") is the Well-Known Prefix 64:ff9b::/96 and 'ipv4-addr' "
                        + Addresses.formatIpv4(ipv4Addr) + " (line " + seenAt.get(Directive.IPV4_ADDR)
                        + ") is not a global address, so the translator's IPv6 address cannot be derived from them"
                        + " (RFC 6052 §3.1); add 'ipv6-addr', use a network-specific prefix, or set 'wkpf-strict no'"));
            }
            if (prefix == null && maps.isEmpty() && mapFile == null
                    && valid(Directive.PREFIX, Directive.MAP, Directive.MAP_FILE)) {
                errors.add(error(0, "nothing to translate: give a 'prefix', 'map' directives, a 'map-file' or 'nptv6'"
                        + " prefix pairs"));
            }
            try {
                TaygaRules.checkOwnAddresses(file, ipv4Addr, seenAt.get(Directive.IPV4_ADDR), ipv6Addr,
                        seenAt.get(Directive.IPV6_ADDR), wkpfStrict,
                        maps.stream().map(MapAt::entry).toList(), maps.stream().map(MapAt::line).toList());
            } catch (ConfigException e) {
                errors.add(e);
            }
            if (dataDir == null && valid(Directive.DATA_DIR)) {
                try {
                    dataDir = TaygaRules.stateDirectory(file, env);
                } catch (ConfigException e) {
                    errors.add(e);
                }
            }
            Path resolvedMapFile = mapFile;
            if (mapFile != null && !mapFile.isAbsolute()) {
                if (dataDir == null) {
                    if (valid(Directive.DATA_DIR)) {
                        errors.add(error(seenAt.get(Directive.MAP_FILE), "'map-file' path '" + mapFile + "' is relative"
                                + " but no 'data-dir' is given (nor $" + STATE_DIRECTORY + ") to resolve it against;"
                                + " use an absolute path or add 'data-dir'"));
                    }
                } else {
                    resolvedMapFile = dataDir.resolve(mapFile);
                }
            }
            if (prefix != null) {
                for (MapAt m : maps) {
                    if (m.entry().v6().overlaps(prefix)) {
                        errors.add(error(m.line(), "'map' IPv6 side " + m.entry().v6() + " overlaps 'prefix' " + prefix
                                + " (line " + seenAt.get(Directive.PREFIX) + "); mapped IPv6 addresses must lie"
                                + " outside the NAT64 prefix"));
                    }
                }
            }
            return errors.isEmpty() ? build(resolvedMapFile) : null;
        }

        private TunxlatConfig build(Path resolvedMapFile) {
            return new TunxlatConfig(file, tunDevice, ipv4Addr, ipv6Addr, prefix, wkpfStrict, dynamicPool, dataDir,
                    resolvedMapFile, maps.stream().map(MapAt::entry).toList(), strictFragHdr, udpCksumMode,
                    offlinkMtu, log, workers, tunUp, List.copyOf(tunIps.keySet()), List.copyOf(tunRoutes.keySet()),
                    rfc6791Pool, ipv4EgressMtu, ipv6EgressMtu, icmpRateLimit, dynamicPoolAllow, nptv6, nptv6LearnMax,
                    nptv6LearnTimeout, tunOffload, metricsListen,
                    controlSocketOff ? null : controlSocket != null ? controlSocket
                            : Path.of(DEFAULT_CONTROL_SOCKET_DIR, tunDevice + ".sock"),
                    dynamicPoolRate, !seenAt.containsKey(Directive.METRICS_LISTEN),
                    !controlSocketOff && controlSocket == null, nat64Settings, nat64.blockLog(), zeroizeTrafficClass,
                    instanceName, tunIo);
        }
    }
}
