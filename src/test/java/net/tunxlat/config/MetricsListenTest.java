// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The {@code metrics-listen ADDRESS:PORT|off} directive and {@link ListenAddress}. */
class MetricsListenTest {
    private static final Path NAME = Path.of("tayga.conf");

    private static TunxlatConfig parse(String... more) throws ConfigException {
        String text = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:1:ffff::/96\n"
                + String.join("\n", more) + "\n";
        return ConfigParser.parse(text, NAME);
    }

    @Test
    void defaultIsLocalOnlyOnPort9464() throws ConfigException {
        ListenAddress l = parse().metricsListen();
        assertEquals("127.0.0.1:9464", l.toString());
        assertTrue(l.address().isLoopbackAddress());
        assertEquals(TunxlatConfig.DEFAULT_METRICS_LISTEN, l);
        assertEquals(TunxlatConfig.DEFAULT_METRICS_LISTEN, TunxlatConfig.builder().build().metricsListen(),
                "the builder has the defaults of an empty file");
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:9464,       127.0.0.1:9464",
        "0.0.0.0:9100,         0.0.0.0:9100",
        "192.0.2.7:1,          192.0.2.7:1",
        "[::1]:9464,           [::1]:9464",
        "[::]:65535,           [::]:65535",
        "[2001:DB8:0::5]:9464, [2001:db8::5]:9464",
    })
    void addressesAndPorts(String value, String canonical) throws ConfigException {
        ListenAddress l = parse("metrics-listen " + value).metricsListen();
        assertEquals(canonical, l.toString());
        InetSocketAddress sa = l.socketAddress();
        assertEquals(l.port(), sa.getPort());
        assertTrue(value.startsWith("[") ? sa.getAddress() instanceof Inet6Address : sa.getAddress() instanceof Inet4Address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "OFF", "Off"})
    void offDisablesTheEndpoint(String value) throws ConfigException {
        assertNull(parse("metrics-listen " + value).metricsListen());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "9464                 | expects ADDRESS:PORT such as 127.0.0.1:9464 or [::1]:9464, or off, got '9464' (no port)",
        "localhost:9464       | 'localhost' is not an IPv4 address; host names are not accepted",
        "::1:9464             | write an IPv6 address in brackets: [ADDRESS]:PORT",
        "[::1]9464            | expects ADDRESS:PORT",
        "[::1]                | expects ADDRESS:PORT",
        "[1.2.3.4]:80         | '1.2.3.4' in '[1.2.3.4]:80' is not an IPv6 address",
        "127.0.0.1:0          | the port in '127.0.0.1:0' must be a number from 1 to 65535",
        "127.0.0.1:65536      | must be a number from 1 to 65535",
        "127.0.0.1:           | must be a number from 1 to 65535",
        "127.0.0.1:-5         | must be a number from 1 to 65535",
        "127.0.0.1:0x50       | must be a number from 1 to 65535",
        "127.0.0.256:9464     | is not an IPv4 address",
        "on                   | expects ADDRESS:PORT",
    })
    void badValuesNameTheLine(String value, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("", "metrics-listen " + value));
        assertEquals(5, e.line());
        assertTrue(e.getMessage().startsWith("tayga.conf:5: 'metrics-listen' "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void onceOnlyAndOneArgument() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("metrics-listen off", "metrics-listen 127.0.0.1:1"));
        assertTrue(e.getMessage().contains("duplicate 'metrics-listen' directive, already given on line 4"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("metrics-listen 127.0.0.1 9464"));
        assertTrue(e.getMessage().contains("(usage: metrics-listen ADDRESS:PORT|off)"), e.getMessage());
    }

    @Test
    void toBuilderKeepsEveryValue() throws ConfigException {
        TunxlatConfig c = parse("metrics-listen [::1]:9000", "map 192.168.5.42 2001:db8:1:4444::1", "log drop",
                "workers 3", "icmp-rate-limit 7", "udp-cksum-mode calc", "tun-ip 192.168.0.1/24");
        assertEquals(c, c.toBuilder().build());
        TunxlatConfig off = c.toBuilder().metricsListen(null).build();
        assertNull(off.metricsListen());
        assertEquals(c.maps(), off.maps());
    }
}
