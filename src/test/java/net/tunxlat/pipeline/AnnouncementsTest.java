// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import org.junit.jupiter.api.Test;

/** The {@code announce} lines of /readyz: which prefixes each kind of configuration announces. */
class AnnouncementsTest {
    static List<String> of(String conf) throws Exception {
        return Announcements.of(ConfigParser.parse(conf, Path.of("t.conf")));
    }

    @Test
    void statelessNat64AnnouncesThePrefixMapsAndPool() throws Exception {
        assertEquals(List.of("64:ff9b::/96", "192.0.2.0/28", "198.51.100.7/32", "203.0.113.0/24"),
                of("tun-device nat64\nipv4-addr 192.0.2.254\nipv6-addr 2001:db8::1\nprefix 64:ff9b::/96\n"
                        + "map 192.0.2.0/28 2001:db8:1::/124\nmap 198.51.100.7 2001:db8:2::7\n"
                        + "dynamic-pool 203.0.113.0/24\n"));
    }

    @Test
    void statefulAnnouncesPool4AsTheFewestPrefixes() throws Exception {
        assertEquals(List.of("64:ff9b::/96", "192.0.2.8/29", "192.0.2.16/31", "198.51.100.1/32"),
                of("tun-device nat64\nipv4-addr 192.0.2.254\nipv6-addr 2001:db8::1\nprefix 64:ff9b::/96\n"
                        + "pool4 192.0.2.8/29\npool4 192.0.2.16/31 tcp\npool4 198.51.100.1 udp 1024-2047\n"));
    }

    @Test
    void nptv6AnnouncesTheOutsidePrefixes() throws Exception {
        assertEquals(List.of("2001:db8:100::/48", "2001:db8:200::/48"),
                of("tun-device npt\nnptv6 fd00:1::/48 2001:db8:100::/48\nnptv6 fd00:2::/48 2001:db8:200::/48\n"));
    }

    @Test
    void coveringIsExactAndMinimal() {
        Random r = new Random(18);
        for (int round = 0; round < 300; round++) {
            int base = r.nextInt() & 0xffffff00;
            List<Integer> in = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                if (r.nextInt(3) > 0) {
                    in.add(base + i);
                }
            }
            int[] a = in.stream().mapToInt(Integer::intValue).toArray();
            List<Ipv4Prefix> out = Announcements.covering(a);
            List<Integer> covered = new ArrayList<>();
            for (Ipv4Prefix p : out) {
                for (long k = 0; k < p.size(); k++) {
                    covered.add((int) (p.address() + k));
                }
            }
            assertEquals(in, covered, "exactly the addresses, in order");
            for (int i = 1; i < out.size(); i++) {
                Ipv4Prefix prev = out.get(i - 1);
                Ipv4Prefix cur = out.get(i);
                // minimal: two neighbours of one length that would form an aligned block of the next are never left apart
                boolean mergeable = prev.length() == cur.length() && prev.length() > 0
                        && prev.address() + (int) prev.size() == cur.address()
                        && (prev.address() & Addresses.mask4(prev.length() - 1)) == prev.address();
                assertEquals(false, mergeable, out.toString());
            }
        }
        assertEquals(List.of(new Ipv4Prefix(0, 31), new Ipv4Prefix(-2, 31)),
                Announcements.covering(new int[] {-1, 0, 1, -2}), "the ends of the address space");
    }
}
