// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import net.tunxlat.ExternalTool;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Stateless scale-out, issue 18 item 3: two identical tunxlat instances behind an upstream router (BIRD, ECMP),
 * each announcing its prefixes through its own BIRD only while it is ready ({@link EcmpBed}). Traffic from 64 IPv6
 * sources (64 UDP flows and 16 TCP connections, all checking their data: {@link EcmpFlows}) spreads across both;
 * SIGKILL of one and later SIGSTOP of the other withdraw that translator's routes from the upstream within 3 s,
 * every existing flow carries on through the other (TCP connections intact, UDP flows answered again) and new
 * flows work; restarting the killed one and SIGCONT of the stopped one bring them back as next hops.
 *
 * <p>The measured times (withdrawal, the longest interruption of a flow, the rejoin) are printed as
 * {@code [scale-out]} lines; docs/scale-out.md quotes them.
 *
 * <p>Needs root, bird2 and curl; skipped without them (failed under CI).
 */
class ScaleOutIT {
    private static final int CLIENTS = 64;
    private static final int TCP_CONNECTIONS = 16;
    /** The promise: a failed translator leaves the upstream's routes within 3 s. */
    private static final Duration WITHDRAW = Duration.ofSeconds(3);

    @Test
    void statelessFlowsMoveToTheOtherTranslatorWhenOneIsKilledOrHangs(TestInfo info) throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Translator.underTestIsTunxlat(), "tunxlat's own scale-out; skipped for TAYGA");
        ExternalTool.require("bird", "apt-get install bird2");
        ExternalTool.require("curl", "apt-get install curl");

        try (EcmpBed bed = EcmpBed.start(info.getTestMethod().orElseThrow().getName(), CLIENTS);
             EcmpFlows flows = EcmpFlows.start(bed, CLIENTS, TCP_CONNECTIONS)) {
            EcmpBed.Xlat xa = bed.xa();
            EcmpBed.Xlat xb = bed.xb();
            System.out.println("[scale-out] core routes " + EcmpBed.PREFIX + " via " + bed.nextHops(EcmpBed.PREFIX) + ", "
                    + EcmpBed.CLIENTS_V4 + " via " + bed.nextHops(EcmpBed.CLIENTS_V4) + "; logs " + bed.logs());

            // Both carry traffic: the upstream spreads the flows (the kernel's choice per flow, and the counters).
            assertFlowing(flows, "at the start");
            List<EcmpFlows.Flow> tcpViaXa = via(bed, flows.tcpConnections(), xa);
            List<EcmpFlows.Flow> tcpViaXb = via(bed, flows.tcpConnections(), xb);
            List<EcmpFlows.Flow> udpViaXa = via(bed, flows.udpFlows(), xa);
            System.out.printf("[scale-out] spread: xa has %d UDP flows and %d TCP connections, xb %d and %d%n",
                    udpViaXa.size(), tcpViaXa.size(), CLIENTS - udpViaXa.size(), tcpViaXb.size());
            assertTrue(!tcpViaXa.isEmpty() && !tcpViaXb.isEmpty() && !udpViaXa.isEmpty()
                    && udpViaXa.size() < CLIENTS, "the flows spread over both translators");
            awaitCarrying(bed, xa, "xa at the start");
            awaitCarrying(bed, xb, "xb at the start");

            // SIGKILL xa: withdrawn within 3 s, every flow continues through xb, new flows work.
            failover(bed, flows, xa, xb, "SIGKILL", () -> {
                try {
                    xa.kill();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            // xa back: it rejoins and carries traffic again.
            long start = System.nanoTime();
            xa.start();
            Duration rejoin = bed.awaitNextHops(Set.of(xa, xb), start, Duration.ofSeconds(30));
            System.out.printf("[scale-out] restart of xa: next hop again %d ms after the start (JVM start included)%n",
                    rejoin.toMillis());
            awaitCarrying(bed, xa, "xa after its restart");
            assertFlowing(flows, "after xa rejoined");

            // SIGSTOP xb (a hang): withdrawn within 3 s the same way; SIGCONT: it rejoins.
            failover(bed, flows, xb, xa, "SIGSTOP", xb::stop);
            start = System.nanoTime();
            xb.resume();
            rejoin = bed.awaitNextHops(Set.of(xa, xb), start, Duration.ofSeconds(10));
            System.out.printf("[scale-out] SIGCONT of xb: next hop again %d ms later%n", rejoin.toMillis());
            awaitCarrying(bed, xb, "xb after SIGCONT");
            assertFlowing(flows, "after xb rejoined");

            assertEquals(List.of(), flows.tcpFailures(), "TCP connections lost");
            assertEquals(0, flows.corrupt(), "UDP echoes that came back different");
            System.out.printf("[scale-out] in all: %d UDP echoes and %d TCP chunks of 1 KiB checked, 0 flows lost%n",
                    flows.udpEchoes(), flows.tcpChunks());
        }
    }

    /**
     * Fails {@code failing} by {@code action} while the flows run: core must route both prefixes to {@code other}
     * alone within {@link #WITHDRAW}, every flow must get its data back again (the ones through {@code failing}
     * after the gap), no TCP connection may break, and new UDP flows and TCP connections must work.
     */
    private static void failover(EcmpBed bed, EcmpFlows flows, EcmpBed.Xlat failing, EcmpBed.Xlat other, String how,
                                 Runnable action) throws Exception {
        List<EcmpFlows.Flow> udpAffected = touching(bed, flows.udpFlows(), failing);
        List<EcmpFlows.Flow> tcpAffected = touching(bed, flows.tcpConnections(), failing);
        flows.resetGaps();
        long start = System.nanoTime();
        action.run();
        Duration withdrawn = bed.awaitNextHops(Set.of(other), start, WITHDRAW);
        long settled = System.nanoTime();
        List<EcmpFlows.Flow> silent = flows.awaitAllSince(settled, Duration.ofSeconds(10));
        assertEquals(List.of(), flows.tcpFailures(), "TCP connections lost after " + how + " of " + failing);
        assertEquals(List.of(), silent, "flows that did not resume after " + how + " of " + failing);
        long[] udp = flows.udpGaps();
        long[] tcp = flows.tcpGaps();
        System.out.printf("[scale-out] %s of %s: routes withdrawn from core after %d ms; %d of %d UDP flows and %d of %d "
                        + "TCP connections crossed %s one way or both; longest interruption %d ms (UDP; %d flows cut for "
                        + "more than 100 ms), %d ms (TCP; %d connections); 0 flows lost%n",
                how, failing, withdrawn.toMillis(), udpAffected.size(), udp.length, tcpAffected.size(), tcp.length, failing,
                max(udp), count(udp, g -> g > 100), max(tcp), count(tcp, g -> g > 100));
        for (int i = 0; i < 8; i++) {
            flows.newUdpFlow(i);
            flows.newTcpConnection(i);
        }
        assertEquals(List.of(), touching(bed, flows.udpFlows(), failing), "flows still routed to " + failing);
        awaitCarrying(bed, other, other + " while " + failing + " is out");
    }

    /** Waits (at most 10 s) until every flow has had its data back within the last moment. */
    private static void assertFlowing(EcmpFlows flows, String when) throws InterruptedException {
        List<EcmpFlows.Flow> silent = flows.awaitAllSince(System.nanoTime(), Duration.ofSeconds(10));
        assertEquals(List.of(), flows.tcpFailures(), "TCP connections lost " + when);
        assertEquals(List.of(), silent, "flows without an echo " + when);
    }

    /**
     * Waits (at most 10 s) until {@code x} has translated 200 more packets (its /metrics) and core's bridge has sent
     * it 200 more: the translator carries part of the traffic.
     */
    private static void awaitCarrying(EcmpBed bed, EcmpBed.Xlat x, String what) throws InterruptedException {
        long translated = x.translated();
        long sent = bed.packetsTo(x);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (x.translated() < translated + 200 || bed.packetsTo(x) < sent + 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": does not carry traffic (translated " + translated + " -> "
                        + x.translated() + ", core sent it " + sent + " -> " + bed.packetsTo(x) + " packets)");
            }
            Thread.sleep(100);
        }
    }

    /** The flows core sends through {@code x} towards the server. */
    private static List<EcmpFlows.Flow> via(EcmpBed bed, List<EcmpFlows.Flow> flows, EcmpBed.Xlat x) {
        return flows.stream().filter(f -> bed.translatorOf(f, true) == x).toList();
    }

    /** The flows core sends through {@code x} one way or the other. */
    private static List<EcmpFlows.Flow> touching(EcmpBed bed, List<EcmpFlows.Flow> flows, EcmpBed.Xlat x) {
        return flows.stream().filter(f -> bed.translatorOf(f, true) == x || bed.translatorOf(f, false) == x).toList();
    }

    private static long max(long[] a) {
        return Arrays.stream(a).max().orElse(0);
    }

    private static long count(long[] a, Predicate<Long> p) {
        return Arrays.stream(a).filter(p::test).count();
    }
}
