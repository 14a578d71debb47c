// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static net.tunxlat.e2e.TestBed.IPV4_HOST_VIA_PREFIX;
import static net.tunxlat.e2e.TestBed.IPV6_HOST_MAPPED;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Least privilege (issue 9): tunxlat started as root drops to an unprivileged user and group once the TUN
 * device is open (TAYGA's {@code -u} / {@code -g}); or runs with no privilege at all on a device made for its
 * user beforehand ({@code tunxlat mktun --owner}); and its metrics endpoint listens on the loopback only
 * unless told otherwise. Each checks the running process in /proc and that it still translates both ways.
 */
class PrivilegesIT {
    private String label;

    @BeforeEach
    void skipUnlessRootAndTunxlat(TestInfo info) {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Translator.underTestIsTunxlat(), "privileges are about tunxlat's own process");
        label = info.getTestMethod().orElseThrow().getName();
    }

    @Test
    void dropsToNobodyAfterOpeningTheDevice() throws Exception {
        Translator t = Translator.tunxlat(Translator.jar(), List.of(), List.of(), List.of("-u", "nobody", "-g", "nogroup"));
        try (TestBed bed = TestBed.builder(t).label(label).start()) {
            long pid = bed.translator().pid();
            assertUnprivileged(pid);
            assertTrue(bed.translator().output().contains("dropped privileges to user nobody group nogroup"));
            assertTranslatesBothWays(bed);
        }
    }

    @Test
    void runsWithoutPrivilegesOnADeviceMadeForItsUser() throws Exception {
        // setpriv: user and group nobody/nogroup, no supplementary groups, no capabilities (not even in the
        // bounding set) and no way to gain any; the JVM is started that way, never as root. Debian's udev makes
        // /dev/net/tun mode 0666; where it is not (a container without udev), the translator's private mount
        // namespace gets a 0666 node for it, so that the host's is left alone.
        Path node = TestBed.logDirectory().resolve("tun-0666-" + ProcessHandle.current().pid()).toAbsolutePath();
        Files.deleteIfExists(node);
        Cmd.run("mknod", "-m", "0666", node.toString(), "c", "10", "200");
        String setpriv = "setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all"
                + " --no-new-privs";
        Translator t = Translator.tunxlat(Translator.jar(), List.of("sh", "-c",
                "mount --bind " + node + " /dev/net/tun && exec " + setpriv + " \"$@\"", "sh"), List.of(), List.of());
        // nobody cannot create a socket in the test's directory: the control socket is off here.
        try (TestBed bed = TestBed.builder(t).label(label).configLine("control-socket off").beforeStart(b -> {
            // The administrator's part, as root: the device, made persistent for nobody, up, with its routes.
            Netns ns = b.translatorNs();
            ns.ip("link", "del", TestBed.TUN_DEVICE);
            ExecResult mk = ns.exec(Duration.ofSeconds(60), JavaBin.java(), "-jar", Translator.jar().toAbsolutePath().toString(),
                    "mktun", "--dev", TestBed.TUN_DEVICE, "--owner", "nobody", "--group", "nogroup");
            assertTrue(mk.ok(), mk.describe());
            ns.ip("link", "set", TestBed.TUN_DEVICE, "up");
            ns.ip("route", "add", TestBed.PREFIX, "dev", TestBed.TUN_DEVICE);
            ns.ip("route", "add", TestBed.POOL, "dev", TestBed.TUN_DEVICE);
        }).start()) {
            long pid = bed.translator().pid();
            assertUnprivileged(pid);
            assertEquals("0000000000000000", ProcessProbe.status(pid, "CapBnd"), "no capability could ever be regained");
            assertTranslatesBothWays(bed);
        }
    }

    @Test
    void metricsEndpointIsLocalOnlyByDefault() throws Exception {
        try (TestBed bed = TestBed.builder(Translator.fromSystemProperties()).label(label).start()) {
            ExecResult ss = bed.translatorNs().exec("ss", "-Hltn", "sport = :9464");
            assertTrue(ss.ok(), ss.describe());
            List<String> listeners = ss.output().lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, listeners.size(), ss.output());
            assertTrue(listeners.get(0).matches(".* (127\\.0\\.0\\.1|\\[::ffff:127\\.0\\.0\\.1\\]):9464 .*"),
                    "bound to the loopback only: " + listeners);
            assertTrue(ProcessProbe.metrics(bed.translatorNs()).value("tunxlat_build_info", "java_version",
                    System.getProperty("java.version"), "version", versionOf(bed)) == 1.0);
            // From the hosts on either side, through the translator namespace's own addresses: refused.
            ExecResult v4 = bed.ipv4Host().exec("curl", "-sS", "--max-time", "3", "http://" + TestBed.IPV4_GATEWAY + ":9464/metrics");
            assertFalse(v4.ok(), "reachable from the IPv4 side: " + v4.describe());
            ExecResult v6 = bed.ipv6Host().exec("curl", "-sS", "--max-time", "3", "http://[" + TestBed.IPV6_GATEWAY + "]:9464/metrics");
            assertFalse(v6.ok(), "reachable from the IPv6 side: " + v6.describe());
        }
    }

    private static String versionOf(TestBed bed) throws Exception {
        String first = bed.translator().output().lines().filter(l -> l.contains("starting with")).findFirst().orElseThrow();
        return first.replaceAll(".*tunxlat: tunxlat (\\S+) starting with.*", "$1");
    }

    private static void assertUnprivileged(long pid) throws Exception {
        assertEquals("65534 65534 65534 65534", ProcessProbe.status(pid, "Uid"), "real, effective, saved, file-system uid");
        assertEquals("65534 65534 65534 65534", ProcessProbe.status(pid, "Gid"));
        assertEquals("", ProcessProbe.status(pid, "Groups"), "no supplementary groups");
        assertEquals("0000000000000000", ProcessProbe.status(pid, "CapEff"), "no capabilities");
        assertEquals("0000000000000000", ProcessProbe.status(pid, "CapPrm"));
    }

    private static void assertTranslatesBothWays(TestBed bed) {
        FaultsIT.ping(bed.ipv6Host(), null);
        ExecResult r = bed.ipv4Host().exec("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", IPV6_HOST_MAPPED);
        assertTrue(r.ok() && r.output().contains(" 0% packet loss"), r.describe());
        assertNotNull(IPV4_HOST_VIA_PREFIX);
    }

    /** The java binary running the tests. */
    private static final class JavaBin {
        static String java() {
            return Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }
}
