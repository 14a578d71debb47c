// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import net.tunxlat.metrics.Health;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Readiness}: each reason to be not ready, when it starts and when it ends, on a hand-driven clock. */
class ReadinessTest {
    static final long MS = 1_000_000L;

    /** Two workers whose fields the test sets. */
    static final class FakeWorkers implements Readiness.Workers {
        final long[] progress = new long[2];
        final boolean[] waiting = {true, true};
        final boolean[] ended = new boolean[2];
        final boolean[] failed = new boolean[2];

        public int count() { return 2; }
        public long progress(int i) { return progress[i]; }
        public boolean waiting(int i) { return waiting[i]; }
        public boolean ended(int i) { return ended[i]; }
        public boolean failed(int i) { return failed[i]; }
    }

    final AtomicLong now = new AtomicLong(1_000 * MS);
    final AtomicReference<String> tunDown = new AtomicReference<>();
    final FakeWorkers workers = new FakeWorkers();
    final SelfTestTest.FakeProbe probe = new SelfTestTest.FakeProbe();
    final Readiness r = new Readiness("nat64-a", () -> List.of("64:ff9b::/96", "192.0.2.0/24"), tunDown::get,
            new SelfTest(probe, "64:ff9b::c000:2fe"), null, now::get);

    /** Ticks every 100 ms for {@code ms}. */
    void advance(long ms) {
        for (long t = 0; t < ms; t += 100) {
            now.addAndGet(100 * MS);
            r.tick();
        }
    }

    List<String> reasons() {
        return r.current().reasons().stream().map(x -> x.name() + (x.detail().isEmpty() ? "" : " " + x.detail()))
                .toList();
    }

    @Test
    void notLoadedUntilTheWorkersRunThenPendingThenReady() {
        Health h = r.current();
        assertFalse(h.ready());
        assertEquals("ready no\nnot-ready config-not-loaded\ninstance nat64-a\nself-test pending\n", h.readyz());
        advance(300);
        assertEquals(List.of("config-not-loaded"), reasons());
        assertTrue(probe.sent.isEmpty(), "no self-test before the workers run");
        r.loaded(workers);
        probe.answering = false;
        r.tick();
        assertEquals(List.of("self-test-pending"), reasons());
        probe.answering = true;
        advance(1200);
        Health ready = r.current();
        assertTrue(ready.ready(), reasons().toString());
        assertEquals("ready yes\nannounce 64:ff9b::/96\nannounce 192.0.2.0/24\ninstance nat64-a\n"
                + "self-test ok (Echo Request to 64:ff9b::c000:2fe, fake)\n", ready.readyz());
        assertTrue(ready.live());
        assertEquals("ok\n", ready.healthz());
    }

    @Test
    void tunDownAndBack() {
        r.loaded(workers);
        advance(200);
        assertTrue(r.current().ready());
        tunDown.set("nat64 is administratively down (ip link set nat64 up)");
        r.tick();
        assertEquals(List.of("tun-down nat64 is administratively down (ip link set nat64 up)"), reasons());
        assertTrue(r.current().readyz().startsWith("ready no\nnot-ready tun-down nat64 is administratively down"));
        tunDown.set(null);
        r.tick();
        assertTrue(r.current().ready());
    }

    @Test
    void aBusyWorkerWithoutProgressForTwoSecondsIsStalledAnIdleOneNever() {
        r.loaded(workers);
        advance(200);
        workers.waiting[1] = false; // worker 1 busy in a batch...
        workers.progress[1] = 7;
        advance(1900);
        assertTrue(r.current().ready(), "1.9 s without a turn: not yet");
        advance(300);
        assertEquals(List.of("worker-stalled 1"), reasons());
        workers.progress[1] = 8; // it turns again
        r.tick();
        assertTrue(r.current().ready());
        workers.waiting[1] = true; // idle for a long time: fine
        advance(5000);
        assertTrue(r.current().ready());
        workers.waiting[0] = false; // busy and turning: fine
        for (int i = 0; i < 30; i++) {
            workers.progress[0]++;
            advance(100);
        }
        assertTrue(r.current().ready());
    }

    @Test
    void aDeadWorkerFailsHealthzButOneStoppedOnRequestDoesNot() {
        r.loaded(workers);
        advance(200);
        workers.ended[0] = true;
        workers.failed[0] = true;
        r.tick();
        Health h = r.current();
        assertEquals(List.of("worker-dead 0"), reasons());
        assertFalse(h.live());
        assertEquals("worker-dead 0\n", h.healthz());
        workers.ended[0] = false;
        workers.failed[0] = false;
        r.tick();
        r.stopping();
        workers.ended[0] = true;
        workers.ended[1] = true;
        r.tick();
        assertEquals(List.of("stopping"), reasons(), "workers that ended because they were asked to are not dead");
        assertTrue(r.current().live());
        assertTrue(r.current().readyz().startsWith("ready no\nnot-ready stopping\nannounce 64:ff9b::/96\n"));
    }

    @Test
    void selfTestFailsAfterTwoMissedRepliesAndRecoversAfterOne() {
        r.loaded(workers);
        advance(500);
        assertTrue(r.current().ready());
        probe.answering = false; // request 2 (at 1100 ms) and 3 (at 2100 ms) go unanswered
        advance(1100);
        assertTrue(r.current().ready(), "one miss");
        advance(1000);
        assertEquals(List.of("self-test-failed no Echo Reply from 64:ff9b::c000:2fe within 500 ms"), reasons());
        probe.answering = true;
        advance(1000);
        assertTrue(r.current().ready());
    }

    @Test
    void withoutASelfTestTheLineSaysWhy() {
        Readiness npt = new Readiness("npt", List::of, () -> null, null,
                "none (no own IPv6 address to ping: NPTv6 only)", now::get);
        npt.loaded(workers);
        npt.tick();
        assertEquals("ready yes\ninstance npt\nself-test none (no own IPv6 address to ping: NPTv6 only)\n",
                npt.current().readyz());
        Readiness unavailable = new Readiness("x", List::of, () -> null, null,
                "unavailable ICMPv6 ping socket: Permission denied", now::get);
        unavailable.loaded(workers);
        unavailable.tick();
        assertTrue(unavailable.current().ready(), "an unavailable self-test is not a reason to be not ready");
    }

    @Test
    void sigtermWaitsForAWatcherToSeeStoppingButOnlyIfOneWatches() throws Exception {
        r.loaded(workers);
        r.tick();
        r.stopping();
        long t0 = System.nanoTime();
        r.awaitStoppingSeen(3000);
        assertTrue(System.nanoTime() - t0 < 500 * MS, "nobody asked /readyz: no wait");

        Readiness watched = new Readiness("w", List::of, () -> null, null, "none", System::nanoTime);
        watched.loaded(workers);
        watched.tick();
        assertTrue(watched.answerReadyz().ready());
        watched.stopping();
        CountDownLatch answered = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            sleep(300);
            assertTrue(watched.answerReadyz().has(Health.STOPPING));
            answered.countDown();
        });
        hook.start();
        t0 = System.nanoTime();
        watched.awaitStoppingSeen(3000);
        long waited = System.nanoTime() - t0;
        assertTrue(answered.await(0, TimeUnit.SECONDS), "returned only once 'stopping' was answered");
        assertTrue(waited >= 250 * MS && waited < 2000 * MS, waited / MS + " ms");
        hook.join();
    }

    @Test
    void aHealthThreadThatHangsIsSeen() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong ticks = new AtomicLong();
        Readiness hung = new Readiness("h", List::of, () -> {
            if (ticks.incrementAndGet() > 2) {
                await(release);
            }
            return null;
        }, null, "none", System::nanoTime);
        hung.loaded(workers);
        hung.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!hung.current().has(Health.HEALTH_CHECK_STALLED) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(hung.current().has(Health.HEALTH_CHECK_STALLED), hung.current().readyz());
            release.countDown();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!hung.current().ready() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(hung.current().ready(), hung.current().readyz());
        } finally {
            release.countDown();
            hung.close();
        }
    }

    @Test
    void tunStateFromSysfs(@TempDir Path sys) throws Exception {
        Path dev = Files.createDirectories(sys.resolve("nat64"));
        Files.writeString(dev.resolve("flags"), "0x1091\n"); // UP|RUNNING|NOARP|MULTICAST... as a TUN shows them
        Files.writeString(dev.resolve("operstate"), "unknown\n");
        assertEquals(null, Readiness.tunDown(sys, "nat64"));
        Files.writeString(dev.resolve("operstate"), "up\n");
        assertEquals(null, Readiness.tunDown(sys, "nat64"));
        Files.writeString(dev.resolve("operstate"), "down\n");
        assertEquals("nat64 operstate down", Readiness.tunDown(sys, "nat64"));
        Files.writeString(dev.resolve("flags"), "0x1090\n");
        assertEquals("nat64 is administratively down (ip link set nat64 up)", Readiness.tunDown(sys, "nat64"));
        assertEquals("gone not found", Readiness.tunDown(sys, "gone"));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
