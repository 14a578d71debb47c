// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static net.tunxlat.nat64.Nat64Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

class Nat64TableTest {
    static final int T = Addresses.parseIpv4("192.0.2.2");
    static final int Z1 = Addresses.parseIpv4("198.51.100.1");
    static final int Z2 = Addresses.parseIpv4("203.0.113.9");
    static final long H = 0x20010db800010000L;
    static final Timeouts FAST = new Timeouts(30, 100, 20, 6, 10);

    final List<BlockEvent> events = new ArrayList<>();
    final List<int[]> synTimeouts = new ArrayList<>();
    final Nat64Listener listener = new Nat64Listener() {
        @Override
        public void onBlock(BlockEvent event) {
            events.add(event);
        }

        @Override
        public void onSynTimeout(int slot, int address, int port, int remoteAddress, int remotePort) {
            synTimeouts.add(new int[] {slot, address, port, remoteAddress, remotePort});
        }
    };
    final Nat64Lookup r = new Nat64Lookup();

    static Pool4 pool(int first, int last, int blockSize) {
        List<Pool4.Range> ranges = new ArrayList<>();
        for (int p = 0; p < COUNT; p++) {
            ranges.add(new Pool4.Range(p, T, first, last));
        }
        return new Pool4(ranges, blockSize);
    }

    static Nat64Settings settings(Pool4 pool, int max, int subscriberLength, int perSubscriber, int blocks,
            boolean adf, boolean dropExternal, List<Nat64Settings.StaticBib> statics) {
        return new Nat64Settings(pool, new int[] {max, max, max}, 64, subscriberLength, perSubscriber, blocks, null,
                1024, FAST, adf, dropExternal, 2, statics);
    }

    Nat64Tables tables(Nat64Settings s) {
        return new Nat64Tables(s, 1, listener, () -> 1_800_000_000L);
    }

    @Test
    void endpointIndependentMappingWithParityAndRange() {
        Nat64Tables t = tables(settings(pool(1, 65535, 0), 100, 128, 100, 0, false, false, List.of()));
        Nat64Table udp = t.table(UDP);
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 40001, Z1, 53, 0, 0));
        int port = r.port();
        assertEquals(T, r.address());
        assertEquals(1, port & 1, "RFC 4787 REQ-4: parity kept");
        assertTrue(port >= 1024, "REQ-3: range kept");
        int first = r.session();
        // same (X', x) to another destination: same (T, t), another session (RFC 4787 REQ-1)
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 40001, Z2, 123, 0, 1));
        assertEquals(port, r.port());
        assertNotEquals(first, r.session());
        assertEquals(2, t.sessions(UDP));
        assertEquals(1, t.bibEntries(UDP));
        // a well-known even source port gets a well-known even port
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 500, Z1, 53, 0, 1));
        assertTrue(r.port() < 1024 && (r.port() & 1) == 0, "port " + r.port());
        // back from IPv4: found by (T, t), host and port restored
        assertEquals(Nat64Outcome.OK, udp.inbound(r, T, port, Z1, 53, 0, 2));
        assertEquals(first, r.session());
        assertEquals(H, r.hostHi());
        assertEquals(1, r.hostLo());
        assertEquals(40001, r.hostPort());
        // ICMP: identifiers, no parity rule
        assertEquals(Nat64Outcome.OK, t.table(ICMP).outbound(r, H, 1, 7, Z1, 7, 0, 2));
        assertEquals(Nat64Outcome.NO_BIB, udp.inbound(r, T, port ^ 2, Z1, 53, 0, 2));
    }

    @Test
    void filteringEndpointIndependentOrAddressDependent() {
        for (boolean adf : new boolean[] {false, true}) {
            Nat64Tables t = tables(settings(pool(1024, 2047, 0), 100, 128, 100, 0, adf, false, List.of()));
            Nat64Table udp = t.table(UDP);
            udp.outbound(r, H, 1, 5000, Z1, 53, 0, 0);
            int port = r.port();
            // another port of the same remote address: both modes let it in
            assertEquals(Nat64Outcome.OK, udp.inbound(r, T, port, Z1, 54, 0, 0));
            // another remote address: only endpoint-independent filtering does
            assertEquals(adf ? Nat64Outcome.FILTERED : Nat64Outcome.OK, udp.inbound(r, T, port, Z2, 53, 0, 0));
            assertEquals(adf ? 2 : 3, t.sessions(UDP));
        }
    }

    @Test
    void tcpStatesAndSimultaneousOpen() {
        Nat64Tables t = tables(settings(pool(1024, 2047, 0), 100, 128, 100, 0, false, false, List.of()));
        Nat64Table tcp = t.table(TCP);
        assertEquals(Nat64Outcome.TCP_NOT_SYN, tcp.outbound(r, H, 1, 40000, Z1, 80, 0x10, 0));
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 40000, Z1, 80, TcpStates.SYN, 0));
        assertEquals(TcpStates.V6_INIT, r.tcpState());
        int port = r.port();
        assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, port, Z1, 80, TcpStates.SYN | 0x10, 1));
        assertEquals(TcpStates.ESTABLISHED, r.tcpState());
        assertEquals(1 + 100, tcp.expiry(r.session()));
        // an IPv4 SYN to a port without a binding (outside the pool: the allocated port is random) is held (bounded: 2 here), a repeat takes the same slot
        assertEquals(Nat64Outcome.SYN_HELD, tcp.inbound(r, T, 3000, Z2, 5555, TcpStates.SYN, 2));
        int slot = r.heldSlot();
        assertEquals(Nat64Outcome.SYN_HELD, tcp.inbound(r, T, 3000, Z2, 5555, TcpStates.SYN, 3));
        assertEquals(slot, r.heldSlot());
        assertEquals(Nat64Outcome.SYN_HELD, tcp.inbound(r, T, 3001, Z2, 5555, TcpStates.SYN, 3));
        assertEquals(Nat64Outcome.SYN_HOLD_FULL, tcp.inbound(r, T, 3002, Z2, 5555, TcpStates.SYN, 3));
        assertEquals(Nat64Outcome.NO_BIB, tcp.inbound(r, T, 3002, Z2, 5555, 0x10, 3));
        // TCP_INCOMING_SYN (6 s) later the sweeper reports both for an ICMP port unreachable
        t.sweep(8);
        assertTrue(synTimeouts.isEmpty());
        t.sweep(10);
        assertEquals(2, synTimeouts.size());
        assertEquals(3000, synTimeouts.get(0)[2]);
        // a binding with an IPv4 SYN from another remote: session in V4 INIT, then the IPv6 SYN: ESTABLISHED
        assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, port, Z2, 443, TcpStates.SYN, 10));
        assertEquals(TcpStates.V4_INIT, r.tcpState());
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 40000, Z2, 443, TcpStates.SYN, 11));
        assertEquals(TcpStates.ESTABLISHED, r.tcpState());
        // a non-SYN from a remote without a session passes without one (RFC 6146 §3.5.2.2 CLOSED, EIF)
        assertEquals(Nat64Outcome.OK_WITHOUT_SESSION, tcp.inbound(r, T, port, Z2, 444, 0x10, 11));
    }

    /**
     * RFC 6146 §3.5.2.2 with port blocks: the held IPv4 SYN was sent to a port of a free block, which the subscriber
     * whose IPv6 SYN meets it takes (logged like any block); a port of another subscriber's block, or a subscriber
     * at its block limit, falls back to the usual allocation and the held SYN is answered after 6 s.
     */
    @Test
    void simultaneousOpenWithPortBlocks() {
        Nat64Tables t = tables(settings(pool(1024, 2047, 64), 100, 128, 100, 2, false, false, List.of()));
        Nat64Table tcp = t.table(TCP);
        assertEquals(Nat64Outcome.SYN_HELD, tcp.inbound(r, T, 1500, Z2, 5555, TcpStates.SYN, 1));
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 40000, Z2, 5555, TcpStates.SYN, 2));
        assertEquals(1500, r.port(), "bound to the port the held SYN was sent to");
        assertTrue(r.heldSlot() >= 0, "the held SYN is met, and discarded");
        assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, 1500, Z2, 5555, TcpStates.SYN | 0x10, 3));
        assertEquals(TcpStates.ESTABLISHED, r.tcpState());
        t.sweep(3);
        assertEquals(1, events.size());
        assertTrue(events.get(0).allocated());
        assertEquals(1472, events.get(0).firstPort(), "the block holding port 1500 is the subscriber's");
        assertEquals(1535, events.get(0).lastPort());

        // another subscriber's block is never entered: the port stays that subscriber's
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 2, 40000, Z1, 81, TcpStates.SYN, 4));
        int theirs = r.port();
        int theirBlock = (theirs - 1024) / 64;
        int target = 1024 + theirBlock * 64 + (theirs % 64 == 5 ? 6 : 5);
        assertEquals(Nat64Outcome.SYN_HELD, tcp.inbound(r, T, target, Z1, 6000, TcpStates.SYN, 4));
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 40004, Z1, 6000, TcpStates.SYN, 5));
        assertNotEquals(theirBlock, (r.port() - 1024) / 64, "allocated in its own blocks, not in another's");
        assertEquals(-1, r.heldSlot(), "not met: the held SYN stays");

        // at its block limit (2 here), a subscriber cannot take the held port's free block either
        for (int i = 0; i < 100 && countOwned(t, H, 1) < 2; i++) { // new flows until a second block is taken
            assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 41000 + i, Z1, 7000 + i, TcpStates.SYN, 5));
        }
        assertEquals(2, countOwned(t, H, 1));
        int free = -1;
        for (int b = 0; b < 16 && free < 0; b++) {
            if (t.table(TCP).ports.ownerOf(b) < 0) {
                free = 1024 + b * 64 + 9;
            }
        }
        assertEquals(Nat64Outcome.SYN_HELD, tcp.inbound(r, T, free, Z1, 6001, TcpStates.SYN, 5));
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 40006, Z1, 6001, TcpStates.SYN, 6));
        assertNotEquals(free, r.port(), "no third block for a subscriber at its limit");
        t.sweep(12);
        assertEquals(2, synTimeouts.size(), "the two unmet SYNs are answered after 6 s, the met one never");
    }

    /**
     * A subscriber at its block limit with its blocks full: the next flow is refused; once the sweeper frees one of
     * its ports (a binding expired), that port is found again although its block had been found exhausted.
     */
    @Test
    void fullBlocksAreSkippedUntilAPortIsFreed() {
        Nat64Tables t = tables(settings(pool(1024, 2047, 64), 1000, 128, 1000, 2, false, false, List.of()));
        Nat64Table udp = t.table(UDP);
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 30000, Z1, 53, 0, 0)); // expires first
        int victim = r.port();
        int ok = 1;
        for (int x = 30001; x < 30400 && ok < 128; x++) {
            if (udp.outbound(r, H, 1, x, Z1, 53, 0, 25) == Nat64Outcome.OK) {
                ok++;
            }
        }
        assertEquals(128, ok, "two blocks of 64, every port used (parity gives way when it must)");
        assertEquals(Nat64Outcome.SUBSCRIBER_BLOCK_LIMIT, udp.outbound(r, H, 1, 31000, Z1, 53, 0, 25));
        assertEquals(Nat64Outcome.SUBSCRIBER_BLOCK_LIMIT, udp.outbound(r, H, 1, 31002, Z1, 53, 0, 25),
                "again, now with its blocks hinted exhausted");
        t.sweep(31); // the first flow's binding expires (UDP lifetime 30 s here), freeing its port
        t.sweep(31);
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 31004, Z1, 53, 0, 31));
        assertEquals(victim, r.port(), "the freed port, in a block that had been found full");
    }

    /**
     * Under port pressure (a new TCP flow found no port), the sweeper ends sessions both sides closed at least 2 s
     * ago before their TCP_TRANS runs out, and their ports serve new connections; without pressure, and for an
     * open connection, the 4-minute hold stands.
     */
    @Test
    void closedTcpSessionsGiveTheirPortsBackWhenPortsRunOut() {
        Nat64Tables t = tables(settings(pool(1024, 1087, 0), 1000, 128, 1000, 0, false, false, List.of()));
        Nat64Table tcp = t.table(TCP);
        int open = 0;
        int n = 0;
        for (int x = 40000; n < 64; x++, n++) {
            assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, x, Z1, 80, TcpStates.SYN, 0), "flow " + n);
            int port = r.port();
            assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, port, Z1, 80, TcpStates.SYN | 0x10, 0));
            if (n == 0) {
                open = port; // this one stays open
                continue;
            }
            tcp.outbound(r, H, 1, x, Z1, 80, TcpStates.FIN | 0x10, 1);
            tcp.inbound(r, T, port, Z1, 80, TcpStates.FIN | 0x10, 1);
            assertEquals(TcpStates.V6_FIN_V4_FIN_RCV, r.tcpState());
        }
        t.sweep(5); // no pressure yet: closed sessions keep their TCP_TRANS
        assertEquals(64, t.sessions(TCP));
        assertEquals(Nat64Outcome.POOL_EXHAUSTED, tcp.outbound(r, H, 1, 50000, Z1, 80, TcpStates.SYN, 5));
        t.sweep(6);
        t.sweep(6);
        assertEquals(1, t.sessions(TCP), "the 63 closed sessions ended under pressure; the open one stays");
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 50000, Z1, 80, TcpStates.SYN, 6), "a port again");
        assertNotEquals(open, r.port());
        assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, open, Z1, 80, 0x10, 6), "the open connection goes on");
        assertEquals(TcpStates.ESTABLISHED, r.tcpState());

        // a connection closed less than 2 s ago is kept even under pressure (its last ACK may be in flight)
        Nat64Tables t2 = tables(settings(pool(1024, 1024, 0), 1000, 128, 1000, 0, false, false, List.of()));
        Nat64Table tcp2 = t2.table(TCP);
        assertEquals(Nat64Outcome.OK, tcp2.outbound(r, H, 1, 40000, Z1, 80, TcpStates.SYN, 0));
        tcp2.inbound(r, T, 1024, Z1, 80, TcpStates.SYN | 0x10, 0);
        tcp2.outbound(r, H, 1, 40000, Z1, 80, TcpStates.FIN | 0x10, 10);
        tcp2.inbound(r, T, 1024, Z1, 80, TcpStates.FIN | 0x10, 10);
        assertEquals(Nat64Outcome.POOL_EXHAUSTED, tcp2.outbound(r, H, 1, 40001, Z1, 80, TcpStates.SYN, 10));
        t2.sweep(11);
        assertEquals(1, t2.sessions(TCP), "closed 1 s ago: kept");
        assertEquals(Nat64Outcome.POOL_EXHAUSTED, tcp2.outbound(r, H, 1, 40001, Z1, 80, TcpStates.SYN, 12));
        t2.sweep(12);
        t2.sweep(12);
        assertEquals(0, t2.sessions(TCP), "closed 2 s ago, under pressure: ended");

        // pressure lasts one TCP_TRANS from the last flow that found no port: a connection closed after it gives
        // its port back within seconds without running out again; past that TCP_TRANS, the 4-minute hold is back
        int trans = t2.table(TCP).settingsTransitory();
        assertEquals(Nat64Outcome.OK, tcp2.outbound(r, H, 1, 40001, Z1, 80, TcpStates.SYN, 13));
        closeBothWays(tcp2, 40001, 1024, 13);
        t2.sweep(15);
        assertEquals(0, t2.sessions(TCP), "closed 2 s ago, still under pressure (no new failure): ended");
        assertEquals(Nat64Outcome.OK, tcp2.outbound(r, H, 1, 40002, Z1, 80, TcpStates.SYN, 12 + trans));
        closeBothWays(tcp2, 40002, 1024, 12 + trans);
        t2.sweep(14 + trans);
        assertEquals(1, t2.sessions(TCP), "one TCP_TRANS after the pressure: the closed session keeps its hold");
    }

    private void closeBothWays(Nat64Table tcp, int x, int port, long now) {
        assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, port, Z1, 80, TcpStates.SYN | 0x10, now));
        tcp.outbound(r, H, 1, x, Z1, 80, TcpStates.FIN | 0x10, now);
        tcp.inbound(r, T, port, Z1, 80, TcpStates.FIN | 0x10, now);
        assertEquals(TcpStates.V6_FIN_V4_FIN_RCV, r.tcpState());
    }

    /** A worker whose new TCP flow finds no port wakes the sweeper: the ports come back in well under its interval. */
    @Test
    void portPressureWakesTheSweeper() throws Exception {
        Nat64Tables t = tables(settings(pool(1024, 1024, 0), 1000, 128, 1000, 0, false, false, List.of()));
        Nat64Table tcp = t.table(TCP);
        AtomicLong clock = new AtomicLong();
        int reader = t.epochs().register();
        t.epochs().enter(reader);
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 40000, Z1, 80, TcpStates.SYN, 0));
        closeBothWays(tcp, 40000, 1024, 0);
        t.epochs().exit(reader);
        try (Nat64Sweeper sweeper = new Nat64Sweeper(t, clock::get, 3_600_000).start()) {
            Thread.sleep(50); // its first pass, at start
            clock.set(2);
            t.epochs().enter(reader);
            assertEquals(Nat64Outcome.POOL_EXHAUSTED, tcp.outbound(r, H, 1, 40001, Z1, 80, TcpStates.SYN, 2));
            t.epochs().exit(reader);
            long deadline = System.nanoTime() + 20_000_000_000L; // the regular pass is an hour away
            while (t.sessions(TCP) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, t.sessions(TCP), "woken: the closed session ended");
            t.epochs().enter(reader);
            assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 40001, Z1, 80, TcpStates.SYN, 2), "its port again");
            t.epochs().exit(reader);
        }
    }

    /** A pool of one port and a source port of the other parity: the port is given (it threw before, in a worker). */
    @Test
    void aOnePortPoolServesASourceOfTheOtherParity() {
        Nat64Tables t = tables(settings(pool(1024, 1024, 0), 10, 128, 10, 0, false, false, List.of()));
        assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, 1, 40001, Z1, 53, 0, 0));
        assertEquals(1024, r.port(), "RFC 4787 REQ-4 gives way: the only port");
        assertEquals(Nat64Outcome.POOL_EXHAUSTED, t.table(UDP).outbound(r, H, 1, 40003, Z1, 53, 0, 0));
    }

    private static int countOwned(Nat64Tables t, long hi, long lo) {
        PortAllocator ports = t.table(TCP).ports;
        int n = 0;
        for (int b = 0; b < ports.owner.length; b++) {
            int o = ports.ownerOf(b);
            if (o >= 0 && t.subscriberTable().hi[o] == hi && t.subscriberTable().lo[o] == lo) {
                n++;
            }
        }
        return n;
    }

    @Test
    void dropExternallyInitiatedTcp() {
        Nat64Tables t = tables(settings(pool(1024, 2047, 0), 100, 128, 100, 0, false, true, List.of()));
        Nat64Table tcp = t.table(TCP);
        assertEquals(Nat64Outcome.EXTERNALLY_INITIATED_TCP, tcp.inbound(r, T, 2000, Z2, 5555, TcpStates.SYN, 0));
        tcp.outbound(r, H, 1, 40000, Z1, 80, TcpStates.SYN, 0);
        assertEquals(Nat64Outcome.EXTERNALLY_INITIATED_TCP, tcp.inbound(r, T, r.port(), Z2, 80, TcpStates.SYN, 0));
        assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, r.port(), Z1, 80, TcpStates.SYN | 0x10, 0));
    }

    @Test
    void staticBibServesTheIpv4Side() {
        Nat64Settings.StaticBib web = new Nat64Settings.StaticBib(TCP, H, 0x80, 8080, T, 80);
        Nat64Tables t = tables(settings(pool(1, 2047, 0), 100, 128, 100, 0, false, true, List.of(web)));
        // 50 hosts (64 subscribers at most here) from port 80: even well-known ports other than 80
        Nat64Table tcp = t.table(TCP);
        // drop-externally-initiated-tcp refuses SYNs that create a session, also to a static entry (as Jool)
        assertEquals(Nat64Outcome.EXTERNALLY_INITIATED_TCP, tcp.inbound(r, T, 80, Z1, 50000, TcpStates.SYN, 0));
        t = tables(settings(pool(1, 2047, 0), 100, 128, 100, 0, false, false, List.of(web)));
        tcp = t.table(TCP);
        assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, 80, Z1, 50000, TcpStates.SYN, 0));
        assertEquals(0x80, r.hostLo());
        assertEquals(8080, r.hostPort());
        // the host's own outbound from 8080 uses its static binding
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 0x80, 8080, Z1, 50000, TcpStates.SYN | 0x10, 1));
        assertEquals(80, r.port());
        // no allocation ever takes port 80, and the entry outlives its sessions
        for (int i = 0; i < 50; i++) {
            assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 2 + i, 80, Z1, 80, TcpStates.SYN, 1));
            assertNotEquals(80, r.port());
        }
        t.sweep(1000); // the static entry's ESTABLISHED session moves to TRANS, the others end
        assertEquals(1, t.sessions(TCP));
        t.sweep(2000);
        assertEquals(0, t.sessions(TCP));
        t.sweep(2001);
        assertEquals(1, t.bibEntries(TCP));
        assertEquals(Nat64Outcome.OK, tcp.inbound(r, T, 80, Z2, 1, TcpStates.SYN, 2002));
    }

    @Test
    void tenPortPoolRefusesTheEleventhFlow() {
        Nat64Tables t = tables(settings(pool(2000, 2009, 0), 100, 128, 100, 0, false, false, List.of()));
        Nat64Table udp = t.table(UDP);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            // source ports of both parities, so all 10 ports can be used
            assertEquals(Nat64Outcome.OK, udp.outbound(r, H, i, 3000 + i, Z1, 53, 0, 0), "flow " + i);
            assertTrue(ports.add(r.port()));
        }
        assertEquals(Nat64Outcome.POOL_EXHAUSTED, udp.outbound(r, H, 10, 3010, Z1, 53, 0, 0));
        // once they expire, the ports come back
        t.sweep(100);
        t.sweep(101);
        assertEquals(0, t.bibEntries(UDP));
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 10, 3010, Z1, 53, 0, 102));
    }

    @Test
    void subscriberLimitsAndBlocksWithEvents() {
        // /64 subscribers, blocks of 16 ports, at most 2 blocks and 20 sessions per subscriber
        Nat64Tables t = tables(settings(pool(1024, 1024 + 16 * 8 - 1, 16), 200, 64, 20, 2, false, false, List.of()));
        Nat64Table udp = t.table(UDP);
        Set<Integer> blocks = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            // two hosts of the same /64, even source ports: 8 per block
            assertEquals(Nat64Outcome.OK, udp.outbound(r, H, i & 1, 4000 + 2 * i, Z1, 53, 0, 0), "flow " + i);
            assertEquals(0, r.port() & 1);
            blocks.add((r.port() - 1024) / 16);
        }
        assertEquals(2, blocks.size(), "16 even ports: two blocks");
        assertEquals(Nat64Outcome.SUBSCRIBER_BLOCK_LIMIT, udp.outbound(r, H, 5, 5000, Z1, 53, 0, 0));
        // odd ports still fit in its blocks
        for (int i = 0; i < 4; i++) {
            assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 5, 5001 + 2 * i, Z1, 53, 0, 0));
            assertTrue(blocks.contains((r.port() - 1024) / 16));
        }
        assertEquals(Nat64Outcome.SUBSCRIBER_SESSION_LIMIT, udp.outbound(r, H, 5, 5011, Z1, 53, 0, 0));
        // another subscriber is not affected
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H + 1, 5, 5011, Z1, 53, 0, 0));
        assertFalse(blocks.contains((r.port() - 1024) / 16));
        assertEquals(3, t.blocksInUse(UDP));
        t.sweep(1);
        assertEquals(3, events.size());
        assertTrue(events.stream().allMatch(BlockEvent::allocated));
        BlockEvent e = events.stream().filter(x -> x.subscriber().hi() == H).findFirst().orElseThrow();
        assertEquals(new Ipv6Prefix(H, 0, 64), e.subscriber());
        assertEquals(T, e.address());
        assertEquals(15, e.lastPort() - e.firstPort());
        assertEquals(1_800_000_000L - 1, e.time().getEpochSecond(), "allocated one second before the sweep");
        // all expire: three releases, the subscribers end, nothing is left
        t.sweep(100);
        t.sweep(101);
        assertEquals(6, events.size());
        assertEquals(3, events.stream().filter(x -> !x.allocated()).count());
        assertEquals(0, t.blocksInUse(UDP));
        assertEquals(0, t.subscribers());
        assertEquals(0, t.sessions(UDP));
    }

    /**
     * Algorithm 3 inside a block walks the ports of the source's parity, each once: with as many tries as the block
     * has ports of that parity, every even port of a block is found before a second block is taken (the walk over
     * all ports, adjusting each to the parity, saw half of them twice and missed the rest about half the time).
     */
    @Test
    void aBlockFillsWithEveryPortOfTheParityBeforeTheNextIsTaken() {
        Pool4 pool = pool(1024, 1024 + 128 * 4 - 1, 128);
        Nat64Settings s = new Nat64Settings(pool, new int[] {1000, 1000, 1000}, 64, 128, 1000, 4, null, 64, FAST,
                false, false, 2, List.of());
        Nat64Tables t = tables(s);
        Nat64Table udp = t.table(UDP);
        Set<Integer> ports = new HashSet<>();
        int first = -1;
        for (int n = 0; n < 64; n++) {
            assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 40000 + 2 * n, Z1, 53, 0, 0), "flow " + n);
            if (first < 0) {
                first = r.port() & ~127;
            }
            assertEquals(first, r.port() & ~127, "flow " + n + " stays in the first block");
            assertEquals(0, r.port() & 1, "even");
            ports.add(r.port());
        }
        assertEquals(64, ports.size());
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 40001, Z1, 53, 0, 0));
        assertEquals(first, r.port() & ~127, "an odd port of the first block is still free");
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 41000, Z1, 53, 0, 0));
        assertNotEquals(first, r.port() & ~127, "the 65th even flow takes a second block");
        assertEquals(0, r.port() & 1);
    }

    @Test
    void deterministicBlocks() {
        Pool4 pool = pool(1024, 1024 + 64 * 4 - 1, 64);
        Nat64Settings s = new Nat64Settings(pool, new int[] {100, 100, 100}, 64, 64, 100, 1,
                Ipv6Prefix.parse("2001:db8:1::/62", -1), 1024, FAST, false, false, 2, List.of());
        Nat64Tables t = tables(s);
        for (int sub = 0; sub < 4; sub++) {
            for (int i = 0; i < 10; i++) {
                assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H | sub, i, 6000 + i, Z1, 53, 0, 0));
                assertEquals(new Ipv6Prefix(H | sub, 0, 64), t.deterministic().subscriberOf(UDP, r.address(), r.port()));
            }
        }
        assertEquals(Nat64Outcome.NO_DETERMINISTIC_BLOCK, t.table(UDP).outbound(r, H | 4, 0, 6000, Z1, 53, 0, 0));
        t.sweep(1);
        assertTrue(events.isEmpty(), "no logging in the deterministic mode");
    }

    @Test
    void expiryAndTcpTransitory() {
        Nat64Tables t = tables(settings(pool(1024, 2047, 0), 100, 128, 100, 0, false, false, List.of()));
        Nat64Table udp = t.table(UDP);
        udp.outbound(r, H, 1, 5000, Z1, 53, 0, 0);
        udp.outbound(r, H, 1, 5000, Z1, 53, 0, 20); // refreshed: expires at 50
        t.sweep(45);
        assertEquals(1, t.sessions(UDP));
        t.sweep(51);
        assertEquals(0, t.sessions(UDP));
        Nat64Table tcp = t.table(TCP);
        tcp.outbound(r, H, 1, 5000, Z1, 80, TcpStates.SYN, 0);
        tcp.inbound(r, T, r.port(), Z1, 80, TcpStates.SYN | 0x10, 0);
        t.sweep(101);
        assertEquals(1, t.sessions(TCP), "ESTABLISHED expired moves to TRANS");
        assertEquals(Nat64Outcome.OK, tcp.outbound(r, H, 1, 5000, Z1, 80, TcpStates.RST, 102));
        assertEquals(TcpStates.TRANS, r.tcpState());
        t.sweep(121);
        assertEquals(1, t.sessions(TCP));
        t.sweep(123);
        assertEquals(0, t.sessions(TCP));
    }

    @Test
    void boundedTables() {
        Nat64Tables t = tables(settings(pool(1024, 65535, 0), 50, 128, 1000, 0, false, false, List.of()));
        Nat64Table udp = t.table(UDP);
        for (int i = 0; i < 50; i++) {
            assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 1024 + i, Z1, 53, 0, 0));
        }
        assertEquals(Nat64Outcome.TABLE_FULL, udp.outbound(r, H, 1, 2000, Z1, 53, 0, 0));
        assertEquals(Nat64Outcome.TABLE_FULL, udp.outbound(r, H, 1, 1024, Z2, 53, 0, 0));
        assertEquals(50, t.sessions(UDP));
    }

    @Test
    void sweeperThreadEndsExpiredSessions() throws Exception {
        Nat64Tables t = tables(settings(pool(1024, 2047, 0), 100, 128, 100, 0, false, false, List.of()));
        AtomicLong clock = new AtomicLong();
        int reader = t.epochs().register();
        t.epochs().enter(reader);
        for (int i = 0; i < 20; i++) {
            assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, i, 5000, Z1, 53, 0, clock.get()));
        }
        t.epochs().exit(reader);
        try (Nat64Sweeper sweeper = new Nat64Sweeper(t, clock::get, 5).start()) {
            Thread.sleep(50);
            assertEquals(20, t.sessions(UDP), "nothing expired yet");
            clock.set(31); // past the 30 s UDP lifetime
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((t.sessions(UDP) > 0 || t.bibEntries(UDP) > 0) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        assertEquals(0, t.sessions(UDP));
        assertEquals(0, t.bibEntries(UDP));
    }

    @Test
    void peekCreatesAndRefreshesNothing() {
        Nat64Tables t = tables(settings(pool(1024, 2047, 0), 100, 128, 100, 0, false, false, List.of()));
        Nat64Table udp = t.table(UDP);
        assertEquals(Nat64Outcome.NO_BIB, udp.peekOutbound(r, H, 1, 5000, Z1, 53));
        udp.outbound(r, H, 1, 5000, Z1, 53, 0, 0);
        int port = r.port();
        int session = r.session();
        assertEquals(Nat64Outcome.OK, udp.peekInbound(r, T, port, Z1, 53));
        assertEquals(session, r.session());
        assertEquals(5000, r.hostPort());
        assertEquals(Nat64Outcome.OK_WITHOUT_SESSION, udp.peekOutbound(r, H, 1, 5000, Z2, 53));
        assertEquals(Nat64Outcome.OK, udp.peekOutbound(r, H, 1, 5000, Z1, 53));
        assertEquals(30, udp.expiry(session), "not refreshed");
        assertEquals(1, t.sessions(UDP));
    }

    /**
     * RFC 4787 REQ-4 recommends keeping the parity but does not require it: with every port of the source's parity
     * taken, a flow gets a port of the other parity rather than being refused while ports are free. Ten ports, all
     * sources even: five even ports, then the five odd ones, then exhausted.
     */
    @Test
    void parityGivesWayBeforeThePoolIsExhausted() {
        Nat64Tables t = tables(settings(pool(40000, 40009, 0), 100, 128, 100, 0, false, false, List.of()));
        Nat64Table udp = t.table(UDP);
        Set<Integer> ports = new TreeSet<>();
        for (int host = 1; host <= 10; host++) {
            assertEquals(Nat64Outcome.OK, udp.outbound(r, H, host, 5000, Z1, 53, 0, 0), "host " + host);
            ports.add(r.port());
            if (host <= 5) {
                assertEquals(0, r.port() & 1, "parity kept while an even port is free: host " + host);
            }
        }
        assertEquals(10, ports.size(), "every port of the pool used once: " + ports);
        assertEquals(Nat64Outcome.POOL_EXHAUSTED, udp.outbound(r, H, 11, 5000, Z1, 53, 0, 0));
    }

    /**
     * RFC 4787 REQ-3 and REQ-4 over many random source ports, without blocks and with: every allocated port has
     * the source port's parity and range (the pool has both ranges).
     */
    @Test
    void parityAndRangeKeptForRandomSources() {
        SplittableRandom random = new SplittableRandom(7);
        for (int blockSize : new int[] {0, 32}) {
            Nat64Tables t = tables(settings(pool(1, 65535, blockSize), 3000, 64, 3000, 20, false, false, List.of()));
            for (int p : new int[] {TCP, UDP}) {
                for (int i = 0; i < 1000; i++) {
                    int x = random.nextInt(1, 65536);
                    int rc = t.table(p).outbound(r, H + (i % 7), i, x, Z1, 80, TcpStates.SYN, 0);
                    assertEquals(Nat64Outcome.OK, rc, "source port " + x);
                    assertEquals(x & 1, r.port() & 1, "parity of " + x + " -> " + r.port());
                    assertEquals(x < 1024, r.port() < 1024, "range of " + x + " -> " + r.port());
                }
            }
        }
    }
}
