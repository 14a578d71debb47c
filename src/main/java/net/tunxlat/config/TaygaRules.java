// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;

/**
 * Whole-configuration rules the maintained TAYGA (apalrd/tayga, tayga.conf(5)) applies and tunxlat follows:
 * the translator's own addresses against the maps and the Well-Known Prefix, systemd's
 * {@code $STATE_DIRECTORY} as the default {@code data-dir}, and the {@code data-dir} itself.
 */
public final class TaygaRules {
    private TaygaRules() {}

    /**
     * Refuses what TAYGA refuses at start about the translator's own addresses:
     * <ul>
     * <li>a {@code map} whose IPv4 side is exactly {@code ipv4-addr}: TAYGA keeps its own address as a /32 map,
     *     so the two collide; in tunxlat packets to that address are the translator's own, so the mapped host
     *     would never get a reply (a silent black hole);</li>
     * <li>an {@code ipv6-addr} inside the Well-Known Prefix 64:ff9b::/96 while {@code wkpf-strict} is on:
     *     RFC 6052 §2.1 reserves it for IPv4-embedded addresses, never a host of its own.</li>
     * </ul>
     *
     * @param v4Line   the line of {@code ipv4-addr}
     * @param ipv6Addr {@code ipv6-addr}, or null when derived from the prefix
     * @param v6Line   its line (null when absent)
     * @param lines    the line of each of {@code maps}
     */
    static void checkOwnAddresses(Path file, int ipv4Addr, Integer v4Line, Ipv6Prefix ipv6Addr, Integer v6Line,
            boolean wkpfStrict, List<MapEntry> maps, List<Integer> lines) throws ConfigException {
        Ipv4Prefix own = new Ipv4Prefix(ipv4Addr, 32);
        for (int i = 0; i < maps.size(); i++) {
            if (maps.get(i).v4().equals(own)) {
                throw new ConfigException(file, lines.get(i), "'map' IPv4 side " + own.toString().replace("/32", "")
                        + " is the translator's own 'ipv4-addr' (line " + v4Line + "): packets to it are answered by"
                        + " the translator, so the mapped host would never get replies; map another IPv4 address or"
                        + " choose another 'ipv4-addr'");
            }
        }
        if (ipv6Addr != null && wkpfStrict && Rfc6052.WELL_KNOWN_PREFIX.contains(ipv6Addr.hi(), ipv6Addr.lo())) {
            throw new ConfigException(file, v6Line == null ? 0 : v6Line, "'ipv6-addr' "
                    + Addresses.formatIpv6(ipv6Addr.hi(), ipv6Addr.lo()) + " lies in the Well-Known Prefix 64:ff9b::/96,"
                    + " which holds only IPv4-embedded addresses (RFC 6052 §2.1); choose an address of your own IPv6"
                    + " network, or set 'wkpf-strict no'");
        }
    }

    /**
     * Whether {@code ipv4Addr} lies in 192.0.0.0/29, the IPv4 Service Continuity Prefix that RFC 7335 §4 sets
     * aside for the CLAT of 464XLAT (clatd's {@code tayga-v4-addr} default 192.0.0.2, the same in
     * {@code tunxlat clat}). Such an {@code ipv4-addr} is not global (RFC 6052 §3.1), yet with the Well-Known Prefix
     * and no {@code ipv6-addr} the translator's own IPv6 address is still derived from the two (64:ff9b::c000:2),
     * as TAYGA 0.9.2 derives it: that is the configuration clatd writes for a network whose NAT64 uses
     * 64:ff9b::/96 (and the maintained TAYGA's refusal of it is its open issue #93, "CLATD relies on not setting
     * ipv6-addr"). The address only sources the translator's own ICMPv6 errors and answers echoes; no host's
     * packet is ever translated to or from it, so the §3.1 rule on translated packets is not bent.
     */
    static boolean isClatOwnIpv4(int ipv4Addr) {
        return (ipv4Addr & 0xfffffff8) == 0xc0000000;
    }

    /**
     * The default {@code data-dir}: systemd's {@code $STATE_DIRECTORY} (set by {@code StateDirectory=}), the first
     * directory when it lists several separated by ':', or null when unset or empty.
     *
     * @throws ConfigException if it is not an absolute path
     */
    static Path stateDirectory(Path file, Function<String, String> env) throws ConfigException {
        String value = env.apply(ConfigParser.STATE_DIRECTORY);
        if (value == null || value.isEmpty()) {
            return null;
        }
        int colon = value.indexOf(':');
        String first = colon >= 0 ? value.substring(0, colon) : value;
        Path p;
        try {
            p = Path.of(first);
        } catch (InvalidPathException e) {
            p = null;
        }
        if (p == null || !p.isAbsolute()) {
            throw new ConfigException(file, 0, "no 'data-dir', and $" + ConfigParser.STATE_DIRECTORY + " '" + value
                    + "' (the default data-dir) is not an absolute path; add 'data-dir /ABSOLUTE/PATH'");
        }
        return p;
    }

    /**
     * What is wrong with {@code config}'s {@code data-dir} as seen by this process (it does not exist, is not a
     * directory, or cannot be written), or null when it is usable or not configured. {@code tunxlat check}
     * reports it as a warning (the service may run as another user); the daemon refuses to start on it.
     */
    public static String dataDirProblem(TunxlatConfig config) {
        Path dir = config.dataDir();
        if (dir == null) {
            return null;
        }
        String what = "'data-dir' " + dir;
        String fix = "create it writable by the user tunxlat runs as (for example 'install -d -o USER " + dir
                + "'), or name another directory";
        if (!Files.exists(dir)) {
            return what + " does not exist; " + fix;
        }
        if (!Files.isDirectory(dir)) {
            return what + " is not a directory; " + fix;
        }
        if (!Files.isWritable(dir) || !Files.isExecutable(dir)) {
            return what + " is not writable by this process (user " + System.getProperty("user.name") + "); " + fix;
        }
        return null;
    }
}
