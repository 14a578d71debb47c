// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static net.tunxlat.nat64.Nat64Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import org.junit.jupiter.api.Test;

/** What the sweeper publishes for the metrics ({@link Nat64Tables#counts}) after a known set of flows. */
class Nat64CountsTest {
    static final int T = Nat64TableTest.T;
    static final int T2 = Addresses.parseIpv4("192.0.2.3");
    static final int Z1 = Nat64TableTest.Z1;
    static final int Z2 = Nat64TableTest.Z2;
    static final long H = Nat64TableTest.H;

    final Nat64Lookup r = new Nat64Lookup();

    /** T: TCP, UDP and ICMP 1024-2047 (16 blocks of 64 each); T2: UDP only, 1024-1279 (4 blocks). */
    static Nat64Tables tables(int perSubscriber, int blocks) {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (int p = 0; p < COUNT; p++) {
            ranges.add(new Pool4.Range(p, T, 1024, 2047));
        }
        ranges.add(new Pool4.Range(UDP, T2, 1024, 1279));
        List<Nat64Settings.StaticBib> statics = List.of(new Nat64Settings.StaticBib(TCP, H, 0x80, 80, T, 2000));
        Nat64Settings s = Nat64TableTest.settings(new Pool4(ranges, 64), 100, 128, perSubscriber, blocks, false, false,
                statics);
        return new Nat64Tables(s, 1, Nat64Listener.NONE, () -> 1_800_000_000L);
    }

    @Test
    void countsAfterKnownFlowsAndTheirExpiry() {
        Nat64Tables t = tables(3, 1);
        Nat64Counts before = t.counts();
        assertEquals(0, before.passes());
        assertEquals(0, before.sessions(UDP));
        assertEquals(2, before.addressCount());
        assertEquals(T, before.address(0));
        assertEquals(1024, before.ports(TCP, 0));
        assertEquals(1024, before.ports(UDP, 0));
        assertEquals(256, before.ports(UDP, 1));
        assertEquals(0, before.ports(TCP, 1));
        assertEquals(16, before.blocks(TCP));
        assertEquals(20, before.blocks(UDP));

        // host ::1: three UDP sessions of one binding (its session limit is 3), then a fourth refused
        for (int z : new int[] {53, 54, 55}) {
            assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, 1, 40001, Z1, z, 0, 100));
        }
        assertEquals(Nat64Outcome.SUBSCRIBER_SESSION_LIMIT, t.table(UDP).outbound(r, H, 1, 40001, Z1, 56, 0, 100));
        // host ::2: one TCP connection established, one ICMP echo
        assertEquals(Nat64Outcome.OK, t.table(TCP).outbound(r, H, 2, 50000, Z1, 443, TcpStates.SYN, 100));
        int tcpPort = r.port();
        assertEquals(Nat64Outcome.OK, t.table(TCP).inbound(r, T, tcpPort, Z1, 443, TcpStates.SYN | 0x10, 100));
        assertEquals(Nat64Outcome.OK, t.table(ICMP).outbound(r, H, 2, 9, Z2, 9, 0, 100));
        // host ::3: a TCP SYN only (V6_INIT)
        assertEquals(Nat64Outcome.OK, t.table(TCP).outbound(r, H, 3, 50001, Z2, 80, TcpStates.SYN, 100));
        // the static entry: reached from IPv4 (V4_INIT)
        assertEquals(Nat64Outcome.OK, t.table(TCP).inbound(r, T, 2000, Z2, 33000, TcpStates.SYN, 100));

        t.sweep(101);
        Nat64Counts c = t.counts();
        assertEquals(1, c.passes());
        assertEquals(3, c.sessions(TCP));
        assertEquals(3, c.sessions(UDP));
        assertEquals(1, c.sessions(ICMP));
        assertEquals(1, c.tcpSessions(TcpStates.ESTABLISHED));
        assertEquals(1, c.tcpSessions(TcpStates.V6_INIT));
        assertEquals(1, c.tcpSessions(TcpStates.V4_INIT));
        assertEquals(0, c.tcpSessions(TcpStates.TRANS));
        assertEquals(1, c.bibEntries(TCP, true));
        assertEquals(2, c.bibEntries(TCP, false));
        assertEquals(1, c.bibEntries(UDP, false));
        assertEquals(0, c.bibEntries(UDP, true));
        assertEquals(1, c.bibEntries(ICMP, false));
        assertEquals(3, c.portsUsed(TCP, 0), "two dynamic TCP bindings and the static one on T");
        assertEquals(1, c.portsUsed(UDP, 0) + c.portsUsed(UDP, 1), "one UDP binding, on T or T2");
        assertEquals(1, c.portsUsed(ICMP, 0));
        // one block per (subscriber, protocol): ::1 UDP, ::2 TCP and ICMP, ::3 TCP
        assertEquals(2, c.blocksInUse(TCP));
        assertEquals(1, c.blocksInUse(UDP));
        assertEquals(1, c.blocksInUse(ICMP));
        assertEquals(2, c.blockAllocations(TCP));
        assertEquals(0, c.blockReleases(TCP));
        assertEquals(3, c.subscribers());
        assertEquals(1, c.subscribersAtSessionLimit(), "::1 holds 3 of 3 sessions");
        assertEquals(3, c.subscribersAtBlockLimit(), "each holds its one block of some protocol (the limit is 1)");
        assertEquals(3, c.sessionsCreated(TCP));
        assertEquals(3, c.sessionsCreated(UDP));
        assertEquals(0, c.sessionsExpired(UDP));
        assertTrue(c.passSeconds() > 0);

        // a second pass with nothing new counts nothing twice
        t.sweep(102);
        c = t.counts();
        assertEquals(3, c.sessionsCreated(UDP));
        assertEquals(2, c.blockAllocations(TCP));
        assertEquals(3, c.sessions(UDP));

        // UDP (30 s) and ICMP (10 s) expire, TCP V6_INIT and V4_INIT (20 s, 6 s) too; ESTABLISHED (100 s) stays
        t.sweep(140);
        t.sweep(141);
        c = t.counts();
        assertEquals(0, c.sessions(UDP));
        assertEquals(0, c.sessions(ICMP));
        assertEquals(1, c.sessions(TCP));
        assertEquals(3, c.sessionsExpired(UDP));
        assertEquals(1, c.sessionsExpired(ICMP));
        assertEquals(2, c.sessionsExpired(TCP));
        assertEquals(3, c.sessionsCreated(UDP), "creations only grow");
        assertEquals(1, c.bibEntries(TCP, true), "the static entry stays");
        assertEquals(1, c.bibEntries(TCP, false));
        assertEquals(0, c.bibEntries(UDP, false));
        assertEquals(1, c.blocksInUse(TCP));
        assertEquals(0, c.blocksInUse(UDP));
        assertEquals(1, c.blockReleases(UDP));
        assertEquals(1, c.blockReleases(TCP));
        assertEquals(1, c.blockReleases(ICMP));
        assertEquals(0, c.subscribersAtSessionLimit());
        assertEquals(1, c.subscribers(), "::2 keeps its TCP connection");
        assertEquals(2, c.portsUsed(TCP, 0));
        assertEquals(0, c.portsUsed(UDP, 0) + c.portsUsed(UDP, 1));
    }

    @Test
    void aSessionEndedAtItsFirstSightIsCountedCreatedAndExpired() {
        Nat64Tables t = tables(10, 8);
        assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, 1, 40001, Z1, 53, 0, 100));
        t.sweep(1000); // long past its lifetime: the first pass that sees it ends it
        Nat64Counts c = t.counts();
        assertEquals(1, c.sessionsCreated(UDP));
        assertEquals(1, c.sessionsExpired(UDP));
        assertEquals(0, c.sessions(UDP));
    }
}
