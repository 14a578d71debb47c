// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicMapFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import java.io.UncheckedIOException;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Issue 4, "NAT64 mapping that survives": IPv6 hosts outside the static map get addresses from
 * {@code dynamic-pool 192.168.255.0/24}; the bindings are kept in {@code data-dir/dynamic.map} and a
 * restarted translator (SIGTERM, or kill -9 after the write) hands every host the same IPv4 address. TAYGA
 * 0.9.2 and tunxlat adopt each other's data directory. {@code tunxlat map list} shows the live state.
 *
 * <p>The IPv6 host stands for several hosts through extra addresses ({@link #HOSTS}); which IPv4 address a
 * host has is observed where it matters: as the source the IPv4 host sees on a UDP datagram.
 */
class PersistenceEndToEndIT {
    private static final int PORT = 5002;
    private static final Duration START = Duration.ofSeconds(30);
    static final Translator TUNXLAT = Translator.tunxlat(Path.of(System.getProperty("tunxlat.jar", "target/tunxlat.jar")));
    static final List<String> HOSTS = List.of("2001:db8:6::100", "2001:db8:6::101", "2001:db8:6::102", "2001:db8:6::103");

    private Path dataDir;

    @RegisterExtension
    final TestBedExtension env = new TestBedExtension(TUNXLAT, b -> {
        try {
            Files.createDirectories(TestBed.logDirectory());
            dataDir = Files.createTempDirectory(TestBed.logDirectory().toAbsolutePath(), "data-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.configLine("dynamic-pool " + TestBed.POOL).configLine("data-dir " + dataDir).startTranslator(false);
    });

    @BeforeEach
    void onlyTunxlat() {
        Assumptions.assumeFalse(System.getProperty(Translator.PROPERTY, "tunxlat").trim().equals("tayga"),
                "tests tunxlat's own persistence and control socket (TAYGA's side is covered by taygaDataDirectory...)");
    }

    // ---- (a) clean restart ------------------------------------------------------------------

    @Test
    void cleanRestartKeepsEveryHostsAddress() throws Exception {
        TestBed bed = env.bed();
        bed.addIpv6HostAddresses(HOSTS);
        bed.restartTranslator(TUNXLAT, START);
        Map<String, String> before = addressesOf(bed, HOSTS);
        assertDistinctPoolAddresses(before);
        assertTrue(bed.stopTranslator(), "clean stop within 1 s");
        assertEquals(before, fileBindings(), "the clean stop wrote every binding");

        bed.restartTranslator(TUNXLAT, START);
        assertTrue(bed.logTail(40).contains("loaded 4 dynamic maps from " + dataDir.resolve("dynamic.map")), bed.logTail(40));
        // Active bindings are restored as they were: the IPv4 side reaches a host before it sends anything.
        String first = before.get(HOSTS.get(0));
        ExecResult ping = bed.ipv4Host().exec("ping", "-n", "-c", "2", "-i", "0.3", "-W", "2", first);
        assertTrue(ping.ok(), "IPv4 host reaches " + HOSTS.get(0) + " at " + first + " after the restart: " + ping.describe());
        assertEquals(before, addressesOf(bed, HOSTS), "every host has the IPv4 address it had");
    }

    // ---- (b) kill -9 ------------------------------------------------------------------------

    @Test
    void killDashNineAfterANewBindingKeepsIt() throws Exception {
        TestBed bed = env.bed();
        bed.addIpv6HostAddresses(HOSTS);
        bed.restartTranslator(TUNXLAT, START);
        Map<String, String> before = addressesOf(bed, HOSTS);
        Thread.sleep(1500); // "within about a second of a new binding"
        bed.killTranslator();
        assertEquals(before, fileBindings(), "written before the kill");
        assertTrue(Files.exists(bed.controlSocket()), "kill -9 leaves the control socket behind");

        bed.restartTranslator(TUNXLAT, START);
        assertTrue(bed.logTail(40).contains("replaced stale control socket " + bed.controlSocket()), bed.logTail(40));
        assertEquals(before, addressesOf(bed, HOSTS));
    }

    @Test
    void killDashNineDuringWritesNeverLeavesATornFile() throws Exception {
        TestBed bed = env.bed();
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            hosts.add("2001:db8:6::1:" + Integer.toHexString(i));
        }
        bed.addIpv6HostAddresses(hosts);
        Random random = new Random(4);
        AtomicInteger next = new AtomicInteger();
        Map<String, String> everBound = new TreeMap<>();
        for (int round = 0; round < 5; round++) {
            bed.restartTranslator(TUNXLAT, START);
            // New hosts keep arriving (each one a new binding, so a write) until the kill.
            AtomicBoolean go = new AtomicBoolean(true);
            Thread sender = new Thread(() -> {
                while (go.get() && next.get() < hosts.size()) {
                    try {
                        sendOnce(bed, hosts.get(next.getAndIncrement()));
                        Thread.sleep(15);
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            }, "e2e-new-hosts");
            sender.start();
            Thread.sleep(300 + random.nextInt(900));
            bed.killTranslator();
            go.set(false);
            sender.join(5000);
            DynamicMapFile.Loaded loaded = new DynamicMapFile(dataDir).load();
            assertEquals(List.of(), loaded.problems(), "round " + round + ": the file parses completely");
            String text = Files.readString(dataDir.resolve(DynamicMapFile.NAME), StandardCharsets.ISO_8859_1);
            assertTrue(text.startsWith("###\n") && text.endsWith("\n"), "round " + round + ": a whole file: " + text);
            Map<String, String> now = fileBindings();
            for (Map.Entry<String, String> e : everBound.entrySet()) {
                assertEquals(e.getValue(), now.get(e.getKey()), "round " + round + ": " + e.getKey() + " keeps its address");
            }
            everBound.putAll(now);
        }
        assertTrue(everBound.size() >= 10, "bindings were written during the rounds: " + everBound.size());
        bed.restartTranslator(TUNXLAT, START);
        List<String> some = new ArrayList<>(everBound.keySet()).subList(0, 5);
        Map<String, String> expected = new LinkedHashMap<>();
        some.forEach(h -> expected.put(h, everBound.get(h)));
        assertEquals(expected, addressesOf(bed, some), "after five kills, hosts still get their addresses");
    }

    // ---- (c) TAYGA's data directory, both ways -----------------------------------------------

    @Test
    void taygaDataDirectoryIsAdoptedAndTunxlatsIsAdoptedByTayga() throws Exception {
        Assumptions.assumeTrue(Cmd.exec(Cmd.DEFAULT_TIMEOUT, List.of("sh", "-c", "command -v tayga")).ok(),
                "tayga is not installed (apt-get install tayga)");
        TestBed bed = env.bed();
        List<String> later = List.of("2001:db8:6::200", "2001:db8:6::201");
        List<String> all = new ArrayList<>(HOSTS);
        all.addAll(later);
        bed.addIpv6HostAddresses(all);

        bed.restartTranslator(Translator.tayga(), START);
        Map<String, String> byTayga = addressesOf(bed, HOSTS);
        assertDistinctPoolAddresses(byTayga);
        assertTrue(bed.stopTranslator(), "TAYGA stops on SIGTERM");
        // TAYGA 0.9.2 writes dynamic.map on exit (and otherwise only every few minutes).
        assertEquals(byTayga, fileBindings(), "TAYGA wrote its bindings");

        bed.restartTranslator(TUNXLAT, START);
        assertTrue(bed.logTail(40).contains("loaded 4 dynamic maps"), bed.logTail(40));
        assertEquals(byTayga, addressesOf(bed, HOSTS), "tunxlat hands out TAYGA's addresses");
        Map<String, String> byTunxlat = addressesOf(bed, later);
        assertTrue(bed.stopTranslator());
        Map<String, String> both = new TreeMap<>(byTayga);
        both.putAll(byTunxlat);
        assertEquals(both, fileBindings());

        bed.restartTranslator(Translator.tayga(), START);
        assertTrue(bed.logTail(40).contains("Loaded 6 dynamic maps"), bed.logTail(40));
        assertEquals(new TreeMap<>(both), new TreeMap<>(addressesOf(bed, all)), "TAYGA hands out tunxlat's addresses");
    }

    // ---- (d) tunxlat map list ---------------------------------------------------------------

    @Test
    void mapListShowsTheLiveState() throws Exception {
        TestBed bed = env.bed();
        bed.addIpv6HostAddresses(HOSTS);
        bed.restartTranslator(TUNXLAT, START);
        Map<String, String> bound = addressesOf(bed, HOSTS);
        ExecResult json = cli("map", "list", "--socket", bed.controlSocket().toString(), "--json");
        assertTrue(json.ok(), json.describe());
        String out = json.output();
        System.err.println("[e2e] tunxlat map list --json:\n" + out);
        assertTrue(out.startsWith("{\"schema\":1,"), out);
        assertTrue(out.contains("\"static\":[{\"ipv4\":\"192.168.255.2/32\",\"ipv6\":\"2001:db8:6::2/128\",\"origin\":\""
                + bed.configFile() + ":5\"}]"), out);
        int active = out.indexOf("\"dynamic_active\":[");
        int dormant = out.indexOf("\"dynamic_dormant\":[]");
        assertTrue(active > 0 && dormant > active, out);
        for (Map.Entry<String, String> e : bound.entrySet()) {
            String item = "{\"ipv4\":\"" + e.getValue() + "\",\"ipv6\":\"" + e.getKey() + "\",\"state\":\"active\"";
            int at = out.indexOf(item);
            assertTrue(at > active && at < dormant, item + " in " + out);
        }

        ExecResult text = cli("map", "list", "-c", bed.configFile().toString());
        assertTrue(text.ok(), text.describe());
        System.err.println("[e2e] tunxlat map list:\n" + text.output());
        assertTrue(text.output().contains("dynamic, active (4):"), text.output());

        String host = HOSTS.get(2);
        ExecResult show = cli("map", "show", host, "--socket", bed.controlSocket().toString());
        System.err.println("[e2e] tunxlat map show " + host + ":\n" + show.output());
        assertTrue(show.ok() && show.output().contains("dynamic binding " + bound.get(host) + " <-> " + host + ", active"),
                show.describe());
        ExecResult show4 = cli("map", "show", bound.get(host), "--socket", bed.controlSocket().toString(), "--json");
        assertTrue(show4.output().contains("\"kind\":\"dynamic\",\"translates_to\":\"" + host + "\""), show4.describe());

        // A user outside the socket's group (the jar copied where any user can read it).
        Path publicJar = Files.createTempFile("tunxlat-e2e-", ".jar");
        ExecResult nobody;
        try {
            Files.copy(Path.of(jar()), publicJar, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(publicJar, PosixFilePermissions.fromString("rw-r--r--"));
            nobody = Cmd.exec(Cmd.DEFAULT_TIMEOUT, List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
                    "--clear-groups", javaBin(), "-jar", publicJar.toString(), "map", "list", "--socket",
                    bed.controlSocket().toString()));
        } finally {
            Files.deleteIfExists(publicJar);
        }
        assertEquals(1, nobody.exitCode(), nobody.describe());
        assertTrue(nobody.output().contains("cannot reach the tunxlat daemon at " + bed.controlSocket() + ": permission denied"),
                nobody.describe());

        assertTrue(bed.stopTranslator());
        assertFalse(Files.exists(bed.controlSocket()), "a clean stop removes the socket");
        ExecResult gone = cli("map", "list", "--socket", bed.controlSocket().toString());
        assertEquals(1, gone.exitCode());
        assertTrue(gone.output().contains("cannot reach the tunxlat daemon at " + bed.controlSocket() + ": no such socket"),
                gone.describe());
    }

    // ---- helpers ----------------------------------------------------------------------------

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String jar() {
        return Path.of(System.getProperty("tunxlat.jar", "target/tunxlat.jar")).toAbsolutePath().toString();
    }

    static ExecResult cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", jar()));
        cmd.addAll(List.of(args));
        return Cmd.exec(Cmd.DEFAULT_TIMEOUT, cmd);
    }

    /** host IPv6 -> IPv4 from data-dir/dynamic.map. */
    private Map<String, String> fileBindings() throws IOException {
        DynamicMapFile.Loaded loaded = new DynamicMapFile(dataDir).load();
        assertEquals(List.of(), loaded.problems());
        Map<String, String> m = new TreeMap<>();
        for (DynamicMapFile.Entry e : loaded.entries()) {
            m.put(Addresses.formatIpv6(e.hi(), e.lo()), Addresses.formatIpv4(e.address()));
        }
        return m;
    }

    private static void assertDistinctPoolAddresses(Map<String, String> bound) {
        assertEquals(bound.size(), bound.values().stream().distinct().count(), "one address per host: " + bound);
        for (String a : bound.values()) {
            assertTrue(a.startsWith("192.168.255.") && !a.equals("192.168.255.1") && !a.equals("192.168.255.2")
                    && !a.equals("192.168.255.0"), "a pool address other than the reserved, own and mapped ones: " + a);
        }
    }

    /** One UDP datagram from {@code host} to the IPv4 host (nobody listens: a binding is all it is for). */
    private static void sendOnce(TestBed bed, String host) throws IOException {
        try (DatagramChannel c = bed.ipv6Host().openUdp(new InetSocketAddress(host, 0))) {
            c.send(ByteBuffer.wrap(host.getBytes(StandardCharsets.US_ASCII)), new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT + 1));
        }
    }

    /**
     * The IPv4 address each host has, as the IPv4 host sees it: UDP from each host (retried until it
     * arrives), the payload naming the host. Sorted by host.
     */
    static Map<String, String> addressesOf(TestBed bed, List<String> hosts) throws IOException {
        Map<String, String> seen = new TreeMap<>();
        DatagramSocket server = bed.ipv4Host().openUdp(new InetSocketAddress("0.0.0.0", PORT)).socket();
        try {
            for (String host : hosts) {
                try (DatagramChannel c = bed.ipv6Host().openUdp(new InetSocketAddress(host, 0))) {
                    for (int attempt = 0; attempt < 20 && !seen.containsKey(host); attempt++) {
                        c.send(ByteBuffer.wrap(host.getBytes(StandardCharsets.US_ASCII)),
                                new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT));
                        server.setSoTimeout(300);
                        drain(server, seen);
                    }
                }
                assertTrue(seen.containsKey(host), "no datagram from " + host + " reached the IPv4 host; log:\n" + bed.logTail(30));
            }
        } finally {
            server.close();
        }
        return seen;
    }

    private static void drain(DatagramSocket server, Map<String, String> seen) throws IOException {
        byte[] buf = new byte[200];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                server.receive(p);
            } catch (SocketTimeoutException e) {
                return;
            }
            String host = new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
            String from = p.getAddress().getHostAddress();
            String before = seen.putIfAbsent(host, from);
            assertTrue(before == null || before.equals(from), host + " seen from " + before + " and " + from);
            server.setSoTimeout(50); // after the first datagram, only drain what is already there
        }
    }
}
