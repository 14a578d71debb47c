// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TCP and UDP traffic between two namespaces of a {@link TestBed}, with content checks: a TCP echo
 * of random bytes and a UDP echo of datagrams of chosen sizes. Close it to stop its threads.
 */
final class Traffic implements AutoCloseable {
    static final Duration IO_TIMEOUT = Duration.ofSeconds(30);

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "e2e-traffic");
        t.setDaemon(true);
        return t;
    });

    /**
     * Sends {@code size} random bytes from {@code clientNs} to an echo server in {@code serverNs} while
     * reading the echo back; checks the echo, the SHA-256 the server computed, and the client address
     * the server saw.
     */
    void tcpEcho(Netns serverNs, InetSocketAddress bind, Netns clientNs, InetSocketAddress target, String expectedPeer,
                 int size) throws Exception {
        byte[] data = new byte[size];
        new Random().nextBytes(data);
        ServerSocketChannel server = serverNs.listenTcp(bind);
        Future<Object[]> served = pool.submit(() -> {
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
                return new Object[] {((InetSocketAddress) s.getRemoteSocketAddress()).getAddress(), total, sha.digest()};
            }
        });

        SocketChannel client = clientNs.openTcp(target.getAddress() instanceof Inet4Address
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
        Object[] result = served.get(IO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        client.close();
        server.close();

        assertEquals((long) data.length, result[1], "bytes received by the server");
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), (byte[]) result[2],
                "SHA-256 of what the server received");
        assertEquals(data.length, echoed.size(), "bytes echoed back");
        assertTrue(Arrays.equals(data, echoed.toByteArray()), "echoed bytes differ from the ones sent");
        assertEquals(InetAddress.getByName(expectedPeer), result[0], "client address seen by the server");
    }

    /**
     * Sends one datagram of each size to a UDP echo server; the server must receive each intact (size
     * and SHA-256 checked where it arrives) from {@code expectedSource}, and the echo must come back
     * intact from {@code target}. A datagram may be retried twice (UDP), never more.
     */
    void udpEcho(Netns serverNs, InetSocketAddress bind, Netns clientNs, InetSocketAddress clientBind,
                 InetSocketAddress target, String expectedSource, int... sizes) throws Exception {
        DatagramChannel serverChannel = serverNs.openUdp(bind);
        DatagramSocket server = serverChannel.socket();
        List<String> received = new CopyOnWriteArrayList<>();
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
                received.add(p.getLength() + ":" + sha256(Arrays.copyOfRange(p.getData(), p.getOffset(),
                        p.getOffset() + p.getLength())));
                server.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
            }
            return null;
        });

        DatagramChannel channel = clientNs.openUdp(clientBind);
        DatagramSocket client = channel.socket();
        client.setSoTimeout(2000);
        Random random = new Random();
        List<String> problems = new ArrayList<>();
        for (int size : sizes) {
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
            if (!received.contains(size + ":" + sha256(payload))) {
                problems.add("the server never received the " + size + "-byte datagram intact (got: " + received + ")");
            }
        }
        stop.set(true);
        echo.get(IO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        channel.close();
        serverChannel.close();

        assertEquals(List.of(), problems);
        InetAddress expected = InetAddress.getByName(expectedSource);
        assertTrue(!sources.isEmpty() && sources.stream().allMatch(expected::equals),
                "sources seen by the server: " + sources + ", expected only " + expected);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
