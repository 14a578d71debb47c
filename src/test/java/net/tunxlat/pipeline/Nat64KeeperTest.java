// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.nat64.Nat64Clock;
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Tables;
import org.junit.jupiter.api.Test;

/** The daemon's NAT64 sweeper: started with pool4 only, ends sessions on the workers' clock, stopped for good. */
class Nat64KeeperTest {
    private static final String BASE = "tun-device nat64\nipv4-addr 192.168.255.1\nipv6-addr 2001:db8:1::2\n"
            + "prefix 64:ff9b::/96\ncontrol-socket off\nmetrics-listen off\n";
    private static final Daemon.Options OPTIONS = new Daemon.Options(null, null, null);
    private static final int Z = Addresses.parseIpv4("198.51.100.1");

    private static TunxlatConfig config(String more) throws Exception {
        return ConfigParser.parse(BASE + more, Path.of("t.conf"));
    }

    private static boolean sweeperThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("tunxlat-nat64-sweeper") && t.isAlive());
    }

    /** One UDP session from host ::{@code host} at {@code now}. */
    private static void flow(Nat64Tables t, int host, long now) {
        assertEquals(Nat64Outcome.OK, t.table(Nat64Protocol.UDP).outbound(new Nat64Lookup(), 0x20010db800060000L,
                host, 40000, Z, 53, 0, now));
    }

    private static void awaitSessions(Nat64Tables t, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.sessions(Nat64Protocol.UDP) != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, t.sessions(Nat64Protocol.UDP));
    }

    @Test
    void theSweeperEndsSessionsOnTheGivenClockUntilClosed() throws Exception {
        Nat64Tables t = new Daemon(config("pool4 192.0.2.1\nnat64-timeout-udp 5\nnat64-short-timeouts yes\n"), OPTIONS)
                .state().nat64();
        AtomicLong now = new AtomicLong(1000);
        Nat64Keeper keeper = new Nat64Keeper(t, now::get);
        flow(t, 1, now.get());
        keeper.start();
        assertTrue(keeper.running());
        Thread.sleep(2 * Nat64Keeper.SWEEP_MILLIS + 200);
        assertEquals(1, t.sessions(Nat64Protocol.UDP), "within its lifetime on the keeper's clock");
        now.addAndGet(6);
        awaitSessions(t, 0);

        keeper.close();
        assertFalse(keeper.running());
        assertFalse(sweeperThreadAlive());
        flow(t, 2, now.get());
        now.addAndGet(60);
        Thread.sleep(2 * Nat64Keeper.SWEEP_MILLIS + 200);
        assertEquals(1, t.sessions(Nat64Protocol.UDP), "a closed keeper sweeps no more");
        keeper.close(); // idempotent
    }

    @Test
    void theDaemonStartsTheSweeperWithPool4OnlyAndStopsIt() throws Exception {
        assertNull(new Daemon(config(""), OPTIONS).startNat64(), "no pool4, no stateful NAT64");
        assertFalse(sweeperThreadAlive());
        Daemon d = new Daemon(config("pool4 192.0.2.1\n"), OPTIONS);
        Nat64Keeper keeper = d.startNat64();
        try {
            assertNotNull(keeper);
            assertSame(d.state().nat64(), keeper.tables());
            assertTrue(keeper.running());
            assertTrue(sweeperThreadAlive());
            // the workers' clock: a session made now lives its 300 s, not ended by a mismatched sweeper clock
            flow(keeper.tables(), 1, Nat64Clock.monotonicSeconds());
            Thread.sleep(Nat64Keeper.SWEEP_MILLIS + 200);
            assertEquals(1, keeper.tables().sessions(Nat64Protocol.UDP));
        } finally {
            keeper.close();
        }
        assertFalse(sweeperThreadAlive());
    }
}
