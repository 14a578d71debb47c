// SPDX-License-Identifier: Apache-2.0
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
import java.util.Arrays;

/**
 * UDP GRO on the TUN write path, against the real kernel: a burst of datagrams of one flow, or of a few
 * interleaved flows, waits in the TUN queue while the translator is stopped (SIGSTOP), so that the worker
 * finds them back to back when it continues and writes them as UDP super-packets. The receiving socket
 * must get every datagram, each flow's in order, each with the payload it was sent with (a datagram put
 * together wrongly would arrive with a valid checksum the kernel computed over the wrong bytes), and
 * tunxlat must have coalesced all of them. In the wire-like cases the sender's veth has checksum offload off
 * ({@code ethtool -K eth0 tx off}): its kernel finishes every checksum, so the datagrams reach the translator
 * complete, as from a router's real NIC, and are coalesced only because their checksums verify.
 */
class UdpCoalescingIT {
    private static final int PORT = 5002;
    private static final int BURST = 200;

    @RegisterExtension
    final TestBedExtension env = new TestBedExtension(Translator.fromSystemProperties());

    @ParameterizedTest(name = "{0}, {1}-byte datagrams, {2} flow(s), {3}")
    @CsvSource({"6to4, 64, 1, local", "6to4, 1400, 1, local", "4to6, 64, 1, local", "4to6, 1400, 1, local",
        "6to4, 64, 3, local", "4to6, 1400, 3, local", "6to4, 64, 1, wire", "4to6, 1400, 3, wire"})
    void burstIsCoalescedAndArrivesIntactInOrder(String direction, int size, int flows, String sender) throws Exception {
        TestBed bed = env.bed();
        boolean sixToFour = direction.equals("6to4");
        Netns receiverNs = sixToFour ? bed.ipv4Host() : bed.ipv6Host();
        Netns senderNs = sixToFour ? bed.ipv6Host() : bed.ipv4Host();
        String target = sixToFour ? IPV4_HOST_VIA_PREFIX : IPV6_HOST_MAPPED;
        if (sender.equals("wire")) {
            ExecResult off = senderNs.exec("ethtool", "-K", "eth0", "tx", "off");
            assertTrue(off.ok(), off.describe());
            ExecResult state = senderNs.exec("ethtool", "-k", "eth0");
            assertTrue(state.output().contains("tx-checksumming: off"), state.describe());
        }
        // Neighbours resolved on both sides before the burst, so that none of it waits in an ARP/ND queue.
        ExecResult ping = senderNs.exec("ping", "-n", "-c", "1", "-W", "2", target);
        assertTrue(ping.ok(), ping.describe());

        DatagramChannel receiverChannel = receiverNs.openUdp(new InetSocketAddress(sixToFour ? "0.0.0.0" : "::", PORT));
        DatagramSocket receiver = receiverChannel.socket();
        receiver.setSoTimeout(3000);
        receiver.setReceiveBufferSize(4 << 20); // as much as net.core.rmem_max lets it have
        long socketDropsBefore = socketDrops(receiverNs, sixToFour);
        int[] lost = new int[1];
        CompletableFuture<List<String>> received = CompletableFuture.supplyAsync(() -> receive(receiver, size, flows, lost));

        Scrape before = ProcessProbe.metrics(bed.translatorNs());
        long pid = bed.translator().pid();
        signal("STOP", pid);
        List<DatagramChannel> senders = new ArrayList<>();
        try {
            for (int f = 0; f < flows; f++) { // one socket, so one source port, per flow
                senders.add(senderNs.openUdp(new InetSocketAddress(sixToFour ? "::" : "0.0.0.0", 0)));
            }
            InetSocketAddress to = new InetSocketAddress(target, PORT);
            for (int seq = 0; seq < BURST; seq++) { // the flows interleave: datagram seq is flow seq % flows's
                byte[] d = datagram(seq, size);
                senders.get(seq % flows).socket().send(new DatagramPacket(d, d.length, to));
            }
            Thread.sleep(100);
        } finally {
            signal("CONT", pid);
            for (DatagramChannel c : senders) {
                c.close();
            }
        }

        List<String> problems = received.get(30, TimeUnit.SECONDS);
        receiverChannel.close();
        Scrape after = ProcessProbe.metrics(bed.translatorNs());
        assertEquals(List.of(), problems, "every datagram, in order, intact");
        // A burst of 280 KB can overflow the receiving socket's buffer: those datagrams the kernel counts.
        assertEquals(socketDrops(receiverNs, sixToFour) - socketDropsBefore, lost[0],
                "every datagram missing was dropped by the receiving socket (RcvbufErrors), none elsewhere");
        assertTrue(lost[0] < BURST / 2, lost[0] + " datagrams lost at the receiving socket");
        double datagrams = ProcessProbe.value(after, "tunxlat_udp_coalesced_datagrams_total")
                - ProcessProbe.value(before, "tunxlat_udp_coalesced_datagrams_total");
        double writes = ProcessProbe.value(after, "tunxlat_udp_coalesced_writes_total")
                - ProcessProbe.value(before, "tunxlat_udp_coalesced_writes_total");
        // Every other packet tunxlat reads writes what is pending first (UdpCoalescer), so a packet that falls into
        // the burst can leave a datagram on either side of it alone: the readiness self-test's Echo Request to
        // tunxlat's own address, once a second (answered: tunxlat_echo_replies_sent_total), and the kernel's own ND
        // and MLD on the TUN link when tunxlat attaches (dropped: forbidden_dst_64). Without one, all of the burst;
        // with S of them, all but at most 2 S.
        double others = drops(after) - drops(before) + ProcessProbe.value(after, "tunxlat_echo_replies_sent_total")
                - ProcessProbe.value(before, "tunxlat_echo_replies_sent_total");
        assertTrue(datagrams <= BURST && datagrams >= BURST - 2 * others, datagrams + " of " + BURST
                + " datagrams went out in UDP super-packets, with " + others + " other packets among them");
        assertTrue(others <= 4, others + " other packets during the burst");
        int perWrite = Math.min(64, 65535 / size);
        assertTrue(writes >= flows * Math.ceil((double) BURST / flows / perWrite) && writes < BURST / 2.0,
                "super-packets written: " + writes + " for " + BURST + " datagrams");
    }

    /** Packets tunxlat dropped, all reasons. */
    private static double drops(Scrape s) {
        return s.samples().stream().filter(x -> x.name().equals("tunxlat_dropped_packets_total"))
                .mapToDouble(Scrape.Sample::value).sum();
    }

    /** Datagram {@code seq}: its number, then bytes that only that number gives. */
    private static byte[] datagram(int seq, int size) {
        byte[] d = new byte[size];
        new Random(seq * 7919L + size).nextBytes(d);
        ByteBuffer.wrap(d).putInt(0, seq);
        return d;
    }

    /**
     * Receives until the last datagram of every flow came or 3 s pass without one; the problems seen (a
     * datagram out of its flow's order, or with other bytes). Datagrams skipped (lost) are counted in
     * {@code lost[0]}. Datagram {@code seq} belongs to flow {@code seq % flows}.
     */
    private static List<String> receive(DatagramSocket socket, int size, int flows, int[] lost) {
        List<String> problems = new ArrayList<>();
        int[] next = new int[flows]; // per flow, the next datagram expected
        for (int f = 0; f < flows; f++) {
            next[f] = f;
        }
        byte[] buf = new byte[65536];
        try {
            while (Arrays.stream(next).anyMatch(n -> n < BURST)) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    for (int n : next) {
                        lost[0] += n < BURST ? (BURST - 1 - n) / flows + 1 : 0; // the tails that never came
                    }
                    break;
                }
                int seq = ByteBuffer.wrap(buf).getInt(0);
                int f = Math.floorMod(seq, flows);
                if (p.getLength() != size || seq < next[f] || seq >= BURST
                        || !Arrays.equals(datagram(seq, size), Arrays.copyOf(buf, size))) {
                    problems.add("flow " + f + " after datagram " + (next[f] - flows) + ": got " + p.getLength()
                            + " bytes numbered " + seq
                            + (seq >= next[f] && seq < BURST ? " with other bytes" : " (out of order)"));
                    if (problems.size() > 5) {
                        break;
                    }
                    continue;
                }
                lost[0] += (seq - next[f]) / flows;
                next[f] = seq + flows;
            }
        } catch (Exception e) {
            problems.add(e.toString());
        }
        return problems;
    }

    /** The kernel's count of UDP datagrams dropped because a socket's receive buffer was full, in {@code ns}. */
    private static long socketDrops(Netns ns, boolean ipv4) {
        ExecResult r = ns.exec("cat", ipv4 ? "/proc/net/snmp" : "/proc/net/snmp6");
        assertTrue(r.ok(), r.describe());
        List<String> lines = r.output().lines().toList();
        if (!ipv4) {
            for (String l : lines) {
                String[] w = l.trim().split("\\s+");
                if (w.length == 2 && w[0].equals("Udp6RcvbufErrors")) {
                    return Long.parseLong(w[1]);
                }
            }
            throw new AssertionError("no Udp6RcvbufErrors in /proc/net/snmp6");
        }
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("Udp: ") && lines.get(i + 1).startsWith("Udp: ")) {
                List<String> names = List.of(lines.get(i).trim().split("\\s+"));
                return Long.parseLong(lines.get(i + 1).trim().split("\\s+")[names.indexOf("RcvbufErrors")]);
            }
        }
        throw new AssertionError("no Udp: RcvbufErrors in /proc/net/snmp");
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertTrue(p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0, "kill -" + sig + " " + pid);
    }
}
