// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.migrate;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import net.tunxlat.config.ConfigException;
import org.junit.jupiter.api.Test;

class TaygaDefaultsTest {
    static final Path NAME = Path.of("/etc/default/tayga");

    /** Debian 12's tayga 0.9.2-8 ships this file (copied verbatim, dpkg -V clean). */
    static String debianDefaults() throws Exception {
        return Files.readString(Path.of(TaygaDefaultsTest.class.getResource("/tayga/debian-12/default-tayga").toURI()));
    }

    @Test
    void debianShippedFileAsksForInterfaceAndNat44() throws Exception {
        TaygaDefaults d = TaygaDefaults.parse(debianDefaults(), NAME);
        assertTrue(d.yes("CONFIGURE_IFACE"));
        assertTrue(d.yes("CONFIGURE_NAT44"));
        assertEquals("", d.get("IPV4_TUN_ADDR"));
        assertEquals("", d.get("DAEMON_OPTS"));
        assertFalse(d.sets("RUN"));
    }

    @Test
    void unsetVariablesKeepTheInitScriptsDefaults() throws Exception {
        TaygaDefaults d = TaygaDefaults.parse("# nothing\n\n", NAME);
        assertEquals("no", d.get("CONFIGURE_IFACE"));
        assertEquals("no", d.get("CONFIGURE_NAT44"));
        assertFalse(TaygaDefaults.absent(NAME).yes("CONFIGURE_IFACE"));
    }

    @Test
    void quotingExportAndTrailingComments() throws Exception {
        TaygaDefaults d = TaygaDefaults.parse("export CONFIGURE_IFACE=yes  # on\nCONFIGURE_NAT44='no'\n"
                + "  IPV4_TUN_ADDR=\"192.168.255.254/32\"\nIPV6_TUN_ADDR=\n", NAME);
        assertTrue(d.yes("CONFIGURE_IFACE"));
        assertFalse(d.yes("CONFIGURE_NAT44"));
        assertEquals("192.168.255.254/32", d.get("IPV4_TUN_ADDR"));
        assertTrue(d.sets("IPV6_TUN_ADDR"));
        assertEquals("", d.get("IPV6_TUN_ADDR"));
    }

    @Test
    void onlyExactlyYesIsYesAsInTheScript() throws Exception {
        assertFalse(TaygaDefaults.parse("CONFIGURE_IFACE=\"Yes\"\n", NAME).yes("CONFIGURE_IFACE"));
    }

    @Test
    void shellItCannotEvaluateIsAnErrorWithFileAndLine() {
        for (String bad : new String[] {"IPV4_TUN_ADDR=$(hostname -i)", "CONFIGURE_IFACE=\"$X\"", ". /etc/other",
                "CONFIGURE_IFACE=yes; rm -rf /", "CONFIGURE_NAT44=\"yes"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> TaygaDefaults.parse("# x\n" + bad + "\n", NAME), bad);
            assertEquals(2, e.line(), bad);
            assertTrue(e.getMessage().startsWith("/etc/default/tayga:2: cannot read"), e.getMessage());
            assertTrue(e.getMessage().contains("--tayga-default"), e.getMessage());
        }
    }
}
