package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static net.tunxlat.e2e.TestBed.IPV6_HOST_MAPPED;
import static net.tunxlat.e2e.TestBed.TRANSLATOR_IPV4;
import static net.tunxlat.e2e.TestBed.TRANSLATOR_IPV6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traffic through the translator between an IPv6-only and an IPv4-only namespace (see {@link
 * TestBed}). Needs root; skipped otherwise. Each test gets fresh namespaces and a fresh translator.
 *
 * <pre>
 *   mvn verify                                    # against tunxlat (target/tunxlat.jar)
 *   mvn verify -Dtunxlat.e2e.translator=tayga     # against TAYGA (apt-get install tayga)
 *   mvn verify -Dit.test=TranslatorEndToEndIT#udpFromIpv6HostToIpv4Host
 * </pre>
 *
 * Translator logs and configs are kept in target/e2e/; a failing test prints the log's tail.
 */
class TranslatorEndToEndIT {
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT = 5001;

    @RegisterExtension
    final TestBedExtension env = new TestBedExtension(Translator.fromSystemProperties());

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "e2e-io");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    // ---- 1. ping through the translator -----------------------------------------------------

    @Test
    void pingFromIpv6HostToIpv4Host() {
        assertAllEchoesAnswered(env.bed().ipv6Host(), IPV4_HOST_VIA_PREFIX);
    }

    @Test
    void pingFromIpv4HostToIpv6HostThroughStaticMap() {
        assertAllEchoesAnswered(env.bed().ipv4Host(), IPV6_HOST_MAPPED);
    }

    // ---- 2. ping the translator itself ------------------------------------------------------

    @Test
    void pingTranslatorIpv4Address() {
        assertAllEchoesAnswered(env.bed().ipv4Host(), TRANSLATOR_IPV4);
    }

    @Test
    void pingTranslatorIpv6Address() {
        assertAllEchoesAnswered(env.bed().ipv6Host(), TRANSLATOR_IPV6);
    }

    private static void assertAllEchoesAnswered(Netns from, String target) {
        ExecResult r = from.exec("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", target);
        assertTrue(r.ok() && r.output().contains("3 packets transmitted, 3 received"),
                "expected 3 answered echoes: " + r.describe());
    }

    // ---- 3. TCP -----------------------------------------------------------------------------

    @Test
    void tcpFromIpv6HostToIpv4Host() throws Exception {
        TestBed bed = env.bed();
        tcpEcho(bed.ipv4Host(), new InetSocketAddress("0.0.0.0", PORT),
                bed.ipv6Host(), new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT), IPV6_HOST_MAPPED);
    }

    @Test
    void tcpFromIpv4HostToIpv6HostThroughStaticMap() throws Exception {
        TestBed bed = env.bed();
        tcpEcho(bed.ipv6Host(), new InetSocketAddress("::", PORT),
                bed.ipv4Host(), new InetSocketAddress(IPV6_HOST_MAPPED, PORT), IPV4_HOST_VIA_PREFIX);
    }

    /**
     * Sends 1 MiB of random bytes from {@code clientNs} to an echo server in {@code serverNs} while
     * reading the echo back; checks the echo, the SHA-256 the server computed, and the client
     * address the server saw.
     */
    private void tcpEcho(Netns serverNs, InetSocketAddress bind, Netns clientNs, InetSocketAddress target,
                         String expectedPeer) throws Exception {
        byte[] data = new byte[1 << 20];
        new Random().nextBytes(data);
        ServerSocketChannel server = serverNs.listenTcp(bind);
        Future<EchoServerResult> served = pool.submit(() -> {
            server.socket().setSoTimeout((int) IO_TIMEOUT.toMillis());
            try (Socket s = server.socket().accept()) {
                s.setSoTimeout((int) IO_TIMEOUT.toMillis());
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[16384];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                    total += n;
                }
                s.shutdownOutput();
                return new EchoServerResult(((InetSocketAddress) s.getRemoteSocketAddress()).getAddress(), total,
                        sha.digest());
            }
        });

        SocketChannel client = clientNs.openTcp(target.getAddress() instanceof java.net.Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        Socket socket = client.socket();
        socket.connect(target, (int) IO_TIMEOUT.toMillis());
        socket.setSoTimeout((int) IO_TIMEOUT.toMillis());
        Future<?> sent = pool.submit(() -> {
            OutputStream out = socket.getOutputStream();
            for (int off = 0; off < data.length; off += 8192) {
                out.write(data, off, Math.min(8192, data.length - off));
            }
            socket.shutdownOutput();
            return null;
        });
        ByteArrayOutputStream echoed = new ByteArrayOutputStream(data.length);
        socket.getInputStream().transferTo(echoed);
        sent.get(IO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        EchoServerResult result = served.get(IO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        client.close();

        assertEquals(data.length, result.received(), "bytes received by the server");
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), result.sha256(),
                "SHA-256 of what the server received");
        assertEquals(data.length, echoed.size(), "bytes echoed back");
        assertTrue(Arrays.equals(data, echoed.toByteArray()), "echoed bytes differ from the ones sent");
        assertEquals(InetAddress.getByName(expectedPeer), result.peer(), "client address seen by the server");
    }

    private record EchoServerResult(InetAddress peer, long received, byte[] sha256) {}

    // ---- 4. UDP -----------------------------------------------------------------------------

    @Test
    void udpFromIpv6HostToIpv4Host() throws Exception {
        TestBed bed = env.bed();
        udpEcho(bed.ipv4Host(), new InetSocketAddress("0.0.0.0", PORT),
                bed.ipv6Host(), new InetSocketAddress("::", 0), new InetSocketAddress(IPV4_HOST_VIA_PREFIX, PORT),
                IPV6_HOST_MAPPED);
    }

    @Test
    void udpFromIpv4HostToIpv6HostThroughStaticMap() throws Exception {
        TestBed bed = env.bed();
        udpEcho(bed.ipv6Host(), new InetSocketAddress("::", PORT),
                bed.ipv4Host(), new InetSocketAddress("0.0.0.0", 0), new InetSocketAddress(IPV6_HOST_MAPPED, PORT),
                IPV4_HOST_VIA_PREFIX);
    }

    /**
     * Sends datagrams of 1, 100 and 1200 bytes to an echo server; each must come back intact from
     * the address it was sent to, and the server must have seen {@code expectedSource}. A datagram
     * may be retried twice (UDP), never more.
     */
    private void udpEcho(Netns serverNs, InetSocketAddress bind, Netns clientNs, InetSocketAddress clientBind,
                         InetSocketAddress target, String expectedSource) throws Exception {
        DatagramSocket server = serverNs.openUdp(bind).socket();
        List<InetAddress> sources = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> echo = pool.submit(() -> {
            server.setSoTimeout(200);
            byte[] buf = new byte[65536];
            while (!stop.get()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    server.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                sources.add(p.getAddress());
                server.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
            }
            return null;
        });

        DatagramChannel channel = clientNs.openUdp(clientBind);
        DatagramSocket client = channel.socket();
        client.setSoTimeout(2000);
        Random random = new Random();
        List<String> problems = new ArrayList<>();
        for (int size : new int[] {1, 100, 1200}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            boolean answered = false;
            for (int attempt = 0; attempt < 3 && !answered; attempt++) {
                client.send(new DatagramPacket(payload, size, target));
                long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (!answered && System.nanoTime() < deadline) {
                    DatagramPacket reply = new DatagramPacket(new byte[65536], 65536);
                    try {
                        client.receive(reply);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    byte[] got = Arrays.copyOfRange(reply.getData(), reply.getOffset(), reply.getOffset() + reply.getLength());
                    if (!Arrays.equals(payload, got)) {
                        continue; // a late echo of an earlier datagram
                    }
                    answered = true;
                    if (!reply.getSocketAddress().equals(target)) {
                        problems.add(size + "-byte echo came from " + reply.getSocketAddress() + ", expected " + target);
                    }
                }
            }
            if (!answered) {
                problems.add("no intact echo of the " + size + "-byte datagram after 3 tries");
            }
        }
        stop.set(true);
        echo.get(IO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        channel.close();

        assertEquals(List.of(), problems);
        InetAddress expected = InetAddress.getByName(expectedSource);
        assertTrue(!sources.isEmpty() && sources.stream().allMatch(expected::equals),
                "sources seen by the server: " + sources + ", expected only " + expected);
    }

    // ---- 5. hop limit -----------------------------------------------------------------------

    private static final Pattern TIME_EXCEEDED = Pattern.compile("From (\\S+?):? icmp_seq=\\d+ Time exceeded");

    /**
     * An echo request with hop limit 2 expires at the translator (the translator namespace's
     * kernel forwards it to the TUN device with hop limit 1); an ICMPv6 Time Exceeded must come
     * back, sourced from the translator's own IPv6 address (TAYGA does the same).
     */
    @Test
    void hopLimitExpiryReturnsTimeExceeded(TestReporter reporter) {
        ExecResult r = env.bed().ipv6Host().exec("ping", "-6", "-n", "-c", "2", "-i", "0.3", "-W", "2", "-t", "2",
                IPV4_HOST_VIA_PREFIX);
        Matcher m = TIME_EXCEEDED.matcher(r.output());
        assertTrue(m.find(), "expected an ICMPv6 Time Exceeded: " + r.describe());
        reporter.publishEntry("timeExceededFrom", m.group(1));
        assertEquals(TRANSLATOR_IPV6, m.group(1), "the translator sends the error from its own address");
        System.err.println("[e2e] hop limit 2 to " + IPV4_HOST_VIA_PREFIX + ": Time Exceeded from " + m.group(1)
                + " (" + env.bed().translator().translator().name() + "; translator ns gateway is "
                + TestBed.IPV6_GATEWAY + ", translator address " + TRANSLATOR_IPV6 + ")");
    }
}
