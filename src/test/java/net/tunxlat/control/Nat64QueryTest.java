// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.control;

import static net.tunxlat.nat64.Nat64Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.TcpStates;
import net.tunxlat.util.Json;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code session list|show} and {@code bib list} over the control socket, text and JSON. */
class Nat64QueryTest {
    static final int T = Addresses.parseIpv4("192.0.2.1");
    static final int Z = Addresses.parseIpv4("198.51.100.7");
    static final long H = 0x20010db800010000L;
    static final String BASE = "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n";
    final AtomicLong monotonic = new AtomicLong(100);

    /** A translator with pool4 192.0.2.1 (TCP and UDP 1024-2047, blocks of 64), a static TCP entry and three flows. */
    XlatSnapshot withPool4() throws Exception {
        Pool4 pool = new Pool4(List.of(new Pool4.Range(TCP, T, 1024, 2047), new Pool4.Range(UDP, T, 1024, 2047)), 64);
        Nat64Settings d = Nat64Settings.defaults(pool, 1000);
        Nat64Settings s = new Nat64Settings(pool, d.maxSessions(), d.maxSubscribers(), d.subscriberLength(),
                d.sessionsPerSubscriber(), d.blocksPerSubscriber(), null, d.maxIterations(), d.timeouts(), false, false,
                d.maxSynHeld(), List.of(new Nat64Settings.StaticBib(TCP, H, 0x80, 80, T, 2000)));
        TunxlatConfig c = ConfigParser.parse(BASE, Path.of("/etc/tunxlat/tunxlat.conf")).toBuilder().nat64(s).build();
        XlatState state = XlatState.forConfig(c, () -> 1_700_000_000L);
        Nat64Tables t = state.nat64();
        Nat64Lookup r = new Nat64Lookup();
        assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, 1, 40000, Z, 53, 0, 100));
        assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, 1, 40000, Z, 123, 0, 100));
        assertEquals(Nat64Outcome.OK, t.table(TCP).outbound(r, H, 2, 50000, Z, 443, TcpStates.SYN, 100));
        return state.install(new XlatSnapshot(c, state));
    }

    String ask(Path socket, String request) throws Exception {
        StringWriter out = new StringWriter();
        ControlClient.request(socket, request, out);
        return out.toString();
    }

    @Test
    void listsAndShowsSessionsAndBindings(@TempDir Path dir) throws Exception {
        XlatSnapshot snap = withPool4();
        Path sock = dir.resolve("ctl.sock");
        monotonic.set(160); // 60 s after the flows: UDP 240 s left, TCP V6_INIT (transitory, 240 s) 180 s
        try (ControlServer server = ControlServer.start(sock, null, null,
                new MapQuery(() -> snap, () -> 1_700_000_000L, monotonic::get))) {
            String list = ask(sock, "session list");
            String[] lines = list.split("\n");
            assertEquals(4, lines.length, list);
            assertEquals(List.of("PROTO", "IPV6", "HOST", "POOL4", "REMOTE", "STATE", "EXPIRES", "IN"),
                    List.of(lines[0].trim().split("\\s+")));
            assertTrue(lines[1].matches("tcp +\\[2001:db8:1::2\\]:50000 +192\\.0\\.2\\.1:\\d+ +198\\.51\\.100\\.7:443 +V6_INIT +3m0s"),
                    lines[1]);
            assertTrue(lines[2].matches("udp +\\[2001:db8:1::1\\]:40000 +192\\.0\\.2\\.1:\\d+ +198\\.51\\.100\\.7:53 +- +4m0s"),
                    lines[2]);
            assertTrue(lines[3].contains("198.51.100.7:123"), lines[3]);

            // bounded: one shown, the rest counted
            assertTrue(ask(sock, "session list limit 1").endsWith("... 2 more sessions not shown (3 match; raise --limit"
                    + " or filter)\n"));
            assertEquals(2, ask(sock, "session list proto udp").split("\n").length - 1);
            assertEquals("no sessions\n", ask(sock, "session list host 2001:db8:1::/127 proto tcp"));
            assertEquals(4, ask(sock, "session list host 2001:db8:1::/64").split("\n").length, "a header and 3 rows");

            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) Json.parse(ask(sock, "session list proto udp json"));
            assertEquals(1L, ((Number) json.get("schema")).longValue());
            assertEquals(2L, ((Number) json.get("matched")).longValue());
            assertEquals(0L, ((Number) json.get("more")).longValue());
            @SuppressWarnings("unchecked")
            Map<String, Object> first = ((List<Map<String, Object>>) json.get("sessions")).get(0);
            assertEquals("udp", first.get("protocol"));
            assertEquals("2001:db8:1::1", first.get("ipv6"));
            assertEquals(40000L, ((Number) first.get("ipv6_port")).longValue());
            assertEquals("192.0.2.1", first.get("ipv4"));
            assertEquals("198.51.100.7", first.get("remote"));
            assertEquals(53L, ((Number) first.get("remote_port")).longValue());
            assertEquals("2001:db8:64::c633:6407", first.get("remote_ipv6"));
            assertNull(first.get("state"));
            assertEquals(240L, ((Number) first.get("expires_in")).longValue());
            assertEquals(Boolean.FALSE, first.get("static"));

            String bib = ask(sock, "bib list");
            assertTrue(bib.matches("(?s)PROTO +IPV6 HOST +POOL4 +TYPE +SESSIONS\n"
                    + "tcp +\\[2001:db8:1::2\\]:50000 +192\\.0\\.2\\.1:\\d+ +dynamic +1\n"
                    + "tcp +\\[2001:db8:1::80\\]:80 +192\\.0\\.2\\.1:2000 +static +0\n"
                    + "udp +\\[2001:db8:1::1\\]:40000 +192\\.0\\.2\\.1:\\d+ +dynamic +2\n"), bib);
            String staticJson = ask(sock, "bib list port 2000 json");
            assertEquals("{\"schema\":1,\"bib\":[{\"protocol\":\"tcp\",\"ipv6\":\"2001:db8:1::80\",\"ipv6_port\":80,"
                    + "\"ipv4\":\"192.0.2.1\",\"ipv4_port\":2000,\"static\":true,\"sessions\":0}],"
                    + "\"matched\":1,\"shown\":1,\"more\":0,\"skipped\":0}\n", staticJson);

            String host = ask(sock, "session show 2001:db8:1::1");
            assertTrue(host.startsWith("2001:db8:1::1:\nsubscriber 2001:db8:1::1/128: 2 of 8192 sessions, 1 BIB entries,"
                    + " port blocks (at most 8 per protocol): udp 192.0.2.1 "), host);
            assertTrue(host.contains("\nudp    [2001:db8:1::1]:40000"), host);
            // the pool4 side: who holds 192.0.2.1:2000
            String port = ask(sock, "session show 192.0.2.1:2000");
            assertTrue(port.startsWith("192.0.2.1:2000:\nPROTO"), port);
            assertTrue(port.contains("[2001:db8:1::80]:80") && port.contains("static") && port.endsWith("no sessions\n"),
                    port);
            @SuppressWarnings("unchecked")
            Map<String, Object> shown = (Map<String, Object>) Json.parse(ask(sock, "session show 2001:db8:1::2 json"));
            @SuppressWarnings("unchecked")
            Map<String, Object> sub = (Map<String, Object>) shown.get("subscriber");
            assertEquals("2001:db8:1::2/128", sub.get("prefix"));
            assertEquals(1L, ((Number) sub.get("sessions")).longValue());
            assertEquals(1, ((List<?>) sub.get("blocks")).size());
            assertEquals(1, ((List<?>) shown.get("bib")).size());
            assertEquals(1, ((List<?>) shown.get("sessions")).size());
            assertNull(shown.get("port"));

            // requests that make no sense: said, nothing listed
            for (String[] bad : new String[][] {
                {"session list proto sctp", "unknown protocol 'sctp' (expected tcp, udp or icmp)"},
                {"session list limit 0", "limit '0' must be a number from 1 to 100000"},
                {"bib list limit 100001", "limit '100001' must be a number from 1 to 100000"},
                {"session list host nope", "'nope' is not an IPv6 address or prefix (ADDRESS[/LEN])"},
                {"bib list port", "'port' needs a value"},
                {"session show 192.0.2.1:99999", "port '99999' must be a number from 0 to 65535"},
                {"session show", "session show needs an IPv6 address or an IPv4 address[:port]"},
                {"session frob", "unknown request 'session frob' (expected: session list, session show, bib list)"}}) {
                ControlClient.Refused e = assertThrows(ControlClient.Refused.class, () -> ask(sock, bad[0]), bad[0]);
                assertEquals(bad[1], e.getMessage());
            }
        }
    }

    @Test
    void withoutPool4TheDaemonSaysSo(@TempDir Path dir) throws Exception {
        TunxlatConfig c = ConfigParser.parse(BASE, Path.of("/etc/tunxlat/tunxlat.conf"));
        XlatState state = XlatState.forConfig(c, () -> 1_700_000_000L);
        XlatSnapshot snap = state.install(new XlatSnapshot(c, state));
        Path sock = dir.resolve("ctl.sock");
        try (ControlServer server = ControlServer.start(sock, null, null, new MapQuery(() -> snap, () -> 0L))) {
            for (String request : List.of("session list", "bib list json", "session show 2001:db8::1")) {
                ControlClient.Refused e = assertThrows(ControlClient.Refused.class, () -> ask(sock, request));
                assertEquals(Nat64Query.NOT_CONFIGURED, e.getMessage());
            }
            assertTrue(ask(sock, "map list").contains("static maps"), "map list still answers");
        }
    }
}
