// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code instance-name NAME} directive (issue 18): its syntax, its default (the host name), its errors. */
class InstanceNameTest {
    private static final Path NAME = Path.of("tunxlat.conf");

    private static TunxlatConfig parse(String... more) throws ConfigException {
        String text = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:1:ffff::/96\n"
                + String.join("\n", more) + "\n";
        return ConfigParser.parse(text, NAME);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nat64-fra-1", "a", "A.b_c-9", "0123456789012345678901234567890123456789012345678901234567890ab"})
    void acceptsHostNameLikeWords(String name) throws ConfigException {
        TunxlatConfig c = parse("instance-name " + name);
        assertEquals(name, c.instanceName());
        assertEquals(name, c.instanceNameOrHost());
    }

    @Test
    void defaultsToTheHostName() throws Exception {
        TunxlatConfig c = parse();
        assertNull(c.instanceName());
        assertNull(TunxlatConfig.builder().build().instanceName(), "the builder has the defaults of an empty file");
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        assertEquals(host, c.instanceNameOrHost());
        assertFalse(c.instanceNameOrHost().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-leading-dash", "has\"quote", "x{y}", "ümlaut", ".dot",
        "0123456789012345678901234567890123456789012345678901234567890abc"})
    void refusesOtherWordsWithLineAndFix(String name) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("instance-name " + name));
        assertTrue(e.getMessage().startsWith("tunxlat.conf:4: "), e.getMessage());
        assertTrue(e.getMessage().contains("1 to 63 letters, digits"), e.getMessage());
    }

    @Test
    void takesOneArgumentOnce() {
        assertThrows(ConfigException.class, () -> parse("instance-name a b"));
        assertThrows(ConfigException.class, () -> parse("instance-name a", "instance-name b"));
    }
}
