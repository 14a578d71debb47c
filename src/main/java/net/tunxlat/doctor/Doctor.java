// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.doctor;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import net.tunxlat.config.MapEntry;
import net.tunxlat.config.Nptv6Entry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.doctor.SystemState.Link;
import net.tunxlat.doctor.SystemState.Prefix;
import net.tunxlat.doctor.SystemState.Route;
import net.tunxlat.doctor.SystemState.Rule;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * Compares a configuration with the running system: is the TUN device there, up and attached, is
 * forwarding on, do the routes (NAT64) and the policy rules and routes (NPTv6) send the right packets
 * into the TUN device. Each check gives one line, and each problem the command that fixes it.
 *
 * <p>The NPTv6 recipe it checks (RFC 6296 translates in both directions on one device):
 * <pre>
 *   ip -6 rule add from INSIDE lookup 100             # outbound: packets from the LAN prefix ...
 *   ip -6 route add default dev TUN table 100         # ... go into the TUN device
 *   ip -6 route add throw INSIDE table 100            # but not those to the LAN itself
 *   ip -6 route add OUTSIDE dev TUN                   # inbound: packets to the outside prefix
 * </pre>
 * A translated outbound packet comes back out of the TUN device with an outside source, so the rule no
 * longer matches it and the main table routes it; a translated inbound one has an inside destination,
 * which the main table routes to the LAN.
 */
public final class Doctor {
    /** The table suggested for the NPTv6 rule when none exists yet (the first free one from here). */
    public static final int FIRST_TABLE = 100;

    /**
     * One check.
     *
     * @param ok   whether the system is as the configuration needs it
     * @param text what was checked, and what was found
     * @param fix  the shell command that fixes a problem, perhaps with a {@code #} comment (null when ok, or when no
     *             single command can)
     */
    public record Check(boolean ok, String text, String fix) {
        static Check ok(String text) {
            return new Check(true, text, null);
        }

        static Check problem(String text, String fix) {
            return new Check(false, text, fix);
        }
    }

    private final TunxlatConfig config;
    private final String configFile;
    private final SystemState s;
    private final String tun;
    private final List<Check> checks = new ArrayList<>();
    private final List<Prefix> outsideDone = new ArrayList<>();

    private Doctor(TunxlatConfig config, String configFile, SystemState state) {
        this.config = config;
        this.configFile = configFile;
        this.s = state;
        this.tun = config.tunDevice();
    }

    /** The checks for {@code config} (read from {@code configFile}, named in fix commands) on {@code state}. */
    public static List<Check> run(TunxlatConfig config, String configFile, SystemState state) {
        Doctor d = new Doctor(config, configFile, state);
        d.checkReadable();
        d.checkDevice();
        d.checkForwarding();
        d.checkAcceptRa();
        if (config.hasNat64()) {
            d.checkNat64Routes();
            d.checkNat44();
        }
        d.checkForwardPolicy();
        for (Nptv6Entry e : config.nptv6()) {
            d.checkNptv6(e);
        }
        return List.copyOf(d.checks);
    }

    private void ok(String text) {
        checks.add(Check.ok(text));
    }

    private void problem(String text, String fix) {
        checks.add(Check.problem(text, fix));
    }

    // ---- the device and forwarding -----------------------------------------------------------------

    private void checkReadable() {
        for (String e : s.errors()) {
            problem("cannot inspect the system: " + e, null);
        }
    }

    private void checkDevice() {
        Link l = s.link(tun);
        String mk = "tunxlat mktun -c " + configFile;
        if (l == null) {
            problem("TUN device " + tun + " does not exist", config.tunUp()
                    ? "tunxlat run -c " + configFile + "   # tun-up yes: it creates " + tun + " and brings it up"
                    : mk + " && ip link set " + tun + " up");
            return;
        }
        if (l.kind() != null && !l.isTun()) {
            problem(tun + " exists but is not a TUN device (" + l.kind()
                    + (l.tunType() != null ? " " + l.tunType() : "") + ")",
                    "ip link del " + tun + " && " + mk + " && ip link set " + tun + " up");
            return;
        }
        if (l.isUp()) {
            ok("TUN device " + tun + " exists and is up");
        } else {
            problem("TUN device " + tun + " is down", "ip link set " + tun + " up");
        }
        if (l.hasCarrier()) {
            ok("a translator has " + tun + " open (carrier)");
        } else {
            problem("no process has " + tun + " open (NO-CARRIER): tunxlat is not running",
                    "tunxlat run -c " + configFile + "   # or: systemctl start tunxlat");
        }
    }

    private void checkForwarding() {
        boolean v6 = !config.nptv6().isEmpty() || config.hasNat64();
        if (v6) {
            forwarding(s.ipv6Forwarding(), "IPv6", "net.ipv6.conf.all.forwarding");
        }
        if (config.hasNat64()) {
            forwarding(s.ipv4Forwarding(), "IPv4", "net.ipv4.ip_forward");
        }
    }

    private void forwarding(Boolean on, String family, String key) {
        if (on == null) {
            problem(family + " forwarding: cannot read " + key, null);
        } else if (on) {
            ok(family + " forwarding is on (" + key + " = 1)");
        } else {
            problem(family + " forwarding is off (" + key + " = 0)", "sysctl -w " + key + "=1"
                    + "   # and '" + key + " = 1' in /etc/sysctl.d/ to keep it");
        }
    }

    /**
     * Hosts take default routes from router advertisements (RFC 4861 §6.3.4), routers do not (§6.2.7); Linux
     * treats an interface that forwards as a router and ignores advertisements there unless {@code accept_ra} is 2
     * (ip-sysctl.rst), so a default route learned from them expires and is not renewed.
     */
    private void checkAcceptRa() {
        for (Route r : s.raDefaultRoutes()) {
            String dev = r.dev();
            String key = "net.ipv6.conf." + dev + ".accept_ra";
            String acceptRa = s.sysctls().get(key);
            String fwd = s.sysctls().get("net.ipv6.conf." + dev + ".forwarding");
            if (acceptRa == null) {
                problem("the IPv6 default route via " + dev + " comes from router advertisements, but " + key
                        + " cannot be read", null);
            } else if (acceptRa.equals("2")) {
                ok("the IPv6 default route via " + dev + " comes from router advertisements, and " + key
                        + " = 2 keeps taking them while forwarding");
            } else {
                String now = "1".equals(fwd) ? "IPv6 forwarding is on for " + dev
                        : "IPv6 forwarding, which the translator needs, will be on for " + dev;
                problem(now + " and " + key + " = " + acceptRa + ": the kernel ignores router advertisements on a"
                        + " forwarding interface unless accept_ra = 2, so the default route learned from them ('"
                        + r.describe() + "') expires and is not renewed",
                        "sysctl -w " + key + "=2   # and '" + key + " = 2' in /etc/sysctl.d/ to keep it");
            }
        }
    }

    // ---- NAT64 ------------------------------------------------------------------------------------

    private void checkNat64Routes() {
        List<Prefix> done = new ArrayList<>();
        if (config.prefix() != null) {
            routeIntoTun(of(config.prefix()), "the NAT64 prefix", done);
        }
        if (config.dynamicPool() != null) {
            routeIntoTun(of(config.dynamicPool()), "the dynamic pool", done);
        }
        for (MapEntry m : config.maps()) {
            routeIntoTun(of(m.v4()), "map", done);
        }
        // The translator's own addresses (it answers pings there); skipped when inside a prefix above.
        if (config.ipv6Addr() != null) {
            routeIntoTun(of(config.ipv6Addr()), "ipv6-addr", done);
        }
        routeIntoTun(Prefix.ofIpv4(config.ipv4Addr(), 32), "ipv4-addr", done);
    }

    /** RFC 1918 private addresses and RFC 6598 shared address space: not routed on the Internet. */
    private static final Prefix[] PRIVATE4 = {Prefix.ofIpv4(0x0a000000, 8), Prefix.ofIpv4(0xac100000, 12),
        Prefix.ofIpv4(0xc0a80000, 16), Prefix.ofIpv4(0x64400000, 10)};

    /**
     * Private IPv4 addresses of the dynamic pool and the maps must be source-translated (NAT44) on their way to
     * the Internet, as TAYGA's Debian init script does with {@code CONFIGURE_NAT44}.
     */
    private void checkNat44() {
        Firewall fw = s.firewall();
        if (fw == null) {
            return;
        }
        List<Prefix> done = new ArrayList<>();
        if (config.dynamicPool() != null) {
            nat44(of(config.dynamicPool()), "the dynamic pool", fw, done);
        }
        for (MapEntry m : config.maps()) {
            nat44(of(m.v4()), "map " + m.origin(), fw, done);
        }
    }

    private void nat44(Prefix p, String what, Firewall fw, List<Prefix> done) {
        Prefix priv = null;
        for (Prefix x : PRIVATE4) {
            if (x.contains(p)) {
                priv = x;
            }
        }
        if (priv == null || done.stream().anyMatch(d -> d.contains(p))) {
            return; // public addresses need no NAT44; or already checked as part of a larger prefix
        }
        done.add(p);
        for (Firewall.Nat44 n : fw.nat44()) {
            if (n.covers(p)) {
                ok("NAT44: " + what + " " + p + " (private) is source-translated by " + n.describe());
                return;
            }
        }
        Route def = s.covering("main", Prefix.ofIpv4(0, 0));
        String uplink = def == null || def.dev() == null ? "UPLINK" : def.dev();
        boolean iptables = !fw.tools().contains("nft") && fw.tools().contains("iptables");
        String fix = iptables
                ? "iptables -t nat -A POSTROUTING -s " + p + " -o " + uplink + " -j MASQUERADE"
                        + "   # keep it with iptables-persistent"
                : (fw.tools().isEmpty() ? "apt-get install nftables && " : "") + "nft add table ip nat && nft 'add chain"
                        + " ip nat postrouting { type nat hook postrouting priority srcnat; }' && nft add rule ip nat"
                        + " postrouting ip saddr " + p + " oifname " + uplink + " masquerade   # keep it in"
                        + " /etc/nftables.conf";
        problem("no NAT44 (masquerade or snat) for " + what + " " + p + ": its addresses are private (" + priv
                + "), so hosts on the IPv4 Internet cannot answer them", fix);
    }

    /**
     * A forward chain whose policy is drop must accept the translated packets: IPv4 packets coming out of the TUN
     * device (NAT64) and IPv6 packets going into it; for NPTv6 both directions of IPv6.
     */
    private void checkForwardPolicy() {
        Firewall fw = s.firewall();
        if (fw == null) {
            return;
        }
        boolean nat64 = config.hasNat64();
        boolean npt = !config.nptv6().isEmpty();
        for (Firewall.DropChain c : fw.forward()) {
            boolean needFrom = (nat64 && c.carriesIpv4()) || (npt && c.carriesIpv6());
            boolean needTo = (nat64 || npt) && c.carriesIpv6();
            String where = c.nftables() ? "nftables chain " + c.name() : c.name() + " FORWARD chain";
            List<String> missing = new ArrayList<>();
            List<String> fixes = new ArrayList<>();
            if (needFrom && !c.acceptsFrom(tun)) {
                missing.add("packets from " + tun);
                fixes.add(acceptCommand(c, true));
            }
            if (needTo && !c.acceptsTo(tun)) {
                missing.add("packets into " + tun);
                fixes.add(acceptCommand(c, false));
            }
            if (!needFrom && !needTo) {
                continue;
            }
            if (missing.isEmpty()) {
                ok(where + " has policy drop and accepts the translated packets of " + tun);
            } else {
                problem(where + " has policy drop and no accept rule for " + String.join(" or ", missing)
                        + ": translated traffic is dropped", String.join(" && ", fixes));
            }
        }
    }

    /**
     * The rule that accepts the TUN device's packets, inserted first in {@code c}: with iptables for iptables'
     * chains, including the FORWARD chains iptables-nft keeps in nftables (a native nft rule there would make
     * {@code iptables-save} refuse the table).
     */
    private String acceptCommand(Firewall.DropChain c, boolean from) {
        String tool = !c.nftables() ? c.name()
                : c.name().equals("ip filter FORWARD") ? "iptables"
                : c.name().equals("ip6 filter FORWARD") ? "ip6tables" : null;
        if (tool == null) {
            return "nft insert rule " + c.name() + " " + (from ? "iifname" : "oifname") + " " + tun + " accept";
        }
        return tool + " -I FORWARD " + (from ? "-i " : "-o ") + tun + " -j ACCEPT";
    }

    private static Prefix of(Ipv6Prefix p) {
        return new Prefix(p.hi(), p.lo(), p.length());
    }

    private static Prefix of(Ipv4Prefix p) {
        return Prefix.ofIpv4(p.address(), p.length());
    }

    private static String ipCmd(Prefix p) {
        return p.isIpv4() ? "ip route" : "ip -6 route";
    }

    /** The main table must send every address of {@code p} into the TUN device. */
    private void routeIntoTun(Prefix p, String what, List<Prefix> done) {
        for (Prefix d : done) {
            if (d.contains(p)) {
                return; // already checked as part of a larger prefix
            }
        }
        done.add(p);
        Route r = s.covering("main", p);
        if (r != null && r.isUnicast() && tun.equals(r.dev())) {
            ok(what + " " + p + " is routed into " + tun + " (" + r.describe() + ")");
        } else if (r == null) {
            problem("no route sends " + what + " " + p + " into " + tun, ipCmd(p) + " add " + p + " dev " + tun);
        } else {
            problem(what + " " + p + " is routed by '" + r.describe() + "', not into " + tun,
                    ipCmd(p) + (r.dst().equals(p) ? " replace " : " add ") + p + " dev " + tun);
        }
        for (Route x : s.inside("main", p)) {
            if (!tun.equals(x.dev())) {
                problem("part of " + what + " " + p + " is routed elsewhere: " + x.describe(),
                        ipCmd(p) + " del " + x.text() + (x.dev() == null ? "" : " dev " + x.dev()));
            }
        }
    }

    // ---- NPTv6 ------------------------------------------------------------------------------------

    private void checkNptv6(Nptv6Entry e) {
        Prefix in = of(e.inside());
        Prefix out = of(e.outside());
        String name = "nptv6 " + e.inside();
        if (e.direction() != Nptv6Entry.Direction.INBOUND) {
            checkOutbound(in, name);
        }
        if (e.direction() != Nptv6Entry.Direction.OUTBOUND) {
            routeIntoTun(out, "nptv6 outside prefix", outsideDone);
            Route r = s.covering("main", in);
            if (r != null && r.isUnicast() && tun.equals(r.dev())) {
                problem(name + ": the main table routes the inside prefix into " + tun + " ('" + r.describe()
                        + "'), so translated inbound packets would loop", "ip -6 route del " + r.text() + " dev " + tun);
            } else {
                ok(name + ": the inside prefix is not routed into " + tun + " (translated inbound packets go to"
                        + " the LAN)");
            }
        }
    }

    /** The policy rule, its table's default route into the TUN device, and the throw route for the LAN. */
    private void checkOutbound(Prefix in, String name) {
        long mainPriority = Long.MAX_VALUE;
        for (Rule r : s.rules6()) {
            if (r.src() == null && r.iif() == null && !r.otherSelectors() && r.isLookup() && "main".equals(r.table())) {
                mainPriority = r.priority();
                break;
            }
        }
        Rule rule = null;
        for (Rule r : s.rules6()) {
            if (r.priority() >= mainPriority) {
                break;
            }
            if (r.src() != null && r.src().contains(in) && !r.otherSelectors()) {
                rule = r;
                break;
            }
        }
        String table;
        boolean iif;
        if (rule != null && rule.isLookup()) {
            table = rule.table();
            iif = rule.iif() != null;
            ok(name + ": rule '" + rule.describe() + "' sends packets from the inside prefix to table " + table);
        } else {
            table = suggestTable();
            iif = false;
            if (rule != null) {
                problem(name + ": rule '" + rule.describe() + "' catches packets from the inside prefix"
                        + " but does not look up a table", "ip -6 rule del " + ruleSelector(rule) + " priority "
                        + rule.priority() + " && ip -6 rule add from " + in + " lookup " + table);
            } else {
                problem(name + ": no policy rule sends packets from the inside prefix to a table of their own",
                        "ip -6 rule add from " + in + " lookup " + table);
            }
        }
        Route def = null;
        for (Route r : s.routes(table, false)) {
            if (r.dst().length() == 0 && (r.isUnicast() || r.type().equals("throw") || r.type().equals("unreachable")
                    || r.type().equals("blackhole") || r.type().equals("prohibit"))) {
                def = r;
                break;
            }
        }
        if (def != null && def.isUnicast() && tun.equals(def.dev())) {
            ok(name + ": table " + table + " sends everything else into " + tun + " (" + def.describe() + ")");
        } else if (def == null) {
            problem(name + ": table " + table + " has no default route into " + tun,
                    "ip -6 route add default dev " + tun + " table " + table);
        } else {
            problem(name + ": table " + table + " has '" + def.describe() + "' instead of a default route into " + tun,
                    "ip -6 route replace default dev " + tun + " table " + table);
        }
        if (iif) {
            return; // the rule only takes packets arriving on the LAN interface: the router's own are not affected
        }
        Route lan = s.covering(table, in);
        if (lan != null && !(lan.isUnicast() && tun.equals(lan.dev()))) {
            ok(name + ": table " + table + " keeps traffic to the inside prefix out of " + tun + " ("
                    + lan.describe() + ")");
        } else {
            problem(name + ": table " + table + " would also send traffic between inside addresses (and the"
                    + " router's own replies to the LAN) into " + tun, "ip -6 route add throw " + in + " table " + table);
        }
    }

    private static String ruleSelector(Rule r) {
        return "from " + (r.src() == null ? "all" : r.src().toString()) + (r.iif() == null ? "" : " iif " + r.iif());
    }

    /**
     * The table for a missing NPTv6 rule: the one another NPTv6 rule already uses (so that all inside
     * prefixes share it), else one whose default route already goes into the TUN device, else the first
     * number from {@link #FIRST_TABLE} that no rule or route uses.
     */
    private String suggestTable() {
        for (Nptv6Entry e : config.nptv6()) {
            if (e.direction() == Nptv6Entry.Direction.INBOUND) {
                continue;
            }
            Prefix in = of(e.inside());
            for (Rule r : s.rules6()) {
                if (r.isLookup() && r.src() != null && r.src().contains(in) && !r.otherSelectors()
                        && !Set.of("main", "local", "default").contains(r.table())) {
                    return r.table();
                }
            }
        }
        for (Route r : s.routes6()) {
            if (r.dst().length() == 0 && r.isUnicast() && tun.equals(r.dev())
                    && !Set.of("main", "local", "default").contains(r.table())) {
                return r.table(); // a table already prepared for this (only its rule is missing)
            }
        }
        Set<String> used = new LinkedHashSet<>();
        s.rules6().forEach(r -> used.add(r.table()));
        s.routes6().forEach(r -> used.add(r.table()));
        s.routes4().forEach(r -> used.add(r.table()));
        int t = FIRST_TABLE;
        while (used.contains(Integer.toString(t))) {
            t++;
        }
        return Integer.toString(t);
    }
}
