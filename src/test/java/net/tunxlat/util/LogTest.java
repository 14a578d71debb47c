// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.util;

import static org.junit.jupiter.api.Assertions.*;

import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

class LogTest {
    static final LocalDateTime T = LocalDateTime.of(2026, 5, 4, 3, 2, 1, 5_000_000);

    @Test
    void journaldGetsPriorityAndNoTimestamp() {
        assertEquals("<6>tunxlat: forwarding on nat64", Log.format(Log.Level.INFO, "forwarding on nat64", true, T));
        assertEquals("<4>tunxlat: warning: x", Log.format(Log.Level.WARNING, "x", true, T));
        assertEquals("<3>tunxlat: error: x", Log.format(Log.Level.ERROR, "x", true, T));
        assertEquals("<7>tunxlat: debug: x", Log.format(Log.Level.DEBUG, "x", true, T));
    }

    @Test
    void elsewhereATimestamp() {
        assertEquals("2026-05-04 03:02:01.005 tunxlat: error: x", Log.format(Log.Level.ERROR, "x", false, T));
    }

    @Test
    void oneLinePerEvent() {
        assertEquals("<3>tunxlat: error: a b", Log.format(Log.Level.ERROR, "a\nb", true, T));
    }

    @Test
    void eventLimiterAdmitsOnePerInterval() {
        EventLimiter l = new EventLimiter(1_000);
        assertTrue(l.admit(5));
        assertEquals(0, l.suppressedSinceLast());
        assertFalse(l.admit(6));
        assertFalse(l.admit(1_004));
        assertTrue(l.admit(1_005));
        assertEquals(2, l.suppressedSinceLast());
        assertTrue(l.admit(5_000));
        assertEquals(0, l.suppressedSinceLast());
        assertThrows(IllegalArgumentException.class, () -> new EventLimiter(0));
    }
}
