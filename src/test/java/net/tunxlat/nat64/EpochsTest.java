// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static net.tunxlat.nat64.Nat64Protocol.UDP;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** An ended entry is not reused while a worker that may still hold it is inside the tables. */
class EpochsTest {
    @Test
    void endedEntriesWaitForReadersToLeave() {
        Nat64Tables t = new Nat64Tables(Nat64TableTest.settings(Nat64TableTest.pool(1024, 2047, 0), 8, 128, 100, 0,
                false, false, List.of()), 2, Nat64Listener.NONE, () -> 0);
        int worker = t.epochs().register();
        int other = t.epochs().register();
        Nat64Lookup r = new Nat64Lookup();
        t.epochs().enter(worker);
        for (int i = 0; i < 8; i++) {
            assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, Nat64TableTest.H, i, 5000, Nat64TableTest.Z1, 53,
                    0, 0));
        }
        assertEquals(Nat64Outcome.TABLE_FULL,
                t.table(UDP).outbound(r, Nat64TableTest.H, 9, 5000, Nat64TableTest.Z1, 53, 0, 0));
        // all expire and are unlinked while the worker is still inside its batch
        t.sweep(100);
        t.sweep(101);
        t.sweep(102);
        assertEquals(0, t.sessions(UDP));
        assertEquals(Nat64Outcome.TABLE_FULL,
                t.table(UDP).outbound(r, Nat64TableTest.H, 9, 5000, Nat64TableTest.Z1, 53, 0, 102),
                "the worker may still hold the ended sessions: none is reused");
        t.epochs().exit(worker);
        // another worker entering now does not hold them back
        t.epochs().enter(other);
        t.sweep(103);
        assertEquals(Nat64Outcome.OK, t.table(UDP).outbound(r, Nat64TableTest.H, 9, 5000, Nat64TableTest.Z1, 53, 0,
                103));
        t.epochs().exit(other);
    }

    @Test
    void stampsCompareAcrossWrap() {
        long mask = (1L << 29) - 1;
        assertTrue(Stamps.before(5, 6, mask));
        assertFalse(Stamps.before(6, 6, mask));
        assertFalse(Stamps.before(7, 6, mask));
        assertTrue(Stamps.before(mask, (mask + 2) & mask, mask), "stamp just below the wrap, safe just above");
    }
}
