// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.NptBed.INSIDE_HOST;
import static net.tunxlat.e2e.NptBed.INSIDE_HOST_LL;
import static net.tunxlat.e2e.NptBed.OUTSIDE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Two LANs behind one outside prefix ({@code nptv6} lines sharing it): which LAN owns an outside address
 * is learned from outbound packets, and that learned state must outlive a SIGHUP reload, even one that
 * reorders the {@code nptv6} lines and adds another. After the reload, a host outside reaches both inside
 * hosts at their outside addresses without either having sent anything since. An inside address that never
 * sent stays unreachable from outside, before and after (nobody owns it yet). Needs root; skipped otherwise.
 *
 * <pre>
 *   mvn verify -Dit.test=Nptv6ReloadEndToEndIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class Nptv6ReloadEndToEndIT {
    static final String OUT48 = "2001:db8:1::/48";
    static final String LAN_A = "fd01:203:405::/48";
    static final String LAN_B = "fd01:203:406::/48";
    static final String LAN_C = "fd01:203:407::/48";
    static final String HOST_B = "fd01:203:406:1::1234";
    /** On the inside host, but never the source of a packet before the outside host tries to reach it. */
    static final String SILENT_A = "fd01:203:405:1::5678";

    private NptBed bed;

    @RegisterExtension
    final TestWatcher logOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (bed != null) {
                System.err.printf("[e2e] %s failed; %s, log %s:%n%s%n", context.getDisplayName(), bed, bed.logFile(),
                        bed.logTail(40));
            }
        }
    };

    @BeforeEach
    void requireRoot() {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(System.getProperty(Translator.PROPERTY, "tunxlat").equals("tunxlat"),
                "NPTv6 is tunxlat's own: TAYGA has none; skipped with -D" + Translator.PROPERTY + "=tayga");
    }

    @AfterEach
    void tearDown() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void ownersLearnedBeforeASighupStillRouteInboundPacketsAfterIt() throws Exception {
        bed = NptBed.start("nptv6-reload", NptBed.Mode.TUNXLAT, LAN_A, OUT48, List.of("nptv6 " + LAN_B + " " + OUT48));
        System.err.printf("[e2e] nptv6 reload: %s, log %s%n", bed, bed.logFile());
        // The second LAN: an address of the inside host, routed from the router and into the TUN device as LAN A is.
        bed.insideHost().ip("addr", "add", HOST_B + "/64", "dev", "eth0", "nodad");
        bed.insideHost().ip("addr", "add", SILENT_A + "/64", "dev", "eth0", "nodad");
        bed.run(List.of(
                "ip -6 route add " + LAN_B + " via " + INSIDE_HOST_LL + " dev lan",
                "ip -6 rule add from " + LAN_B + " lookup " + NptBed.TABLE,
                "ip -6 route add throw " + LAN_B + " table " + NptBed.TABLE));
        String outA = new Rfc6296Reference(LAN_A, OUT48).outbound(INSIDE_HOST);
        String outB = new Rfc6296Reference(LAN_B, OUT48).outbound(HOST_B);
        String outSilent = new Rfc6296Reference(LAN_A, OUT48).outbound(SILENT_A);
        assertNotEquals(outA, outB, "two inside hosts, two outside addresses under the one prefix");

        // Each LAN sends once: its replies come back (the owner is learned from the echo request).
        assertPings(bed.insideHost(), INSIDE_HOST, OUTSIDE_HOST);
        assertPings(bed.insideHost(), HOST_B, OUTSIDE_HOST);
        assertUnreachable(outSilent, "before the reload");

        // The reload reorders the lines and adds a third LAN on the same outside prefix.
        Path conf = bed.configFile();
        String before = Files.readString(conf, StandardCharsets.UTF_8);
        String after = before.replace("nptv6 " + LAN_A + " " + OUT48 + "\n", "")
                .replace("nptv6 " + LAN_B + " " + OUT48 + "\n", "")
                + "nptv6 " + LAN_C + " " + OUT48 + "\nnptv6 " + LAN_B + " " + OUT48 + "\nnptv6 " + LAN_A + " " + OUT48 + "\n";
        assertEquals(3, after.lines().filter(l -> l.startsWith("nptv6 ")).count(), after);
        writeAtomically(conf, after);
        int logLines = Files.readAllLines(bed.logFile()).size();
        ExecResult hup = Cmd.exec(Cmd.DEFAULT_TIMEOUT, List.of("kill", "-HUP", Long.toString(bed.translator().pid())));
        assertTrue(hup.ok(), hup.describe());
        awaitLog(bed.logFile(), logLines, "reloaded " + conf);

        // Neither inside host has sent since: only the owners learned before the reload can route these.
        assertPings(bed.outsideHost(), OUTSIDE_HOST, outA);
        assertPings(bed.outsideHost(), OUTSIDE_HOST, outB);
        assertUnreachable(outSilent, "after the reload");
    }

    private static void assertPings(Netns from, String source, String to) {
        ExecResult r = from.exec(Duration.ofSeconds(15), "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "-I", source, to);
        assertTrue(r.ok() && r.output().contains("3 packets transmitted, 3 received"), r.describe());
    }

    private void assertUnreachable(String outside, String when) {
        ExecResult r = bed.outsideHost().exec(Duration.ofSeconds(10), "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1",
                outside);
        assertFalse(r.output().contains(" 0% packet loss"), "no owner known for " + outside + " " + when + ": "
                + r.describe());
    }

    private static void writeAtomically(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Waits (up to 5 s) for a line containing {@code text} past the first {@code skip} lines of the log. */
    private static void awaitLog(Path log, int skip, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<String> lines = Files.readAllLines(log);
            for (int i = skip; i < lines.size(); i++) {
                if (lines.get(i).contains(text)) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line with '" + text + "' after line " + skip + ":\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            }
            Thread.sleep(50);
        }
    }
}
