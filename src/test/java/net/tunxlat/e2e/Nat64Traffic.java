// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Real-socket traffic across a {@link Nat64Bed}, the same for tunxlat and for the classic composition, so that
 * {@link StatefulNat64EndToEndIT} asserts on what it returns and {@link StatefulNat64DifferentialIT} compares
 * it. Servers are in the servers namespace (IPv4), clients in the clients namespace (IPv6, each bound to one
 * host address); every wait is bounded. Close it to close every socket and stop its threads.
 */
final class Nat64Traffic implements AutoCloseable {
    static final Duration IO = Duration.ofSeconds(20);

    private final Nat64Bed bed;
    private final List<Closeable> open = new CopyOnWriteArrayList<>();
    private final Map<InetSocketAddress, WebServer> webServers = new HashMap<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "nat64-traffic");
        t.setDaemon(true);
        return t;
    });

    Nat64Traffic(Nat64Bed bed) {
        this.bed = bed;
    }

    /** An address and port as seen by a socket: {@code 198.51.100.1:40001}. */
    record Endpoint(String address, int port) {
        static Endpoint of(InetSocketAddress a) {
            return new Endpoint(Nat64Bed.canonical(a.getAddress()), a.getPort());
        }

        @Override
        public String toString() {
            return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        }
    }

    // ---- TCP ------------------------------------------------------------------------------------

    /** A TCP echo server: what it accepted, from whom, and the bytes of each connection. */
    final class TcpEcho {
        final List<Endpoint> peers = new CopyOnWriteArrayList<>();
        final List<String> problems = new CopyOnWriteArrayList<>();
        private final ServerSocketChannel server;

        private TcpEcho(Netns ns, InetSocketAddress bind) throws IOException {
            server = ns.inside(() -> {
                ServerSocketChannel s = ServerSocketChannel.open(bind.getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(bind, 2048);
                return s;
            });
            open.add(server);
            pool.submit(() -> {
                while (server.isOpen()) {
                    SocketChannel c;
                    try {
                        c = server.accept();
                    } catch (IOException e) {
                        return null;
                    }
                    open.add(c);
                    peers.add(Endpoint.of((InetSocketAddress) c.getRemoteAddress()));
                    pool.submit(() -> echo(c));
                }
                return null;
            });
        }

        private Object echo(SocketChannel c) {
            try (Socket s = c.socket()) {
                s.setSoTimeout((int) IO.toMillis());
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[16384];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                s.shutdownOutput();
            } catch (IOException e) {
                problems.add("server side: " + e);
            }
            return null;
        }
    }

    TcpEcho tcpEcho(String address, int port) throws IOException {
        Netns ns = address.contains(":") ? bed.clients() : bed.servers();
        return new TcpEcho(ns, new InetSocketAddress(address, port));
    }

    /** A TCP connection opened from {@code ns}, bound to {@code bind} (port 0: any) and connected to {@code target}. */
    Socket connect(Netns ns, InetSocketAddress bind, InetSocketAddress target) throws IOException {
        SocketChannel ch = ns.inside(() -> {
            SocketChannel c = SocketChannel.open(bind.getAddress() instanceof Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            c.bind(bind);
            return c;
        });
        open.add(ch);
        Socket s = ch.socket();
        // bounded here: a blocking channel's connect waits for the kernel's SYN retries (about 130 s), whatever
        // the timeout given to the socket adaptor
        Future<?> connecting = pool.submit(() -> {
            s.connect(target);
            return null;
        });
        try {
            connecting.get(IO.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            ch.close();
            throw new SocketTimeoutException("connect to " + target + " not done after " + IO.toSeconds() + " s");
        } catch (ExecutionException e) {
            ch.close();
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        s.setSoTimeout((int) IO.toMillis());
        return s;
    }

    /** Sends {@code data} on {@code s} and reads as many bytes back; the problem, or null when the echo is intact. */
    static String exchange(Socket s, byte[] data) {
        try {
            s.getOutputStream().write(data);
            byte[] back = s.getInputStream().readNBytes(data.length);
            return Arrays.equals(back, data) ? null : "echo differs (" + back.length + " of " + data.length + " bytes back)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Each host opens one TCP connection to {@code target} at once (all released by one latch), sends
     * {@code bytes} random bytes, half-closes and reads the whole echo back; the failures, host by host.
     */
    List<String> tcpFromEach(List<String> hosts, InetSocketAddress target, int bytes) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        List<SocketChannel> channels = bed.clients().inside(() -> {
            List<SocketChannel> l = new ArrayList<>();
            for (String h : hosts) {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET6);
                c.bind(new InetSocketAddress(h, 0));
                l.add(c);
            }
            return l;
        });
        open.addAll(channels);
        for (int i = 0; i < hosts.size(); i++) {
            SocketChannel ch = channels.get(i);
            String host = hosts.get(i);
            results.add(pool.submit(() -> {
                byte[] data = new byte[bytes];
                new Random().nextBytes(data);
                go.await();
                try (Socket s = ch.socket()) {
                    s.connect(target, (int) IO.toMillis());
                    s.setSoTimeout((int) IO.toMillis());
                    Future<?> sent = pool.submit(() -> {
                        s.getOutputStream().write(data);
                        s.shutdownOutput();
                        return null;
                    });
                    ByteArrayOutputStream back = new ByteArrayOutputStream(bytes);
                    s.getInputStream().transferTo(back);
                    sent.get(IO.toSeconds(), TimeUnit.SECONDS);
                    return Arrays.equals(back.toByteArray(), data) ? null
                            : host + ": echo differs (" + back.size() + " of " + bytes + " bytes)";
                } catch (Exception e) {
                    return host + ": " + e;
                }
            }));
        }
        go.countDown();
        List<String> failures = new ArrayList<>();
        for (Future<String> f : results) {
            String r = f.get(IO.toSeconds() * 3, TimeUnit.SECONDS);
            if (r != null) {
                failures.add(r);
            }
        }
        return failures;
    }

    /**
     * A minimal HTTP/1.0 server (the web server a static BIB entry publishes): to every request it answers
     * 200 with the body {@code served to PEER}, PEER being the client address and port it saw.
     */
    final class WebServer {
        final List<Endpoint> peers = new CopyOnWriteArrayList<>();

        private WebServer(Netns ns, InetSocketAddress bind) throws IOException {
            ServerSocketChannel server = ns.inside(() -> {
                ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET6);
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(bind, 64);
                return s;
            });
            open.add(server);
            pool.submit(() -> {
                while (server.isOpen()) {
                    SocketChannel c;
                    try {
                        c = server.accept();
                    } catch (IOException e) {
                        return null;
                    }
                    open.add(c);
                    Endpoint peer = Endpoint.of((InetSocketAddress) c.getRemoteAddress());
                    peers.add(peer);
                    pool.submit(() -> {
                        try (Socket s = c.socket()) {
                            s.setSoTimeout((int) IO.toMillis());
                            InputStream in = s.getInputStream();
                            int state = 0;
                            for (int b; state < 4 && (b = in.read()) >= 0; ) {
                                state = (b == '\r' || b == '\n') ? state + 1 : 0;
                            }
                            s.getOutputStream().write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nserved to "
                                    + peer + "\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        return null;
                    });
                }
                return null;
            });
        }
    }

    /** The web server on ({@code address}, {@code port}) of the clients namespace, started at the first call. */
    synchronized WebServer webServer(String address, int port) throws IOException {
        InetSocketAddress bind = new InetSocketAddress(address, port);
        WebServer w = webServers.get(bind);
        if (w == null) {
            w = new WebServer(bed.clients(), bind);
            webServers.put(bind, w);
        }
        return w;
    }

    // ---- UDP ------------------------------------------------------------------------------------

    /** A UDP echo server in the servers namespace: each datagram's source and text, echoed back. */
    final class UdpEcho {
        /** What arrived: source and text of each datagram. */
        final List<Datagram> received = new CopyOnWriteArrayList<>();
        final DatagramSocket socket;

        private UdpEcho(InetSocketAddress bind, boolean echo) throws IOException {
            DatagramChannel ch = bed.servers().inside(() -> {
                DatagramChannel d = DatagramChannel.open(StandardProtocolFamily.INET);
                d.bind(bind);
                return d;
            });
            open.add(ch);
            socket = ch.socket();
            socket.setSoTimeout(200);
            pool.submit(() -> {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (SocketTimeoutException e) {
                        continue;
                    } catch (IOException e) {
                        return null;
                    }
                    received.add(new Datagram(Endpoint.of((InetSocketAddress) p.getSocketAddress()),
                            new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)));
                    if (echo) {
                        socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                    }
                }
                return null;
            });
        }

        /** Sends {@code text} from this server's socket to {@code to}. */
        void sendTo(Endpoint to, String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(b, b.length, new InetSocketAddress(to.address(), to.port())));
        }

        /** The source of the first datagram that carried {@code text}, waiting up to {@code timeout}. */
        Endpoint sourceOf(String text, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            do {
                for (Datagram d : received) {
                    if (d.text().equals(text)) {
                        return d.source();
                    }
                }
                Thread.sleep(20);
            } while (System.nanoTime() < end);
            return null;
        }
    }

    /** A datagram a server received. */
    record Datagram(Endpoint source, String text) {
    }

    UdpEcho udpEcho(String address, int port) throws IOException {
        return new UdpEcho(new InetSocketAddress(address, port), true);
    }

    /** A UDP server that only listens (no echo). */
    UdpEcho udpSink(String address, int port) throws IOException {
        return new UdpEcho(new InetSocketAddress(address, port), false);
    }

    /**
     * A plain UDP socket of an IPv4 server, bound to ({@code address}, {@code port}), with no receive loop of its
     * own: for {@link #await} (two threads receiving on one channel can starve each other on its read lock).
     */
    DatagramSocket udpServerSocket(String address, int port) throws IOException {
        DatagramChannel ch = bed.servers().inside(() -> {
            DatagramChannel d = DatagramChannel.open(StandardProtocolFamily.INET);
            d.bind(new InetSocketAddress(address, port));
            return d;
        });
        open.add(ch);
        return ch.socket();
    }

    /** A UDP socket of an IPv6 host, bound to ({@code host}, {@code port}). */
    DatagramSocket udpClient(String host, int port) throws IOException {
        DatagramChannel ch = bed.clients().inside(() -> {
            DatagramChannel d = DatagramChannel.open(StandardProtocolFamily.INET6);
            d.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            d.bind(new InetSocketAddress(host, port));
            return d;
        });
        open.add(ch);
        DatagramSocket s = ch.socket();
        s.setSoTimeout(1000);
        return s;
    }

    static void send(DatagramSocket s, InetSocketAddress to, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        s.send(new DatagramPacket(b, b.length, to));
    }

    /**
     * Waits up to {@code timeout} for a datagram carrying {@code text} on {@code s}: "received", "nothing", or
     * "port unreachable" when an ICMP error matched the socket (Linux reports it on a connected socket).
     */
    static String await(DatagramSocket s, String text, Duration timeout) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        byte[] buf = new byte[2048];
        while (System.nanoTime() < end) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return "nothing";
            } catch (PortUnreachableException e) {
                return "port unreachable";
            }
            if (new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8).equals(text)) {
                return "received";
            }
        }
        return "nothing";
    }

    /**
     * Sends {@code text} from {@code s} to {@code to} and waits for its echo, trying three times (UDP); whether it
     * came back.
     */
    static boolean udpRoundTrip(DatagramSocket s, InetSocketAddress to, String text) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            send(s, to, text);
            if (await(s, text, Duration.ofMillis(1500)).equals("received")) {
                return true;
            }
        }
        return false;
    }

    // ---- ICMP echo ------------------------------------------------------------------------------

    /**
     * Every host pings {@code target} at once with the same echo identifier {@code id} (ping sockets bound to
     * it) and a payload naming the host, through {@code src/test/python/nat64_ping.py}; the lines it prints,
     * "ok HOST" or "fail HOST WHY".
     */
    List<String> pingSameIdentifier(List<String> hosts, String target, int id) {
        List<String> cmd = new ArrayList<>(List.of(Flood.python(), script("nat64_ping.py").toString(), target,
                Integer.toString(id)));
        cmd.addAll(hosts);
        ExecResult r = bed.clients().exec(Duration.ofSeconds(30), cmd.toArray(String[]::new));
        if (!r.ok()) {
            throw new IllegalStateException(r.describe());
        }
        return r.output().lines().filter(l -> l.startsWith("ok ") || l.startsWith("fail ")).toList();
    }

    /** A script of src/test/python of this checkout (or beside the jar's target directory). */
    static Path script(String name) {
        Path here = Path.of("src/test/python", name).toAbsolutePath();
        if (!here.toFile().isFile()) {
            String jar = System.getProperty("tunxlat.jar");
            if (jar != null) {
                here = Path.of(jar).toAbsolutePath().getParent().getParent().resolve("src/test/python").resolve(name);
            }
        }
        return here;
    }

    /** Runs {@code task} on this object's threads. */
    <T> Future<T> background(Callable<T> task) {
        return pool.submit(task);
    }

    static InetSocketAddress at(String address, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(address), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    @Override
    public void close() {
        for (Closeable c : open) {
            try {
                c.close();
            } catch (IOException e) {
                // best effort
            }
        }
        pool.shutdownNow();
    }
}
