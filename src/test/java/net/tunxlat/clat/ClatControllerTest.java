// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.xlat.DropReason;
import net.tunxlat.xlat.XlatCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLAT's decisions (RFC 6877), with a fake host and translator: what it brings up, follows and takes down. */
class ClatControllerTest {
    @TempDir
    Path dir;

    final List<String> calls = new ArrayList<>();
    final List<String> log = new ArrayList<>();
    String nativeIpv4;
    String otherClat;
    Pref64 prefix;
    ClatHostUplink uplink = new ClatHostUplink("eth0", Ipv6Prefix.parse("2001:db8:1:2::/64", -1), 1500, "2001:db8:1:2::5");
    boolean dadFails;
    final XlatCounters counters = new XlatCounters();
    boolean running;

    final ClatController.Host host = new ClatController.Host() {
        @Override
        public String nativeIpv4() {
            return nativeIpv4;
        }

        @Override
        public String otherClat() {
            return otherClat;
        }

        @Override
        public ClatHostUplink uplink(Ipv6Prefix pref64) throws IOException {
            if (uplink.prefix() == null) {
                throw new IOException("the uplink wwan0 has no global SLAAC /64 address");
            }
            return uplink;
        }

        @Override
        public String claimAddress(ClatHostUplink u) throws IOException {
            calls.add("claim " + u.name() + " " + u.prefix());
            if (dadFails) {
                throw new IOException("duplicate address detection failed 3 times");
            }
            return Addresses.formatIpv6(u.prefix().hi(), 0x1234L);
        }

        @Override
        public void configureTun(String tun, ClatHostUplink u, String a) {
            calls.add("tun " + tun + " mtu " + (u.mtu() - 20));
        }

        @Override
        public void teardown() {
            calls.add("teardown");
        }
    };

    final ClatController.Translator translator = new ClatController.Translator() {
        @Override
        public void start(Path config) throws IOException {
            calls.add("start " + Files.readString(config).lines().filter(l -> l.startsWith("prefix") || l.startsWith("map"))
                    .toList());
            running = true;
        }

        @Override
        public void reload() throws IOException {
            calls.add("reload " + Files.readString(dir.resolve("clat.conf")).lines().filter(l -> l.startsWith("prefix"))
                    .toList());
        }

        @Override
        public void stop() {
            calls.add("stop");
            running = false;
        }

        @Override
        public List<XlatCounters> counters() {
            return running ? List.of(counters) : List.of();
        }
    };

    ClatController controller() {
        return new ClatController(host, () -> prefix, translator, "clat", dir.resolve("clat.conf"), null, log::add);
    }

    static Pref64 ra(String p) {
        return new Pref64(Ipv6Prefix.parse(p, -1), Pref64.Source.RA, "fe80::1", 600, System.nanoTime());
    }

    @Test
    void downWithoutPrefixThenUpThenFollowsAndTearsDown() {
        ClatController c = controller();
        c.tick();
        assertEquals(ClatController.State.DOWN, c.snapshot().state());
        assertTrue(c.snapshot().reason().startsWith("no NAT64 prefix"), c.snapshot().reason());
        assertEquals(List.of(), calls, "nothing touched while down");

        prefix = ra("64:ff9b::/96");
        c.tick();
        assertEquals(ClatController.State.UP, c.snapshot().state(), c.snapshot().reason());
        assertEquals(List.of("claim eth0 2001:db8:1:2::/64", "start [prefix 64:ff9b::/96, map 192.0.0.1 2001:db8:1:2::1234]",
                "tun clat mtu 1480"), calls, "address, translator, then the device");
        assertEquals("64:ff9b::/96", c.prefix());
        assertEquals("ra", c.prefixSource());
        calls.clear();
        c.tick();
        assertEquals(List.of(), calls, "a tick with nothing new changes nothing");

        prefix = ra("2001:db8:64::/96");
        c.tick();
        assertEquals(List.of("reload [prefix 2001:db8:64::/96]"), calls, "a new PREF64 is a reload, same address");
        assertEquals("2001:db8:64::/96", c.prefix());
        calls.clear();

        counters.add(XlatCounters.PACKETS_46, 7);
        counters.drop(DropReason.FORBIDDEN_DST_64);
        counters.publish(); // as a worker does after a batch
        assertEquals(7, c.packets(true));
        assertEquals(1, c.drops(DropReason.FORBIDDEN_DST_64));
        assertEquals(0, c.drops(DropReason.HOP_LIMIT_EXCEEDED_64));
        prefix = null; // lifetime zero: withdrawn
        c.tick();
        assertEquals(ClatController.State.DOWN, c.snapshot().state());
        assertEquals(List.of("stop", "teardown"), calls);
        assertEquals(7, c.packets(true), "the stopped translator's packets stay counted");
        assertEquals(1, c.drops(DropReason.FORBIDDEN_DST_64), "and its drops");
        assertFalse(c.up());
        assertEquals("", c.prefix());
    }

    @Test
    void nativeIpv4OrAnotherClatKeepsItDownAndStepsAside() {
        prefix = ra("64:ff9b::/96");
        nativeIpv4 = "default via 192.168.1.1 dev eth0";
        ClatController c = controller();
        c.tick();
        assertEquals(ClatController.State.DOWN, c.snapshot().state());
        assertTrue(c.snapshot().reason().contains("native IPv4"), c.snapshot().reason());
        assertEquals(List.of(), calls);

        nativeIpv4 = null;
        c.tick();
        assertTrue(c.up());
        calls.clear();
        otherClat = "NetworkManager's clat on eth0";
        c.tick();
        assertEquals(List.of("stop", "teardown"), calls, "steps aside when another CLAT appears");
        assertTrue(c.snapshot().reason().contains("another CLAT"), c.snapshot().reason());
        int lines = log.size();
        c.tick();
        assertEquals(lines, log.size(), "the same reason is logged once");
    }

    @Test
    void aNewSlaacPrefixIsANewAddress() {
        prefix = ra("64:ff9b::/96");
        ClatController c = controller();
        c.tick();
        calls.clear();
        uplink = new ClatHostUplink("eth0", uplink.prefix(), 1500, "2001:db8:1:2::77");
        c.tick();
        assertEquals(List.of(), calls, "another address of the same /64 (a privacy address) changes nothing");
        uplink = new ClatHostUplink("eth0", Ipv6Prefix.parse("2001:db8:9:9::/64", -1), 1500, "2001:db8:9:9::5");
        c.tick();
        assertEquals(List.of("stop", "teardown", "claim eth0 2001:db8:9:9::/64",
                "start [prefix 64:ff9b::/96, map 192.0.0.1 2001:db8:9:9::1234]", "tun clat mtu 1480"), calls);
        assertTrue(c.up());
    }

    @Test
    void aFailedStartIsCleanedUpAndRetried() {
        prefix = ra("64:ff9b::/96");
        dadFails = true;
        ClatController c = controller();
        c.tick();
        assertEquals(ClatController.State.DOWN, c.snapshot().state());
        assertTrue(c.snapshot().reason().contains("duplicate address detection"), c.snapshot().reason());
        assertEquals(List.of("claim eth0 2001:db8:1:2::/64", "stop", "teardown"), calls);
        dadFails = false;
        c.tick();
        assertTrue(c.up(), "tried again on the next tick");
        calls.clear();
        c.close();
        assertEquals(List.of("stop", "teardown"), calls, "close removes what was added");
        assertEquals(ClatController.State.DOWN, c.snapshot().state());
    }

    @Test
    void theStatusFileSaysWhatDoctorReads() throws IOException {
        prefix = ra("64:ff9b::/96");
        ClatController c = controller();
        c.onChange(s -> {
            try {
                ClatStatus.write(dir, s, Instant.EPOCH);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        c.tick();
        Map<String, String> m = ClatStatus.read(dir);
        assertEquals("up", m.get("state"));
        assertEquals("64:ff9b::/96", m.get("prefix"));
        assertEquals("ra", m.get("prefix-source"));
        assertEquals("fe80::1", m.get("prefix-from"));
        assertEquals("eth0", m.get("uplink"));
        assertEquals("2001:db8:1:2::1234", m.get("clat-address"));
        nativeIpv4 = "default via 192.0.2.1 dev eth1";
        c.tick();
        m = ClatStatus.read(dir);
        assertEquals("down", m.get("state"));
        assertTrue(m.get("reason").contains("native IPv4"), m.toString());
        assertNull(m.get("clat-address"));
    }

    /** The generated configuration loads, with the Well-Known Prefix too (clatd's 192.0.0.2, RFC 7335). */
    @Test
    void theGeneratedConfigurationLoads() throws Exception {
        for (String p : new String[] {"64:ff9b::/96", "2001:db8:64::/96", "2001:db8:100::/40"}) {
            String text = new ClatConfig("clat", Ipv6Prefix.parse(p, -1), 0x20010db800010002L, 0x1234L, 1500, null).render();
            TunxlatConfig c = ConfigParser.parseWithWarnings(text, Path.of("clat.conf")).config();
            assertEquals(p, c.prefix().toString());
            assertEquals(UdpCksumMode.CALC, c.udpCksumMode(), "zero UDP checksums computed (RFC 7915 §4.5)");
            assertEquals(1, c.maps().size());
            assertEquals("clat", c.tunDevice());
        }
    }

    @Test
    void uplinkWithoutSlash64() {
        prefix = ra("64:ff9b::/96");
        uplink = new ClatHostUplink("wwan0", null, 1400, "none");
        ClatController c = controller();
        c.tick();
        assertTrue(c.snapshot().reason().contains("no global SLAAC /64"), c.snapshot().reason());
    }
}
