// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.migrate;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.tunxlat.config.ConfigException;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import org.junit.jupiter.api.Test;
import net.tunxlat.mapping.Ipv4Prefix;

class TaygaImportTest {
    static final Path TAYGA = Path.of("/etc/tayga.conf");
    static final Path DEFAULTS = Path.of("/etc/default/tayga");
    static final Path OUT = Path.of("tunxlat.conf");
    static final Path DATA = Path.of("/var/lib/tunxlat");

    /** Debian 12's tayga 0.9.2-8 ships this file (copied verbatim, dpkg -V clean). */
    static String debianConf() throws Exception {
        return Files.readString(Path.of(TaygaImportTest.class.getResource("/tayga/debian-12/tayga.conf").toURI()));
    }

    static TaygaImport.Result convert(String conf, String defaults) throws ConfigException {
        return TaygaImport.convert(conf, TAYGA, TaygaDefaults.parse(defaults, DEFAULTS), DATA, OUT, List.of("header"));
    }

    static List<String> directives(String text, String name) {
        return text.lines().map(String::strip).filter(l -> l.startsWith(name + " ")).toList();
    }

    @Test
    void debianShippedFilesGiveTheSameAddressesTheScriptsRoutesAndTunxlatsDataDir() throws Exception {
        TaygaImport.Result r = convert(debianConf(), TaygaDefaultsTest.debianDefaults());
        TunxlatConfig tayga = ConfigParser.parse(debianConf(), TAYGA);
        TunxlatConfig c = r.config();
        assertEquals(tayga.tunDevice(), c.tunDevice());
        assertEquals(tayga.ipv4Addr(), c.ipv4Addr());
        assertEquals(tayga.effectiveIpv6Addr(), c.effectiveIpv6Addr());
        assertEquals(tayga.prefix(), c.prefix());
        assertEquals(tayga.dynamicPool(), c.dynamicPool());
        assertEquals(tayga.maps(), List.of());
        assertEquals(DATA, c.dataDir());
        assertEquals(Path.of("/var/spool/tayga"), r.taygaDataDir());
        // CONFIGURE_IFACE="yes": link up, the pool and the prefix routed (no IPV4/6_TUN_ADDR in Debian's file)
        assertTrue(c.tunUp());
        assertEquals(List.of("192.168.255.0/24", "2001:db8:1:ffff::/96"), c.tunRoutes());
        assertEquals(List.of(), c.tunIps());
        // CONFIGURE_NAT44="yes": the pool is masqueraded
        assertEquals("192.168.255.0/24", r.nat44Sources());
        assertTrue(r.configText().contains("nft -D NAT44_SOURCES=192.168.255.0/24 -f /usr/share/tunxlat/nat44.nft"));
        // TAYGA's data-dir is left as a comment, not as a second directive
        assertEquals(List.of("data-dir /var/lib/tunxlat"), directives(r.configText(), "data-dir"));
        assertTrue(r.configText().contains("# TAYGA's, replaced by tunxlat import-tayga: data-dir /var/spool/tayga"));
        // ipv4-addr is inside the pool and ipv6-addr comes from the prefix: everything is routed
        assertTrue(r.notes().stream().noneMatch(n -> n.contains("routed only")), r.notes().toString());
    }

    @Test
    void everyTaygaLineIsKeptInOrderExceptDataDir() throws Exception {
        String conf = debianConf();
        TaygaImport.Result r = convert(conf, "");
        List<String> kept = conf.lines().filter(l -> !l.startsWith("data-dir")).toList();
        List<String> out = r.configText().lines().toList();
        int at = 0;
        for (String l : kept) {
            at = out.subList(at, out.size()).indexOf(l) + at;
            assertTrue(at >= 0, "line lost or out of order: " + l);
            at++;
        }
    }

    @Test
    void tunAddressesFromTheDefaultsBecomeTunIp() throws Exception {
        TaygaImport.Result r = convert(debianConf(), "CONFIGURE_IFACE=yes\nIPV4_TUN_ADDR=192.168.255.254\n"
                + "IPV6_TUN_ADDR=\"2001:db8:1::1/64\"\n");
        assertEquals(List.of("192.168.255.254/32", "2001:db8:1::1/64"), r.config().tunIps());
        assertNull(r.nat44Sources());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("192.168.255.0/24 is private")), r.notes().toString());
    }

    @Test
    void badTunAddressNamesTheDefaultsFile() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> convert("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 64:ff9b::/96\nipv6-addr 2001:db8::1\n",
                        "CONFIGURE_IFACE=yes\nIPV4_TUN_ADDR=192.168.300.1\n"));
        assertTrue(e.getMessage().startsWith("/etc/default/tayga: the imported configuration does not load: tunxlat.conf:"),
                e.getMessage());
        assertTrue(e.getMessage().contains("IPV4_TUN_ADDR"), e.getMessage());
    }

    @Test
    void withoutConfigureIfaceNothingIsAddedAndTheNoteSaysWhatToDo() throws Exception {
        TaygaImport.Result r = convert(debianConf(), "CONFIGURE_IFACE=\"no\"\nCONFIGURE_NAT44=\"no\"\n");
        assertFalse(r.config().tunUp());
        assertEquals(List.of(), r.config().tunRoutes());
        assertNull(r.nat44Sources());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("tunxlat mktun")), r.notes().toString());
    }

    @Test
    void addressesTheInitScriptDidNotRouteAreNamed() throws Exception {
        String conf = "tun-device nat64\nipv4-addr 10.9.9.1\nipv6-addr 2001:db8:1::2\nprefix 64:ff9b::/96\n"
                + "dynamic-pool 192.168.255.0/24\nmap 192.168.5.42 2001:db8:1:4444::1\nmap 192.168.255.7 2001:db8:1:4444::7\n";
        TaygaImport.Result r = convert(conf, "CONFIGURE_IFACE=yes\nCONFIGURE_NAT44=yes\n");
        String note = r.notes().stream().filter(n -> n.contains("routed only")).findFirst().orElseThrow();
        assertTrue(note.contains("ipv4-addr 10.9.9.1"), note);
        assertTrue(note.contains("ipv6-addr 2001:db8:1::2"), note);
        assertTrue(note.contains("map 192.168.5.42/32 (/etc/tayga.conf:6)"), note);
        assertFalse(note.contains("192.168.255.7"), note);
        // the maps come over as written
        assertEquals(2, r.config().maps().size());
        assertEquals("192.168.5.42/32", r.config().maps().get(0).v4().toString());
        // the script routed only the pool and the prefix, so does the import
        assertEquals(List.of("192.168.255.0/24", "64:ff9b::/96"), r.config().tunRoutes());
    }

    @Test
    void nat44WithoutAPoolIsANoteNotARule() throws Exception {
        TaygaImport.Result r = convert("tun-device nat64\nipv4-addr 192.0.2.1\nprefix 2001:db8:64::/96\n",
                "CONFIGURE_NAT44=yes\n");
        assertNull(r.nat44Sources());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("no dynamic-pool")), r.notes().toString());
        assertFalse(r.configText().contains("NAT44_SOURCES"));
    }

    @Test
    void noDataDirStaysWithoutDataDirAndSaysSo() throws Exception {
        TaygaImport.Result r = convert("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:1:ffff::/96\n"
                + "dynamic-pool 192.168.255.0/24\n", "");
        assertNull(r.config().dataDir());
        assertNull(r.taygaDataDir());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("has no data-dir")), r.notes().toString());
    }

    @Test
    void existingTunDirectivesAreNotRepeated() throws Exception {
        TaygaImport.Result r = convert(debianConf() + "tun-up yes\ntun-route 2001:db8:1:ffff::/96\n", "CONFIGURE_IFACE=yes\n");
        assertEquals(1, directives(r.configText(), "tun-up").size());
        assertEquals(List.of("2001:db8:1:ffff::/96", "192.168.255.0/24"), r.config().tunRoutes());
    }

    @Test
    void daemonOptsAndRunAreReported() throws Exception {
        TaygaImport.Result r = convert(debianConf(), "RUN=\"no\"\nDAEMON_OPTS=\"-u nobody\"\nCONFIGURE_IFACE=Yes\n");
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("RUN=\"no\"")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("-u nobody") && n.contains("TUNXLAT_OPTS")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("CONFIGURE_IFACE=\"Yes\"")), r.notes().toString());
        assertFalse(r.config().tunUp());
    }

    @Test
    void badTaygaConfIsItsOwnFileAndLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> convert("tun-device nat64\nprefix 2001:db8::/80\n", ""));
        assertTrue(e.getMessage().startsWith("/etc/tayga.conf:2:"), e.getMessage());
    }

    @Test
    void dropInLoadsTheScriptBeforeStartAndDeletesTheTableAfterStop() {
        String d = TaygaImport.nat44Dropin("192.168.255.0/24", DEFAULTS);
        List<String> lines = d.lines().filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of("[Service]",
                "ExecStartPre=+/usr/sbin/nft -D NAT44_SOURCES=192.168.255.0/24 -f /usr/share/tunxlat/nat44.nft",
                "ExecStopPost=-+/usr/sbin/nft delete table ip tunxlat_nat"), lines);
    }

    @Test
    void privateMeansRfc1918OrSharedSpace() {
        assertTrue(TaygaImport.isPrivate(Ipv4Prefix.parse("192.168.255.0/24", 32)));
        assertTrue(TaygaImport.isPrivate(Ipv4Prefix.parse("100.64.1.0/24", 32)));
        assertFalse(TaygaImport.isPrivate(Ipv4Prefix.parse("198.51.100.0/24", 32)));
        assertFalse(TaygaImport.isPrivate(Ipv4Prefix.parse("10.0.0.0/7", 32)));
    }
}
