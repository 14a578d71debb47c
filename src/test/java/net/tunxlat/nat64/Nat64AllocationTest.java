// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static net.tunxlat.nat64.Nat64Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import com.sun.management.ThreadMXBean;
import java.util.function.IntConsumer;

/**
 * Steady-state stateful traffic allocates nothing: lookups and refreshes of existing TCP, UDP and ICMP sessions
 * in both directions (a million operations on this thread, inside an epoch per batch of 64 as a worker does),
 * measured with the JVM's per-thread allocation counter, as TranslatorAllocationTest does for the stateless path.
 * So does creating sessions once the tables are warm (entries come from free lists, not from the heap), with the
 * sweeper ending them in between.
 */
class Nat64AllocationTest {
    static final long H = 0x20010db800030000L;
    static final int Z = 0x0a000001;
    static final int FLOWS = 10_000;

    @Test
    void lookupsAndRefreshesAllocateNothing() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        Nat64Settings s = new Nat64Settings(Nat64TableTest.pool(1024, 65535, 128), new int[] {FLOWS, FLOWS, FLOWS},
                4096, 64, 100_000, 16, null, 1024, Timeouts.RFC6146, false, false, 4, List.of());
        Nat64Tables t = new Nat64Tables(s, 1, Nat64Listener.NONE, () -> 0);
        int reader = t.epochs().register();
        Nat64Lookup r = new Nat64Lookup();
        int[] tPort = new int[FLOWS];
        int[] tAddress = new int[FLOWS];
        t.epochs().enter(reader);
        for (int f = 0; f < FLOWS; f++) {
            int p = f % COUNT;
            assertEquals(Nat64Outcome.OK, t.table(p).outbound(r, H + f / 100, f, 30_000 + f % 30_000, Z, 443,
                    TcpStates.SYN, 0));
            tAddress[f] = r.address();
            tPort[f] = r.port();
            if (p == TCP) {
                t.table(p).inbound(r, tAddress[f], tPort[f], Z, 443, TcpStates.SYN | 0x10, 0);
                assertEquals(TcpStates.ESTABLISHED, r.tcpState());
            }
        }
        t.epochs().exit(reader);
        long[] sum = {0};
        IntConsumer run = n -> {
            for (int i = 0; i < n; i += 64) {
                t.epochs().enter(reader);
                for (int j = 0; j < 64; j++) {
                    int f = (int) ((i + j) * 7919L % FLOWS);
                    int p = f % COUNT;
                    Nat64Table table = t.table(p);
                    long now = (i + j) >> 16; // the clock moves: refreshes write
                    if ((j & 1) == 0) {
                        sum[0] += table.outbound(r, H + f / 100, f, 30_000 + f % 30_000, Z, 443, 0x10, now);
                    } else {
                        sum[0] += table.inbound(r, tAddress[f], tPort[f], Z, 443, 0x10, now);
                    }
                    sum[0] += r.port();
                }
                t.epochs().exit(reader);
            }
        };
        run.accept(200_000);
        long before = mx.getCurrentThreadAllocatedBytes();
        run.accept(1_000_000);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sum[0] > 0);
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 1,000,000 lookups");
        assertEquals(FLOWS, t.sessions(UDP) + t.sessions(TCP) + t.sessions(ICMP));
    }

    @Test
    void creatingSessionsFromWarmFreeListsAllocatesNothing() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        Nat64Settings s = new Nat64Settings(Nat64TableTest.pool(1024, 65535, 0), new int[] {FLOWS, FLOWS, FLOWS},
                4096, 128, 100_000, 0, null, 1024, new Timeouts(1, 1, 1, 1, 1), false, false, 4, List.of());
        Nat64Tables t = new Nat64Tables(s, 1, Nat64Listener.NONE, () -> 0);
        int reader = t.epochs().register();
        Nat64Lookup r = new Nat64Lookup();
        long[] clock = {0};
        long[] ok = {0};
        IntConsumer run = n -> {
            for (int i = 0; i < n; i += 1000) {
                t.epochs().enter(reader);
                for (int j = 0; j < 1000; j++) {
                    // new flows every time: new subscriber, BIB entry and session
                    if (t.table(UDP).outbound(r, H + j, i, 1024 + j, Z, 53, 0, clock[0]) == Nat64Outcome.OK) {
                        ok[0]++;
                    }
                }
                t.epochs().exit(reader);
                clock[0] += 10;
                t.sweep(clock[0]); // the sweeper runs on this thread here: it must not allocate either
            }
        };
        run.accept(50_000);
        long before = mx.getCurrentThreadAllocatedBytes();
        run.accept(300_000);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertEquals(350_000, ok[0]);
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 300,000 new sessions");
    }
}
