// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.TcpStates;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stateful NAT64 under hostile input: mutated and truncated packets of live flows, ICMP errors quoting garbage,
 * TCP flag storms; and the named catalogue of docs/security.md (issue 16 item 6): malformed TCP flag sequences,
 * RST and FIN storms against live sessions, port-scan-like inbound traffic, fragments that never complete. Every
 * packet is accounted for exactly once (translated, answered or dropped with one reason), every emitted packet is
 * well formed, and nothing throws or reads past the packet (the harness sizes each buffer to the packet).
 */
class StatefulHostileInputTest {
    private final XlatHarness h = new XlatHarness(new XlatSnapshot(config(settings(64, false, false,
            Timeouts.RFC6146, List.of(bib(Nat64Protocol.UDP, HOST, 2000, POOL, 2000),
                    bib(Nat64Protocol.TCP, HOST, 80, POOL, 80))))));

    @AfterEach
    void close() {
        h.close();
    }

    private static byte[] icmp(int type, int code, byte[] quoted) {
        return ByteBuffer.allocate(8 + quoted.length).put((byte) type).put((byte) code).putShort((short) 0).putInt(0)
                .put(quoted).array();
    }

    @Test
    void mutatedPacketsOfLiveFlowsAreEachAccountedOnce() {
        Random r = new Random(16);
        byte[] out = h.run(ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(2000, 53, new byte[20])))
                .emitted().get(0);
        byte[][] seeds = {
            ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(2000, 53, new byte[20])),
            ipv4(SERVER4, POOL, 17, 64, 0, 1, 0, udpHeaderAndData(53, 2000, new byte[20])),
            ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], tcpHeaderAndData(80, 443, new byte[8])),
            ipv4(SERVER4, POOL, 6, 64, 0, 1, 0, tcpHeaderAndData(443, 80, new byte[8])),
            ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 5, 1, new byte[8])),
            ipv4("198.51.100.1", POOL, 1, 64, 0, 1, 0, icmp(3, 3, out)),
            ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmp(1, 4, ipv6(SERVER6, HOST, 17, 17, 60, 0, new byte[0],
                    udpHeaderAndData(53, 2000, new byte[8])))),
            ipv6(HOST, "64:ff9b::192.0.2.2", 17, 17, 64, 0, new byte[0], udpHeaderAndData(2000, 2000, new byte[8])),
        };
        for (int i = 0; i < 10_000; i++) {
            byte[] p = seeds[r.nextInt(seeds.length)].clone();
            int kind = r.nextInt(4);
            if (kind == 0) {
                p[r.nextInt(p.length)] ^= (byte) (1 << r.nextInt(8));
            } else if (kind == 1) {
                int at = (p[0] >> 4 & 0xf) == 4 ? 20 + r.nextInt(Math.max(1, p.length - 20)) : 40 + r.nextInt(Math.max(1, p.length - 40));
                p[Math.min(at, p.length - 1)] = (byte) r.nextInt(256); // transport and quoted bytes
            } else if (kind == 2) {
                p = Arrays.copyOf(p, 1 + r.nextInt(p.length)); // truncated
            } else if ((p[0] >> 4 & 0xf) == 4 && p[9] == 6) {
                p[33] = (byte) r.nextInt(256); // TCP flags storm
            }
            if ((p[0] >> 4 & 0xf) == 4 && p.length >= 20) {
                // keep the IPv4 header checksum right half of the time, so the mutation reaches the stateful steps
                if (r.nextBoolean()) {
                    p[10] = 0;
                    p[11] = 0;
                    int c = ~naiveSum(p, 0, 20) & 0xffff;
                    p[10] = (byte) (c >> 8);
                    p[11] = (byte) c;
                }
            }
            XlatHarness.Outcome o = h.run(p);
            assertTrue(o.accountedOnce(), "packet " + i + ": " + o);
        }
        assertTrue(h.counters.local(XlatCounters.PACKETS_64) + h.counters.local(XlatCounters.PACKETS_46) > 300,
                "many mutations still translate");
    }

    // ---------------------------------------------------------------- the catalogue (docs/security.md)

    private static final int SYN = TcpStates.SYN;
    private static final int FIN = TcpStates.FIN;
    private static final int RST = TcpStates.RST;
    private static final int ACK = 0x10;
    private static final long SECOND = 1_000_000_000L;

    private Nat64Tables tables() {
        return h.snap.state().nat64();
    }

    private void sweep() {
        tables().sweep(h.now / SECOND);
    }

    private static byte[] tcp(int src, int dst, int flags) {
        byte[] t = tcpHeaderAndData(src, dst, new byte[0]);
        t[13] = (byte) flags;
        return t;
    }

    private static byte[] tcp6(int hostPort, int flags) {
        return ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], tcp(hostPort, 443, flags));
    }

    private static byte[] tcp4(String from, int fromPort, int poolPort, int flags) {
        return ipv4(from, POOL, 6, 64, 0, 1, 0, tcp(fromPort, poolPort, flags));
    }

    /** Runs {@code p} and checks the accounting and every emitted packet's checksums. */
    private XlatHarness.Outcome run(XlatHarness x, byte[] p) {
        XlatHarness.Outcome o = x.run(p);
        assertTrue(o.accountedOnce(), () -> "accounted once: " + o);
        assertEquals(o.translated() + o.echoReplies() + o.icmpErrors(), o.emitted().size(), () -> "counted: " + o);
        for (byte[] out : o.emitted()) {
            assertNull(PacketInvariants.check(out, true, false));
        }
        return o;
    }

    /** An ESTABLISHED session HOST:hostPort ↔ SERVER4:443 (RFC 6146 §3.5.2.2); returns its pool4 port. */
    private int established(int hostPort) {
        XlatHarness.Outcome syn = run(h, tcp6(hostPort, SYN));
        assertEquals(1, syn.translated(), syn::toString);
        int t = u16(syn.emitted().get(0), 20);
        assertEquals(1, run(h, tcp4(SERVER4, 443, t, SYN | ACK)).translated());
        assertEquals(1, run(h, tcp6(hostPort, ACK)).translated());
        sweep();
        assertEquals(1, tables().counts().tcpSessions(TcpStates.ESTABLISHED));
        return t;
    }

    /**
     * Malformed flag sequences. Without a binding (RFC 6146 §3.5.2.2 CLOSED: only a SYN creates state): SYN+RST,
     * no flags and all flags create nothing and are dropped ({@code nat64_tcp_not_syn}); SYN+FIN carries SYN, so it
     * opens a V6 INIT session like a SYN. On an ESTABLISHED session: SYN+RST and all flags carry RST and move it to
     * TRANS; no flags is "any other packet" and keeps it ESTABLISHED.
     */
    @Test
    void malformedTcpFlagSequences() {
        for (int flags : new int[] {SYN | RST, 0, 0xff}) {
            XlatHarness.Outcome o = run(h, tcp6(6000, flags));
            assertEquals(DropReason.NAT64_TCP_NOT_SYN, o.dropped(), () -> "flags " + flags + ": " + o);
        }
        assertEquals(0, tables().sessions(Nat64Protocol.TCP), "no session from SYN+RST, no flags, all flags");
        assertEquals(1, run(h, tcp6(6000, SYN | FIN)).translated());
        sweep();
        assertEquals(1, tables().counts().tcpSessions(TcpStates.V6_INIT), "SYN+FIN opens like a SYN");

        int t = established(6001);
        assertEquals(1, run(h, tcp4(SERVER4, 443, t, 0)).translated(), "no flags: any other packet");
        sweep();
        assertEquals(1, tables().counts().tcpSessions(TcpStates.ESTABLISHED));
        for (int flags : new int[] {SYN | RST, 0xff}) {
            assertEquals(1, run(h, tcp4(SERVER4, 443, t, flags)).translated());
            sweep();
            assertEquals(1, tables().counts().tcpSessions(TcpStates.TRANS), "flags " + flags + " carry RST: TRANS");
            assertEquals(1, run(h, tcp6(6001, ACK)).translated());
            sweep();
            assertEquals(1, tables().counts().tcpSessions(TcpStates.ESTABLISHED), "TRANS: a non-RST packet re-establishes");
        }
    }

    /**
     * A RST storm against a live session, from the server and spoofed from elsewhere (RFC 6146 §3.5.2.2: ESTABLISHED
     * + RST → TRANS, "a packet other than a RST" is needed to leave TRANS, so further RSTs keep it there without
     * refreshing it): the session moves to TRANS once; RSTs from other endpoints to the binding are translated
     * without a session (§3.5.2.2, "packets not belonging to any of the above categories"), RSTs to other ports
     * dropped; no other state is created, and TCP_TRANS after the storm the sweeper ends the session and its
     * binding.
     */
    @Test
    void rstStormMovesTheSessionToTransAndItEnds() {
        int t = established(7000);
        long transLifetime = Timeouts.RFC6146.tcpTransitory();
        for (int i = 0; i < 2000; i++) {
            XlatHarness.Outcome o = run(h, i % 2 == 0 ? tcp4(SERVER4, 443, t, RST | ACK) : tcp6(7000, RST));
            assertEquals(1, o.translated(), () -> "a RST of the session passes: " + o);
            // From other IPv4 endpoints: the binding exists, the session does not; RFC 6146 §3.5.2.2 CLOSED,
            // "packets not belonging to any of the above categories": translated (endpoint-independent
            // filtering), the state unchanged: no session (the IPv6 host's TCP judges the RST, RFC 5961).
            XlatHarness.Outcome spoofed = run(h, tcp4("198.51.100." + (1 + i % 200), 1024 + i, t, RST));
            assertEquals(1, spoofed.translated(), () -> "spoofed RST: " + spoofed);
            XlatHarness.Outcome other = run(h, tcp4(SERVER4, 443, t + 1 == 80 ? t + 2 : t == 3000 ? 2999 : t + 1, RST));
            assertEquals(DropReason.NAT64_NO_BINDING, other.dropped(), () -> "RST to a port without binding: " + other);
            if (i % 500 == 0) {
                h.now += SECOND;
            }
        }
        sweep();
        assertEquals(1, tables().counts().tcpSessions(TcpStates.TRANS));
        assertEquals(1, tables().sessions(Nat64Protocol.TCP), "the spoofed RSTs created no session");
        h.now += (transLifetime - 1) * SECOND;
        assertEquals(1, run(h, tcp4(SERVER4, 443, t, RST)).translated());
        h.now += 2 * SECOND; // TCP_TRANS from the first RST; the later RSTs did not refresh it
        sweep();
        sweep();
        assertEquals(0, tables().sessions(Nat64Protocol.TCP), "TCP_TRANS after the storm the session ended");
        assertEquals(1, tables().bibEntries(Nat64Protocol.TCP), "only the static entry left");
    }

    /**
     * A FIN storm from both sides (RFC 6146 §3.5.2.2): ESTABLISHED → V4 FIN RCV on the first IPv4 FIN, repeated
     * IPv4 FINs keep it there, the first IPv6 FIN moves it to V6 FIN + V4 FIN RCV with TCP_TRANS, which further
     * FINs do not restart; then the session and its binding end.
     */
    @Test
    void finStormClosesTheSessionAndItEnds() {
        int t = established(7100);
        for (int i = 0; i < 500; i++) {
            assertEquals(1, run(h, tcp4(SERVER4, 443, t, FIN | ACK)).translated());
        }
        sweep();
        assertEquals(1, tables().counts().tcpSessions(TcpStates.V4_FIN_RCV));
        for (int i = 0; i < 500; i++) {
            assertEquals(1, run(h, i % 2 == 0 ? tcp6(7100, FIN | ACK) : tcp4(SERVER4, 443, t, FIN)).translated());
            if (i % 100 == 0) {
                h.now += 10 * SECOND;
            }
        }
        sweep();
        assertEquals(1, tables().counts().tcpSessions(TcpStates.V6_FIN_V4_FIN_RCV));
        h.now += (Timeouts.RFC6146.tcpTransitory() - 40) * SECOND; // TCP_TRANS from the first IPv6 FIN
        sweep();
        sweep();
        assertEquals(0, tables().sessions(Nat64Protocol.TCP), "the FINs did not keep the session alive");
        assertEquals(1, tables().bibEntries(Nat64Protocol.TCP), "only the static entry left");
    }

    /**
     * Port-scan-like inbound traffic: UDP, TCP SYNs and ICMP echo requests to every port of pool4 but the one live
     * binding's and the static entries'. Each is dropped with one reason ({@code nat64_no_binding}, or
     * {@code nat64_external_tcp} with nat64-drop-externally-initiated-tcp, or {@code nat64_syn_held} /
     * {@code nat64_syn_hold_full} for the simultaneous-open hold, bounded by nat64-max-syn-held) and no session or
     * binding is created.
     */
    @Test
    void portScanCreatesNoState() {
        for (boolean dropExternal : new boolean[] {false, true}) {
            try (XlatHarness x = new XlatHarness(new XlatSnapshot(config(settings(64, false, dropExternal,
                    Timeouts.RFC6146, List.of(bib(Nat64Protocol.UDP, HOST, 2000, POOL, 2000))))))) {
                Nat64Tables t = x.snap.state().nat64();
                XlatHarness.Outcome flow = run(x, ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0],
                        udpHeaderAndData(5353, 53, new byte[8])));
                int live = u16(flow.emitted().get(0), 20);
                int held = 0;
                for (int port = 1; port <= 3000; port++) {
                    if (port == live || port == 2000) {
                        continue;
                    }
                    String scanner = "198.51.100." + (1 + port % 50);
                    XlatHarness.Outcome u = run(x, ipv4(scanner, POOL, 17, 64, 0, port, 0,
                            udpHeaderAndData(40000, port, new byte[4])));
                    assertEquals(DropReason.NAT64_NO_BINDING, u.dropped(), u::toString);
                    XlatHarness.Outcome e = run(x, ipv4(scanner, POOL, 1, 64, 0, port, 0, icmpEcho(8, port, 1,
                            new byte[4])));
                    assertEquals(DropReason.NAT64_NO_BINDING, e.dropped(), e::toString);
                    XlatHarness.Outcome s = run(x, tcp4(scanner, 40000, port, SYN));
                    if (dropExternal) {
                        assertEquals(DropReason.NAT64_EXTERNAL_TCP, s.dropped(), s::toString);
                    } else {
                        assertTrue(s.dropped() == DropReason.NAT64_SYN_HELD || s.dropped() == DropReason.NAT64_SYN_HOLD_FULL,
                                s::toString);
                        held += s.dropped() == DropReason.NAT64_SYN_HELD ? 1 : 0;
                    }
                }
                assertEquals(dropExternal ? 0 : 4, held, "the hold takes nat64-max-syn-held SYNs, no more");
                for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                    assertEquals(p == Nat64Protocol.UDP ? 1 : 0, t.sessions(p), "sessions of protocol " + p);
                    assertEquals(p == Nat64Protocol.UDP ? 2 : 0, t.bibEntries(p), "bindings of protocol " + p);
                }
                // TCP_INCOMING_SYN later the held SYNs are answered (RFC 6146 §3.5.2.2) and the hold is empty again
                x.now += (Timeouts.RFC6146.tcpIncomingSyn() + 1) * SECOND;
                t.sweep(x.now / SECOND);
                XlatHarness.Outcome next = run(x, ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0],
                        udpHeaderAndData(5353, 53, new byte[8])));
                assertEquals(1, next.translated());
                assertEquals(held, next.icmpErrors(), "each held SYN answered with Port Unreachable");
                t.sweep(x.now / SECOND);
                assertEquals(0, t.counts().synHeld());
            }
        }
    }

    /**
     * Fragments that never complete (RFC 6146 §3.4, §4 FRAGMENT_MIN): first fragments of datagrams whose other
     * fragments never come, in both directions, and non-first fragments whose first never came. The worker's
     * fragment table stays bounded (refusals counted as {@code nat64_fragment_table_full}), orphans are held (the
     * worker's 64 slots) or dropped as {@code nat64_fragment_46/64}, the held ones expire, sessions stay within nat64-max-sessions, and once the entries expire the table
     * takes new datagrams again and the sessions end.
     */
    @Test
    void fragmentsThatNeverCompleteStayBoundedAndExpire() {
        int[] full = new int[1];
        int[] orphans = new int[1];
        int[] held = new int[1];
        for (int id = 0; id < 2 * StatefulFragments.CAPACITY; id++) {
            // IPv6 → IPv4: a first fragment (8 bytes of UDP header) from a new source port each time
            byte[] udp = udpHeaderAndData(10000 + id % 40, 53, new byte[32]);
            byte[] fh = ByteBuffer.allocate(8).put((byte) 17).put((byte) 0).putShort((short) 1).putInt(id).array();
            XlatHarness.Outcome o = run(h, ipv6(HOST, SERVER6, 44, 0, 64, 0, fh, Arrays.copyOf(udp, 16)));
            if (o.dropped() == DropReason.NAT64_FRAGMENT_TABLE_FULL) {
                full[0]++;
            }
            // IPv4 → IPv6: a first fragment to the static binding
            o = run(h, ipv4(SERVER4, POOL, 17, 64, 0, id, 0x2000, Arrays.copyOf(udpHeaderAndData(53, 2000,
                    new byte[32]), 16)));
            if (o.dropped() == DropReason.NAT64_FRAGMENT_TABLE_FULL) {
                full[0]++;
            }
            // and a last fragment whose first never came, each way
            o = run(h, ipv4(SERVER4, POOL, 17, 64, 0, 0x8000 | id, 2, new byte[16]));
            orphans[0] += o.dropped() == DropReason.NAT64_FRAGMENT_46 ? 1 : 0;
            held[0] += o.dropped() == DropReason.NAT64_FRAGMENT_HELD ? 1 : 0;
            byte[] last = ByteBuffer.allocate(8).put((byte) 17).put((byte) 0).putShort((short) 16).putInt(0x8000 | id)
                    .array();
            o = run(h, ipv6(HOST, SERVER6, 44, 0, 64, 0, last, new byte[16]));
            orphans[0] += o.dropped() == DropReason.NAT64_FRAGMENT_64 ? 1 : 0;
            held[0] += o.dropped() == DropReason.NAT64_FRAGMENT_HELD ? 1 : 0;
        }
        assertTrue(full[0] >= 2 * StatefulFragments.CAPACITY, "the table holds at most " + StatefulFragments.CAPACITY
                + " datagrams; refused " + full[0]);
        assertEquals(EarlyFragments.SLOTS, held[0], "orphans held for their first fragment: as many as the store holds");
        assertEquals(4 * StatefulFragments.CAPACITY - EarlyFragments.SLOTS, orphans[0], "every other orphan dropped");
        assertTrue(tables().sessions(Nat64Protocol.UDP) <= 64, "sessions within nat64-max-sessions");
        h.now += (StatefulFragments.LIFETIME + 1) * SECOND;
        XlatHarness.Outcome later = run(h, ipv4(SERVER4, POOL, 17, 64, 0, 0x7777, 0x2000, Arrays.copyOf(
                udpHeaderAndData(53, 2000, new byte[32]), 16)));
        assertEquals(1, later.translated(), () -> "expired entries make room: " + later);
        assertEquals(EarlyFragments.SLOTS, h.counters.localDrops(DropReason.FRAGMENT_EXPIRED),
                "the held orphans expired");
        assertEquals(0, h.translator.heldFragments());
        h.now += (Timeouts.RFC6146.udp() + 1) * SECOND;
        sweep();
        sweep();
        assertEquals(0, tables().sessions(Nat64Protocol.UDP), "the fragments' sessions ended");
        assertEquals(2, tables().bibEntries(Nat64Protocol.UDP) + tables().bibEntries(Nat64Protocol.TCP),
                "only the static entries left");
    }
}
