// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import net.tunxlat.clat.ClatHostScan.Addr;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.util.Log;

/**
 * The host plumbing of the CLAT (RFC 6877 464XLAT, customer side): everything around the translator that makes a
 * host's IPv4 traffic go into the TUN device and the translated IPv6 traffic come back. Control plane only: it
 * runs {@code ip} and sets sysctls through an {@link Iproute} (see there why a program and not rtnetlink), in the
 * network namespace of the calling thread.
 *
 * <ol>
 * <li>{@link #uplink}: the interface of the IPv6 route towards the NAT64 prefix, its SLAAC /64 and MTU;</li>
 * <li>{@link #nativeIpv4} and {@link #otherClat}: when the CLAT must stay down;</li>
 * <li>{@link #claimAddress}: the CLAT's own IPv6 address (RFC 6877 §6.3), generated ({@link ClatHostAddress}),
 * checked by the kernel's duplicate address detection;</li>
 * <li>{@link #publish}: makes that address reach the TUN device: proxy-ND on the uplink and a /128 route;</li>
 * <li>{@link #setUpTun}: 192.0.0.1/29 (RFC 7335), the MTU, the IPv4 default route with a high metric;</li>
 * <li>{@link #teardown}: takes back exactly what the steps added, in reverse order.</li>
 * </ol>
 *
 * Every change is recorded (with the command that undoes it) the moment it is made, so a teardown after a failed or
 * partial setup removes what was done and nothing else; the host's own addresses are never touched. Methods are
 * synchronized: one controller thread drives a host, but a shutdown hook may tear down from another.
 */
public final class ClatHost {
    /** RFC 7335 / RFC 6877: the host's IPv4 address on the CLAT, in 192.0.0.0/29. */
    public static final String HOST_IPV4 = "192.0.0.1";
    /** RFC 7335: the translator's own IPv4 address (the source of its ICMPv4 errors, the first traceroute hop). */
    public static final String TRANSLATOR_IPV4 = "192.0.0.2";
    /** The TUN device's IPv4 subnet: the whole IPv4 Service Continuity Prefix 192.0.0.0/29 (RFC 7335 §3). */
    public static final int TUN_PREFIX_LENGTH = 29;
    /**
     * The metric of the CLAT's IPv4 default route: 10000, far above every native one, so that native IPv4, when it
     * appears while the CLAT runs, wins at once (before the controller steps aside): DHCP clients install theirs at
     * 0 (ifupdown), 100-600 (NetworkManager), 1024 (systemd-networkd), 1000/2000/3000 + ifindex (dhcpcd). It is
     * also above the other CLATs' (clatd 2048, networkd's proposal 2048), which the controller yields to as well.
     */
    public static final int DEFAULT_ROUTE_METRIC = 10000;
    /** RFC 7915 §4: an IPv4 header (20 bytes) becomes an IPv6 header (40 bytes). */
    public static final int TRANSLATION_GROWTH = 20;
    /** Addresses tried: the first and RFC 7217 §6's {@code IDGEN_RETRIES} (3) more after DAD failures. */
    public static final int DEFAULT_DAD_TRIES = 4;
    private static final Duration DAD_POLL = Duration.ofMillis(100);
    /** A bound on the counter: reserved identifiers and the host's own addresses are skipped, never forever. */
    private static final int MAX_COUNTER = 1000;

    /**
     * @param dataDir      where the address secret lives ({@link ClatHostAddress#SECRET_FILE})
     * @param tunDevice    the TUN device the daemon created ({@code clat})
     * @param routedPrefix a prefix the network routes to this host (DHCPv6-PD, a static route): the CLAT address is
     *                     made in it and simply routed to the TUN device, without DAD or proxy-ND; null for the
     *                     usual SLAAC /64 of the uplink
     * @param routeMetric  the IPv4 default route's metric ({@link #DEFAULT_ROUTE_METRIC})
     * @param dadTries     addresses tried before giving up ({@link #DEFAULT_DAD_TRIES})
     * @param dadTimeout   how long one DAD may take (the kernel's: up to 1 s of random delay, then
     *                     DupAddrDetectTransmits x RetransTimer, 1 s by default)
     */
    public record Options(Path dataDir, String tunDevice, Ipv6Prefix routedPrefix, int routeMetric, int dadTries,
            Duration dadTimeout) {
        public Options {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(tunDevice, "tunDevice");
            if (dadTries < 1) {
                throw new IllegalArgumentException("dadTries must be at least 1, not " + dadTries);
            }
        }

        /** The usual options: SLAAC mode, metric {@value #DEFAULT_ROUTE_METRIC}, 4 DAD tries of 5 s at most. */
        public static Options of(Path dataDir, String tunDevice) {
            return new Options(dataDir, tunDevice, null, DEFAULT_ROUTE_METRIC, DEFAULT_DAD_TRIES, Duration.ofSeconds(5));
        }

        public Options withRoutedPrefix(Ipv6Prefix prefix) {
            return new Options(dataDir, tunDevice, prefix, routeMetric, dadTries, dadTimeout);
        }

        public Options withDad(int tries, Duration timeout) {
            return new Options(dataDir, tunDevice, routedPrefix, routeMetric, tries, timeout);
        }
    }

    /** No free address: every candidate failed DAD (or was the host's own). */
    public static final class DadFailedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final List<String> tried;

        DadFailedException(String message, List<String> tried) {
            super(message);
            this.tried = List.copyOf(tried);
        }

        /** The addresses that were tried, in order. */
        public List<String> tried() {
            return tried;
        }
    }

    /** What {@link #setUp} brought up. */
    public record Setup(ClatHostUplink uplink, String address, int tunMtu) {
    }

    private record Undo(String what, Step step) {
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    private final Iproute ip;
    private final Options options;
    /** What was added, oldest first; {@link #teardown} undoes it newest first. */
    private final List<Undo> journal = new ArrayList<>();

    public ClatHost(Iproute ip, Options options) {
        this.ip = Objects.requireNonNull(ip, "ip");
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    // ---- looking --------------------------------------------------------------------------------------------------

    /**
     * The uplink: the interface of the IPv6 route towards {@code nat64} (the route lookup the kernel will do for the
     * translated packets: {@code ip -6 route get}), or of the best IPv6 default route when no prefix is known yet;
     * with its SLAAC /64 ({@link ClatHostScan#slaacAddress}) and IPv6 MTU. In routed-prefix mode the /64 is not
     * needed and the routed prefix stands in its place.
     */
    public synchronized ClatHostUplink uplink(Ipv6Prefix nat64) throws IOException {
        String dev;
        if (nat64 != null) {
            List<Object> r;
            try {
                r = ip.json("-6", "route", "get", Addresses.formatIpv6(nat64.hi(), nat64.lo()));
            } catch (Iproute.IprouteException e) {
                // "Network is unreachable": the uplink went down (the kernel took its routes), or no RA came yet
                throw new IOException("no IPv6 route towards the NAT64 prefix " + nat64 + " (the uplink down, or no"
                        + " router advertisement yet?): " + e.stderr(), e);
            }
            dev = r.isEmpty() || !(r.get(0) instanceof Map<?, ?> m) ? null : ClatHostScan.deviceOf(m);
            if (dev == null) {
                throw new IOException("no IPv6 route towards the NAT64 prefix " + nat64);
            }
        } else {
            Map<?, ?> best = ClatHostScan.bestDefault(ip.json("-6", "route", "show", "default"));
            if (best == null) {
                throw new IOException("no IPv6 default route (no router advertisement yet?)");
            }
            dev = ClatHostScan.deviceOf(best);
        }
        int mtu = mtuOf(dev);
        if (options.routedPrefix != null) {
            return new ClatHostUplink(dev, options.routedPrefix, mtu, "the routed prefix option");
        }
        Addr slaac = ClatHostScan.slaacAddress(ClatHostScan.addresses(ip.json("-6", "addr", "show", "dev", dev)), dev);
        if (slaac == null) {
            throw new IOException("the uplink " + dev + " has no global SLAAC /64 address (none, or only temporary,"
                    + " deprecated or tentative ones): the CLAT address is made in that /64 (RFC 6877 section 6.3)");
        }
        return new ClatHostUplink(dev, ClatHostScan.slash64(slaac.local()), mtu, slaac.local());
    }

    private int mtuOf(String dev) throws IOException {
        try {
            return Integer.parseInt(ip.sysctl("net.ipv6.conf." + dev + ".mtu"));
        } catch (NumberFormatException e) {
            throw new IOException("unreadable net.ipv6.conf." + dev + ".mtu", e);
        }
    }

    /**
     * Whether the host has native IPv4 (an IPv4 default route that is not a CLAT's), in which case the CLAT must stay
     * down: the reason, for the log and {@code doctor}, or empty.
     */
    public synchronized Optional<String> nativeIpv4() throws IOException {
        return ClatHostScan.nativeIpv4(ip.json("-4", "route", "show", "table", "all", "default"), options.tunDevice);
    }

    /** Whether another CLAT runs on this host ({@link ClatHostScan#otherClat}): the reason, or empty. */
    public synchronized Optional<String> otherClat() throws IOException {
        return ClatHostScan.otherClat(ClatHostScan.addresses(ip.json("-4", "addr", "show")),
                ip.json("-4", "route", "show", "table", "all", "default"), ip.processes(), options.tunDevice);
    }

    // ---- the CLAT's IPv6 address ----------------------------------------------------------------------------------

    /**
     * RFC 6877 §6.3: the CLAT's dedicated IPv6 address. Generated ({@link ClatHostAddress#candidate}) in the uplink's
     * /64, never one of the host's own addresses, and checked by the kernel's duplicate address detection (RFC 4862
     * §5.4): added to the uplink as a /128 without {@code nodad}, {@code noprefixroute} and deprecated
     * ({@code preferred_lft 0}, so no socket picks it as a source meanwhile), watched until it is no longer
     * tentative, then removed again (the host does not own it: proxy-ND answers for it, {@link #publish}). A DAD
     * failure moves on to the next counter value (RFC 7217 §6), at most {@link Options#dadTries} addresses. In
     * routed-prefix mode the network routes the prefix here, so nobody else can hold the address: no DAD.
     *
     * @throws DadFailedException when every candidate was a duplicate
     */
    public synchronized String claimAddress(ClatHostUplink uplink) throws IOException {
        byte[] secret = ClatHostAddress.secret(options.dataDir);
        Set<String> own = new HashSet<>();
        for (Addr a : ClatHostScan.addresses(ip.json("-6", "addr", "show"))) {
            own.add(canonical(a.local()));
        }
        if ("0".equals(ip.sysctl("net.ipv6.conf." + uplink.name() + ".accept_dad"))) {
            Log.warn("CLAT: duplicate address detection is off on " + uplink.name()
                    + " (net.ipv6.conf." + uplink.name() + ".accept_dad=0): the CLAT address is not checked");
        }
        List<String> tried = new ArrayList<>();
        int counter = 0;
        for (int attempt = 0; attempt < options.dadTries && counter < MAX_COUNTER; counter++) {
            long[] a = ClatHostAddress.candidate(secret, uplink.name(), uplink.prefix(), counter);
            if (a == null || own.contains(ClatHostAddress.format(a))) {
                continue; // reserved identifier, or the host's own address: not a try
            }
            attempt++;
            String address = ClatHostAddress.format(a);
            if (options.routedPrefix != null) {
                return address;
            }
            tried.add(address);
            if (probe(uplink.name(), address)) {
                Log.info("CLAT: address " + address + " on " + uplink.name() + " passed duplicate address detection");
                return address;
            }
            Log.warn("CLAT: " + address + " is already in use on " + uplink.name() + " (DAD failed), trying another");
        }
        throw new DadFailedException("no CLAT address free on " + uplink.name() + ": duplicate address detection failed"
                + " for " + String.join(", ", tried), tried);
    }

    /** RFC 4862 §5.4 by the kernel: true if {@code address} passed DAD on {@code dev}, false on a duplicate. */
    private boolean probe(String dev, String address) throws IOException {
        String slash128 = address + "/128";
        run("probe address " + slash128 + " on " + dev,
                new String[] {"ip", "-6", "addr", "add", slash128, "dev", dev, "noprefixroute", "preferred_lft", "0"},
                new String[] {"ip", "-6", "addr", "del", slash128, "dev", dev});
        try {
            long deadline = System.nanoTime() + options.dadTimeout.toNanos();
            while (true) {
                Addr found = null;
                for (Addr a : ClatHostScan.addresses(ip.json("-6", "addr", "show", "dev", dev))) {
                    if (a.prefixLength() == 128 && canonical(a.local()).equals(address)) {
                        found = a;
                    }
                }
                if (found == null || found.flag("dadfailed")) {
                    return false; // the kernel may drop a failed address or keep it flagged dadfailed
                }
                if (!found.flag("tentative")) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("duplicate address detection of " + address + " on " + dev
                            + " did not end within " + options.dadTimeout.toMillis() + " ms");
                }
                sleep(DAD_POLL);
            }
        } finally {
            undoLast("probe address " + slash128 + " on " + dev);
        }
    }

    // ---- making it reachable -------------------------------------------------------------------------------------

    /**
     * Makes {@code address} reach the TUN device: a /128 route to it and, in SLAAC mode, proxy-ND on the uplink
     * ({@code ip -6 neigh add proxy}, with {@code proxy_ndp} on), so that the router's neighbour solicitations for
     * the CLAT address are answered with the uplink's link-layer address. The TUN device must be up
     * ({@link #setUpTun} first). The kernel answers proxied solicitations
     * and forwards the packets to the TUN device only when it forwards IPv6, so forwarding is switched on if it is
     * off; then a host stops taking router advertisements ({@code accept_ra=1} means "unless forwarding"), which
     * would lose its SLAAC addresses and default route, so every interface with {@code accept_ra=1} (and the
     * {@code default} template) is set to 2 first, as clatd does. Each sysctl is put back by {@link #teardown}.
     */
    public synchronized void publish(ClatHostUplink uplink, String address) throws IOException {
        if (!"0".equals(ip.sysctl("net.ipv6.conf.all.forwarding")) && !"0".equals(
                ip.sysctl("net.ipv6.conf." + uplink.name() + ".forwarding"))) {
            Log.debug("CLAT: IPv6 forwarding is already on");
        } else {
            List<String> names = new ArrayList<>();
            for (Object o : ip.json("link", "show")) {
                if (o instanceof Map<?, ?> l && l.get("ifname") instanceof String n) {
                    names.add(n);
                }
            }
            names.add("default");
            for (String n : names) {
                if (n.equals(options.tunDevice) || n.equals("lo")) {
                    continue;
                }
                String key = "net.ipv6.conf." + n + ".accept_ra";
                String v = readSysctlOrNull(key);
                if ("1".equals(v)) {
                    setSysctl(key, "2");
                }
            }
            setSysctl("net.ipv6.conf.all.forwarding", "1");
            // "all" sets every interface's own value; the uplink's is the one proxy-ND asks (a no-op, unless an
            // interface switched its own off again meanwhile)
            setSysctl("net.ipv6.conf." + uplink.name() + ".forwarding", "1");
        }
        if (options.routedPrefix == null) {
            setSysctl("net.ipv6.conf." + uplink.name() + ".proxy_ndp", "1");
            run("proxy-ND entry for " + address + " on " + uplink.name(),
                    new String[] {"ip", "-6", "neigh", "add", "proxy", address, "dev", uplink.name()},
                    new String[] {"ip", "-6", "neigh", "del", "proxy", address, "dev", uplink.name()});
        }
        run("route " + address + "/128 to " + options.tunDevice,
                new String[] {"ip", "-6", "route", "add", address + "/128", "dev", options.tunDevice},
                new String[] {"ip", "-6", "route", "del", address + "/128", "dev", options.tunDevice});
    }

    private String readSysctlOrNull(String key) {
        try {
            return ip.sysctl(key);
        } catch (IOException e) {
            return null; // an interface without IPv6 (disable_ipv6 or gone meanwhile)
        }
    }

    // ---- the TUN side ---------------------------------------------------------------------------------------------

    /**
     * The TUN device's IPv4 side: the host's address {@value #HOST_IPV4}/29 (RFC 7335: 192.0.0.0/29 is reserved for
     * exactly this; the translator answers at {@value #TRANSLATOR_IPV4}, inside the subnet), link up, and an IPv4
     * default route through it with metric {@link Options#routeMetric} (native IPv4 always wins, see
     * {@link #DEFAULT_ROUTE_METRIC}) and an advertised TCP MSS of MTU - 40.
     *
     * <p>Before the link goes up, {@link #quietIpv6}: no link-local address and no multicast on the device, so the
     * kernel sends no MLD reports (RFC 3810 §6) nor router solicitations (RFC 4861 §6.3.7) into it, where the
     * translator can only drop them ({@code forbidden_dst_64}: link-local and multicast destinations are not
     * translated, RFC 7915 §5.1). IPv6 stays enabled on the device: the CLAT address's /128 route points into it.
     *
     * <p>MTU: the uplink's IPv6 MTU minus 20, because RFC 7915 §4 replaces the 20-byte IPv4 header by a 40-byte IPv6
     * header: a packet that fills the TUN device's MTU fills the uplink's once translated, so the host's own IPv4
     * traffic needs no fragmentation by the translator and TCP advertises an MSS whose segments fit the IPv6 path.
     * (Larger IPv4 packets without DF are still fragmented by the translator, RFC 7915 §4.1; this only keeps it
     * rare.)
     *
     * @return the MTU set on the TUN device
     */
    public synchronized int setUpTun(ClatHostUplink uplink) throws IOException {
        String tun = options.tunDevice;
        int mtu = uplink.mtu() - TRANSLATION_GROWTH;
        if (mtu < 68) {
            throw new IOException("the uplink's MTU " + uplink.mtu() + " leaves " + mtu
                    + " for IPv4, below IPv4's minimum 68 (RFC 791)");
        }
        List<Object> links = ip.json("-d", "link", "show", "dev", tun);
        if (links.isEmpty() || !(links.get(0) instanceof Map<?, ?> link)) {
            throw new IOException("no TUN device " + tun);
        }
        boolean up = link.get("flags") instanceof List<?> flags && flags.contains("UP");
        if (!up) {
            quietIpv6(tun, link);
        } else {
            Log.debug("CLAT: " + tun + " is up already: its own IPv6 traffic (MLD, router solicitations) may reach"
                    + " the translator");
        }
        String hostAddress = HOST_IPV4 + "/" + TUN_PREFIX_LENGTH;
        run("address " + hostAddress + " on " + tun,
                new String[] {"ip", "addr", "add", hostAddress, "dev", tun},
                new String[] {"ip", "addr", "del", hostAddress, "dev", tun});
        if (link.get("mtu") instanceof Long old && old != mtu) {
            run("MTU " + mtu + " on " + tun + " (was " + old + ")",
                    new String[] {"ip", "link", "set", "dev", tun, "mtu", Integer.toString(mtu)},
                    new String[] {"ip", "link", "set", "dev", tun, "mtu", Long.toString(old)});
        }
        if (!up) {
            run(tun + " up", new String[] {"ip", "link", "set", "dev", tun, "up"},
                    new String[] {"ip", "link", "set", "dev", tun, "down"});
        }
        String metric = Integer.toString(options.routeMetric);
        String advmss = Integer.toString(mtu - 40);
        run("IPv4 default route dev " + tun + " metric " + metric,
                new String[] {"ip", "-4", "route", "add", "default", "dev", tun, "metric", metric, "advmss", advmss},
                new String[] {"ip", "-4", "route", "del", "default", "dev", tun, "metric", metric});
        return mtu;
    }

    /**
     * Keeps the kernel's own IPv6 packets out of the TUN device, which is still down ({@code link} is its
     * {@code ip -d -j link} entry). Without this the translator receives and drops ({@code forbidden_dst_64})
     * router solicitations and MLD reports the kernel sends from the device:
     * <ul>
     *   <li>{@code addrgenmode none}: no link-local address (RFC 4862 §5.3), so no router solicitation (RFC 4861
     *       §6.3.7) and no solicited-node group to report.</li>
     *   <li>{@code multicast off}: with IPv6 forwarding on (the CLAT turns it on, a router has it on) the kernel
     *       joins the all-routers groups ff02::2 and ff05::2 on every multicast-capable interface and reports them
     *       (RFC 3810 §6, from {@code ::} for want of a link-local address); on a device without
     *       {@code IFF_MULTICAST} it does not. The all-nodes group it keeps is never reported (RFC 3810 §6).</li>
     *   <li>A device made while forwarding was already on has joined the all-routers groups at its creation. They are
     *       left now, while the device is down, in MLDv1 mode ({@code force_mld_version=1}): an MLDv1 leave of a group
     *       never reported sends nothing (RFC 2710 §4), where MLDv2 would keep a state-change record and send it
     *       once the device is up (RFC 3810 §6.1). Forwarding and the MLD version are put back at once.</li>
     * </ul>
     * IPv6 itself stays on ({@code disable_ipv6} untouched): the CLAT address is routed into the device. The two
     * {@code ip link} changes are journaled; the two sysctls end as they were, so there is nothing to undo.
     */
    private void quietIpv6(String tun, Map<?, ?> link) throws IOException {
        if (link.get("inet6_addr_gen_mode") instanceof String mode && !mode.equals("none")) {
            run("no IPv6 link-local address on " + tun + " (addrgenmode none, was " + mode + ")",
                    new String[] {"ip", "link", "set", "dev", tun, "addrgenmode", "none"},
                    new String[] {"ip", "link", "set", "dev", tun, "addrgenmode", mode});
        }
        if (!(link.get("flags") instanceof List<?> flags && flags.contains("MULTICAST"))) {
            return;
        }
        String forwarding = "net.ipv6.conf." + tun + ".forwarding";
        String mld = "net.ipv6.conf." + tun + ".force_mld_version";
        boolean joined = "1".equals(readSysctlOrNull(forwarding));
        String mldBefore = joined ? ip.sysctl(mld) : null;
        try {
            if (joined) {
                ip.setSysctl(mld, "1");
                ip.setSysctl(forwarding, "0"); // leaves ff02::2, ff05::2 and ff01::2, silently (see above)
            }
            run("no multicast on " + tun + " (no all-routers groups, no MLD reports)",
                    new String[] {"ip", "link", "set", "dev", tun, "multicast", "off"},
                    new String[] {"ip", "link", "set", "dev", tun, "multicast", "on"});
        } finally {
            if (joined) {
                ip.setSysctl(forwarding, "1"); // joins nothing now: the device has no IFF_MULTICAST
                ip.setSysctl(mld, mldBefore);
            }
        }
    }

    // ---- all of it --------------------------------------------------------------------------------------------

    /**
     * The whole setup in order: uplink towards {@code nat64}, address, TUN side (up first: the kernel refuses a
     * route into a device that is down), publication. It does not look for
     * native IPv4 or another CLAT: the controller asks {@link #nativeIpv4} and {@link #otherClat} first. On failure
     * what was done stays recorded: call {@link #teardown}.
     */
    public synchronized Setup setUp(Ipv6Prefix nat64) throws IOException {
        ClatHostUplink uplink = uplink(nat64);
        String address = claimAddress(uplink);
        int mtu = setUpTun(uplink); // first: a route into the TUN device needs it up
        publish(uplink, address);
        Log.info("CLAT: " + HOST_IPV4 + " on " + options.tunDevice + " (MTU " + mtu + ") <-> " + address + " via "
                + uplink);
        return new Setup(uplink, address, mtu);
    }

    /** What is currently added, oldest first (for {@code doctor} and the tests). */
    public synchronized List<String> added() {
        List<String> out = new ArrayList<>();
        for (Undo u : journal) {
            out.add(u.what);
        }
        return out;
    }

    /**
     * Takes back everything that was added, newest first: routes, the proxy-ND entry, addresses, sysctls set back
     * to their old values. A thing already gone (the daemon removed the TUN device and with it its address and
     * routes) counts as undone. Safe to call twice and after a partial setup. What could not be undone stays
     * recorded (a second call tries again) and is returned.
     *
     * @return the problems, empty when everything was taken back
     */
    public synchronized List<String> teardown() {
        List<String> problems = new ArrayList<>();
        List<Undo> kept = new ArrayList<>();
        for (int i = journal.size() - 1; i >= 0; i--) {
            Undo u = journal.get(i);
            try {
                u.step.run();
            } catch (Iproute.IprouteException e) {
                if (!alreadyGone(e.stderr())) {
                    problems.add("cannot undo " + u.what + ": " + e.getMessage());
                    kept.add(0, u);
                }
            } catch (IOException e) {
                problems.add("cannot undo " + u.what + ": " + e.getMessage());
                kept.add(0, u);
            }
        }
        journal.clear();
        journal.addAll(kept);
        for (String p : problems) {
            Log.warn("CLAT: " + p);
        }
        return problems;
    }

    /** iproute2's answers when the thing to delete is not there (any more). */
    static boolean alreadyGone(String stderr) {
        return stderr.contains("Cannot find device") || stderr.contains("No such process")
                || stderr.contains("Cannot assign requested address") || stderr.contains("No such device")
                || stderr.contains("No such file or directory") || stderr.contains("does not exist");
    }

    // ---- the journal ------------------------------------------------------------------------------------------

    /** Runs {@code doIt} and, once it succeeded, records {@code undo} as the way back. */
    private void run(String what, String[] doIt, String[] undo) throws IOException {
        ip.run(doIt);
        journal.add(new Undo(what, () -> ip.run(undo)));
        Log.debug("CLAT: added " + what);
    }

    /** Sets a sysctl, recording its old value to put back (nothing is recorded when it already has the value). */
    private void setSysctl(String key, String value) throws IOException {
        String old = ip.sysctl(key);
        if (old.equals(value)) {
            return;
        }
        ip.setSysctl(key, value);
        journal.add(new Undo(key + "=" + value + " (was " + old + ")", () -> ip.setSysctl(key, old)));
    }

    /** Undoes and forgets the newest entry, which must be {@code what}. */
    private void undoLast(String what) throws IOException {
        Undo last = journal.get(journal.size() - 1);
        if (!last.what.equals(what)) {
            throw new IllegalStateException("journal out of order: " + last.what + " is newest, not " + what);
        }
        try {
            last.step.run();
        } catch (Iproute.IprouteException e) {
            if (!alreadyGone(e.stderr())) {
                throw e;
            }
        }
        journal.remove(journal.size() - 1);
    }

    private static String canonical(String ipv6) {
        long[] a = Addresses.parseIpv6(ipv6);
        return Addresses.formatIpv6(a[0], a[1]);
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
