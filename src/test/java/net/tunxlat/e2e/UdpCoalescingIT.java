package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static net.tunxlat.e2e.TestBed.IPV6_HOST_MAPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import net.tunxlat.metrics.Scrape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * UDP GRO on the TUN write path, against the real kernel: a burst of datagrams of one flow waits in the
 * TUN queue while the translator is stopped (SIGSTOP), so that the worker finds them back to back when it
 * continues and writes them as UDP super-packets. The receiving socket must get every datagram, in
 * order, each with the payload it was sent with (a datagram put together wrongly would arrive with a
 * valid checksum the kernel computed over the wrong bytes), and tunxlat must have coalesced all of them.
 */
class UdpCoalescingIT {
    private static final int PORT = 5002;
    private static final int BURST = 200;

    @RegisterExtension
    final TestBedExtension env = new TestBedExtension(Translator.fromSystemProperties());

    @ParameterizedTest(name = "{0}, {1}-byte datagrams")
    @CsvSource({"6to4, 64", "6to4, 1400", "4to6, 64", "4to6, 1400"})
    void burstOfOneFlowIsCoalescedAndArrivesIntactInOrder(String direction, int size) throws Exception {
        TestBed bed = env.bed();
        boolean sixToFour = direction.equals("6to4");
        Netns receiverNs = sixToFour ? bed.ipv4Host() : bed.ipv6Host();
        Netns senderNs = sixToFour ? bed.ipv6Host() : bed.ipv4Host();
        String target = sixToFour ? IPV4_HOST_VIA_PREFIX : IPV6_HOST_MAPPED;
        // Neighbours resolved on both sides before the burst, so that none of it waits in an ARP/ND queue.
        ExecResult ping = senderNs.exec("ping", "-n", "-c", "1", "-W", "2", target);
        assertTrue(ping.ok(), ping.describe());

        DatagramChannel receiverChannel = receiverNs.openUdp(new InetSocketAddress(sixToFour ? "0.0.0.0" : "::", PORT));
        DatagramSocket receiver = receiverChannel.socket();
        receiver.setSoTimeout(3000);
        CompletableFuture<List<String>> received = CompletableFuture.supplyAsync(() -> receive(receiver, size));

        Scrape before = ProcessProbe.metrics(bed.translatorNs());
        long pid = bed.translator().pid();
        signal("STOP", pid);
        try (DatagramChannel sender = senderNs.openUdp(new InetSocketAddress(sixToFour ? "::" : "0.0.0.0", 0))) {
            DatagramSocket s = sender.socket();
            InetSocketAddress to = new InetSocketAddress(target, PORT);
            for (int seq = 0; seq < BURST; seq++) {
                byte[] d = datagram(seq, size);
                s.send(new DatagramPacket(d, d.length, to));
            }
            Thread.sleep(100);
        } finally {
            signal("CONT", pid);
        }

        List<String> problems = received.get(30, TimeUnit.SECONDS);
        receiverChannel.close();
        Scrape after = ProcessProbe.metrics(bed.translatorNs());
        assertEquals(List.of(), problems, "every datagram, in order, intact");
        double datagrams = ProcessProbe.value(after, "tunxlat_udp_coalesced_datagrams_total")
                - ProcessProbe.value(before, "tunxlat_udp_coalesced_datagrams_total");
        double writes = ProcessProbe.value(after, "tunxlat_udp_coalesced_writes_total")
                - ProcessProbe.value(before, "tunxlat_udp_coalesced_writes_total");
        assertEquals(BURST, datagrams, "the whole burst went out in UDP super-packets");
        int perWrite = Math.min(64, 65535 / size);
        assertTrue(writes >= Math.ceil((double) BURST / perWrite) && writes < BURST / 2.0,
                "super-packets written: " + writes + " for " + BURST + " datagrams");
    }

    /** Datagram {@code seq}: its number, then bytes that only that number gives. */
    private static byte[] datagram(int seq, int size) {
        byte[] d = new byte[size];
        new Random(seq * 7919L + size).nextBytes(d);
        ByteBuffer.wrap(d).putInt(0, seq);
        return d;
    }

    /** Receives until {@link #BURST} datagrams came or 3 s pass without one; the problems seen. */
    private static List<String> receive(DatagramSocket socket, int size) {
        List<String> problems = new ArrayList<>();
        int expected = 0;
        byte[] buf = new byte[65536];
        try {
            while (expected < BURST) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    problems.add("only " + expected + " of " + BURST + " datagrams arrived");
                    break;
                }
                int seq = ByteBuffer.wrap(buf).getInt(0);
                if (p.getLength() != size || seq != expected
                        || !java.util.Arrays.equals(datagram(seq, size), java.util.Arrays.copyOf(buf, size))) {
                    problems.add("datagram " + expected + ": got " + p.getLength() + " bytes numbered " + seq
                            + (seq == expected ? " with other bytes" : ""));
                    if (problems.size() > 5) {
                        break;
                    }
                }
                expected = seq + 1;
            }
        } catch (Exception e) {
            problems.add(e.toString());
        }
        return problems;
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertTrue(p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0, "kill -" + sig + " " + pid);
    }
}
