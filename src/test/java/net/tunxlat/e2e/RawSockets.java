// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import com.sun.jna.LastErrorException;

/**
 * Hand-built IPv6 packets in and out of a namespace without extra tools: a raw {@code IPPROTO_RAW}
 * socket sends a complete IPv6 packet as it is (any source address; the kernel routes it by its
 * destination), and a packet socket ({@code AF_PACKET}, {@code SOCK_DGRAM}) bound to one interface
 * captures the IPv6 packets that arrive there. Sockets are created on the namespace's own thread (so
 * they belong to it) and then used from any thread.
 */
final class RawSockets {
    private RawSockets() {}

    /** Sends {@code packet} (a whole IPv6 packet) from namespace {@code ns}. */
    static void send(Netns ns, byte[] packet) throws IOException {
        int fd = ns.inside(() -> LibC.INSTANCE.socket(LibC.AF_INET6, LibC.SOCK_RAW, LibC.IPPROTO_RAW));
        try {
            ByteBuffer sa = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
            sa.putShort((short) LibC.AF_INET6).putShort((short) 0).putInt(0);
            sa.put(packet, 24, 16).putInt(0);
            LibC.INSTANCE.sendto(fd, packet, packet.length, 0, sa.array(), 28);
        } catch (LastErrorException e) {
            throw new IOException("sendto in " + ns + ": errno " + e.getErrorCode(), e);
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    /** A running capture of the IPv6 packets arriving on one interface (not those leaving it). */
    static final class Capture implements AutoCloseable {
        private final int fd;
        private final Thread reader;
        private final List<byte[]> packets = new ArrayList<>();
        private volatile boolean stop;

        private Capture(int fd, String name) {
            this.fd = fd;
            this.reader = new Thread(this::loop, "capture-" + name);
            this.reader.setDaemon(true);
            this.reader.start();
        }

        /** Starts capturing on {@code dev} in {@code ns}. */
        static Capture start(Netns ns, String dev) throws IOException {
            int fd = ns.inside(() -> {
                int protocol = Short.toUnsignedInt(Short.reverseBytes((short) LibC.ETH_P_IPV6));
                int s = LibC.INSTANCE.socket(LibC.AF_PACKET, LibC.SOCK_DGRAM, protocol);
                try {
                    int index = LibC.INSTANCE.if_nametoindex(dev);
                    if (index == 0) {
                        throw new IOException("no interface " + dev + " in " + ns);
                    }
                    ByteBuffer ll = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
                    ll.putShort((short) LibC.AF_PACKET).order(ByteOrder.BIG_ENDIAN).putShort((short) LibC.ETH_P_IPV6)
                            .order(ByteOrder.nativeOrder()).putInt(index);
                    LibC.INSTANCE.bind(s, ll.array(), 20);
                    ByteBuffer tv = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(0).putLong(100_000);
                    LibC.INSTANCE.setsockopt(s, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv.array(), 16);
                    return s;
                } catch (IOException | RuntimeException e) {
                    LibC.INSTANCE.close(s);
                    throw e;
                }
            });
            return new Capture(fd, ns + "/" + dev);
        }

        private void loop() {
            byte[] buf = new byte[65536];
            byte[] from = new byte[20];
            int[] fromLen = new int[1];
            while (!stop) {
                fromLen[0] = from.length;
                long n;
                try {
                    n = LibC.INSTANCE.recvfrom(fd, buf, buf.length, 0, from, fromLen);
                } catch (LastErrorException e) {
                    continue; // EAGAIN (timeout) or EINTR: look at the stop flag
                }
                if (n < 40 || from[10] == 4) {
                    continue; // PACKET_OUTGOING: sent by this namespace, not received
                }
                byte[] p = new byte[(int) n];
                System.arraycopy(buf, 0, p, 0, p.length);
                synchronized (packets) {
                    packets.add(p);
                }
            }
        }

        /** The packets captured so far. */
        List<byte[]> packets() {
            synchronized (packets) {
                return new ArrayList<>(packets);
            }
        }

        /** The first captured packet containing {@code tag}, waiting up to {@code millis}; null if none. */
        byte[] await(String tag, long millis) throws InterruptedException {
            long deadline = System.nanoTime() + millis * 1_000_000;
            while (true) {
                for (byte[] p : packets()) {
                    if (V6Packet.contains(p, tag)) {
                        return p;
                    }
                }
                if (System.nanoTime() > deadline) {
                    return null;
                }
                Thread.sleep(20);
            }
        }

        @Override
        public void close() {
            stop = true;
            try {
                reader.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LibC.INSTANCE.close(fd);
        }
    }
}
