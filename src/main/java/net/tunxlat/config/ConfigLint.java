// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Pool4;

/**
 * Warnings about a configuration that loads but cannot carry some of its traffic (issue 15 item 5): addresses
 * that two directives claim, so that one of them never gets its packets, {@code tun-route} lines that leave
 * translated addresses unrouted, and stateful NAT64 tables larger than the packaged heap. {@code tunxlat check} prints them (and fails with {@code --strict}); {@code run}
 * prints them at start. What the parser already refuses (a map inside the NAT64 prefix, equal map sides, NPTv6
 * overlaps, {@code ipv6-addr} in an NPTv6 pair) is not repeated here.
 *
 * <p>Not warned about, on purpose: {@code ipv4-addr} inside {@code dynamic-pool} (TAYGA's own example does it;
 * the pool never hands that address out) and maps inside the pool (the pool skips statically mapped addresses).
 */
public final class ConfigLint {
    /** Stateful NAT64 tables from this size on are worth a word about the heap. */
    static final long HEAP_WARNING_BYTES = 128L << 20;

    private ConfigLint() {}

    /**
     * The warnings for {@code c} (with its map-file maps, if read), each {@code FILE:LINE: text}.
     *
     * @param lines the line of each directive of the configuration file by name ({@link ConfigParser.Parsed#lines()});
     *              a directive missing from it is named without a line
     */
    public static List<String> warnings(TunxlatConfig c, Map<String, Integer> lines) {
        return new Lint(c, lines).run();
    }

    private static final class Lint {
        private final TunxlatConfig c;
        private final Map<String, Integer> lines;
        private final List<String> out = new ArrayList<>();

        Lint(TunxlatConfig c, Map<String, Integer> lines) {
            this.c = c;
            this.lines = lines;
        }

        /** {@code FILE:LINE: text} for a directive of the configuration file. */
        private void warn(String directive, String text) {
            Path file = c.source() == null ? Path.of("(configuration)") : c.source();
            out.add(ConfigException.format(file, lines.getOrDefault(directive, 0), text));
        }

        /** {@code FILE:LINE: text} for a {@code map} or {@code nptv6} line, by its origin. */
        private void warnAt(String origin, String text) {
            out.add((origin == null ? "(configuration)" : origin) + ": " + text);
        }

        List<String> run() {
            if (c.hasNat64()) {
                ownAddresses();
                rfc6791Pool();
                overlappingMaps();
                nptv6Overlaps();
            }
            if (c.nat64() != null) {
                stateful();
            }
            tunRoutes();
            if (!c.dynamicPoolAllow().isEmpty() && c.dynamicPool() == null) {
                warn("dynamic-pool-allow", "'dynamic-pool-allow' has no effect without 'dynamic-pool'");
            }
            return List.copyOf(out);
        }

        /** RFC 7915 §4 and §5: packets to the translator's own addresses are answered by it, not translated. */
        private void ownAddresses() {
            String own4 = Addresses.formatIpv4(c.ipv4Addr());
            for (MapEntry m : c.maps()) {
                if (m.v4().contains(c.ipv4Addr())) {
                    warnAt(m.origin(), "'map' IPv4 side " + m.v4() + " contains 'ipv4-addr' " + own4 + ": the"
                            + " translator answers packets to " + own4 + " itself, so the IPv6 host mapped to it is"
                            + " unreachable from IPv4; move 'ipv4-addr' out of the map or map another address");
                }
                Ipv6Prefix own6 = c.ipv6Addr();
                if (own6 != null && m.v6().contains(own6.hi(), own6.lo())) {
                    warnAt(m.origin(), "'map' IPv6 side " + m.v6() + " contains 'ipv6-addr' " + Addresses.formatIpv6(
                            own6.hi(), own6.lo()) + ": the translator answers packets to it itself, so the IPv4 host"
                            + " mapped to it is unreachable from IPv6; choose an 'ipv6-addr' outside the map");
                }
            }
        }

        /**
         * RFC 6791: the pool sources ICMP errors from untranslatable routers; addresses of it that are also hosts'
         * mix those errors with the hosts' traffic. (The translator's own address is the default source, so a pool
         * containing it is fine.)
         */
        private void rfc6791Pool() {
            Ipv4Prefix pool = c.rfc6791Pool();
            if (pool == null) {
                return;
            }
            String fix = "; give 'rfc6791-pool' addresses that no host uses";
            if (c.dynamicPool() != null && pool.overlaps(c.dynamicPool())) {
                warn("rfc6791-pool", "'rfc6791-pool' " + pool + " overlaps 'dynamic-pool' " + c.dynamicPool()
                        + " (line " + lines.getOrDefault("dynamic-pool", 0) + "): ICMP errors would come from addresses"
                        + " that IPv6 hosts are given, and IPv4 replies to them would reach those hosts" + fix);
            }
            for (MapEntry m : c.maps()) {
                if (pool.overlaps(m.v4())) {
                    warn("rfc6791-pool", "'rfc6791-pool' " + pool + " overlaps the 'map' " + m.v4() + " of "
                            + m.origin() + ": ICMP errors would come from mapped hosts' addresses" + fix);
                }
            }
        }

        /**
         * Nested maps (equal sides are refused by the parser): the longest prefix wins in each direction, so a
         * host of the shorter map whose address the longer one also covers is translated one way and not back.
         */
        private void overlappingMaps() {
            List<MapEntry> maps = c.maps();
            for (int i = 0; i < maps.size(); i++) {
                for (int j = 0; j < i; j++) {
                    MapEntry a = maps.get(i);
                    MapEntry b = maps.get(j);
                    if (a.v4().overlaps(b.v4()) && !a.v4().equals(b.v4())) {
                        warnAt(a.origin(), "'map' IPv4 side " + a.v4() + " overlaps the map " + b.v4() + " of "
                                + b.origin() + ": the longer one wins for the shared addresses, so those hosts of the"
                                + " other map are translated one way and not back; split the maps so they do not"
                                + " overlap");
                    }
                    if (a.v6().overlaps(b.v6()) && !a.v6().equals(b.v6())) {
                        warnAt(a.origin(), "'map' IPv6 side " + a.v6() + " overlaps the map " + b.v6() + " of "
                                + b.origin() + ": the longer one wins for the shared addresses, so those hosts of the"
                                + " other map are translated one way and not back; split the maps so they do not"
                                + " overlap");
                    }
                }
            }
        }

        /** NPTv6 rewrites a packet before NAT64 looks at it (RFC 6296 §3), so NAT64 addresses inside a pair are lost. */
        private void nptv6Overlaps() {
            for (Nptv6Entry n : c.nptv6()) {
                for (Ipv6Prefix side : new Ipv6Prefix[] {n.inside(), n.outside()}) {
                    if (c.prefix() != null && side.overlaps(c.prefix())) {
                        warnAt(n.origin(), "'nptv6' prefix " + side + " overlaps the NAT64 'prefix' " + c.prefix()
                                + ": packets to the overlap are rewritten by NPTv6, never translated to IPv4");
                    }
                    for (MapEntry m : c.maps()) {
                        if (side.overlaps(m.v6())) {
                            warnAt(n.origin(), "'nptv6' prefix " + side + " overlaps the 'map' IPv6 side " + m.v6()
                                    + " of " + m.origin() + ": those packets are rewritten by NPTv6, never translated"
                                    + " to IPv4");
                        }
                    }
                }
            }
        }

        /** The pool4 addresses, each once, in configuration order. */
        private Set<Integer> pool4Addresses() {
            Set<Integer> addresses = new LinkedHashSet<>();
            for (Pool4.Range r : c.nat64().pool4().ranges()) {
                addresses.add(r.address());
            }
            return addresses;
        }

        /**
         * Stateful NAT64 (RFC 6146): pool4 addresses that another directive also claims, static bindings of hosts
         * that a static map translates statelessly, and tables larger than the packaged heap.
         */
        private void stateful() {
            Nat64Settings s = c.nat64();
            for (int a : pool4Addresses()) {
                String addr = Addresses.formatIpv4(a);
                if (a == c.ipv4Addr()) {
                    warn("pool4", "'pool4' contains 'ipv4-addr' " + addr + ": the translator answers packets to its own"
                            + " address itself, so IPv4 replies to the bindings on it never reach the IPv6 hosts;"
                            + " give 'ipv4-addr' an address outside pool4");
                }
                for (MapEntry m : c.maps()) {
                    if (m.v4().contains(a)) {
                        warnAt(m.origin(), "'map' IPv4 side " + m.v4() + " contains the 'pool4' address " + addr
                                + " (line " + lines.getOrDefault("pool4", 0) + "): IPv4 packets to it cannot reach"
                                + " both the mapped host and pool4's bindings; take the address out of one of them");
                    }
                }
                if (c.rfc6791Pool() != null && c.rfc6791Pool().contains(a)) {
                    warn("rfc6791-pool", "'rfc6791-pool' " + c.rfc6791Pool() + " contains the 'pool4' address " + addr
                            + ": ICMP errors would come from an address that IPv6 hosts share; give 'rfc6791-pool'"
                            + " addresses outside pool4");
                }
            }
            for (Nat64Settings.StaticBib b : s.statics()) {
                for (MapEntry m : c.maps()) {
                    if (m.v6().contains(b.hostHi(), b.hostLo())) {
                        warn("bib", "'bib' IPv6 address " + Addresses.formatIpv6(b.hostHi(), b.hostLo()) + " is in the"
                                + " 'map' IPv6 side " + m.v6() + " of " + m.origin() + ": that host is translated"
                                + " statelessly (a static map wins over pool4), so its replies leave from the map's"
                                + " address, not the 'bib' port; remove the map or the 'bib' line");
                    }
                }
            }
            long bytes = 0;
            for (int max : s.maxSessions()) {
                bytes += (long) max * Nat64Directives.BYTES_PER_SESSION;
            }
            if (bytes >= HEAP_WARNING_BYTES) {
                warn("nat64-max-sessions", "the stateful NAT64 tables take about " + (bytes >> 20) + " MiB of heap at"
                        + " start (about " + Nat64Directives.BYTES_PER_SESSION + " bytes per session and protocol for "
                        + s.maxSessions()[0] + " sessions of each protocol); the packaged /etc/default/tunxlat limits"
                        + " the heap to 256 MiB with -Xmx256m: raise -Xmx there or lower 'nat64-max-sessions'");
            }
        }

        /**
         * When tunxlat sets the device up itself ({@code tun-route} lines given), every address it translates to
         * must be routed into the device; the administrator may add other routes, so this is a warning.
         */
        private void tunRoutes() {
            if (c.tunRoutes().isEmpty()) {
                return;
            }
            List<Ipv4Prefix> routes4 = new ArrayList<>();
            List<Ipv6Prefix> routes6 = new ArrayList<>();
            for (String r : c.tunRoutes()) {
                if (r.indexOf(':') >= 0) {
                    routes6.add(Ipv6Prefix.parse(r, 128));
                } else {
                    routes4.add(Ipv4Prefix.parse(r, 32));
                }
            }
            if (c.prefix() != null && !covers6(routes6, c.prefix())) {
                notRouted("prefix", "the NAT64 'prefix' " + c.prefix(), c.prefix());
            }
            if (c.dynamicPool() != null && !covers4(routes4, c.dynamicPool())) {
                notRouted("dynamic-pool", "the 'dynamic-pool' " + c.dynamicPool(), c.dynamicPool());
            }
            Ipv4Prefix own4 = new Ipv4Prefix(c.ipv4Addr(), 32);
            if (c.hasNat64() && !covers4(routes4, own4)) {
                notRouted("ipv4-addr", "'ipv4-addr' " + Addresses.formatIpv4(c.ipv4Addr())
                        + " (the translator's own address, which answers pings and sources ICMP errors)", own4);
            }
            if (c.nat64() != null) {
                for (int a : pool4Addresses()) {
                    Ipv4Prefix p = new Ipv4Prefix(a, 32);
                    if (!covers4(routes4, p)) {
                        notRouted("pool4", "the 'pool4' address " + Addresses.formatIpv4(a), p);
                    }
                }
            }
            if (c.hasNat64() && c.ipv6Addr() != null && !covers6(routes6, c.ipv6Addr())) {
                notRouted("ipv6-addr", "'ipv6-addr' " + Addresses.formatIpv6(c.ipv6Addr().hi(), c.ipv6Addr().lo())
                        + " (the translator's own address)", c.ipv6Addr());
            }
            for (MapEntry m : c.maps()) {
                if (!covers4(routes4, m.v4())) {
                    notRouted(m.origin(), "the 'map' IPv4 side " + m.v4(), m.v4());
                }
            }
            for (Nptv6Entry n : c.nptv6()) {
                if (n.direction() != Nptv6Entry.Direction.OUTBOUND && !covers6(routes6, n.outside())) {
                    notRouted(n.origin(), "the 'nptv6' outside prefix " + n.outside(), n.outside());
                }
            }
        }

        /** @param where a directive name, or the origin ({@code file:line}) of a map or NPTv6 line */
        private void notRouted(String where, String what, Object prefix) {
            String text = "no 'tun-route' covers " + what + ": packets to it are not routed into " + c.tunDevice()
                    + "; add 'tun-route " + prefix + "' (or route it yourself)";
            if (where == null || where.indexOf(':') >= 0) {
                warnAt(where, text);
            } else {
                warn(where, text);
            }
        }

        private static boolean covers4(List<Ipv4Prefix> routes, Ipv4Prefix p) {
            for (Ipv4Prefix r : routes) {
                if (r.length() <= p.length() && r.contains(p.address())) {
                    return true;
                }
            }
            return false;
        }

        private static boolean covers6(List<Ipv6Prefix> routes, Ipv6Prefix p) {
            for (Ipv6Prefix r : routes) {
                if (r.length() <= p.length() && r.contains(p.hi(), p.lo())) {
                    return true;
                }
            }
            return false;
        }
    }
}
