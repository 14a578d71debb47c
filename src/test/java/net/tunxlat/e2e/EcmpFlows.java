// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Long-lived flows across an {@link EcmpBed} that keep checking their data: UDP flows (one per client address,
 * a numbered datagram every 20 ms, echoed by the IPv4 server and compared byte for byte) and TCP connections
 * (1 KiB chunks of seeded random bytes, echoed and compared, one every 10 ms). Each flow records when it last
 * got its data back and its longest wait since {@link #resetGaps()}, so a test can see every flow resume
 * after a failover and how long it was cut. A TCP connection that breaks or returns wrong bytes is lost for
 * good ({@link #tcpFailures()}); so is a UDP datagram that comes back different ({@link #corrupt()}).
 */
final class EcmpFlows implements AutoCloseable {
    static final int UDP_PORT = 7000;
    static final int TCP_PORT = 7001;
    private static final int DATAGRAM = 64;
    private static final int CHUNK = 1024;

    /** A flow: its client address and ports (for messages). */
    record Flow(String protocol, int index, String source, int sourcePort, int destinationPort) {}

    private final EcmpBed bed;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final List<String> tcpFailures = new CopyOnWriteArrayList<>();
    private final AtomicLong corrupt = new AtomicLong();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ecmp-flows");
        t.setDaemon(true);
        return t;
    });
    private final List<Flow> udp = new ArrayList<>();
    private final List<Flow> tcp = new ArrayList<>();
    private AtomicLongArray udpLast;
    private AtomicLongArray udpGap;
    private AtomicLongArray udpCount;
    private AtomicLongArray tcpLast;
    private AtomicLongArray tcpGap;
    private AtomicLongArray tcpCount;

    private EcmpFlows(EcmpBed bed) {
        this.bed = bed;
    }

    /** Starts the servers, {@code udpFlows} UDP flows (clients 0..) and {@code tcpConnections} TCP connections. */
    static EcmpFlows start(EcmpBed bed, int udpFlows, int tcpConnections) throws IOException {
        EcmpFlows f = new EcmpFlows(bed);
        try {
            f.startServers();
            f.startUdp(udpFlows);
            f.startTcp(tcpConnections);
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    // ---- servers (IPv4 only, in server4) --------------------------------------------------------

    private void startServers() throws IOException {
        DatagramChannel echo = track(bed.server4().openUdp(new InetSocketAddress(EcmpBed.SERVER4, UDP_PORT)));
        pool.submit(() -> {
            ByteBuffer b = ByteBuffer.allocate(2048);
            while (running.get()) {
                b.clear();
                var from = echo.receive(b);
                b.flip();
                echo.send(b, from);
            }
            return null;
        });
        ServerSocketChannel listener = track(bed.server4().listenTcp(new InetSocketAddress(EcmpBed.SERVER4, TCP_PORT)));
        pool.submit(() -> {
            while (running.get()) {
                Socket s = listener.accept().socket();
                track(s);
                pool.submit(() -> {
                    byte[] buf = new byte[16384];
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                    }
                    return null;
                });
            }
            return null;
        });
    }

    // ---- UDP ------------------------------------------------------------------------------------

    private void startUdp(int flows) throws IOException {
        udpLast = new AtomicLongArray(flows);
        udpGap = new AtomicLongArray(flows);
        udpCount = new AtomicLongArray(flows);
        InetSocketAddress server = new InetSocketAddress(EcmpBed.SERVER4_VIA_PREFIX, UDP_PORT);
        DatagramChannel[] channels = new DatagramChannel[flows];
        for (int i = 0; i < flows; i++) {
            DatagramChannel ch = track(bed.client6().openUdp(new InetSocketAddress(EcmpBed.client(i), 0)));
            ch.connect(server);
            ch.configureBlocking(false);
            channels[i] = ch;
            udp.add(new Flow("udp", i, EcmpBed.client(i), ((InetSocketAddress) ch.getLocalAddress()).getPort(), UDP_PORT));
        }
        long start = System.nanoTime();
        for (int i = 0; i < flows; i++) {
            udpLast.set(i, start);
        }
        Selector selector = track(Selector.open());
        for (int i = 0; i < flows; i++) {
            channels[i].register(selector, SelectionKey.OP_READ, i);
        }
        pool.submit(() -> {
            ByteBuffer out = ByteBuffer.allocate(DATAGRAM);
            ByteBuffer in = ByteBuffer.allocate(2048);
            byte[] expected = new byte[DATAGRAM];
            byte[] got = new byte[DATAGRAM];
            for (long seq = 0; running.get(); seq++) {
                for (int i = 0; i < flows; i++) {
                    out.clear();
                    out.put(datagram(i, seq, expected)).flip();
                    try {
                        channels[i].write(out);
                    } catch (IOException e) {
                        // ICMP errors (unreachable while a route moves) surface here: the flow just goes on
                    }
                }
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
                for (long left; (left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())) > 0; ) {
                    selector.select(left);
                    for (SelectionKey key : selector.selectedKeys()) {
                        int i = (Integer) key.attachment();
                        while (true) {
                            in.clear();
                            int n;
                            try {
                                n = channels[i].read(in);
                            } catch (IOException e) {
                                break; // an ICMP error of an earlier datagram (reported once): read on next time
                            }
                            if (n <= 0) {
                                break;
                            }
                            in.flip();
                            if (n != DATAGRAM) {
                                corrupt.incrementAndGet();
                                continue;
                            }
                            in.get(got);
                            long s = ByteBuffer.wrap(got).getLong(4);
                            if (ByteBuffer.wrap(got).getInt(0) != i || !Arrays.equals(got, datagram(i, s, expected))) {
                                corrupt.incrementAndGet();
                                continue;
                            }
                            record(udpLast, udpGap, udpCount, i);
                        }
                    }
                    selector.selectedKeys().clear();
                }
            }
            return null;
        });
    }

    /** Datagram {@code seq} of flow {@code flow}: its number, then bytes derived from both. */
    private static byte[] datagram(int flow, long seq, byte[] into) {
        ByteBuffer b = ByteBuffer.wrap(into);
        b.putInt(flow).putLong(seq);
        for (int k = 12; k < DATAGRAM; k++) {
            into[k] = (byte) (flow * 31 + seq * 7 + k);
        }
        return into;
    }

    // ---- TCP ------------------------------------------------------------------------------------

    private void startTcp(int connections) throws IOException {
        tcpLast = new AtomicLongArray(connections);
        tcpGap = new AtomicLongArray(connections);
        tcpCount = new AtomicLongArray(connections);
        InetSocketAddress server = new InetSocketAddress(EcmpBed.SERVER4_VIA_PREFIX, TCP_PORT);
        for (int i = 0; i < connections; i++) {
            int index = i;
            SocketChannel ch = track(bed.client6().openTcp(StandardProtocolFamily.INET6));
            ch.bind(new InetSocketAddress(EcmpBed.client(i), 0));
            ch.connect(server);
            Socket s = ch.socket();
            s.setSoTimeout((int) Duration.ofSeconds(20).toMillis());
            tcp.add(new Flow("tcp", i, EcmpBed.client(i), s.getLocalPort(), TCP_PORT));
            tcpLast.set(i, System.nanoTime());
            pool.submit(() -> {
                Random data = new Random(index);
                byte[] sent = new byte[CHUNK];
                byte[] back = new byte[CHUNK];
                try {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    for (long chunk = 0; running.get(); chunk++) {
                        data.nextBytes(sent);
                        out.write(sent);
                        for (int got = 0; got < CHUNK; ) {
                            int n = in.read(back, got, CHUNK - got);
                            if (n < 0) {
                                throw new IOException("closed by the server after " + chunk + " chunks");
                            }
                            got += n;
                        }
                        if (!Arrays.equals(sent, back)) {
                            throw new IOException("chunk " + chunk + " came back different");
                        }
                        record(tcpLast, tcpGap, tcpCount, index);
                        Thread.sleep(10);
                    }
                } catch (IOException e) {
                    if (running.get()) {
                        tcpFailures.add("TCP connection " + index + " from " + EcmpBed.client(index) + ": " + e);
                    }
                }
                return null;
            });
        }
    }

    private static void record(AtomicLongArray last, AtomicLongArray gap, AtomicLongArray count, int i) {
        long now = System.nanoTime();
        long g = now - last.getAndSet(i, now);
        if (g > gap.get(i)) {
            gap.set(i, g);
        }
        count.incrementAndGet(i);
    }

    // ---- new flows ------------------------------------------------------------------------------

    /**
     * A new UDP flow from client {@code client} (a new source port): one datagram to the echo server, which must
     * come back intact within 2 s (the servers of this object answer it).
     */
    void newUdpFlow(int client) throws IOException {
        try (DatagramChannel ch = bed.client6().openUdp(new InetSocketAddress(EcmpBed.client(client), 0))) {
            ch.connect(new InetSocketAddress(EcmpBed.SERVER4_VIA_PREFIX, UDP_PORT));
            byte[] sent = datagram(1_000_000 + client, System.nanoTime(), new byte[DATAGRAM]);
            ch.socket().setSoTimeout(2000);
            ch.socket().send(new DatagramPacket(sent, sent.length));
            DatagramPacket back = new DatagramPacket(new byte[2048], 2048);
            ch.socket().receive(back);
            if (!Arrays.equals(sent, Arrays.copyOf(back.getData(), back.getLength()))) {
                throw new IOException("new UDP flow from " + EcmpBed.client(client) + ": the echo differs");
            }
        }
    }

    /** A new TCP connection from client {@code client}: 16 KiB of random bytes echoed intact within 10 s. */
    void newTcpConnection(int client) throws IOException {
        try (SocketChannel ch = bed.client6().openTcp(StandardProtocolFamily.INET6)) {
            ch.bind(new InetSocketAddress(EcmpBed.client(client), 0));
            Socket s = ch.socket();
            s.connect(new InetSocketAddress(EcmpBed.SERVER4_VIA_PREFIX, TCP_PORT), 10_000);
            s.setSoTimeout(10_000);
            byte[] sent = new byte[16384];
            new Random().nextBytes(sent);
            s.getOutputStream().write(sent);
            byte[] back = s.getInputStream().readNBytes(sent.length);
            if (!Arrays.equals(sent, back)) {
                throw new IOException("new TCP connection from " + EcmpBed.client(client) + ": the echo differs");
            }
        }
    }

    // ---- what the flows saw ---------------------------------------------------------------------

    List<Flow> udpFlows() {
        return List.copyOf(udp);
    }

    List<Flow> tcpConnections() {
        return List.copyOf(tcp);
    }

    /** Forgets the longest waits so far: {@link #udpGaps()} and {@link #tcpGaps()} then cover what comes next. */
    void resetGaps() {
        for (int i = 0; i < udpGap.length(); i++) {
            udpGap.set(i, 0);
        }
        for (int i = 0; i < tcpGap.length(); i++) {
            tcpGap.set(i, 0);
        }
    }

    /** Each UDP flow's longest wait for an echo since {@link #resetGaps()} (ms; the current wait included). */
    long[] udpGaps() {
        return gaps(udpLast, udpGap);
    }

    /** Each TCP connection's longest wait for a chunk's echo since {@link #resetGaps()} (ms; the current wait included). */
    long[] tcpGaps() {
        return gaps(tcpLast, tcpGap);
    }

    private static long[] gaps(AtomicLongArray last, AtomicLongArray gap) {
        long now = System.nanoTime();
        long[] ms = new long[gap.length()];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = TimeUnit.NANOSECONDS.toMillis(Math.max(gap.get(i), now - last.get(i)));
        }
        return ms;
    }

    /** The flows (UDP, then TCP) that have had no echo since {@code sinceNanos} ({@link System#nanoTime()}). */
    List<Flow> silentSince(long sinceNanos) {
        List<Flow> silent = new ArrayList<>();
        for (int i = 0; i < udp.size(); i++) {
            if (udpLast.get(i) - sinceNanos < 0) {
                silent.add(udp.get(i));
            }
        }
        for (int i = 0; i < tcp.size(); i++) {
            if (tcpLast.get(i) - sinceNanos < 0) {
                silent.add(tcp.get(i));
            }
        }
        return silent;
    }

    /** Waits until every flow has had an echo after {@code sinceNanos}; the flows still silent at {@code timeout}. */
    List<Flow> awaitAllSince(long sinceNanos, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Flow> silent;
        while (!(silent = silentSince(sinceNanos)).isEmpty() && System.nanoTime() < deadline && tcpFailures.isEmpty()) {
            Thread.sleep(20);
        }
        return silent;
    }

    long udpEchoes() {
        return sum(udpCount);
    }

    long tcpChunks() {
        return sum(tcpCount);
    }

    private static long sum(AtomicLongArray a) {
        long s = 0;
        for (int i = 0; i < a.length(); i++) {
            s += a.get(i);
        }
        return s;
    }

    /** TCP connections broken or given wrong bytes (each is a lost flow). */
    List<String> tcpFailures() {
        return List.copyOf(tcpFailures);
    }

    /** UDP datagrams that came back different from what was sent. */
    long corrupt() {
        return corrupt.get();
    }

    private <C extends AutoCloseable> C track(C c) {
        open.add(c);
        return c;
    }

    @Override
    public void close() {
        running.set(false);
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
        pool.shutdownNow();
    }
}
