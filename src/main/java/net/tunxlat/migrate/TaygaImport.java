// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.migrate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.tunxlat.config.ConfigException;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;

/**
 * Turns a Debian TAYGA installation ({@code /etc/tayga.conf} and {@code /etc/default/tayga}) into a
 * tunxlat configuration that does what TAYGA and Debian's init script {@code /etc/init.d/tayga} did:
 *
 * <ul>
 * <li>every line of {@code tayga.conf} is kept as it is (tunxlat reads TAYGA's directives), except
 *     {@code data-dir}, which becomes the tunxlat service's state directory (the only directory its
 *     sandbox lets it write); {@link DynamicMapCopy} carries {@code dynamic.map} over;</li>
 * <li>{@code CONFIGURE_IFACE="yes"}: the script brought the device up, routed {@code dynamic-pool} and
 *     {@code prefix} into it and added {@code IPV4_TUN_ADDR} / {@code IPV6_TUN_ADDR}; tunxlat does the
 *     same with {@code tun-up yes}, {@code tun-route} and {@code tun-ip} each time it creates the device;</li>
 * <li>{@code CONFIGURE_NAT44="yes"}: the script added {@code iptables -t nat -A POSTROUTING -s POOL -j
 *     MASQUERADE} at start and removed it at stop; the result names the pool, and {@link #nat44Dropin}
 *     gives the systemd drop-in that loads tunxlat's {@code nat44.nft} before the service starts and
 *     removes it after it stops.</li>
 * </ul>
 *
 * What the script did not do (route {@code ipv4-addr} or map addresses outside the pool, say) is not
 * added either; the notes name it, since tunxlat, unlike {@code tayga --mktun}, removes the device and
 * every route through it when it stops.
 */
public final class TaygaImport {
    /** The path Debian's tayga package installs. */
    public static final String TAYGA_CONF = "/etc/tayga.conf";
    /** The state directory of tunxlat.service (StateDirectory=tunxlat). */
    public static final String DATA_DIR = "/var/lib/tunxlat";
    /** The nftables script the package installs for NAT44. */
    public static final String NAT44_SCRIPT = "/usr/share/tunxlat/nat44.nft";
    /** The table {@link #NAT44_SCRIPT} creates. */
    public static final String NAT44_TABLE = "ip tunxlat_nat";

    /**
     * @param configText    the tunxlat configuration to write
     * @param config        that configuration, parsed
     * @param taygaDataDir  TAYGA's {@code data-dir}, or null
     * @param nat44Sources  the source prefix TAYGA's init script masqueraded, or null when it did not
     * @param notes         what the administrator must know or do (one sentence each)
     */
    public record Result(String configText, TunxlatConfig config, Path taygaDataDir, String nat44Sources,
            List<String> notes) {}

    private TaygaImport() {}

    /**
     * @param taygaText  the text of tayga.conf
     * @param taygaFile  its name in messages
     * @param defaults   /etc/default/tayga
     * @param dataDir    the {@code data-dir} of the result (tunxlat's state directory)
     * @param outputName the name of the result in messages
     * @param header     comment lines for the top of the result (without "#")
     */
    public static Result convert(String taygaText, Path taygaFile, TaygaDefaults defaults, Path dataDir,
            Path outputName, List<String> header) throws ConfigException {
        ConfigParser.Parsed tayga = ConfigParser.parseWithWarnings(taygaText, taygaFile);
        TunxlatConfig t = tayga.config();
        List<String> notes = new ArrayList<>(tayga.warnings());
        StringBuilder out = new StringBuilder();
        for (String h : header) {
            out.append(h.isEmpty() ? "#" : "# " + h).append('\n');
        }
        out.append('\n');

        for (String line : taygaText.split("\n", -1)) {
            String code = line.indexOf('#') >= 0 ? line.substring(0, line.indexOf('#')) : line;
            String[] words = code.strip().split("\\s+");
            if (words[0].toLowerCase(Locale.ROOT).equals("data-dir")) {
                out.append("# TAYGA's, replaced by tunxlat import-tayga: ").append(line.strip()).append('\n');
                out.append("data-dir ").append(dataDir).append('\n');
            } else {
                out.append(line).append('\n');
            }
        }
        trimTrailingBlankLines(out);

        if (t.dataDir() == null) {
            notes.add(taygaFile + " has no data-dir: TAYGA kept no dynamic bindings across restarts, and neither"
                    + " will tunxlat; add 'data-dir " + dataDir + "' to keep them");
        }
        if (defaults.sets("RUN") && !defaults.yes("RUN")) {
            notes.add(defaults.file() + " sets RUN=\"" + defaults.get("RUN") + "\": the init script did not start TAYGA");
        }
        for (String v : List.of("CONFIGURE_IFACE", "CONFIGURE_NAT44")) {
            if (!defaults.get(v).equals("yes") && !defaults.get(v).equals("no")) {
                notes.add(defaults.file() + ": " + v + "=\"" + defaults.get(v) + "\" is not \"yes\", so the init"
                        + " script took it as \"no\" and so does this import");
            }
        }
        if (!defaults.get("DAEMON_OPTS").isBlank()) {
            notes.add(defaults.file() + ": DAEMON_OPTS=\"" + defaults.get("DAEMON_OPTS") + "\" is not carried over;"
                    + " the tunxlat service takes its options from TUNXLAT_OPTS in /etc/default/tunxlat");
        }

        out.append("\n\n# ---- added by tunxlat import-tayga ----\n");
        if (defaults.yes("CONFIGURE_IFACE")) {
            configureIface(t, defaults, out, notes);
        } else {
            out.append("# ").append(defaults.file()).append(" did not set CONFIGURE_IFACE=\"yes\": the device, its addresses\n")
                    .append("# and its routes were configured outside TAYGA's init script, and still are.\n");
            notes.add("CONFIGURE_IFACE is not \"yes\": whatever brought " + t.tunDevice() + " up and routed into it must"
                    + " now run after tunxlat starts (it creates the device unless it is persistent: tunxlat mktun),"
                    + " or use tun-up, tun-route and tun-ip in the configuration");
        }

        String nat44 = null;
        if (defaults.yes("CONFIGURE_NAT44")) {
            if (t.dynamicPool() == null) {
                notes.add("CONFIGURE_NAT44=\"yes\" but no dynamic-pool: the init script added no masquerade, nor does this import");
            } else {
                nat44 = t.dynamicPool().toString();
                out.append("#\n# CONFIGURE_NAT44=\"yes\": the init script masqueraded the pool ").append(nat44)
                        .append(" (iptables MASQUERADE).\n")
                        .append("# tunxlat does it with nftables, in a drop-in of tunxlat.service (import-tayga\n")
                        .append("# --nat44-dropin writes it) or by hand:\n")
                        .append("#   nft -D NAT44_SOURCES=").append(nat44).append(" -f ").append(NAT44_SCRIPT).append('\n');
            }
        }
        if (nat44 == null && t.dynamicPool() != null && isPrivate(t.dynamicPool())) {
            notes.add("dynamic-pool " + t.dynamicPool() + " is private and CONFIGURE_NAT44 was not \"yes\": if these"
                    + " hosts reach the IPv4 Internet, something else masquerades them; keep it");
        }

        String text = out.toString();
        TunxlatConfig result;
        try {
            result = ConfigParser.parse(text, outputName);
        } catch (ConfigException e) {
            throw new ConfigException(defaults.file(), 0, "the imported configuration does not load: " + e.getMessage()
                    + " (IPV4_TUN_ADDR / IPV6_TUN_ADDR must be addresses such as 192.168.255.254/32)");
        }
        return new Result(text, result, t.dataDir(), nat44, List.copyOf(notes));
    }

    /** What {@code start_server} of /etc/init.d/tayga did for {@code CONFIGURE_IFACE="yes"}. */
    private static void configureIface(TunxlatConfig t, TaygaDefaults defaults, StringBuilder out, List<String> notes) {
        out.append("# CONFIGURE_IFACE=\"yes\" in ").append(defaults.file()).append(": Debian's init script brought ")
                .append(t.tunDevice()).append(" up, routed\n# the pool and the prefix into it and gave it IPV4_TUN_ADDR /")
                .append(" IPV6_TUN_ADDR. tunxlat does\n# the same each time it creates the device (it removes it, routes")
                .append(" included, when it stops).\n");
        if (!t.tunUp()) {
            out.append("tun-up yes\n");
        }
        List<String> routes = new ArrayList<>();
        if (t.dynamicPool() != null) {
            routes.add(t.dynamicPool().toString());
        }
        if (t.prefix() != null) {
            routes.add(t.prefix().toString());
        }
        for (String r : routes) {
            if (!t.tunRoutes().contains(r)) {
                out.append("tun-route ").append(r).append('\n');
            }
        }
        for (String v : List.of("IPV4_TUN_ADDR", "IPV6_TUN_ADDR")) {
            String a = defaults.get(v).strip();
            if (!a.isEmpty()) {
                out.append("tun-ip ").append(a).append('\n');
            }
        }
        Ipv4Prefix pool = t.dynamicPool();
        List<String> unrouted = new ArrayList<>();
        if (t.hasNat64() && (pool == null || !pool.contains(t.ipv4Addr()))) {
            unrouted.add("ipv4-addr " + Addresses.formatIpv4(t.ipv4Addr()));
        }
        if (t.ipv6Addr() != null && (t.prefix() == null || !t.prefix().contains(t.ipv6Addr().hi(), t.ipv6Addr().lo()))) {
            unrouted.add("ipv6-addr " + Addresses.formatIpv6(t.ipv6Addr().hi(), t.ipv6Addr().lo()));
        }
        for (MapEntry m : t.maps()) {
            if (pool == null || !pool.contains(m.v4().address()) || m.v4().length() < pool.length()) {
                unrouted.add("map " + m.v4() + " (" + m.origin() + ")");
            }
        }
        if (!unrouted.isEmpty()) {
            notes.add("the init script routed only dynamic-pool and prefix into " + t.tunDevice() + ", not "
                    + String.join(", ", unrouted) + "; if you routed them yourself (they reach the translator only"
                    + " then), add a tun-route line for each to the configuration");
        }
    }

    /**
     * The systemd drop-in for tunxlat.service that does what TAYGA's init script did for
     * {@code CONFIGURE_NAT44="yes"}: the masquerade exists while the service runs. {@code +} runs the
     * commands as root outside the service's sandbox; {@code -} ignores a missing table at stop.
     */
    public static String nat44Dropin(String sources, Path from) {
        return "# tunxlat.service drop-in written by \"tunxlat import-tayga\" from " + from + ":\n"
                + "# CONFIGURE_NAT44=\"yes\" of Debian's tayga init script. The masquerade of " + sources + "\n"
                + "# is loaded before tunxlat starts and removed after it stops (\"+\": as root, outside\n"
                + "# the service's sandbox). Needs the nftables package (/usr/sbin/nft).\n"
                + "[Service]\n"
                + "ExecStartPre=+/usr/sbin/nft -D NAT44_SOURCES=" + sources + " -f " + NAT44_SCRIPT + "\n"
                + "ExecStopPost=-+/usr/sbin/nft delete table " + NAT44_TABLE + "\n";
    }

    /** RFC 1918 and RFC 6598 (shared address space): addresses that need NAT44 towards the Internet. */
    static boolean isPrivate(Ipv4Prefix p) {
        for (String s : List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")) {
            Ipv4Prefix r = Ipv4Prefix.parse(s, 32);
            if (r.contains(p.address()) && p.length() >= r.length()) {
                return true;
            }
        }
        return false;
    }

    private static void trimTrailingBlankLines(StringBuilder sb) {
        while (sb.length() >= 2 && sb.charAt(sb.length() - 1) == '\n' && sb.charAt(sb.length() - 2) == '\n') {
            sb.setLength(sb.length() - 1);
        }
    }
}
