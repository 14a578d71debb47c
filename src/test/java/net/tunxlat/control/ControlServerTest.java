// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.io.IOException;

/** The control socket and the answers of {@code map list} / {@code map show}. */
class ControlServerTest {
    static final long NOW = 1_700_000_000L;
    final AtomicLong clock = new AtomicLong(NOW);

    XlatSnapshot snapshot() throws Exception {
        TunxlatConfig c = ConfigParser.parse("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\ndynamic-pool 192.168.255.0/24\n", Path.of("/etc/tayga.conf"));
        XlatState state = XlatState.forConfig(c, clock::get);
        DynamicPool pool = state.pool();
        XlatSnapshot s = state.install(new XlatSnapshot(c, state));
        pool.restore(Addresses.parseIpv4("192.168.255.10"), 0x20010db800060000L, 0x100, NOW - 5);
        pool.restore(Addresses.parseIpv4("192.168.255.11"), 0x20010db800060000L, 0x101, NOW - DynamicPool.ACTIVE_SECONDS - 60);
        return s;
    }

    String ask(Path socket, String request) throws Exception {
        StringWriter out = new StringWriter();
        ControlClient.request(socket, request, out);
        return out.toString();
    }

    @Test
    void listsAndShowsOverTheSocketWithMode0660(@TempDir Path dir) throws Exception {
        XlatSnapshot snap = snapshot();
        Path sock = dir.resolve("run/ctl.sock");
        try (ControlServer server = ControlServer.start(sock, null, null, new MapQuery(() -> snap, clock::get))) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            String list = ask(sock, "map list");
            assertTrue(list.contains("static maps (1):\n  192.168.255.2/32   2001:db8:6::2/128                        /etc/tayga.conf:4\n"), list);
            assertTrue(list.contains("/etc/tayga.conf:4"), list);
            assertTrue(list.contains("dynamic pool 192.168.255.0/24: 2 bound, 252 of 254 free"), list);
            assertTrue(list.contains("dynamic, active (1):\n  192.168.255.10     2001:db8:6::100                          last use"), list);
            assertTrue(list.contains("last use 2023-11-14T22:13:15Z (5s ago)"), list);
            assertTrue(list.contains("dynamic, dormant (1):\n  192.168.255.11     2001:db8:6::101                          last use 2023-11-14T20:08:20Z (2h5m ago)\n"), list);

            String json = ask(sock, "map list json");
            assertTrue(json.startsWith("{\"schema\":1,\"now\":\"2023-11-14T22:13:20Z\",\"now_epoch\":1700000000,"
                    + "\"static\":[{\"ipv4\":\"192.168.255.2/32\",\"ipv6\":\"2001:db8:6::2/128\",\"origin\":\"/etc/tayga.conf:4\"}],"
                    + "\"pool\":{\"prefix\":\"192.168.255.0/24\",\"capacity\":254,\"free\":252},"
                    + "\"dynamic_active\":[{\"ipv4\":\"192.168.255.10\",\"ipv6\":\"2001:db8:6::100\",\"state\":\"active\","
                    + "\"last_use\":\"2023-11-14T22:13:15Z\",\"last_use_epoch\":1699999995,\"idle_seconds\":5}],"
                    + "\"dynamic_dormant\":[{\"ipv4\":\"192.168.255.11\""), json);
            assertTrue(json.endsWith("}]}\n"), json);

            assertEquals("2001:db8:6::100: dynamic binding 192.168.255.10 <-> 2001:db8:6::100, active, last use "
                    + "2023-11-14T22:13:15Z (5s ago)\n  translates to 192.168.255.10\n", ask(sock, "map show 2001:db8:6::100"));
            assertTrue(ask(sock, "map show 192.168.255.11 json").startsWith("{\"schema\":1,\"address\":\"192.168.255.11\","
                    + "\"kind\":\"dynamic\",\"translates_to\":null,\"dynamic\":{\"ipv4\":\"192.168.255.11\""));
            assertEquals("{\"schema\":1,\"address\":\"192.168.255.2\",\"kind\":\"static\",\"translates_to\":\"2001:db8:6::2\","
                    + "\"static\":{\"ipv4\":\"192.168.255.2/32\",\"ipv6\":\"2001:db8:6::2/128\",\"origin\":\"/etc/tayga.conf:4\"}}\n",
                    ask(sock, "map show 192.168.255.2 json"));
            assertEquals("{\"schema\":1,\"address\":\"203.0.113.2\",\"kind\":\"rfc6052\",\"translates_to\":\"2001:db8:64::cb00:7102\","
                    + "\"prefix\":\"2001:db8:64::/96\"}\n", ask(sock, "map show 203.0.113.2 json"));
            assertEquals("2001:db8:64::cb00:7102: RFC 6052 prefix 2001:db8:64::/96\n  translates to 203.0.113.2\n",
                    ask(sock, "map show 2001:db8:64::203.0.113.2"));
            assertTrue(ask(sock, "map show 2001:db8:6::999").contains("not mapped\n  no mapping yet: its first packet"));
            assertTrue(ask(sock, "map show 192.168.255.99").contains("not bound to any IPv6 host"));
            assertTrue(ask(sock, "map show 192.168.255.1").contains("the translator itself"));
            ControlClient.Refused e = assertThrows(ControlClient.Refused.class, () -> ask(sock, "map show bogus"));
            assertEquals("'bogus' is not an IPv4 or IPv6 address", e.getMessage());
            assertThrows(ControlClient.Refused.class, () -> ask(sock, "frobnicate"));
        }
        assertFalse(Files.exists(sock), "a clean stop removes the socket");
    }

    @Test
    void aStaleSocketIsReplacedButALiveDaemonIsNot(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("ctl.sock");
        // A daemon killed with -9 leaves its socket file; nothing listens on it any more.
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close();
        assertTrue(Files.exists(sock));
        XlatSnapshot snap = snapshot();
        try (ControlServer first = ControlServer.start(sock, null, null, new MapQuery(() -> snap, clock::get))) {
            assertEquals("pong\n", ask(sock, "ping"));
            IOException e = assertThrows(IOException.class,
                    () -> ControlServer.start(sock, null, null, new MapQuery(() -> snap, clock::get)));
            assertTrue(e.getMessage().startsWith("another tunxlat is already running: it answers on control socket " + sock),
                    e.getMessage());
            assertEquals("pong\n", ask(sock, "ping"), "the running daemon keeps its socket");
        }
        Files.writeString(sock, "not a socket");
        IOException e = assertThrows(IOException.class,
                () -> ControlServer.start(sock, null, null, (r, o) -> { }));
        assertTrue(e.getMessage().contains("exists and is not a socket"), e.getMessage());
    }

    @Test
    void unreachableDaemonIsExplained(@TempDir Path dir) {
        ControlClient.Unreachable e = assertThrows(ControlClient.Unreachable.class,
                () -> ask(dir.resolve("none.sock"), "map list"));
        assertEquals("cannot reach the tunxlat daemon at " + dir.resolve("none.sock")
                + ": no such socket: is tunxlat running (with this configuration)?", e.getMessage());
    }

    @Test
    void onlyRootTheDaemonsUserAndTheSocketsGroupAreServed() {
        List<String> members = List.of("alice");
        assertTrue(ControlServer.allowed("root", "root", "tunxlat", "tunxlat", members));
        assertTrue(ControlServer.allowed("tunxlat", "nogroup", "tunxlat", "tunxlat", members));
        assertTrue(ControlServer.allowed("bob", "tunxlat", "tunxlat", "tunxlat", members), "primary group");
        assertTrue(ControlServer.allowed("alice", "users", "tunxlat", "tunxlat", members), "listed member");
        assertFalse(ControlServer.allowed("mallory", "users", "tunxlat", "tunxlat", members));
    }
}
