// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * SIGHUP reloads the {@code map-file} under traffic, and every datagram is translated with exactly one of
 * the two maps it alternates between, never a mix; a broken map-file keeps the running map; a map-file entry
 * that would modify tayga.conf's is ignored and logged; entries that do not change lose no datagram through
 * reloads (tayga.conf(5), {@code map-file}).
 *
 * <p>Both addresses of each datagram depend on the map: the IPv6 host sends from {@code 2001:db8:6::50} to
 * {@code 2001:db8:46::a} or {@code ::b} (the payload says which), the IPv4 host listens on
 * {@code 203.0.113.3}.
 * <pre>
 *   map A: 192.168.255.50 2001:db8:6::50    203.0.113.3 2001:db8:46::a
 *   map B: 192.168.255.51 2001:db8:6::50    203.0.113.3 2001:db8:46::b
 * </pre>
 * Under A a datagram to {@code ::a} arrives from .50 and one to {@code ::b} is refused; under B the other way
 * round. A datagram to {@code ::a} from .51 (or to {@code ::b} from .50) would be a half-applied map.
 */
class ReloadEndToEndIT {
    private static final int PORT = 5003;
    private static final String HOST6 = "2001:db8:6::50";
    private static final String TARGET4 = "203.0.113.3";
    private static final String MAP_A = "# map A\nmap 192.168.255.50 " + HOST6 + "\nmap " + TARGET4 + " 2001:db8:46::a\n";
    private static final String MAP_B = "# map B\nmap 192.168.255.51 " + HOST6 + "\nmap " + TARGET4 + " 2001:db8:46::b\n";

    private Path dataDir;

    @RegisterExtension
    final TestBedExtension env = new TestBedExtension(PersistenceEndToEndIT.TUNXLAT, b -> {
        try {
            Files.createDirectories(TestBed.logDirectory());
            dataDir = Files.createTempDirectory(TestBed.logDirectory().toAbsolutePath(), "reload-");
            Files.writeString(dataDir.resolve("hosts.map"), MAP_A);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.configLine("data-dir " + dataDir).configLine("map-file hosts.map").beforeStart(bed -> {
            try {
                bed.addIpv6HostAddresses(List.of(HOST6));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            bed.ipv4Host().ip("addr", "add", TARGET4 + "/24", "dev", "eth0");
            bed.translatorNs().ip("-6", "route", "add", "2001:db8:46::/64", "dev", TestBed.TUN_DEVICE);
        });
    });

    @BeforeEach
    void onlyTunxlat() {
        Assumptions.assumeFalse(System.getProperty(Translator.PROPERTY, "tunxlat").trim().equals("tayga"),
                "TAYGA has no map-file reload");
    }

    @Test
    void sighupUnderTrafficNeverTranslatesWithAHalfAppliedMap() throws Exception {
        TestBed bed = env.bed();
        Path mapFile = dataDir.resolve("hosts.map");
        Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        DatagramSocket server = bed.ipv4Host().openUdp(new InetSocketAddress("0.0.0.0", PORT)).socket();
        server.setSoTimeout(200);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread receiver = receive(server, running, p -> {
            String tag = new String(p.getData(), 0, 1, StandardCharsets.US_ASCII);
            String from = p.getAddress().getHostAddress();
            counts.computeIfAbsent(tag + " from " + from, k -> new AtomicLong()).incrementAndGet();
            boolean consistent = tag.equals("a") ? from.equals("192.168.255.50") : from.equals("192.168.255.51");
            if (!consistent) {
                violations.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII) + " from " + from);
            }
        });
        DatagramChannel client = bed.ipv6Host().openUdp(new InetSocketAddress(HOST6, 0));
        Thread sender = new Thread(() -> {
            long seq = 0;
            while (running.get()) {
                String tag = seq % 2 == 0 ? "a" : "b";
                try {
                    client.send(ByteBuffer.wrap((tag + " " + seq).getBytes(StandardCharsets.US_ASCII)),
                            new InetSocketAddress("2001:db8:46::" + tag, PORT));
                    seq++;
                    if (seq % 4 == 0) {
                        Thread.sleep(1);
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "e2e-sender");
        sender.start();
        int reloads = 0;
        try {
            for (int i = 0; i < 24; i++) {
                Thread.sleep(200);
                writeAtomically(mapFile, i % 2 == 0 ? MAP_B : MAP_A);
                hup(bed);
                reloads++;
            }
            Thread.sleep(300);
        } finally {
            running.set(false);
            sender.join(2000);
            receiver.join(2000);
            server.close();
        }
        System.err.println("[e2e] datagrams received: " + counts + " over " + reloads + " reloads");
        assertEquals(List.of(), violations, "datagrams translated with parts of two maps");
        assertTrue(counts.getOrDefault("a from 192.168.255.50", new AtomicLong()).get() > 50, counts.toString());
        assertTrue(counts.getOrDefault("b from 192.168.255.51", new AtomicLong()).get() > 50, counts.toString());
        long logged = Files.readAllLines(bed.logFile()).stream().filter(l -> l.contains("tunxlat: reloaded ")).count();
        assertEquals(reloads, logged, "one log line per reload:\n" + bed.logTail(30));
    }

    @Test
    void aBrokenMapFileKeepsTheRunningMap() throws Exception {
        TestBed bed = env.bed();
        Path mapFile = dataDir.resolve("hosts.map");
        writeAtomically(mapFile, MAP_B);
        hup(bed);
        awaitLog(bed, "tunxlat: reloaded ");
        assertEquals("192.168.255.51", sourceSeenFor(bed, "b"));

        writeAtomically(mapFile, MAP_A.replace("2001:db8:46::a", "2001:db8:46::zz"));
        hup(bed);
        String failure = awaitLog(bed, "reload failed: ");
        assertTrue(failure.contains("reload failed: " + mapFile + ":3: 'map' expects an IPv6 address or prefix")
                && failure.endsWith("; keeping the running configuration"), failure);
        assertEquals("192.168.255.51", sourceSeenFor(bed, "b"), "map B still translates");

        // tayga.conf(5): a map-file entry that would modify tayga.conf's is ignored (logged with both places); the
        // rest of the map file applies.
        writeAtomically(mapFile, MAP_A + "map 192.168.255.2 2001:db8:6::99\n");
        hup(bed);
        String ignored = awaitLog(bed, "ignored: its IPv4 side overlaps");
        assertTrue(ignored.contains("reload: " + mapFile + ":4: 'map 192.168.255.2/32 2001:db8:6::99/128' ignored: its"
                + " IPv4 side overlaps 'map 192.168.255.2/32 2001:db8:6::2/128' of " + bed.configFile() + ":5"), ignored);
        awaitLog(bed, "tunxlat: reloaded ");
        assertEquals("192.168.255.50", sourceSeenFor(bed, "a"), "map A applies");
        assertEquals("nothing arrived", sourceSeenFor(bed, "b"));
        try (DatagramChannel s = bed.ipv4Host().openUdp(new InetSocketAddress("0.0.0.0", PORT + 1));
                DatagramChannel c = bed.ipv6Host().openUdp(new InetSocketAddress(TestBed.IPV6_HOST, 0))) {
            s.socket().setSoTimeout(2000);
            c.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress("2001:db8:46::a", PORT + 1));
            DatagramPacket p = new DatagramPacket(new byte[10], 10);
            s.socket().receive(p);
            assertEquals(TestBed.IPV6_HOST_MAPPED, p.getAddress().getHostAddress(),
                    "tayga.conf's own map still translates 2001:db8:6::2");
        }
    }

    @Test
    void entriesThatDoNotChangeLoseNoPacketThroughReloads() throws Exception {
        TestBed bed = env.bed();
        Path mapFile = dataDir.resolve("hosts.map");
        // The entries the traffic uses (MAP_A) stay; around them one entry comes and goes, and one is replaced
        // within the file by a later entry (tayga.conf(5)), at every reload.
        String first = MAP_A + "map 192.168.255.60 2001:db8:6::60\n";
        String second = MAP_A + "map 192.168.255.61 2001:db8:6::61\nmap 192.168.255.61 2001:db8:6::62\n";
        assertEquals("192.168.255.50", sourceSeenFor(bed, "a"), "warm: map A translates");
        Set<Long> received = ConcurrentHashMap.newKeySet();
        DatagramSocket server = bed.ipv4Host().openUdp(new InetSocketAddress("0.0.0.0", PORT)).socket();
        server.setSoTimeout(200);
        server.setReceiveBufferSize(1 << 20);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread receiver = receive(server, running, p -> received.add(
                Long.parseLong(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII))));
        DatagramChannel client = bed.ipv6Host().openUdp(new InetSocketAddress(HOST6, 0));
        AtomicLong sent = new AtomicLong();
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread sender = new Thread(() -> {
            try {
                while (sending.get()) {
                    client.send(ByteBuffer.wrap(Long.toString(sent.get()).getBytes(StandardCharsets.US_ASCII)),
                            new InetSocketAddress("2001:db8:46::a", PORT));
                    sent.incrementAndGet();
                    Thread.sleep(1); // paced: a loss here is the translator's, not a full socket buffer's
                }
            } catch (IOException | InterruptedException e) {
                // stop
            }
        }, "e2e-sender");
        sender.start();
        int reloads = 20;
        try {
            for (int i = 0; i < reloads; i++) {
                Thread.sleep(150);
                writeAtomically(mapFile, i % 2 == 0 ? second : first);
                hup(bed);
            }
            Thread.sleep(300);
        } finally {
            sending.set(false);
            sender.join(2000);
            Thread.sleep(500); // the last datagrams in flight
            running.set(false);
            receiver.join(2000);
            server.close();
        }
        long logged = Files.readAllLines(bed.logFile()).stream().filter(l -> l.contains("tunxlat: reloaded ")).count();
        assertEquals(reloads, logged, "every reload applied:\n" + bed.logTail(30));
        assertTrue(Files.readString(bed.logFile()).contains("reload: " + mapFile + ":5: 'map 192.168.255.61/32"
                + " 2001:db8:6::62/128' replaces 'map 192.168.255.61/32 2001:db8:6::61/128' of " + mapFile + ":4"),
                bed.logTail(30));
        System.err.println("[e2e] " + received.size() + " of " + sent.get() + " datagrams over " + reloads + " reloads");
        assertTrue(sent.get() > 1000, "enough traffic: " + sent.get());
        assertEquals(sent.get(), received.size(), "no datagram of an unchanged entry lost through the reloads");
    }

    /** A started thread handing each datagram {@code server} receives to {@code onDatagram} while {@code running}. */
    private static Thread receive(DatagramSocket server, AtomicBoolean running,
            Consumer<DatagramPacket> onDatagram) {
        Thread receiver = new Thread(() -> {
            byte[] buf = new byte[100];
            while (running.get()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    server.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    return;
                }
                onDatagram.accept(p);
            }
        }, "e2e-receiver");
        receiver.start();
        return receiver;
    }

    private static String sourceSeenFor(TestBed bed, String tag) throws IOException {
        try (DatagramChannel c = bed.ipv6Host().openUdp(new InetSocketAddress(HOST6, 0));
                DatagramChannel s = bed.ipv4Host().openUdp(new InetSocketAddress("0.0.0.0", PORT))) {
            DatagramSocket server = s.socket();
            server.setSoTimeout(300);
            for (int attempt = 0; attempt < 10; attempt++) {
                c.send(ByteBuffer.wrap(tag.getBytes(StandardCharsets.US_ASCII)), new InetSocketAddress("2001:db8:46::" + tag, PORT));
                DatagramPacket p = new DatagramPacket(new byte[100], 100);
                try {
                    server.receive(p);
                    return p.getAddress().getHostAddress();
                } catch (SocketTimeoutException e) {
                    // again
                }
            }
        }
        return "nothing arrived";
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** SIGHUP to the bed's translator (a reload). */
    static void hup(TestBed bed) {
        ExecResult r = Cmd.exec(Cmd.DEFAULT_TIMEOUT, List.of("kill", "-HUP", Long.toString(bed.translator().pid())));
        assertTrue(r.ok(), r.describe());
    }

    /** Waits (up to 5 s) for a log line containing {@code text} after the last check; returns it. */
    private String awaitLog(TestBed bed, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<String> lines = Files.readAllLines(bed.logFile());
            for (int i = lines.size() - 1; i >= seenLines; i--) {
                if (lines.get(i).contains(text)) {
                    seenLines = i + 1;
                    return lines.get(i);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line with '" + text + "':\n" + bed.logTail(20));
            }
            Thread.sleep(50);
        }
    }

    private int seenLines;
}
