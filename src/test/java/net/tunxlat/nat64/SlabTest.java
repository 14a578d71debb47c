// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SlabTest {
    /** Ids in use stay below the high water mark, which only the table's growth raises: the sweeper's scan bound. */
    @Test
    void idsInUseStayBelowTheHighWaterMark() {
        Slab slab = new Slab(new int[100], 100);
        assertEquals(0, slab.highWater());
        int a = slab.pop();
        int b = slab.pop();
        int c = slab.pop();
        assertEquals(3, slab.highWater());
        assertTrue(a < 3 && b < 3 && c < 3);
        slab.push(b);
        slab.push(a);
        assertEquals(a, slab.pop(), "last in, first out");
        assertEquals(b, slab.pop());
        assertEquals(3, slab.highWater(), "reuse does not raise it");
        assertEquals(3, slab.pop());
        assertEquals(4, slab.highWater());
        for (int i = 4; i < 100; i++) {
            assertEquals(i, slab.pop());
        }
        assertEquals(100, slab.highWater());
        assertEquals(-1, slab.pop());
    }
}
