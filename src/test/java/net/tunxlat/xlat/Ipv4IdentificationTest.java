// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class Ipv4IdentificationTest {
    @Test
    void consecutiveAndReservedBlocksDoNotOverlapAcrossTheWrap() {
        Ipv4Identification ids = new Ipv4Identification(0x1_fffdL); // the seed's low 16 bits: 0xfffd
        assertEquals(0xfffe, ids.next());
        int first = ids.reserve(3);
        assertEquals(0xffff, first, "the block starts after the last one handed out");
        assertEquals(2, ids.next(), "0xffff, 0, 1 are taken: wraps to 2");
    }
}
