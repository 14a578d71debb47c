// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import net.tunxlat.metrics.Scrape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Readiness of a real {@code tunxlat run} (issue 18, docs/health.md): {@code /readyz} turns ready within seconds of
 * the start, follows the TUN device down and up, turns not ready within about two seconds when the self-test's
 * ping of the translator's own address is blackholed and ready again when it is not, says {@code stopping} on
 * SIGTERM before the listener closes, and is ready with a stateful (pool4) configuration too. Every metric carries
 * the {@code instance_name} label.
 */
class ReadinessIT {
    private static final String READYZ = "http://127.0.0.1:9464/readyz";
    private String label;

    @BeforeEach
    void skipUnlessRootAndTunxlat(TestInfo info) {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Translator.underTestIsTunxlat(), "readiness is tunxlat's own");
        label = info.getTestMethod().orElseThrow().getName();
    }

    /** One answer of /readyz: the HTTP status (0: no answer, e.g. refused) and the body. */
    record Reply(int status, String body) {
        boolean ready() {
            return status == 200 && body.startsWith("ready yes\n");
        }

        boolean notReady(String reason) {
            return status == 503 && body.startsWith("ready no\n") && body.contains("\nnot-ready " + reason);
        }
    }

    static Reply readyz(Netns ns) {
        ExecResult r = ns.exec(Duration.ofSeconds(5), "curl", "-s", "--max-time", "1", "-w", "\n%{http_code}", READYZ);
        if (!r.ok()) {
            return new Reply(0, r.output());
        }
        String out = r.output();
        int nl = out.lastIndexOf('\n');
        return new Reply(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, nl));
    }

    /** Polls /readyz every 50 ms until {@code condition}; returns how long that took (fails after {@code limit}). */
    static Duration await(Netns ns, String what, Predicate<Reply> condition, Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        Reply last = null;
        while (System.nanoTime() - t0 < limit.toNanos()) {
            last = readyz(ns);
            if (condition.test(last)) {
                return Duration.ofNanos(System.nanoTime() - t0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError(what + " not within " + limit + "; last /readyz: " + last);
    }

    /**
     * SIGTERM while polling /readyz as tunxlat-announce does (faster): the answers go on until the listener closes,
     * and one of them says {@code stopping}. Returns the answers seen.
     */
    static List<Reply> stopWhileWatching(Netns ns, TranslatorProcess p) throws Exception {
        List<Reply> seen = new ArrayList<>();
        seen.add(readyz(ns)); // a watcher asked lately: SIGTERM lets it see 'stopping'
        Cmd.run("kill", "-TERM", Long.toString(p.pid()));
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos()) {
            Reply r = readyz(ns);
            seen.add(r);
            if (r.status() == 0) {
                break;
            }
            Thread.sleep(20);
        }
        assertNotNull(p.waitFor(Duration.ofSeconds(3)), "tunxlat ended after SIGTERM");
        assertEquals(143, p.exitValue(), "128 + SIGTERM, the JVM's status for a stop by signal (the unit's SuccessExitStatus)");
        return seen;
    }

    @Test
    void followsTheTunDeviceTheSelfTestAndTheStop() throws Exception {
        try (TestBed bed = TestBed.builder(Translator.fromSystemProperties()).label(label)
                .configLine("instance-name bed-a").start()) {
            Netns ns = bed.translatorNs();
            Duration start = await(ns, "ready after the start", Reply::ready, Duration.ofSeconds(5));
            Reply ready = readyz(ns);
            assertTrue(ready.body().contains("\nannounce " + TestBed.PREFIX + "\n"), ready.body());
            assertTrue(ready.body().contains("\nannounce 192.168.255.2/32\n"), ready.body()); // the bed's map
            assertTrue(ready.body().contains("\ninstance bed-a\n"), ready.body());
            // root in a fresh namespace is outside ping_group_range ("1 0"): the raw socket (CAP_NET_RAW)
            assertTrue(ready.body().contains("\nself-test ok (Echo Request to " + TestBed.TRANSLATOR_IPV6
                    + ", raw ICMPv6 socket)\n"), ready.body());
            ExecResult live = ns.exec("curl", "-s", "-w", " %{http_code}", "http://127.0.0.1:9464/healthz");
            assertEquals("ok\n 200", live.output());
            Scrape metrics = ProcessProbe.metrics(ns);
            assertEquals(1, metrics.value("tunxlat_ready", "instance_name", "bed-a"));
            for (Scrape.Sample s : metrics.samples()) {
                assertEquals("bed-a", s.labels().get("instance_name"), "every series: " + s);
            }

            // The device down: tun-down at the next look (100 ms); its routes go with it and come back with it.
            ns.ip("link", "set", TestBed.TUN_DEVICE, "down");
            Duration down = await(ns, "tun-down", r -> r.notReady("tun-down " + TestBed.TUN_DEVICE), Duration.ofSeconds(2));
            assertEquals(0, ProcessProbe.metrics(ns).value("tunxlat_ready"));
            assertEquals(1, ProcessProbe.metrics(ns).value("tunxlat_not_ready_reasons", "reason", "tun-down"));
            ns.ip("link", "set", TestBed.TUN_DEVICE, "up");
            ns.ip("route", "replace", TestBed.PREFIX, "dev", TestBed.TUN_DEVICE);
            ns.ip("route", "replace", TestBed.POOL, "dev", TestBed.TUN_DEVICE);
            Duration up = await(ns, "ready after the device is up", Reply::ready, Duration.ofSeconds(4));

            // The self-test's pings blackholed: two missed replies, then not ready; one answered, ready again.
            ns.ip("-6", "route", "add", "blackhole", TestBed.TRANSLATOR_IPV6 + "/128");
            Duration failed = await(ns, "self-test-failed", r -> r.notReady("self-test-failed"), Duration.ofSeconds(4));
            assertTrue(failed.compareTo(Duration.ofMillis(3000)) < 0, "not ready after " + failed);
            Reply f = readyz(ns);
            assertTrue(f.body().contains("\nannounce " + TestBed.PREFIX + "\n"), "announce lines stay: " + f.body());
            ns.ip("-6", "route", "del", "blackhole", TestBed.TRANSLATOR_IPV6 + "/128");
            Duration recovered = await(ns, "ready after the blackhole is gone", Reply::ready, Duration.ofSeconds(3));
            System.out.println("ReadinessIT: ready " + start.toMillis() + " ms after the first forwarded ping; tun-down seen"
                    + " after " + down.toMillis() + " ms, ready " + up.toMillis() + " ms after up; self-test failed after "
                    + failed.toMillis() + " ms of blackhole, ready " + recovered.toMillis() + " ms after its removal");

            List<Reply> stop = stopWhileWatching(ns, bed.translator());
            assertTrue(stop.stream().anyMatch(r -> r.notReady("stopping")), "stopping seen: " + stop);
            assertEquals(0, stop.get(stop.size() - 1).status(), "then the listener closed: " + stop);
        }
    }

    @Test
    void aStatefulTranslatorIsReadyAndAPingSocketServesTheSelfTest() throws Exception {
        try (Nat64Bed bed = Nat64Bed.start(label, Nat64Bed.Kind.TUNXLAT, 1, List.of("pool4 " + Nat64Bed.POOL4))) {
            Netns ns = bed.router();
            // a ping socket for root in this namespace: the unprivileged path of the packaged service
            ns.sysctl("net.ipv4.ping_group_range=0 2147483647");
            bed.restart();
            await(ns, "ready", Reply::ready, Duration.ofSeconds(5));
            Reply r = readyz(ns);
            assertTrue(r.body().contains("\nannounce " + Nat64Bed.PREFIX + "\nannounce " + Nat64Bed.POOL4 + "/32\n"),
                    r.body());
            assertTrue(r.body().contains(", ICMPv6 ping socket)\n"), r.body());
            List<Reply> stop = stopWhileWatching(ns, bed.translator());
            assertTrue(stop.stream().anyMatch(x -> x.notReady("stopping")), "stopping seen: " + stop);
        }
    }
}
