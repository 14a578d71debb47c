// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The directives {@link ConfigParser} accepts: TAYGA's, in the order of its documentation, then tunxlat's own;
 * each with its name, how many arguments it takes, whether it may be repeated, and its usage text for errors.
 */
enum Directive {
    TUN_DEVICE("tun-device", 1, 1, false, "NAME"),
    IPV4_ADDR("ipv4-addr", 1, 1, false, "IPV4-ADDRESS"),
    IPV6_ADDR("ipv6-addr", 1, 1, false, "IPV6-ADDRESS"),
    PREFIX("prefix", 1, 1, false, "IPV6-PREFIX/LEN"),
    WKPF_STRICT("wkpf-strict", 1, 1, false, "yes|no"),
    MAP("map", 2, 2, true, "IPV4[/LEN] IPV6[/LEN]"),
    DYNAMIC_POOL("dynamic-pool", 1, 1, false, "IPV4-PREFIX/LEN"),
    DATA_DIR("data-dir", 1, 1, false, "/ABSOLUTE/PATH"),
    MAP_FILE("map-file", 1, 1, false, "PATH"),
    STRICT_FRAG_HDR("strict-frag-hdr", 1, 1, false, "on|off"),
    UDP_CKSUM_MODE("udp-cksum-mode", 1, 1, false, "drop|fwd|calc"),
    LOG("log", 1, Integer.MAX_VALUE, false, "drop|reject|icmp|self..."),
    OFFLINK_MTU("offlink-mtu", 1, 1, false, "BYTES"),
    WORKERS("workers", 1, 1, false, "N"),
    TUN_UP("tun-up", 1, 1, false, "yes|no"),
    TUN_IP("tun-ip", 1, 1, true, "ADDRESS[/LEN]"),
    TUN_ROUTE("tun-route", 1, 1, true, "PREFIX[/LEN]"),
    // tunxlat's own directives
    RFC6791_POOL("rfc6791-pool", 1, 1, false, "IPV4[/LEN]"),
    IPV4_EGRESS_MTU("ipv4-egress-mtu", 1, 1, false, "BYTES"),
    IPV6_EGRESS_MTU("ipv6-egress-mtu", 1, 1, false, "BYTES"),
    ICMP_RATE_LIMIT("icmp-rate-limit", 1, 1, false, "ERRORS-PER-SECOND"),
    DYNAMIC_POOL_ALLOW("dynamic-pool-allow", 1, Integer.MAX_VALUE, false, "IPV6-PREFIX/LEN..."),
    NPTV6("nptv6", 2, 3, true, "INSIDE-PREFIX/LEN OUTSIDE-PREFIX/LEN [both|outbound|inbound]"),
    NPTV6_LEARN_MAX("nptv6-learn-max", 1, 1, false, "ENTRIES"),
    NPTV6_LEARN_TIMEOUT("nptv6-learn-timeout", 1, 1, false, "SECONDS"),
    TUN_OFFLOAD("tun-offload", 1, 1, false, "yes|no"),
    METRICS_LISTEN("metrics-listen", 1, 1, false, "ADDRESS:PORT|off"),
    CONTROL_SOCKET("control-socket", 1, 1, false, "/ABSOLUTE/PATH|off"),
    DYNAMIC_POOL_RATE("dynamic-pool-rate", 1, 1, false, "NEW-BINDINGS-PER-SECOND"),
    ZEROIZE_TRAFFIC_CLASS("zeroize-traffic-class", 1, 1, false, "yes|no"),
    INSTANCE_NAME("instance-name", 1, 1, false, "NAME"),
    TUN_IO("tun-io", 1, 1, false, "auto|uring|readwrite"),
    // stateful NAT64 (RFC 6146), read by Nat64Directives
    POOL4("pool4", 1, 3, true, "IPV4[/LEN] [tcp|udp|icmp] [FIRST-LAST]"),
    BIB("bib", 5, 5, true, "tcp|udp|icmp IPV6 PORT IPV4 PORT"),
    NAT64_PORT_BLOCK("nat64-port-block", 1, 1, false, "PORTS"),
    NAT64_SUBSCRIBER_PREFIX("nat64-subscriber-prefix", 1, 1, false, "LEN"),
    NAT64_MAX_BLOCKS("nat64-max-blocks", 1, 1, false, "BLOCKS"),
    NAT64_MAX_SUBSCRIBER_SESSIONS("nat64-max-subscriber-sessions", 1, 1, false, "SESSIONS"),
    NAT64_MAX_SESSIONS("nat64-max-sessions", 1, 1, false, "SESSIONS"),
    NAT64_TIMEOUT_UDP("nat64-timeout-udp", 1, 1, false, "SECONDS"),
    NAT64_TIMEOUT_TCP_EST("nat64-timeout-tcp-est", 1, 1, false, "SECONDS"),
    NAT64_TIMEOUT_TCP_TRANS("nat64-timeout-tcp-trans", 1, 1, false, "SECONDS"),
    NAT64_TIMEOUT_ICMP("nat64-timeout-icmp", 1, 1, false, "SECONDS"),
    NAT64_TIMEOUT_SYN("nat64-timeout-syn", 1, 1, false, "SECONDS"),
    NAT64_SHORT_TIMEOUTS("nat64-short-timeouts", 1, 1, false, "yes|no"),
    NAT64_FILTERING("nat64-filtering", 1, 1, false, "endpoint-independent|address-dependent"),
    NAT64_DROP_EXTERNALLY_INITIATED_TCP("nat64-drop-externally-initiated-tcp", 1, 1, false, "yes|no"),
    NAT64_DETERMINISTIC("nat64-deterministic", 1, 1, false, "IPV6-PREFIX/LEN"),
    NAT64_BLOCK_LOG("nat64-block-log", 1, 1, false, "/ABSOLUTE/PATH"),
    NAT64_SHARD_FILE("nat64-shard-file", 1, 1, false, "/ABSOLUTE/PATH");

    final String text;
    final int minArgs;
    final int maxArgs;
    final boolean repeatable;
    final String usage;

    Directive(String text, int minArgs, int maxArgs, boolean repeatable, String usage) {
        this.text = text;
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
        this.repeatable = repeatable;
        this.usage = usage;
    }

    /** Whether this is a stateful NAT64 directive ({@code pool4}, {@code bib}, {@code nat64-*}). */
    boolean stateful() {
        return ordinal() >= POOL4.ordinal();
    }

    /** The directive named {@code name} in any case, as TAYGA matches names with {@code strcasecmp}. */
    static Directive byName(String name) {
        for (Directive d : values()) {
            if (d.text.equalsIgnoreCase(name)) {
                return d;
            }
        }
        return null;
    }

    static String names() {
        return Stream.of(values()).map(d -> d.text).collect(Collectors.joining(", "));
    }

    static String repeatableNames() {
        List<String> names = Stream.of(values()).filter(d -> d.repeatable).map(d -> "'" + d.text + "'").toList();
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }
}
