// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static net.tunxlat.pipeline.ReloaderTest.captureLog;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import net.tunxlat.config.TunIo;
import org.junit.jupiter.api.Test;

/** {@code tun-io}: which path the daemon gives its workers, and the one log line that says so (and why). */
class TunIoChoiceTest {
    static final String WHY = "io_uring_setup: Operation not permitted (errno 1)";

    @Test
    void autoTakesIoUringWhereItWorks() throws Exception {
        String log = captureLog(() -> assertTrue(Daemon.useUring(TunIo.AUTO, () -> null)));
        assertTrue(log.contains("tun-io auto: packets read and written in batches through io_uring"), log);
        assertEquals(1, log.lines().count(), log);
    }

    @Test
    void autoFallsBackToReadWriteAndSaysWhy() throws Exception {
        String log = captureLog(() -> assertFalse(Daemon.useUring(TunIo.AUTO, () -> WHY)));
        assertTrue(log.contains("tun-io auto: one read(2) and one write(2) per packet, because io_uring cannot be used"
                + " here: " + WHY), log);
        assertEquals(1, log.lines().count(), log);
    }

    @Test
    void uringAskedForAndUnavailableFailsTheStart() {
        IOException e = assertThrows(IOException.class, () -> Daemon.useUring(TunIo.URING, () -> WHY));
        assertEquals("tun-io uring: io_uring cannot be used here (" + WHY + "); set 'tun-io auto' or 'tun-io readwrite'",
                e.getMessage());
    }

    @Test
    void readWriteDoesNotProbe() throws Exception {
        AtomicBoolean probed = new AtomicBoolean();
        String log = captureLog(() -> assertFalse(Daemon.useUring(TunIo.READWRITE, () -> {
            probed.set(true);
            return null;
        })));
        assertFalse(probed.get());
        assertTrue(log.contains("tun-io readwrite: one read(2) and one write(2) per packet"), log);
    }
}
