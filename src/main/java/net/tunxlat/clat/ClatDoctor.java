// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.tunxlat.doctor.Doctor;

/**
 * {@code tunxlat doctor --clat}: explains a CLAT host's state from the running CLAT's status file
 * ({@link ClatStatus}) and the system: whether the CLAT runs, why it is down and whether that is right, and, when
 * it is up, whether what it needs is in place (the device with 192.0.0.1, the IPv4 default route into it, the CLAT
 * address answered for on the uplink and routed into the device, IPv6 forwarding, router advertisements still
 * accepted on a forwarding uplink). Reads {@code ip -j} and {@code /proc/sys}; changes nothing.
 */
public final class ClatDoctor {
    private final List<Doctor.Check> checks = new ArrayList<>();
    private final Iproute ip;

    private ClatDoctor(Iproute ip) {
        this.ip = ip;
    }

    /** The checks for the CLAT whose status is in {@code runtimeDir}, on TUN device {@code tun}. */
    public static List<Doctor.Check> run(Path runtimeDir, String tun) throws IOException {
        return run(ClatStatus.read(runtimeDir), runtimeDir, tun, Iproute.system());
    }

    static List<Doctor.Check> run(Map<String, String> status, Path runtimeDir, String tun, Iproute ip) {
        ClatDoctor d = new ClatDoctor(ip);
        d.check(status, runtimeDir, tun);
        return d.checks;
    }

    private void ok(String text) {
        checks.add(new Doctor.Check(true, text, null));
    }

    private void problem(String text, String fix) {
        checks.add(new Doctor.Check(false, text, fix));
    }

    private void check(Map<String, String> st, Path runtimeDir, String tun) {
        if (st.isEmpty()) {
            problem("no " + runtimeDir.resolve(ClatStatus.FILE) + ": tunxlat clat is not running",
                    "systemctl enable --now tunxlat-clat");
            return;
        }
        String reason = st.getOrDefault("reason", "");
        if (!"up".equals(st.get("state"))) {
            down(reason);
            return;
        }
        ok("CLAT up since " + st.get("since") + ": " + reason);
        String uplink = st.get("uplink");
        String address = st.get("clat-address");
        try {
            device(tun);
            defaultRoute(tun);
            published(tun, uplink, address);
            forwarding(uplink);
        } catch (IOException e) {
            problem("cannot read the system: " + e.getMessage(), null);
        }
    }

    /** Down: right beside native IPv4 or another CLAT; otherwise what to do. */
    private void down(String reason) {
        if (reason.startsWith("native IPv4") || reason.startsWith("another CLAT")) {
            ok("CLAT down, as it should be: " + reason);
        } else if (reason.startsWith("no NAT64 prefix")) {
            problem("CLAT down: " + reason, "# ask for the PREF64 option in the router advertisements (RFC 8781) or a"
                    + " DNS64 resolver; or set TUNXLAT_CLAT_OPTS=\"--pref64 PREFIX/LEN\" in /etc/default/tunxlat and"
                    + " systemctl restart tunxlat-clat");
        } else if (reason.equals("stopped")) {
            problem("tunxlat clat has stopped", "systemctl start tunxlat-clat");
        } else {
            problem("CLAT down: " + reason, null);
        }
    }

    private void device(String tun) throws IOException {
        for (Object o : ip.json("-4", "addr", "show", "dev", tun)) {
            if (o instanceof Map<?, ?> link && String.valueOf(link.get("flags")).contains("UP")
                    && String.valueOf(link.get("addr_info")).contains(ClatConfig.HOST_IPV4)) {
                ok("device " + tun + " is up with " + ClatConfig.HOST_IPV4);
                return;
            }
        }
        problem("device " + tun + " is missing, down, or without " + ClatConfig.HOST_IPV4,
                "systemctl restart tunxlat-clat");
    }

    private void defaultRoute(String tun) throws IOException {
        List<Object> routes = ip.json("-4", "route", "show", "default");
        for (Object o : routes) {
            if (o instanceof Map<?, ?> r && tun.equals(r.get("dev"))) {
                ok("IPv4 default route into " + tun + " (metric " + r.get("metric") + ")");
                return;
            }
        }
        problem("no IPv4 default route into " + tun + ": IPv4 applications do not reach the CLAT",
                "systemctl restart tunxlat-clat");
    }

    private void published(String tun, String uplink, String address) throws IOException {
        List<Object> route = ip.json("-6", "route", "get", address);
        boolean routed = !route.isEmpty() && route.get(0) instanceof Map<?, ?> r && tun.equals(r.get("dev"));
        if (routed) {
            ok("the CLAT address " + address + " is routed into " + tun);
        } else {
            problem("the CLAT address " + address + " is not routed into " + tun + ": replies go astray",
                    "ip -6 route replace " + address + "/128 dev " + tun);
        }
        for (Object o : ip.json("-6", "neigh", "show", "proxy", "dev", uplink)) {
            if (o instanceof Map<?, ?> n && address.equals(n.get("dst"))) {
                ok("the uplink " + uplink + " answers neighbour solicitations for it (proxy-ND)");
                return;
            }
        }
        ok("no proxy-ND entry on " + uplink + " for " + address + " (right with --routed-prefix; otherwise the"
                + " router cannot reach it: ip -6 neigh add proxy " + address + " dev " + uplink + ")");
    }

    private void forwarding(String uplink) throws IOException {
        boolean on = "1".equals(ip.sysctl("net.ipv6.conf.all.forwarding"));
        if (!on) {
            problem("IPv6 forwarding is off: the translated packets cannot leave by " + uplink,
                    "sysctl -w net.ipv6.conf.all.forwarding=1");
            return;
        }
        ok("IPv6 forwarding is on");
        String acceptRa = ip.sysctl("net.ipv6.conf." + uplink + ".accept_ra");
        if ("2".equals(acceptRa)) {
            ok(uplink + " accepts router advertisements while forwarding (accept_ra = 2): PREF64 changes are heard");
        } else {
            problem(uplink + " has accept_ra = " + acceptRa + " with forwarding on: its router advertisements (the"
                    + " default route, the PREF64) are ignored", "sysctl -w net.ipv6.conf." + uplink + ".accept_ra=2");
        }
    }
}
