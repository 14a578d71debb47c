// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static net.tunxlat.nat64.Nat64Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;

/** {@link Nat64Listing}: what the tables hold, filtered and bounded; never a half-read entry under churn. */
class Nat64ListingTest {
    static final int T = Nat64TableTest.T;
    static final int Z1 = Nat64TableTest.Z1;
    static final int Z2 = Nat64TableTest.Z2;
    static final long H = Nat64TableTest.H;
    static final int STATIC_PORT = 8080;

    final Nat64Lookup r = new Nat64Lookup();

    Nat64Tables tables() {
        List<Nat64Settings.StaticBib> statics = List.of(new Nat64Settings.StaticBib(TCP, H, 0x80, 80, T, STATIC_PORT));
        // blocks of 64 ports, subscribers of /64: hosts H::1 and H::2 are one subscriber
        Nat64Settings s = Nat64TableTest.settings(Nat64TableTest.pool(1024, 1024 + 64 * 64 - 1, 64), 100, 64, 100, 4,
                false, false, statics);
        return new Nat64Tables(s, 1, Nat64Listener.NONE, () -> 1_800_000_000L);
    }

    @Test
    void listsSessionsAndBindingsFilteredAndBounded() {
        Nat64Tables t = tables();
        assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, 1, 40001, Z1, 53, 0, 100));
        int udpPort = r.port();
        assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, H, 1, 40001, Z2, 123, 0, 100));
        assertEquals(Nat64Outcome.OK, t.table(TCP).outbound(r, H, 2, 50000, Z1, 443, TcpStates.SYN, 100));
        int tcpPort = r.port();
        assertEquals(Nat64Outcome.OK, t.table(TCP).inbound(r, T, tcpPort, Z1, 443, TcpStates.SYN | 0x10, 101));
        assertEquals(Nat64Outcome.OK, t.table(ICMP).outbound(r, H, 1, 7, Z2, 7, 0, 100));
        // the IPv4 side reaches the static entry (port forwarding): a session on it
        assertEquals(Nat64Outcome.OK, t.table(TCP).inbound(r, T, STATIC_PORT, Z2, 33000, TcpStates.SYN, 102));

        Nat64Listing l = new Nat64Listing(t);
        Nat64Listing.Page<Nat64Listing.Session> all = l.sessions(Nat64Listing.Filter.ALL, 1000);
        assertEquals(5, all.matched());
        assertEquals(0, all.skipped());
        assertEquals(0, all.more());
        // sorted by protocol (tcp, udp, icmp), then host, then remote
        List<Nat64Listing.Session> rows = all.rows();
        assertEquals(new Nat64Listing.Session(TCP, H, 2, 50000, T, tcpPort, Z1, 443, TcpStates.ESTABLISHED,
                101 + Nat64TableTest.FAST.tcpEstablished(), false), rows.get(0));
        assertEquals(new Nat64Listing.Session(TCP, H, 0x80, 80, T, STATIC_PORT, Z2, 33000, TcpStates.V4_INIT,
                102 + Nat64TableTest.FAST.tcpIncomingSyn(), true), rows.get(1));
        assertEquals(new Nat64Listing.Session(UDP, H, 1, 40001, T, udpPort, Z1, 53, -1,
                100 + Nat64TableTest.FAST.udp(), false), rows.get(2));
        assertEquals(Z2, rows.get(3).remoteAddress());
        assertEquals(new Nat64Listing.Session(ICMP, H, 1, 7, T, rows.get(4).port(), Z2, 7, -1,
                100 + Nat64TableTest.FAST.icmp(), false), rows.get(4));

        // filters
        assertEquals(2, l.sessions(new Nat64Listing.Filter(UDP, null, -1, -1), 1000).matched());
        assertEquals(3, l.sessions(new Nat64Listing.Filter(-1, new Ipv6Prefix(H, 1, 128), -1, -1), 1000).matched());
        assertEquals(4, l.sessions(new Nat64Listing.Filter(-1, new Ipv6Prefix(H, 0, 126), -1, -1), 1000).matched(),
                "H::/126 holds H::1, H::2 but not H::80");
        int icmpId = rows.get(4).port(); // ICMP identifiers come from blocks of their own: it may equal the UDP port
        assertEquals(icmpId == udpPort ? 3 : 2,
                l.sessions(new Nat64Listing.Filter(-1, null, T & 0xffffffffL, udpPort), 1000).matched(),
                "the UDP port's two sessions (and the ICMP session if its identifier is that number too)");
        assertEquals(0, l.sessions(new Nat64Listing.Filter(-1, null, Z1 & 0xffffffffL, -1), 1000).matched(),
                "the remote is not the pool4 address");
        assertEquals(1, l.sessions(new Nat64Listing.Filter(TCP, null, -1, STATIC_PORT), 1000).matched());

        // bounded: two shown, the rest counted
        Nat64Listing.Page<Nat64Listing.Session> two = l.sessions(Nat64Listing.Filter.ALL, 2);
        assertEquals(2, two.rows().size());
        assertEquals(5, two.matched());
        assertEquals(3, two.more());

        Nat64Listing.Page<Nat64Listing.Binding> bib = l.bindings(Nat64Listing.Filter.ALL, 1000);
        assertEquals(List.of(new Nat64Listing.Binding(TCP, H, 2, 50000, T, tcpPort, false, 1),
                new Nat64Listing.Binding(TCP, H, 0x80, 80, T, STATIC_PORT, true, 1),
                new Nat64Listing.Binding(UDP, H, 1, 40001, T, udpPort, false, 2),
                new Nat64Listing.Binding(ICMP, H, 1, 7, T, bib.rows().get(3).port(), false, 1)), bib.rows());
        assertEquals(1, l.bindings(new Nat64Listing.Filter(TCP, null, -1, STATIC_PORT), 1000).matched());

        // the subscriber H::/64 (hosts ::1 and ::2): 4 sessions, 3 BIB entries, one block per protocol
        Nat64Listing.Subscriber sub = l.subscriberOf(H, 1);
        assertNotNull(sub);
        assertEquals(new Ipv6Prefix(H, 0, 64), sub.prefix());
        assertEquals(4, sub.sessions());
        assertEquals(3, sub.bibEntries());
        assertEquals(100, sub.maxSessions());
        assertEquals(4, sub.maxBlocks());
        assertEquals(3, sub.blocks().size());
        for (Nat64Listing.Block b : sub.blocks()) {
            assertEquals(T, b.address());
            assertEquals(63, b.lastPort() - b.firstPort());
        }
        Nat64Listing.Block udpBlock = sub.blocks().stream().filter(b -> b.protocol() == UDP).findFirst().orElseThrow();
        assertTrue(udpPort >= udpBlock.firstPort() && udpPort <= udpBlock.lastPort(), "the UDP port is in its block");
        assertNull(l.subscriberOf(H + 1, 1), "no binding of that /64");
    }

    /**
     * Listings while one thread creates flows and the sweeper ends them (lifetimes of one pass, so entries are
     * reused all the time): every row shown is whole. Each flow's fields are derived from one number (host, port,
     * remote), so a row mixing a session with another flow's binding, or a half-written entry, breaks the
     * relation.
     */
    @Test
    void listingDuringChurnNeverShowsAHalfEntry() throws Exception {
        // small tables, so that every entry is ended and reused many times while the listing reads
        Nat64Settings s = new Nat64Settings(Nat64TableTest.pool(1024, 1024 + 4095, 0),
                new int[] {64, 64, 64}, 256, 128, 200, 8, null, 256, new Timeouts(3, 3, 3, 3, 3), false,
                false, 4, List.of());
        Nat64Tables t = new Nat64Tables(s, 2, Nat64Listener.NONE, () -> 0);
        AtomicLong clock = new AtomicLong(1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong created = new AtomicLong();
        Thread creator = new Thread(() -> {
            try {
                int reader = t.epochs().register();
                Nat64Lookup lookup = new Nat64Lookup();
                SplittableRandom random = new SplittableRandom(7);
                while (!stop.get()) {
                    t.epochs().enter(reader);
                    for (int i = 0; i < 64; i++) {
                        int flow = random.nextInt(1 << 16);
                        int protocol = flow % 3;
                        int rc = t.table(protocol).outbound(lookup, H + flow % 13, flow, port(flow), remote(flow),
                                flow & 0x7fff, protocol == TCP ? TcpStates.SYN : 0, clock.get());
                        if (rc == Nat64Outcome.OK) {
                            created.incrementAndGet();
                        }
                    }
                    t.epochs().exit(reader);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        Thread sweeper = new Thread(() -> {
            while (!stop.get()) {
                t.sweep(clock.incrementAndGet());
                LockSupport.parkNanos(50_000);
            }
        });
        creator.start();
        sweeper.start();
        Nat64Listing l = new Nat64Listing(t);
        long sessionRows = 0;
        long bindingRows = 0;
        long end = System.nanoTime() + 2_000_000_000L;
        try {
            while (System.nanoTime() < end && failure.get() == null) {
                for (Nat64Listing.Session row : l.sessions(Nat64Listing.Filter.ALL, Integer.MAX_VALUE).rows()) {
                    int flow = (int) row.hostLo();
                    String what = "session " + row;
                    assertEquals(H + flow % 13, row.hostHi(), what);
                    assertEquals(port(flow), row.hostPort(), what);
                    assertEquals(remote(flow), row.remoteAddress(), what);
                    assertEquals(flow & 0x7fff, row.remotePort(), what);
                    assertEquals(flow % 3, row.protocol(), what);
                    assertEquals(T, row.address(), what);
                    assertTrue(row.port() >= 1024 && row.port() < 1024 + 4096, what);
                    sessionRows++;
                }
                for (Nat64Listing.Binding row : l.bindings(Nat64Listing.Filter.ALL, Integer.MAX_VALUE).rows()) {
                    int flow = (int) row.hostLo();
                    String what = "binding " + row;
                    assertEquals(H + flow % 13, row.hostHi(), what);
                    assertEquals(port(flow), row.hostPort(), what);
                    assertEquals(flow % 3, row.protocol(), what);
                    assertEquals(T, row.address(), what);
                    assertTrue(row.sessions() >= 0 && row.sessions() <= 2, what);
                    bindingRows++;
                }
            }
        } finally {
            stop.set(true);
            creator.join();
            sweeper.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertTrue(created.get() > 1000 && sessionRows > 200 && bindingRows > 200,
                created.get() + " sessions created, " + sessionRows + " session rows, " + bindingRows + " BIB rows read");
    }

    /**
     * The read protocol itself, made to fail on purpose: between the reads of a session's fields and the check of
     * its word, the session ends and its slot is reused by another flow (what the sweeper and a worker can do to
     * an entry the listing is reading). The listing reads it again and shows the new flow whole, never the old
     * session's key with the new word; an entry that changes under every read is not shown at all.
     */
    @Test
    void anEntryReusedDuringItsReadIsReadAgainOrSkipped() {
        Nat64Tables t = tables();
        Nat64Table udp = t.table(UDP);
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 1, 40001, Z1, 53, 0, 100));
        int s = r.session();
        int first = r.bib;
        assertEquals(Nat64Outcome.OK, udp.outbound(r, H, 2, 40002, Z2, 123, 0, 100));
        int second = r.bib;
        int[] calls = {0};
        // the slot of session s now holds a session of the second binding with Z2 (as after an end and a reuse)
        Runnable reuse = () -> {
            if (calls[0]++ == 0) {
                udp.sessions.set(s, Sessions.FREE);
                udp.sessions.setKey(s, second, Z2);
                udp.sessions.set(s, Sessions.live(123, 0, 500));
            }
        };
        Nat64Listing.Session row = Nat64Listing.readSession(udp, s, reuse);
        assertEquals(2, calls[0], "read twice");
        assertEquals(new Nat64Listing.Session(UDP, H, 2, 40002, T, row.port(), Z2, 123, -1, 500, false), row);
        assertNotEquals(first, second);

        Runnable refresh = () -> udp.sessions.set(s, Sessions.live(123, 0, 500 + calls[0]++));
        assertNull(Nat64Listing.readSession(udp, s, refresh), "changing under every read: skipped");

        int e = second;
        Runnable ended = () -> udp.bib.setWord(e, Bib.DEAD << Bib.STATE_SHIFT);
        assertNull(Nat64Listing.readBinding(udp, e, ended), "a binding that ends while read is not shown");
        assertNotNull(Nat64Listing.readBinding(udp, first, Nat64Listing.NO_HOOK));
    }

    /** The source port of flow {@code flow}: a function of the flow, so a row can be checked. */
    static int port(int flow) {
        return 1024 + flow % 60_000;
    }

    static int remote(int flow) {
        return Addresses.parseIpv4("198.18.0.0") + flow;
    }
}
