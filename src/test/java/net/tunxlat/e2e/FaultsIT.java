// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static org.junit.jupiter.api.Assertions.*;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import java.util.ArrayList;

/**
 * Faults under a running translator (issue 9), each handled as the README's fault table says: a clear log
 * line, a metric, no lost or torn state, and translation going on where it can.
 *
 * <ul>
 *   <li>the TUN device deleted ({@code ip link del}): the worker names it, tunxlat exits with status 1 at
 *       once (its service manager restarts it: {@code Restart=on-failure});
 *   <li>{@code data-dir} read-only, then writable again; and full (a small tmpfs filled up), then freed: the
 *       failure is logged once, counted in {@code tunxlat_dynamic_map_write_failures_total}, retried every
 *       second; new hosts still get addresses and their packets still cross; {@code dynamic.map} is whole
 *       throughout and has every binding once the directory takes writes again;
 *   <li>the configured metrics port taken by another process: the start fails with exit status 2 and a line
 *       naming the address, before anything is forwarded; the default port taken only warns (issue 14).
 * </ul>
 *
 * SIGKILL during a state write and a configuration reload with errors are tested where those features live
 * (the pool and reload work: {@code PersistenceEndToEndIT}, {@code ReloadEndToEndIT}).
 */
class FaultsIT {
    private String label;

    @BeforeEach
    void skipUnlessRootAndTunxlat(TestInfo info) {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Translator.underTestIsTunxlat(), "fault handling is tunxlat's own");
        label = info.getTestMethod().orElseThrow().getName();
    }

    private TestBed start(UnaryOperator<TestBed.Builder> options) throws Exception {
        return options.apply(TestBed.builder(Translator.fromSystemProperties()).label(label)).start();
    }

    @Test
    void tunDeviceDeletedUnderARunningTranslator() throws Exception {
        try (TestBed bed = start(b -> b)) {
            ping(bed.ipv6Host(), null);
            long before = System.nanoTime();
            bed.translatorNs().ip("link", "del", TestBed.TUN_DEVICE);
            Integer status = bed.translator().waitFor(Duration.ofSeconds(5));
            String log = bed.translator().output();
            assertEquals(1, status, "exit status 1 within 5 s, for the service manager to restart it; log:\n" + log);
            assertTrue(System.nanoTime() - before < Duration.ofSeconds(3).toNanos(), "at once");
            assertTrue(log.contains("error: TUN device nat64 is gone (queue 0: read failed: File descriptor in bad state"),
                    "a clear log line naming the device; log:\n" + log);
            assertTrue(log.matches("(?s).*stopped: translated .*, TUN read/write errors [1-9].*"),
                    "the final totals count the TUN error (tunxlat_tun_read_errors_total); log:\n" + log);
        }
    }

    @Test
    void metricsPortInUseFailsTheStartBeforeForwarding() throws Exception {
        // The workers start before the metrics registry is built, but the port is bound before them (and before
        // privileges are dropped): a configured port in use still stops the start with nothing forwarded, at once,
        // with exit status 2 (a configuration that does not fit the host). The default port only warns (issue 14):
        // see metricsDefaultPortInUseOnlyWarns and TaygaDropInIT.
        try (TestBed bed = start(b -> b.startTranslator(false).configLine("metrics-listen 127.0.0.1:9464"));
                ServerSocketChannel squatter = bed.translatorNs().listenTcp(new InetSocketAddress("127.0.0.1", 9464))) {
            long before = System.nanoTime();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> bed.startTranslator(Duration.ofSeconds(20)));
            assertTrue(e.getMessage().contains("exited with 2 before it was ready"), e.getMessage());
            assertTrue(System.nanoTime() - before < Duration.ofSeconds(10).toNanos(), "at once");
            String log = bed.translator().output();
            assertTrue(log.contains("tunxlat: metrics-listen 127.0.0.1:9464: cannot listen (Address already in use); "
                    + "choose another ADDRESS:PORT with 'metrics-listen' or --metrics-listen, or 'off'"), log);
            assertFalse(log.contains("forwarding on"), "never forwarded; log:\n" + log);
        }
    }

    @Test
    void metricsDefaultPortInUseOnlyWarns() throws Exception {
        try (TestBed bed = start(b -> b.startTranslator(false));
                ServerSocketChannel squatter = bed.translatorNs().listenTcp(new InetSocketAddress("127.0.0.1", 9464))) {
            bed.startTranslator(Duration.ofSeconds(20));
            String log = bed.translator().output();
            for (int i = 0; i < 50 && !log.contains("forwarding on"); i++) { // logged just after the first ping can pass
                Thread.sleep(100);
                log = bed.translator().output();
            }
            assertTrue(log.contains("warning: running without the metrics endpoint: the default metrics-listen"
                    + " 127.0.0.1:9464 cannot listen (Address already in use)"), log);
            assertTrue(log.contains("metrics not served"), log);
        }
    }

    @Test
    void dataDirectoryReadOnlyThenWritableAgain() throws Exception {
        persistenceFault("mount -o remount,ro", dir -> mount("-o", "remount,ro", dir.toString()),
                dir -> mount("-o", "remount,rw", dir.toString()), "Read-only file system");
    }

    @Test
    void dataDirectoryFullThenFreed() throws Exception {
        persistenceFault("filled up", dir -> {
            // fill the 256 KiB tmpfs: dd stops at ENOSPC
            Cmd.exec(Duration.ofSeconds(20), List.of("dd", "if=/dev/zero", "of=" + dir.resolve("filler"), "bs=4k"));
            return null;
        }, dir -> {
            Files.delete(dir.resolve("filler"));
            return null;
        }, "No space left on device");
    }

    interface DirAction {
        Object apply(Path dir) throws Exception;
    }

    private static Object mount(String... args) {
        List<String> cmd = new ArrayList<>(List.of("mount"));
        cmd.addAll(List.of(args));
        ExecResult r = Cmd.exec(Duration.ofSeconds(10), cmd);
        if (!r.ok()) {
            throw new IllegalStateException(r.describe());
        }
        return null;
    }

    /**
     * A dynamic pool whose data-dir is a 256 KiB tmpfs: a first host's binding is written; then {@code breakIt}
     * makes the directory refuse writes, a second and a third host get addresses and translate while writes
     * fail (logged once, counted, retried); then {@code fixIt}, and the file gets every binding.
     */
    private void persistenceFault(String what, DirAction breakIt, DirAction fixIt, String errno) throws Exception {
        Path dir = TestBed.logDirectory().resolve("data-" + label + "-" + ProcessHandle.current().pid()).toAbsolutePath();
        Files.createDirectories(dir);
        mount("-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", dir.toString());
        try (TestBed bed = start(b -> b.configLine("dynamic-pool " + TestBed.POOL).configLine("data-dir " + dir)
                .beforeStart(b2 -> {
                    for (String a : HOSTS) {
                        b2.ipv6Host().ip("addr", "add", a + "/64", "dev", "eth0", "nodad");
                    }
                }))) {
            Path map = dir.resolve("dynamic.map");
            ping(bed.ipv6Host(), HOSTS.get(0));
            await("the first binding written", () -> Files.exists(map) && Files.readString(map).contains(HOSTS.get(0)));

            breakIt.apply(dir);
            ping(bed.ipv6Host(), HOSTS.get(1)); // a new host gets an address and crosses while writes fail
            await("the failure logged", () -> bed.translator().output().contains("persistence failure: cannot write " + map));
            String log = bed.translator().output();
            assertTrue(log.contains(errno), "the log line says why; log:\n" + log);
            double failures = ProcessProbe.value(ProcessProbe.metrics(bed.translatorNs()),
                    "tunxlat_dynamic_map_write_failures_total");
            assertTrue(failures >= 1, "counted: " + failures);
            ping(bed.ipv6Host(), HOSTS.get(2));
            Thread.sleep(2500);
            double later = ProcessProbe.value(ProcessProbe.metrics(bed.translatorNs()), "tunxlat_dynamic_map_write_failures_total");
            assertTrue(later > failures, "retried every second: " + failures + " then " + later);
            assertEquals(1, count(bed.translator().output(), "persistence failure"), "logged once (at most once a minute)");
            String whole = Files.readString(map);
            assertTrue(whole.contains(HOSTS.get(0)) && whole.endsWith("\n"), "the old file is whole:\n" + whole);

            fixIt.apply(dir);
            await("recovered and logged", () -> bed.translator().output().contains("dynamic map persistence recovered"));
            await("every binding in the file", () -> {
                String s = Files.readString(map);
                return HOSTS.stream().allMatch(s::contains);
            });
            ping(bed.ipv6Host(), HOSTS.get(0));
            System.err.printf("[e2e] %s: data-dir %s: %s%n", label, what, bed.translator().output().lines()
                    .filter(l -> l.contains("persistence")).toList());
        } finally {
            Cmd.exec(Duration.ofSeconds(10), List.of("umount", "-l", dir.toString()));
        }
    }

    static final List<String> HOSTS = List.of("2001:db8:6::10", "2001:db8:6::11", "2001:db8:6::12");

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** Pings the IPv4 host through the prefix from the IPv6 host (from {@code source} if given): 3 answers. */
    static void ping(Netns ns, String source) {
        List<String> cmd = new ArrayList<>(List.of("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2"));
        if (source != null) {
            cmd.addAll(List.of("-I", source));
        }
        cmd.add(IPV4_HOST_VIA_PREFIX);
        ExecResult r = ns.exec(cmd.toArray(String[]::new));
        assertTrue(r.ok() && r.output().contains(" 0% packet loss"), "ping " + (source == null ? "" : "from " + source) + ": "
                + r.describe());
    }

    static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(100);
        }
    }
}
