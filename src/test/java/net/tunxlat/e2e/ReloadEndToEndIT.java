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

/**
 * SIGHUP reloads the {@code map-file} under traffic, and every datagram is translated with exactly one of
 * the two maps it alternates between, never a mix; a broken map-file keeps the running map.
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
        List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
        DatagramSocket server = bed.ipv4Host().openUdp(new InetSocketAddress("0.0.0.0", PORT)).socket();
        server.setSoTimeout(200);
        AtomicBoolean running = new AtomicBoolean(true);
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
                String tag = new String(p.getData(), 0, 1, StandardCharsets.US_ASCII);
                String from = p.getAddress().getHostAddress();
                counts.computeIfAbsent(tag + " from " + from, k -> new AtomicLong()).incrementAndGet();
                boolean consistent = tag.equals("a") ? from.equals("192.168.255.50") : from.equals("192.168.255.51");
                if (!consistent) {
                    violations.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII) + " from " + from);
                }
            }
        }, "e2e-receiver");
        receiver.start();
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

        writeAtomically(mapFile, MAP_A + "map 192.168.255.2 2001:db8:6::99\n");
        hup(bed);
        awaitLog(bed, "already mapped at " + bed.configFile() + ":5");
        assertEquals("192.168.255.51", sourceSeenFor(bed, "b"), "a conflict with tayga.conf keeps map B too");
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
