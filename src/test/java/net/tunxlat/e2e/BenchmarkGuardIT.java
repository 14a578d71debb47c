// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Guards the offload path against gross regressions without a timed unit test (issue 6, item 6): the
 * benchmark script's short guard run ({@code packaging/bench.sh --guard}) measures tunxlat with and
 * without TUN offloads on the same namespace bed, one TCP stream IPv6 → IPv4 for 3 s each, and fails only
 * if the offload path is below 3x the per-packet path (it is about 10x), in two attempts: a busy CI
 * machine is not a regression. Takes 15 to 30 s. Needs root and iperf3 ({@code apt-get install iperf3});
 * skipped with a message otherwise.
 *
 * <pre>
 *   mvn -B verify -Dit.test=BenchmarkGuardIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class BenchmarkGuardIT {

    @Test
    void offloadPathIsAtLeastThreeTimesThePerPacketPath() {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        Assumptions.assumeTrue(Cmd.exec(Duration.ofSeconds(5), List.of("sh", "-c", "command -v iperf3")).ok(),
                "benchmark guard skipped: iperf3 is not installed (apt-get install iperf3)");
        Path jar = Path.of(System.getProperty("tunxlat.jar", "target/tunxlat.jar")).toAbsolutePath();
        Translator.tunxlat(jar).checkAvailable();
        Path script = Path.of("packaging", "bench.sh").toAbsolutePath();
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException(script + " is missing (run from the project directory)");
        }
        ExecResult r = Cmd.exec(Duration.ofSeconds(120),
                List.of("bash", script.toString(), "--guard", "--jar", jar.toString(), "--wait-idle", "0"));
        System.out.println(r.output());
        assertEquals(0, r.exitCode(), () -> "the offload path regressed (or the bed failed):\n" + r.describe());
    }
}
