// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * Reads the host's state from {@code ip -j} output (parsed by {@link Iproute#json}): which interface is the uplink,
 * its SLAAC /64, whether the host has IPv4 of its own, whether another CLAT runs. Pure functions of that output,
 * so that {@code ClatHostScanTest} can feed them what real hosts print.
 */
final class ClatHostScan {
    /** RFC 7335: the IPv4 Service Continuity Prefix, 192.0.0.0/29, where every CLAT puts its IPv4 address. */
    static final Ipv4Prefix CONTINUITY = new Ipv4Prefix(0xc0000000, 29);
    /**
     * Names other CLATs give their devices: clatd's {@code clat} (and {@code clat4}, {@code clat0}... when several
     * run), Android's clatd {@code v4-IFACE}, systemd-networkd's CLAT {@code cl-IFACE} (its pull request #41412:
     * a TUN device per link).
     */
    static final Pattern CLAT_DEVICE = Pattern.compile("clat[0-9a-z_-]*|v4-.+|cl-.+");

    private ClatHostScan() {
    }

    /** The device of a route answer: {@code ip -j -6 route get} or one of {@code ip -j -6 route show default}. */
    static String deviceOf(Map<?, ?> route) {
        Object dev = route.get("dev");
        if (dev instanceof String s) {
            return s;
        }
        if (route.get("nexthops") instanceof List<?> hops && !hops.isEmpty() && hops.get(0) instanceof Map<?, ?> h
                && h.get("dev") instanceof String s) {
            return s; // multipath (ECMP) default: the first next hop's device
        }
        return null;
    }

    /** The default route with the lowest metric among {@code ip -j -6 route show default}, or null if none. */
    static Map<?, ?> bestDefault(List<Object> routes) {
        Map<?, ?> best = null;
        long bestMetric = Long.MAX_VALUE;
        for (Object o : routes) {
            if (o instanceof Map<?, ?> r && isUnicast(r) && deviceOf(r) != null) {
                long metric = r.get("metric") instanceof Long m ? m : 0;
                if (metric < bestMetric) {
                    best = r;
                    bestMetric = metric;
                }
            }
        }
        return best;
    }

    private static boolean isUnicast(Map<?, ?> route) {
        Object type = route.get("type");
        return type == null || "unicast".equals(type);
    }

    /** One address of {@code ip -j addr show}: the link, the address and its flags. */
    record Addr(String dev, String local, int prefixLength, Map<?, ?> info) {
        boolean flag(String name) {
            return Boolean.TRUE.equals(info.get(name));
        }

        boolean isIpv4() {
            return "inet".equals(info.get("family"));
        }

        String text() {
            return local + "/" + prefixLength;
        }
    }

    /** Flattens {@code ip -j addr show} (links, each with {@code addr_info}) into its addresses. */
    static List<Addr> addresses(List<Object> links) {
        List<Addr> out = new ArrayList<>();
        for (Object o : links) {
            if (!(o instanceof Map<?, ?> link) || !(link.get("ifname") instanceof String dev)
                    || !(link.get("addr_info") instanceof List<?> infos)) {
                continue;
            }
            for (Object i : infos) {
                if (i instanceof Map<?, ?> info && info.get("local") instanceof String local
                        && info.get("prefixlen") instanceof Long len) {
                    out.add(new Addr(dev, local, len.intValue(), info));
                }
            }
        }
        return out;
    }

    /**
     * The uplink's SLAAC /64 (RFC 4862 §5.5.3 addresses; RFC 6877 §6.3 takes the CLAT's address from it): a global
     * /64 address on {@code dev} that is neither temporary (RFC 8981 privacy addresses come and go), deprecated
     * (its prefix is leaving), tentative nor a DAD failure. One the kernel made from an RA ({@code dynamic}) is
     * preferred to a static one. Null when there is none.
     */
    static Addr slaacAddress(List<Addr> addresses, String dev) {
        Addr fallback = null;
        for (Addr a : addresses) {
            if (!a.dev.equals(dev) || a.isIpv4() || a.prefixLength != 64 || !"global".equals(a.info.get("scope"))
                    || a.flag("temporary") || a.flag("deprecated") || a.flag("tentative") || a.flag("dadfailed")
                    || Long.valueOf(0).equals(a.info.get("preferred_life_time"))) {
                continue;
            }
            if (a.flag("dynamic")) {
                return a;
            }
            if (fallback == null) {
                fallback = a;
            }
        }
        return fallback;
    }

    /** The /64 of an address. */
    static Ipv6Prefix slash64(String address) {
        long[] a = Addresses.parseIpv6(address);
        return new Ipv6Prefix(a[0], 0, 64);
    }

    /**
     * Whether the host has IPv4 of its own, so the CLAT must stay down (RFC 6877 §6.3 builds the CLAT for hosts
     * without native IPv4; clatd's {@code v4-conncheck} likewise): an IPv4 default route that is neither ours (on
     * {@code tun}) nor another CLAT's (one {@code via inet6}, RFC 8950 style, is how NetworkManager's CLAT routes:
     * {@link #otherClat} reports it). Says which. An IPv4 address without a default route (a container bridge such
     * as docker0, a LAN without a gateway) is not native IPv4: its connected route stays more specific than the
     * CLAT's default route, so both work.
     */
    static Optional<String> nativeIpv4(List<Object> defaults4, String tun) {
        for (Object o : defaults4) {
            if (o instanceof Map<?, ?> r && isUnicast(r) && !tun.equals(deviceOf(r)) && !viaIpv6(r)) {
                String dev = deviceOf(r);
                Object via = r.get("gateway");
                return Optional.of("native IPv4: a default route" + (via != null ? " via " + via : "")
                        + (dev != null ? " dev " + dev : "") + (r.get("table") != null ? " table " + r.get("table") : ""));
            }
        }
        return Optional.empty();
    }

    private static boolean viaIpv6(Map<?, ?> route) {
        return route.get("via") instanceof Map<?, ?> via && "inet6".equals(via.get("family"));
    }

    static boolean inContinuityPrefix(String ipv4) {
        try {
            return CONTINUITY.contains(Addresses.parseIpv4(ipv4));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Another CLAT on this host, which ours must not compete with: the reason, or empty.
     * <ul>
     * <li>an address in 192.0.0.0/29 (RFC 7335, where every CLAT puts its IPv4 side) on an interface not ours:
     * clatd's TAYGA ({@code clat} device, 192.0.0.1), Android's clatd ({@code v4-*}, 192.0.0.4), systemd-networkd's
     * ({@code cl-*}, 192.0.0.1), or NetworkManager 1.52+'s BPF CLAT, which has no device of its own: it puts
     * 192.0.0.5/32 on the uplink itself and translates there;</li>
     * <li>an IPv4 default route {@code via inet6} (NetworkManager's CLAT again: IPv4 routed to an IPv6 gateway);</li>
     * <li>a {@code clatd} process in this network namespace.</li>
     * </ul>
     */
    static Optional<String> otherClat(List<Addr> addresses, List<Object> defaults4, List<String> processes,
            String tun) {
        for (Addr a : addresses) {
            if (a.isIpv4() && !a.dev.equals(tun) && inContinuityPrefix(a.local)) {
                return Optional.of("another CLAT: " + a.text() + " (RFC 7335) on " + a.dev + ", " + whose(a.dev));
            }
        }
        for (Object o : defaults4) {
            if (o instanceof Map<?, ?> r && viaIpv6(r) && !tun.equals(deviceOf(r))) {
                Object host = ((Map<?, ?>) r.get("via")).get("host");
                return Optional.of("another CLAT: an IPv4 default route via inet6 " + host + " dev " + deviceOf(r)
                        + " (how NetworkManager's CLAT routes IPv4)");
            }
        }
        for (String p : processes) {
            String[] pidName = p.split(" ", 2);
            if (pidName.length == 2 && pidName[1].equals("clatd")) {
                return Optional.of("another CLAT: clatd runs (pid " + pidName[0] + ")");
            }
        }
        return Optional.empty();
    }

    private static String whose(String dev) {
        if (dev.startsWith("cl-")) {
            return "as systemd-networkd names its CLAT device";
        }
        if (dev.startsWith("v4-")) {
            return "as Android's clatd names its device";
        }
        if (dev.startsWith("clat")) {
            return "as clatd names TAYGA's device";
        }
        return "as NetworkManager's CLAT (BPF on the uplink itself) sets it";
    }
}
