// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;

/**
 * Every {@code tunxlat_*} metric in one place: its Prometheus name, type, labels and meaning. The
 * metrics table of the documentation (docs/metrics.md), the Grafana dashboard, the Prometheus alert rules
 * and the exported scrape are all checked against this list (MetricCatalogueTest, GrafanaDashboardTest,
 * AlertRulesTest), so a metric cannot be renamed in one of them only.
 *
 * <p>Entries with {@link Entry#reservedFor} set are <em>reserved</em>: their names are fixed and the
 * dashboard already charts them, but nothing exports them until the component they measure exists
 * ({@link DynamicPoolMetrics}, {@link Nptv6Metrics} register them then). {@link #RESERVED} is the
 * one list of such names; when a component lands, clear its entries' {@code reservedFor}.
 */
public final class MetricCatalogue {
    private MetricCatalogue() {}

    public enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        public String prometheusType() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param name        the Prometheus metric family name (for counters, with {@code _total})
     * @param labels      label names, never addresses: every label has a small fixed set of values
     * @param reservedFor null when exported today, else the component that will export it
     */
    public record Entry(String name, Type type, List<String> labels, String help, String reservedFor) {
        public boolean reserved() {
            return reservedFor != null;
        }
    }

    /** Reserved until the dynamic pool lands. */
    public static final String DYNAMIC_POOL = "the dynamic pool";
    /** Reserved until NPTv6 lands. */
    public static final String NPTV6 = "NPTv6";

    public static final String TRANSLATED_PACKETS = "tunxlat_translated_packets_total";
    public static final String TRANSLATED_BYTES = "tunxlat_translated_bytes_total";
    public static final String DROPPED_PACKETS = "tunxlat_dropped_packets_total";
    public static final String ICMP_ERRORS_SENT = "tunxlat_icmp_errors_sent_total";
    public static final String ICMP_ERRORS_RATE_LIMITED = "tunxlat_icmp_errors_rate_limited_total";
    public static final String ECHO_REPLIES_SENT = "tunxlat_echo_replies_sent_total";
    public static final String FRAGMENTS_RECEIVED = "tunxlat_fragments_received_total";
    public static final String FRAGMENTS_SENT = "tunxlat_fragments_sent_total";
    public static final String TUN_READ_ERRORS = "tunxlat_tun_read_errors_total";
    public static final String TUN_WRITE_ERRORS = "tunxlat_tun_write_errors_total";
    public static final String GSO_PACKETS = "tunxlat_gso_packets_total";
    public static final String GSO_SEGMENTS = "tunxlat_gso_segments_total";
    public static final String UDP_COALESCED_WRITES = "tunxlat_udp_coalesced_writes_total";
    public static final String UDP_COALESCED_DATAGRAMS = "tunxlat_udp_coalesced_datagrams_total";
    public static final String BATCH_SIZE = "tunxlat_batch_size_packets";
    public static final String WORKER_BUSY = "tunxlat_worker_busy_seconds_total";
    public static final String STATIC_MAPPINGS = "tunxlat_static_mappings";
    public static final String BUILD_INFO = "tunxlat_build_info";
    public static final String POOL_ADDRESSES = "tunxlat_dynamic_pool_addresses";
    public static final String POOL_USED_ADDRESSES = "tunxlat_dynamic_pool_used_addresses";
    public static final String POOL_ALLOCATIONS = "tunxlat_dynamic_pool_allocations_total";
    public static final String POOL_WRITE_FAILURES = "tunxlat_dynamic_map_write_failures_total";
    public static final String DYNAMIC_MAPPINGS = "tunxlat_dynamic_mappings";
    public static final String NPTV6_PACKETS = "tunxlat_nptv6_translated_packets_total";
    public static final String NPTV6_BYTES = "tunxlat_nptv6_translated_bytes_total";
    public static final String NPTV6_PREFIXES = "tunxlat_nptv6_prefixes";
    public static final String NPTV6_LEARNED = "tunxlat_nptv6_learned_entries";
    public static final String NPTV6_EVICTIONS = "tunxlat_nptv6_learned_evictions_total";
    public static final String CONFIG_RELOADS = "tunxlat_config_reloads_total";
    public static final String CONFIG_LAST_SUCCESS = "tunxlat_config_last_reload_success_timestamp_seconds";
    public static final String CONFIG_LAST_SUCCESSFUL = "tunxlat_config_last_reload_successful";
    public static final String NAT64_SESSIONS = "tunxlat_nat64_sessions";
    public static final String NAT64_TCP_SESSIONS = "tunxlat_nat64_tcp_sessions";
    public static final String NAT64_BIB_ENTRIES = "tunxlat_nat64_bib_entries";
    public static final String NAT64_POOL4_PORTS = "tunxlat_nat64_pool4_ports";
    public static final String NAT64_POOL4_PORTS_USED = "tunxlat_nat64_pool4_ports_used";
    public static final String NAT64_BLOCKS = "tunxlat_nat64_port_blocks";
    public static final String NAT64_BLOCKS_USED = "tunxlat_nat64_port_blocks_used";
    public static final String NAT64_BLOCK_ALLOCATIONS = "tunxlat_nat64_block_allocations_total";
    public static final String NAT64_BLOCK_RELEASES = "tunxlat_nat64_block_releases_total";
    public static final String NAT64_SESSIONS_CREATED = "tunxlat_nat64_sessions_created_total";
    public static final String NAT64_SESSIONS_EXPIRED = "tunxlat_nat64_sessions_expired_total";
    public static final String NAT64_SUBSCRIBERS = "tunxlat_nat64_subscribers";
    public static final String NAT64_SUBSCRIBERS_AT_LIMIT = "tunxlat_nat64_subscribers_at_limit";
    public static final String NAT64_SYN_HELD = "tunxlat_nat64_syn_held";
    public static final String NAT64_SWEEP_SECONDS = "tunxlat_nat64_sweep_duration_seconds";
    public static final String READY = "tunxlat_ready";
    public static final String NOT_READY_REASONS = "tunxlat_not_ready_reasons";
    public static final String CLAT_UP = "tunxlat_clat_up";
    public static final String CLAT_PREFIX = "tunxlat_clat_prefix_info";
    public static final String CLAT_TRANSITIONS = "tunxlat_clat_transitions_total";
    public static final String CLAT_PACKETS = "tunxlat_clat_translated_packets_total";
    public static final String CLAT_DROPS = "tunxlat_clat_dropped_packets_total";

    public static final List<Entry> ALL = List.of(
            new Entry(TRANSLATED_PACKETS, Type.COUNTER, List.of("direction", "protocol"),
                    "Packets translated and written to the TUN device, by direction (46: IPv4 to IPv6, 64: IPv6 to"
                            + " IPv4) and protocol (tcp, udp, icmp, other)", null),
            new Entry(TRANSLATED_BYTES, Type.COUNTER, List.of("direction", "protocol"),
                    "Bytes of the translated packets written (IP headers included), by direction and protocol", null),
            new Entry(DROPPED_PACKETS, Type.COUNTER, List.of("reason"),
                    "Packets dropped, by reason: every drop has exactly one reason (the drop reasons table in"
                            + " docs/metrics.md; the suffix _46 or _64 is the direction)", null),
            new Entry(ICMP_ERRORS_SENT, Type.COUNTER, List.of("ip_version", "type"),
                    "ICMP errors the translator sent itself, by ICMP version (4, 6) and type (time_exceeded,"
                            + " dest_unreachable, frag_needed, packet_too_big, param_problem, other)", null),
            new Entry(ICMP_ERRORS_RATE_LIMITED, Type.COUNTER, List.of(),
                    "ICMP errors not sent because of icmp-rate-limit", null),
            new Entry(ECHO_REPLIES_SENT, Type.COUNTER, List.of(),
                    "Echo Replies the translator sent for pings of its own addresses", null),
            new Entry(FRAGMENTS_RECEIVED, Type.COUNTER, List.of("direction"),
                    "IP fragments read from the TUN device, by direction", null),
            new Entry(FRAGMENTS_SENT, Type.COUNTER, List.of("direction"),
                    "IP fragments written to the TUN device, by direction", null),
            new Entry(TUN_READ_ERRORS, Type.COUNTER, List.of(), "Failed reads from the TUN device", null),
            new Entry(TUN_WRITE_ERRORS, Type.COUNTER, List.of(),
                    "Failed or short writes to the TUN device (the packet is lost)", null),
            new Entry(GSO_PACKETS, Type.COUNTER, List.of("path"),
                    "GSO super-packets read from the TUN device (tun-offload), by path: whole (translated as one"
                            + " packet) or software (cut into segments first: MTU, fragmentation, hairpinning)", null),
            new Entry(GSO_SEGMENTS, Type.COUNTER, List.of(),
                    "Segments carried by the super-packets translated whole", null),
            new Entry(UDP_COALESCED_WRITES, Type.COUNTER, List.of(),
                    "UDP super-packets written instead of single datagrams (datagrams of one flow gathered while"
                            + " the worker read)", null),
            new Entry(UDP_COALESCED_DATAGRAMS, Type.COUNTER, List.of(),
                    "Datagrams carried by those UDP super-packets", null),
            new Entry(BATCH_SIZE, Type.HISTOGRAM, List.of(),
                    "Packets a worker handled per wake-up (a batch ends when the TUN queue is empty or after 64"
                            + " packets)", null),
            new Entry(WORKER_BUSY, Type.COUNTER, List.of("worker"),
                    "Time each worker spent reading, translating and writing packets (not waiting); its rate is the"
                            + " worker's utilisation from 0 to 1", null),
            new Entry(STATIC_MAPPINGS, Type.GAUGE, List.of(), "Static mappings (map directives)", null),
            new Entry(BUILD_INFO, Type.GAUGE, List.of("java_version", "version"),
                    "Always 1; the labels name the tunxlat version and the Java runtime", null),
            new Entry(POOL_ADDRESSES, Type.GAUGE, List.of(), "Addresses in the dynamic pool", null),
            new Entry(POOL_USED_ADDRESSES, Type.GAUGE, List.of(),
                    "Dynamic pool addresses bound to an IPv6 host", null),
            new Entry(POOL_ALLOCATIONS, Type.COUNTER, List.of(),
                    "Dynamic pool addresses bound to a new IPv6 host (learned mappings created)", null),
            new Entry(POOL_WRITE_FAILURES, Type.COUNTER, List.of(),
                    "Failed writes of data-dir/dynamic.map (unwritable or full; retried every second while translation"
                            + " goes on)", null),
            new Entry(DYNAMIC_MAPPINGS, Type.GAUGE, List.of("state"),
                    "Learned (dynamic) mappings, by state: active (traffic seen recently) or dormant (kept, idle)",
                    null),
            new Entry(NPTV6_PACKETS, Type.COUNTER, List.of("direction"),
                    "Packets rewritten by NPTv6 (RFC 6296), by direction (out: internal to external prefix, in:"
                            + " external to internal)", null),
            new Entry(NPTV6_BYTES, Type.COUNTER, List.of("direction"),
                    "Bytes of the packets rewritten by NPTv6, by direction", null),
            new Entry(NPTV6_PREFIXES, Type.GAUGE, List.of(), "Configured NPTv6 prefix pairs", null),
            new Entry(NPTV6_LEARNED, Type.GAUGE, List.of(),
                    "Owners of shared NPTv6 outside addresses remembered now (not expired; at most nptv6-learn-max)",
                    null),
            new Entry(NPTV6_EVICTIONS, Type.COUNTER, List.of(),
                    "Remembered owners pushed out before they expired because the learned table was full (raise"
                            + " nptv6-learn-max, which needs a restart); a reload keeps the table and this count",
                    null),
            new Entry(CONFIG_RELOADS, Type.COUNTER, List.of("result"),
                    "Configuration reloads (SIGHUP), by result: success (the new configuration is running) or failure"
                            + " (the file did not load; the running configuration was kept, the log says why)", null),
            new Entry(CONFIG_LAST_SUCCESS, Type.GAUGE, List.of(),
                    "When the configuration was last loaded successfully, at start or by a reload (Unix time in"
                            + " seconds)", null),
            new Entry(CONFIG_LAST_SUCCESSFUL, Type.GAUGE, List.of(),
                    "1 when the last configuration load (at start or by a reload) succeeded, 0 when the last reload"
                            + " failed and the running configuration is older than the file", null),
            new Entry(NAT64_SESSIONS, Type.GAUGE, List.of("protocol"),
                    "Stateful NAT64 sessions (RFC 6146), by protocol (tcp, udp, icmp), as the last sweeper pass counted"
                            + " them", null),
            new Entry(NAT64_TCP_SESSIONS, Type.GAUGE, List.of("state"),
                    "Stateful NAT64 TCP sessions by state of RFC 6146 section 3.5.2.2 (v6_init, v4_init, established,"
                            + " v6_fin_rcv, v4_fin_rcv, v6_fin_v4_fin_rcv, trans)", null),
            new Entry(NAT64_BIB_ENTRIES, Type.GAUGE, List.of("protocol", "type"),
                    "Stateful NAT64 bindings (BIB entries), by protocol and type: static (bib lines) or dynamic", null),
            new Entry(NAT64_POOL4_PORTS, Type.GAUGE, List.of("pool4", "protocol"),
                    "Ports (ICMP: identifiers) pool4 has, per pool4 address and protocol", null),
            new Entry(NAT64_POOL4_PORTS_USED, Type.GAUGE, List.of("pool4", "protocol"),
                    "Of those, the ports bound to an IPv6 host (a BIB entry), per pool4 address and protocol", null),
            new Entry(NAT64_BLOCKS, Type.GAUGE, List.of("protocol"),
                    "Port blocks pool4 is cut into (nat64-port-block), by protocol; 0 without blocks and in the"
                            + " deterministic mode", null),
            new Entry(NAT64_BLOCKS_USED, Type.GAUGE, List.of("protocol"),
                    "Port blocks held by a subscriber, by protocol", null),
            new Entry(NAT64_BLOCK_ALLOCATIONS, Type.COUNTER, List.of("protocol"),
                    "Port blocks handed to a subscriber (one block log line each), by protocol", null),
            new Entry(NAT64_BLOCK_RELEASES, Type.COUNTER, List.of("protocol"),
                    "Port blocks taken back from a subscriber (empty), by protocol", null),
            new Entry(NAT64_SESSIONS_CREATED, Type.COUNTER, List.of("protocol"),
                    "Stateful NAT64 sessions created, by protocol (counted by the sweeper when it first sees one)", null),
            new Entry(NAT64_SESSIONS_EXPIRED, Type.COUNTER, List.of("protocol"),
                    "Stateful NAT64 sessions ended by their lifetime (RFC 6146 section 4), by protocol", null),
            new Entry(NAT64_SUBSCRIBERS, Type.GAUGE, List.of(),
                    "Stateful NAT64 subscribers (IPv6 hosts, or prefixes of nat64-subscriber-prefix) with a binding",
                    null),
            new Entry(NAT64_SUBSCRIBERS_AT_LIMIT, Type.GAUGE, List.of("limit"),
                    "Subscribers at a limit, by limit: sessions (nat64-max-subscriber-sessions) or blocks"
                            + " (nat64-max-blocks of some protocol); their new flows are refused", null),
            new Entry(NAT64_SYN_HELD, Type.GAUGE, List.of(),
                    "IPv4 SYNs without a binding held for a simultaneous open (RFC 6146 section 3.5.2.2)", null),
            new Entry(NAT64_SWEEP_SECONDS, Type.GAUGE, List.of(),
                    "How long the last pass of the stateful NAT64 sweeper over the tables took (seconds; the counts"
                            + " above are as of that pass, about once a second)", null),
            new Entry(READY, Type.GAUGE, List.of(),
                    "1 while the translator is ready (GET /readyz answers 200: TUN device up, workers making progress"
                            + " or idle, configuration loaded, self-test answered), else 0 (docs/health.md)", null),
            new Entry(NOT_READY_REASONS, Type.GAUGE, List.of("reason"),
                    "1 for each reason the translator is not ready now, else 0, by reason (stopping,"
                            + " config-not-loaded, tun-down, worker-dead, worker-stalled, self-test-failed,"
                            + " self-test-pending, health-check-stalled: docs/health.md)", null),
            new Entry(CLAT_UP, Type.GAUGE, List.of(),
                    "tunxlat clat: 1 while the CLAT translates, 0 while it is down (native IPv4, another CLAT, no NAT64"
                            + " prefix or no uplink: the log and tunxlat doctor say which)", null),
            new Entry(CLAT_PREFIX, Type.GAUGE, List.of("prefix", "source"),
                    "tunxlat clat: 1 for the NAT64 prefix in use and where it came from (ra: RFC 8781 PREF64 option,"
                            + " rfc7050: ipv4only.arpa, configured); no series while none is in use", null),
            new Entry(CLAT_TRANSITIONS, Type.COUNTER, List.of(),
                    "tunxlat clat: changes of state (up, down) and of NAT64 prefix since start", null),
            new Entry(CLAT_PACKETS, Type.COUNTER, List.of("direction"),
                    "tunxlat clat: packets translated by the CLAT since start, by direction (46: from the host's IPv4"
                            + " applications, 64: back to them), across its restarts", null),
            new Entry(CLAT_DROPS, Type.COUNTER, List.of("reason"),
                    "tunxlat clat: packets the CLAT's translator dropped since start, by reason (the reasons of"
                            + " tunxlat_dropped_packets_total), across its restarts", null));

    /** The names reserved for components that do not exist yet: the only names that may be charted without being exported. */
    public static final Set<String> RESERVED;

    static {
        Set<String> r = new LinkedHashSet<>();
        for (Entry e : ALL) {
            if (e.reserved()) {
                r.add(e.name());
            }
        }
        RESERVED = Set.copyOf(r);
    }

    /** The entry named {@code name}, or null. */
    public static Entry byName(String name) {
        for (Entry e : ALL) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** The Micrometer meter name for a catalogue name (dots, no {@code _total}; the registry adds units back). */
    static String meterName(String prometheusName) {
        String n = prometheusName.endsWith("_total") ? prometheusName.substring(0, prometheusName.length() - 6)
                : prometheusName;
        return n.replace('_', '.');
    }

    static String help(String name) {
        return byName(name).help();
    }
}
