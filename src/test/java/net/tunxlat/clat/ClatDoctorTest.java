// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.tunxlat.doctor.Doctor;
import org.junit.jupiter.api.Test;

/** {@code doctor --clat}: the CLAT's state explained, and what an up CLAT needs checked in the system. */
class ClatDoctorTest {
    static final Path RUN = Path.of("/run/tunxlat-clat");
    static final String ADDRESS = "2001:db8:1:0:aaaa:bbbb:cccc:dddd";

    final Map<String, String> outputs = new HashMap<>();
    final Map<String, String> sysctls = new HashMap<>();
    final Iproute ip = new Iproute() {
        @Override
        public String run(String... command) {
            return outputs.getOrDefault(String.join(" ", command), "[]");
        }

        @Override
        public String sysctl(String key) {
            return sysctls.getOrDefault(key, "0");
        }

        @Override
        public void setSysctl(String key, String value) {
            throw new AssertionError("doctor changes nothing");
        }

        @Override
        public List<String> processes() {
            return List.of();
        }
    };

    static Map<String, String> up() {
        return Map.of("state", "up", "reason", "translating 192.0.0.1 <-> " + ADDRESS + " via eth0", "uplink", "eth0",
                "clat-address", ADDRESS, "since", "2026-12-06T09:00:00Z");
    }

    void healthy() {
        outputs.put("ip -j -4 addr show dev clat", "[{\"ifname\":\"clat\",\"flags\":[\"POINTOPOINT\",\"UP\"],"
                + "\"addr_info\":[{\"family\":\"inet\",\"local\":\"192.0.0.1\",\"prefixlen\":29}]}]");
        outputs.put("ip -j -4 route show default", "[{\"dst\":\"default\",\"dev\":\"clat\",\"metric\":10000}]");
        outputs.put("ip -j -6 route get " + ADDRESS, "[{\"dst\":\"" + ADDRESS + "\",\"dev\":\"clat\"}]");
        outputs.put("ip -j -6 neigh show proxy dev eth0", "[{\"dst\":\"" + ADDRESS + "\",\"dev\":\"eth0\"}]");
        sysctls.put("net.ipv6.conf.all.forwarding", "1");
        sysctls.put("net.ipv6.conf.eth0.accept_ra", "2");
    }

    static long problems(List<Doctor.Check> checks) {
        return checks.stream().filter(c -> !c.ok()).count();
    }

    @Test
    void notRunningOrDownForAReason() {
        List<Doctor.Check> c = ClatDoctor.run(Map.of(), RUN, "clat", ip);
        assertEquals(1, problems(c));
        assertEquals("systemctl enable --now tunxlat-clat", c.get(0).fix());

        c = ClatDoctor.run(Map.of("state", "down", "reason", "native IPv4 present: a default route via 10.0.0.1 dev eth0"),
                RUN, "clat", ip);
        assertEquals(0, problems(c), "down beside native IPv4 is right: " + c);

        c = ClatDoctor.run(Map.of("state", "down", "reason", "no NAT64 prefix: no PREF64 option ..."), RUN, "clat", ip);
        assertEquals(1, problems(c));
        assertTrue(c.get(0).fix().contains("--pref64"), c.toString());
    }

    @Test
    void anUpClatWithAllInPlace() {
        healthy();
        List<Doctor.Check> c = ClatDoctor.run(up(), RUN, "clat", ip);
        assertEquals(0, problems(c), c.toString());
        assertEquals(7, c.size(), "up, device, route, address routed, proxy-ND, forwarding, accept_ra: " + c);
    }

    @Test
    void anUpClatMissingPiecesGetsTheirFixes() {
        healthy();
        outputs.remove("ip -j -4 route show default");
        sysctls.put("net.ipv6.conf.eth0.accept_ra", "1");
        List<Doctor.Check> c = ClatDoctor.run(up(), RUN, "clat", ip);
        assertEquals(2, problems(c), c.toString());
        assertTrue(c.stream().anyMatch(x -> "sysctl -w net.ipv6.conf.eth0.accept_ra=2".equals(x.fix())), c.toString());
        assertTrue(c.stream().anyMatch(x -> !x.ok() && x.text().contains("no IPv4 default route into clat")), c.toString());
    }
}
