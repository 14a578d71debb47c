// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static net.tunxlat.cli.TranslateCommandTest.a6;
import static net.tunxlat.cli.TranslateCommandTest.ipv4Udp;
import static net.tunxlat.cli.TranslateCommandTest.ipv6Udp;
import static net.tunxlat.cli.TranslateCommandTest.naiveSum;
import static net.tunxlat.cli.TranslateCommandTest.run;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.tunxlat.cli.TranslateCommandTest.Result;
import net.tunxlat.pcap.PcapWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import net.tunxlat.offline.OfflineTranslator;

/**
 * {@code translate --explain} names the rule that mapped each address: the RFC 6052 prefix, a static map
 * line with file:line (TranslateCommandTest), a dynamic binding (new, then existing, across one capture),
 * an NPTv6 line, the RFC 6791 pool or ipv4-addr for an ICMPv6 error from a router without a mapping; and
 * ICMP types and codes by name.
 */
public class TranslateExplainTest {
    @TempDir
    Path dir;

    Path pcap(byte[]... packets) throws IOException {
        Path p = dir.resolve("in.pcap");
        try (PcapWriter w = new PcapWriter(Files.newOutputStream(p))) {
            for (int i = 0; i < packets.length; i++) {
                w.write(TranslateCommandTest.T0 + i * 1_000_000_000L, packets[i]);
            }
        }
        return p;
    }

    Path conf(String text) throws IOException {
        Path c = dir.resolve("tunxlat.conf");
        Files.writeString(c, text);
        return c;
    }

    Result explain(Path conf, Path in) {
        Result r = run("translate", "-c", conf.toString(), "--in", in.toString(), "--explain");
        assertEquals(0, r.status(), r.err());
        return r;
    }

    /** ICMPv6 Time Exceeded from {@code router} to {@code dst}, quoting {@code quoted} (RFC 4443 §3.3). */
    static byte[] ipv6TimeExceeded(String router, String dst, byte[] quoted) {
        byte[] l4 = ByteBuffer.allocate(8 + quoted.length).put((byte) 3).put((byte) 0).putShort((short) 0).putInt(0)
                .put(quoted).array();
        byte[] pseudo = ByteBuffer.allocate(40).put(a6(router)).put(a6(dst)).putInt(l4.length).putInt(58).array();
        int c = ~naiveSum(l4, 0, l4.length, naiveSum(pseudo, 0, 40, 0)) & 0xffff;
        l4[2] = (byte) (c >>> 8);
        l4[3] = (byte) c;
        return ByteBuffer.allocate(40 + l4.length).putInt(0x60000000).putShort((short) l4.length).put((byte) 58)
                .put((byte) 64).put(a6(router)).put(a6(dst)).put(l4).array();
    }

    @Test
    void newDynamicBindingThenTheSameBindingAcrossOneCapture() throws IOException {
        Path c = conf("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "dynamic-pool 192.168.255.0/24\n");
        byte[] out = ipv6Udp("2001:db8:5::5", "2001:db8:64::cb00:7102", 0, 64);
        Result first = explain(c, pcap(out));
        Matcher m = Pattern.compile("\n    source: new binding (192\\.168\\.255\\.\\d+) <-> 2001:db8:5::5"
                + " \\(dynamic-pool 192\\.168\\.255\\.0/24\\)\n").matcher(first.out());
        assertTrue(m.find(), first.out());
        String bound = m.group(1);

        // One capture: the first packet creates the binding, the second uses it, the reply goes back through it.
        Result r = explain(c, pcap(out, out, ipv4Udp("203.0.113.2", bound, 64)));
        String[] lines = r.out().split("\n");
        assertEquals("1 IPv6 2001:db8:5::5 -> 2001:db8:64::cb00:7102 UDP 5000 -> 53 len 61: translated 6->4 (41 bytes)",
                lines[0]);
        assertEquals("    source: new binding " + bound + " <-> 2001:db8:5::5 (dynamic-pool 192.168.255.0/24)", lines[1]);
        assertEquals("    destination: RFC 6052 prefix 2001:db8:64::/96", lines[2]);
        assertEquals("    > IPv4 " + bound + " -> 203.0.113.2 UDP 5000 -> 53 len 41", lines[3]);
        assertEquals("    source: binding " + bound + " <-> 2001:db8:5::5 (dynamic-pool 192.168.255.0/24)", lines[5]);
        assertEquals("    destination: RFC 6052 prefix 2001:db8:64::/96", lines[6]);
        assertTrue(lines[8].startsWith("3 IPv4 203.0.113.2 -> " + bound + " UDP"), lines[8]);
        assertEquals("    source: RFC 6052 prefix 2001:db8:64::/96", lines[9]);
        assertEquals("    destination: binding " + bound + " <-> 2001:db8:5::5 (dynamic-pool 192.168.255.0/24)", lines[10]);
        assertEquals(1, r.out().split("new binding", -1).length - 1, r.out());
    }

    @Test
    void nptv6LinesWithTheirOrigin() throws IOException {
        Path c = conf("tun-device nptv6\nipv6-addr 2001:db8:ffff::1\nnptv6 fd01:203:405::/48 2001:db8:1::/48\n");
        Result r = explain(c, pcap(ipv6Udp("fd01:203:405:1::1234", "2001:db8:9::9", 0, 64),
                ipv6Udp("2001:db8:9::9", "2001:db8:1:d550::1234", 0, 64)));
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].endsWith(": NPTv6 inside->outside (61 bytes)"), lines[0]);
        assertEquals("    source: NPTv6 fd01:203:405::/48 <-> 2001:db8:1::/48 (" + c + ":3)", lines[1]);
        assertTrue(lines[2].startsWith("    > IPv6 2001:db8:1:"), lines[2]);
        assertTrue(lines[3].endsWith(": NPTv6 outside->inside (61 bytes)"), lines[3]);
        assertEquals("    destination: NPTv6 fd01:203:405::/48 <-> 2001:db8:1::/48 (" + c + ":3)", lines[4]);
        assertTrue(lines[5].startsWith("    > IPv6 2001:db8:9::9 -> fd01:203:405:"), lines[5]);
    }

    static final byte[] ROUTER_ERROR = ipv6TimeExceeded("2001:db8:99::1", "2001:db8:64::cb00:7102",
            ipv6Udp("2001:db8:64::cb00:7102", "2001:db8:6::2", 0, 1));

    @Test
    void icmpv6ErrorFromAnUnmappedRouterTakesTheRfc6791Pool() throws IOException {
        Path c = conf("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\nrfc6791-pool 198.51.100.7\n");
        String[] lines = explain(c, pcap(ROUTER_ERROR)).out().split("\n");
        assertEquals("1 IPv6 2001:db8:99::1 -> 2001:db8:64::cb00:7102 ICMPv6 Time Exceeded (3/0, hop limit exceeded"
                + " in transit) len 109: translated 6->4 (69 bytes)", lines[0]);
        assertEquals("    source: RFC 6791 pool 198.51.100.7/32 (rfc6791-pool; the IPv6 router has no mapping)", lines[1]);
        assertEquals("    destination: RFC 6052 prefix 2001:db8:64::/96", lines[2]);
        assertEquals("    > IPv4 198.51.100.7 -> 203.0.113.2 ICMP Time Exceeded (11/0, TTL exceeded in transit) len 69",
                lines[3]);
    }

    @Test
    void icmpv6ErrorFromAnUnmappedRouterWithoutPoolComesFromIpv4Addr() throws IOException {
        Path c = conf("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\n");
        String[] lines = explain(c, pcap(ROUTER_ERROR)).out().split("\n");
        assertEquals("    source: the translator's own address (ipv4-addr 192.168.255.1; no rfc6791-pool, the IPv6 router"
                + " has no mapping)", lines[1]);
        assertTrue(lines[3].startsWith("    > IPv4 192.168.255.1 -> 203.0.113.2 ICMP Time Exceeded"), lines[3]);
    }

    /** A UDP datagram over IPv6 (for tests in other packages). */
    public static byte[] ipv6UdpFrom(String src, String dst) {
        return ipv6Udp(src, dst, 0, 64);
    }

    /** ICMPv4 Time Exceeded from {@code router} to {@code dst}, quoting {@code quoted} (RFC 792). */
    static byte[] ipv4TimeExceeded(String router, String dst, byte[] quoted) {
        byte[] l4 = ByteBuffer.allocate(8 + quoted.length).put((byte) 11).put((byte) 0).putShort((short) 0).putInt(0)
                .put(quoted).array();
        int c = ~naiveSum(l4, 0, l4.length, 0) & 0xffff;
        l4[2] = (byte) (c >>> 8);
        l4[3] = (byte) c;
        byte[] p = ByteBuffer.allocate(20 + l4.length).put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length))
                .putShort((short) 7).putShort((short) 0).put((byte) 64).put((byte) 1).putShort((short) 0)
                .put(TranslateCommandTest.a4(router)).put(TranslateCommandTest.a4(dst)).put(l4).array();
        int h = ~naiveSum(p, 0, 20, 0) & 0xffff;
        p[10] = (byte) (h >>> 8);
        p[11] = (byte) h;
        return p;
    }

    @Test
    void icmpv4ErrorFromARouterTheWellKnownPrefixCannotCarryComesFromIpv6Addr() throws IOException {
        Path c = conf("tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:ffff::1\nprefix 64:ff9b::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\n");
        byte[] error = ipv4TimeExceeded("10.1.1.1", "192.168.255.2", ipv4Udp("192.168.255.2", "8.8.8.8", 1));
        String[] lines = explain(c, pcap(error)).out().split("\n");
        assertTrue(lines[0].startsWith("1 IPv4 10.1.1.1 -> 192.168.255.2 ICMP Time Exceeded (11/0, TTL exceeded in"
                + " transit) len "), lines[0]);
        assertTrue(lines[0].contains(": translated 4->6"), lines[0]);
        assertEquals("    source: the translator's own address (ipv6-addr 2001:db8:ffff::1; the IPv4 router has no"
                + " mapping)", lines[1]);
        assertEquals("    destination: static map 192.168.255.2 2001:db8:6::2 (" + c + ":5)", lines[2]);
        assertTrue(lines[3].startsWith("    > IPv6 2001:db8:ffff::1 -> 2001:db8:6::2 ICMPv6 Time Exceeded (3/0, hop limit"
                + " exceeded in transit)"), lines[3]);
    }

    @Test
    void aDropNamesOnlyTheRulesThatMappedAndNothingOfTheLastPacket() throws IOException {
        Path c = conf("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\n");
        String[] lines = explain(c, pcap(ipv6Udp("2001:db8:6::2", "2001:db8:64::cb00:7102", 0, 64),
                ipv6Udp("2001:db8:6::2", "2001:db8:77::1", 0, 64),
                ipv6Udp("2001:db8:5::5", "2001:db8:64::cb00:7102", 0, 64))).out().split("\n");
        assertEquals("    source: static map 192.168.255.2 2001:db8:6::2 (" + c + ":4)", lines[1]);
        assertEquals("    destination: RFC 6052 prefix 2001:db8:64::/96", lines[2]);
        assertTrue(lines[4].startsWith("2 ") && lines[4].contains("dropped: dst_unmappable_64"), lines[4]);
        assertTrue(lines[5].startsWith("    > IPv6 2001:db8:64::c0a8:ff01 -> 2001:db8:6::2 ICMPv6 Destination Unreachable"
                + " (1/1, administratively prohibited)"), lines[5]);
        assertTrue(lines[6].startsWith("3 ") && lines[6].contains("dropped: src_unmappable_64"), lines[6]);
        assertEquals("    destination: RFC 6052 prefix 2001:db8:64::/96", lines[7]);
        assertTrue(lines[8].startsWith("    > IPv6 "), lines[8]);
        assertTrue(lines[9].endsWith("3 packets, 1 translated, 2 answered; 3 packets emitted"), lines[9]);
        assertEquals(10, lines.length);
    }

    @Test
    void aMapFileEntryIsNamedWithItsFileAndLine() throws IOException {
        Path map = Files.writeString(dir.resolve("hosts.map"), "# hosts\nmap 192.168.255.7 2001:db8:6::7\n");
        Path c = conf("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\nmap-file " + map + "\n");
        String[] lines = explain(c, pcap(ipv4Udp("203.0.113.2", "192.168.255.7", 64))).out().split("\n");
        assertEquals("    source: RFC 6052 prefix 2001:db8:64::/96", lines[1]);
        assertEquals("    destination: static map 192.168.255.7 2001:db8:6::7 (" + map + ":2)", lines[2]);
        assertEquals("    > IPv6 2001:db8:64::cb00:7102 -> 2001:db8:6::7 UDP 5000 -> 53 len 61", lines[3]);
    }

    @Test
    void hairpinNamesTheRulesOfTheFinalIpv6Addresses() throws IOException {
        Path c = conf("tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\nmap 192.168.255.3 2001:db8:6::3\n");
        String[] lines = explain(c, pcap(ipv6Udp("2001:db8:6::3", "2001:db8:64::c0a8:ff02", 0, 64))).out().split("\n");
        assertTrue(lines[0].contains(": translated 6->4"), lines[0]);
        assertEquals("    source: RFC 6052 prefix 2001:db8:64::/96", lines[1]);
        assertEquals("    destination: static map 192.168.255.2 2001:db8:6::2 (" + c + ":4)", lines[2]);
        assertEquals("    > IPv6 2001:db8:64::c0a8:ff03 -> 2001:db8:6::2 UDP 5000 -> 53 len 61", lines[3]);
    }

    @Test
    void icmpNamesForPeople() {
        assertEquals("Destination Unreachable (1/4, port unreachable)",
                OfflineTranslator.icmpName(true, 1, 4));
        assertEquals("Echo Request (8/0)", OfflineTranslator.icmpName(false, 8, 0));
        assertEquals("Destination Unreachable (3/4, fragmentation needed and DF set)",
                OfflineTranslator.icmpName(false, 3, 4));
        assertEquals("200/0", OfflineTranslator.icmpName(true, 200, 0));
    }
}
