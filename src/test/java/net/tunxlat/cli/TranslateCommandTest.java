// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.pcap.PcapReader;
import net.tunxlat.pcap.PcapRecord;
import net.tunxlat.pcap.PcapWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import net.tunxlat.xlat.DropReason;

class TranslateCommandTest {
    static final long T0 = 1_700_000_000_000_000_000L;
    static final byte[] PAYLOAD = "hello tunxlat".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;
    Path conf;

    record Result(int status, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new TunxlatCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    @BeforeEach
    void config() throws IOException {
        conf = dir.resolve("tunxlat.conf");
        Files.writeString(conf, "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8:64::/96\n"
                + "map 192.168.255.2 2001:db8:6::2\n");
    }

    // ---------------------------------------------------------------- packets, built independently of the translator

    static int naiveSum(byte[] b, int from, int to, int sum) {
        for (int i = from; i < to; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (i + 1 < to ? b[i + 1] & 0xff : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum;
    }

    static byte[] a4(String s) {
        return ByteBuffer.allocate(4).putInt(Addresses.parseIpv4(s)).array();
    }

    static byte[] a6(String s) {
        long[] a = Addresses.parseIpv6(s);
        return ByteBuffer.allocate(16).putLong(a[0]).putLong(a[1]).array();
    }

    static byte[] udp(byte[] pseudo, int sport, int dport) {
        ByteBuffer u = ByteBuffer.allocate(8 + PAYLOAD.length);
        u.putShort((short) sport).putShort((short) dport).putShort((short) (8 + PAYLOAD.length)).putShort((short) 0)
                .put(PAYLOAD);
        byte[] b = u.array();
        int c = ~naiveSum(b, 0, b.length, naiveSum(pseudo, 0, pseudo.length, 0)) & 0xffff;
        b[6] = (byte) (c >>> 8);
        b[7] = (byte) c;
        return b;
    }

    static byte[] ipv4Udp(String src, String dst, int ttl) {
        byte[] pseudo = ByteBuffer.allocate(12).put(a4(src)).put(a4(dst)).putShort((short) 17)
                .putShort((short) (8 + PAYLOAD.length)).array();
        byte[] l4 = udp(pseudo, 5000, 53);
        ByteBuffer b = ByteBuffer.allocate(20 + l4.length);
        b.put((byte) 0x45).put((byte) 0x10).putShort((short) (20 + l4.length)).putShort((short) 0x1234)
                .putShort((short) 0x4000).put((byte) ttl).put((byte) 17).putShort((short) 0).put(a4(src)).put(a4(dst))
                .put(l4);
        byte[] p = b.array();
        int c = ~naiveSum(p, 0, 20, 0) & 0xffff;
        p[10] = (byte) (c >>> 8);
        p[11] = (byte) c;
        return p;
    }

    static byte[] ipv6Udp(String src, String dst, int tc, int hop) {
        byte[] pseudo = ByteBuffer.allocate(40).put(a6(src)).put(a6(dst)).putInt(8 + PAYLOAD.length).putInt(17).array();
        byte[] l4 = udp(pseudo, 5000, 53);
        ByteBuffer b = ByteBuffer.allocate(40 + l4.length);
        b.putInt(0x60000000 | tc << 20).putShort((short) l4.length).put((byte) 17).put((byte) hop).put(a6(src))
                .put(a6(dst)).put(l4);
        return b.array();
    }

    static byte[] ipv6EchoRequest(String src, String dst) {
        byte[] l4 = {(byte) 128, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
        byte[] pseudo = ByteBuffer.allocate(40).put(a6(src)).put(a6(dst)).putInt(l4.length).putInt(58).array();
        int c = ~naiveSum(l4, 0, l4.length, naiveSum(pseudo, 0, 40, 0)) & 0xffff;
        l4[2] = (byte) (c >>> 8);
        l4[3] = (byte) c;
        ByteBuffer b = ByteBuffer.allocate(40 + l4.length);
        b.putInt(0x60000000).putShort((short) l4.length).put((byte) 58).put((byte) 64).put(a6(src)).put(a6(dst)).put(l4);
        return b.array();
    }

    static final byte[] TRANSLATE = ipv4Udp("203.0.113.2", "192.168.255.2", 64);
    static final byte[] TRANSLATED = ipv6Udp("2001:db8:64::cb00:7102", "2001:db8:6::2", 0x10, 63);
    static final byte[] PING_SELF = ipv6EchoRequest("2001:db8:6::2", "2001:db8:64::c0a8:ff01");
    static final byte[] EXPIRING = ipv4Udp("203.0.113.2", "192.168.255.2", 1);
    static final byte[] GARBAGE = {0x12, 0x34, 0x56};

    Path rawPcap(String name, byte[]... packets) throws IOException {
        Path p = dir.resolve(name);
        try (PcapWriter w = new PcapWriter(Files.newOutputStream(p))) {
            for (int i = 0; i < packets.length; i++) {
                w.write(T0 + i * 1_000_000_000L, packets[i]);
            }
        }
        return p;
    }

    static List<PcapRecord> read(Path p) throws IOException {
        List<PcapRecord> l = new ArrayList<>();
        try (PcapReader r = PcapReader.open(p)) {
            assertEquals(101, r.linkType());
            for (PcapRecord rec; (rec = r.next()) != null; ) {
                l.add(rec);
            }
        }
        return l;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void translatesAnswersAndExplains() throws IOException {
        Path in = rawPcap("in.pcap", TRANSLATE, PING_SELF, EXPIRING, GARBAGE);
        Path out = dir.resolve("out.pcap");
        Result r = run("translate", "-c", conf.toString(), "--in", in.toString(), "--out", out.toString(), "--explain");
        assertEquals(0, r.status(), r.err());
        List<PcapRecord> recs = read(out);
        assertEquals(3, recs.size());
        assertArrayEquals(TRANSLATED, recs.get(0).data(), "the translated packet, byte for byte");
        assertEquals(T0, recs.get(0).epochNanos(), "timestamp of the input packet");

        byte[] reply = recs.get(1).data();
        assertEquals(T0 + 1_000_000_000L, recs.get(1).epochNanos());
        assertEquals(129, reply[40] & 0xff, "echo reply");
        assertArrayEquals(Arrays.copyOfRange(PING_SELF, 8, 24), Arrays.copyOfRange(reply, 24, 40), "sent back to the sender");
        byte[] timeExceeded = recs.get(2).data();
        assertEquals(0x45, timeExceeded[0]);
        assertArrayEquals(a4("192.168.255.1"), Arrays.copyOfRange(timeExceeded, 12, 16), "from the translator");
        assertEquals(11, timeExceeded[20]);
        assertArrayEquals(EXPIRING, Arrays.copyOfRange(timeExceeded, 28, 28 + EXPIRING.length), "quotes the packet");

        String[] lines = r.out().split("\n");
        assertEquals("1 IPv4 203.0.113.2 -> 192.168.255.2 UDP 5000 -> 53 DF len 41: translated 4->6 (61 bytes)", lines[0]);
        assertEquals("    source: RFC 6052 prefix 2001:db8:64::/96", lines[1]);
        assertEquals("    destination: static map 192.168.255.2 2001:db8:6::2 (" + conf + ":4)", lines[2]);
        assertEquals("    > IPv6 2001:db8:64::cb00:7102 -> 2001:db8:6::2 UDP 5000 -> 53 len 61", lines[3]);
        assertEquals("2 IPv6 2001:db8:6::2 -> 2001:db8:64::c0a8:ff01 ICMPv6 Echo Request (128/0) len 52: echo reply",
                lines[4]);
        assertEquals("    > IPv6 2001:db8:64::c0a8:ff01 -> 2001:db8:6::2 ICMPv6 Echo Reply (129/0) len 52", lines[5]);
        assertEquals("3 IPv4 203.0.113.2 -> 192.168.255.2 UDP 5000 -> 53 DF len 41: answered: ICMPv4 Time Exceeded"
                + " (11/0, TTL exceeded in transit) sent;"
                + " dropped: ttl_exceeded_46 (" + DropReason.TTL_EXCEEDED_46.help() + ")", lines[6]);
        assertEquals("    > IPv4 192.168.255.1 -> 203.0.113.2 ICMP Time Exceeded (11/0, TTL exceeded in transit) len 69",
                lines[7]);
        assertEquals("4 not IP (version 1), 3 bytes: dropped: unknown_ip_version (the packet is neither IPv4 nor IPv6);"
                + " no ICMP error sent", lines[8]);
        assertEquals(in + ": 4 packets, 1 translated, 1 echo reply, 1 answered, 1 dropped; 3 packets written to " + out,
                lines[9]);
        assertEquals(10, lines.length);
    }

    @Test
    void explainWithoutOut() throws IOException {
        Path in = rawPcap("in.pcap", TRANSLATE);
        Result r = run("translate", "-c", conf.toString(), "--in", in.toString(), "--explain");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("1 IPv4 203.0.113.2 -> 192.168.255.2 UDP"), r.out());
        assertTrue(r.out().endsWith(in + ": 1 packet, 1 translated; 1 packet emitted\n"), r.out());
    }

    @Test
    void explainsNptv6Rewrites() throws IOException {
        Files.writeString(conf, "tun-device nptv6\nipv6-addr 2001:db8:ffff::1\n"
                + "nptv6 fd01:203:405::/48 2001:db8:1::/48\n");
        Path in = rawPcap("in.pcap", ipv6Udp("fd01:203:405:1::1234", "2001:db8:9::9", 0, 64),
                ipv6Udp("2001:db8:9::9", "2001:db8:1:d550::1234", 0, 64));
        Result r = run("translate", "-c", conf.toString(), "--in", in.toString(), "--explain");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("NPTv6 inside->outside (61 bytes)"), r.out());
        assertTrue(r.out().contains("NPTv6 outside->inside (61 bytes)"), r.out());
        assertTrue(r.out().endsWith(in + ": 2 packets, 2 translated; 2 packets emitted\n"), r.out());
    }

    @Test
    void linuxCookedCaptureInBigEndianNanoseconds() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 16 + TRANSLATE.length + 16 + 16 + 28);
        b.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(113);
        b.putInt(1_700_000_000).putInt(123_456_789).putInt(16 + TRANSLATE.length).putInt(16 + TRANSLATE.length);
        b.putShort((short) 4).putShort((short) 0xfffe).putShort((short) 0).putLong(0).putShort((short) 0x0800).put(TRANSLATE);
        b.putInt(1_700_000_001).putInt(0).putInt(16 + 28).putInt(16 + 28);
        b.putShort((short) 4).putShort((short) 1).putShort((short) 6).putLong(0).putShort((short) 0x0806).put(new byte[28]);
        Path in = dir.resolve("any.pcap");
        Files.write(in, b.array());
        Path out = dir.resolve("out.pcap");
        Result r = run("translate", "-c", conf.toString(), "--in", in.toString(), "--out", out.toString(), "--explain");
        assertEquals(0, r.status(), r.err());
        List<PcapRecord> recs = read(out);
        assertEquals(1, recs.size());
        assertArrayEquals(TRANSLATED, recs.get(0).data());
        assertEquals(1_700_000_000_123_456_000L, recs.get(0).epochNanos(), "written with microseconds");
        assertTrue(r.out().contains("\n2 skipped: Linux cooked frame is not IP (protocol 0x0806)\n"), r.out());
        assertTrue(r.out().contains("2 packets, 1 translated, 1 skipped; 1 packet written"), r.out());
    }

    @Test
    void truncatedCaptureKeepsTheGoodPacketsAndExits2() throws IOException {
        Path whole = rawPcap("whole.pcap", TRANSLATE, TRANSLATE);
        byte[] bytes = Files.readAllBytes(whole);
        Path in = dir.resolve("cut.pcap");
        Files.write(in, Arrays.copyOf(bytes, bytes.length - 10));
        Path out = dir.resolve("out.pcap");
        Result r = run("translate", "-c", conf.toString(), "--in", in.toString(), "--out", out.toString());
        assertEquals(2, r.status());
        assertEquals("tunxlat: " + in + ": truncated: record 2 has 31 of its 41 bytes\n", r.err());
        assertEquals(1, read(out).size());
        assertArrayEquals(TRANSLATED, read(out).get(0).data());
    }

    @Test
    void badInputFilesExit2WithTheirName() throws IOException {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not a capture at all, just some text\n");
        Result r = run("translate", "-c", conf.toString(), "--in", text.toString(), "--explain");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("tunxlat: " + text + ": is not a pcap file (magic number 0x6e6f7420"), r.err());

        Path missing = dir.resolve("missing.pcap");
        r = run("translate", "-c", conf.toString(), "--in", missing.toString());
        assertEquals(2, r.status());
        assertEquals("tunxlat: " + missing + ": no such file\n", r.err());

        Path badConf = dir.resolve("bad.conf");
        Files.writeString(badConf, "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 2001:db8::/80\n");
        r = run("translate", "-c", badConf.toString(), "--in", rawPcap("in.pcap", TRANSLATE).toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("bad.conf:3:"), r.err());

        r = run("translate", "-c", conf.toString(), "--in", rawPcap("in2.pcap", TRANSLATE).toString(), "--out",
                dir.resolve("no/such/dir/out.pcap").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("out.pcap: cannot write"), r.err());
    }

    @Test
    void emptyCaptureIsFine() throws IOException {
        Path in = rawPcap("empty.pcap");
        Path out = dir.resolve("out.pcap");
        Result r = run("translate", "-c", conf.toString(), "--in", in.toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(in + ": 0 packets; 0 packets written to " + out + "\n", r.out());
        assertEquals(24, Files.size(out));
    }

    @Test
    void helpListsTheCommand() {
        Result r = run("--help");
        assertTrue(r.out().contains("translate"), r.out());
        r = run("translate", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("--explain"), r.out());
    }

    @Test
    void outputFileIsValidPcapForOtherTools() throws IOException {
        Path in = rawPcap("in.pcap", TRANSLATE);
        Path out = dir.resolve("out.pcap");
        assertEquals(0, run("translate", "-c", conf.toString(), "--in", in.toString(), "--out", out.toString()).status());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(expected)) {
            w.write(T0, TRANSLATED);
        }
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(out));
    }
}
