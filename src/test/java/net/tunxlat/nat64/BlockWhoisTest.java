// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;

/** Who held a port at a time, from block records in any order and with duplicates. */
class BlockWhoisTest {
    static final int A = Addresses.parseIpv4("192.0.2.1");
    static final Ipv6Prefix S1 = Ipv6Prefix.parse("2001:db8:1::/64", -1);
    static final Ipv6Prefix S2 = Ipv6Prefix.parse("2001:db8:2::/64", -1);

    static BlockEvent ev(String time, boolean alloc, int protocol, Ipv6Prefix s, int first) {
        return new BlockEvent(Instant.parse(time), alloc, protocol, s, A, first, first + 127);
    }

    static Instant at(String t) {
        return Instant.parse(t);
    }

    final List<BlockEvent> log = List.of(
            ev("2026-12-06T01:00:00Z", true, Nat64Protocol.UDP, S1, 1024),
            ev("2026-12-06T02:00:00Z", false, Nat64Protocol.UDP, S1, 1024),
            ev("2026-12-06T03:00:00Z", true, Nat64Protocol.UDP, S2, 1024),
            ev("2026-12-06T01:30:00Z", true, Nat64Protocol.TCP, S2, 1024));

    @Test
    void theHolderAtEachMoment() {
        List<BlockWhois.Answer> a = BlockWhois.find(log, Nat64Protocol.UDP, A, 1100, at("2026-12-06T01:59:59Z"));
        assertEquals(List.of(new BlockWhois.Answer(log.get(0), at("2026-12-06T02:00:00Z"))), a);
        assertEquals(List.of(), BlockWhois.find(log, Nat64Protocol.UDP, A, 1100, at("2026-12-06T02:30:00Z")));
        assertEquals(List.of(), BlockWhois.find(log, Nat64Protocol.UDP, A, 1100, at("2026-12-06T00:59:59Z")));
        assertEquals(List.of(new BlockWhois.Answer(log.get(2), null)),
                BlockWhois.find(log, Nat64Protocol.UDP, A, 1151, at("2026-12-07T00:00:00Z")));
        assertEquals(List.of(), BlockWhois.find(log, Nat64Protocol.UDP, A, 1152, at("2026-12-06T01:10:00Z")));
        assertEquals(List.of(), BlockWhois.find(log, Nat64Protocol.UDP, A + 1, 1100, at("2026-12-06T01:10:00Z")));
    }

    @Test
    void everyProtocolUnlessOneIsAskedFor() {
        List<BlockWhois.Answer> a = BlockWhois.find(log, -1, A, 1100, at("2026-12-06T01:45:00Z"));
        assertEquals(2, a.size());
        assertEquals(S2, a.get(0).allocation().subscriber()); // tcp first
        assertEquals(S1, a.get(1).allocation().subscriber());
    }

    @Test
    void recordsFromSeveralFilesInAnyOrderWithDuplicates() {
        List<BlockEvent> shuffled = new ArrayList<>(log);
        Collections.reverse(shuffled);
        shuffled.addAll(log); // the block log and the journal hold the same lines
        assertEquals(BlockWhois.find(log, -1, A, 1100, at("2026-12-06T01:45:00Z")),
                BlockWhois.find(shuffled, -1, A, 1100, at("2026-12-06T01:45:00Z")));
    }

    @Test
    void aReallocationWithoutReleaseEndsTheFormerHolder() {
        // a crash lost the release: the next allocation of the block is where the former holder's time ends
        List<BlockEvent> crash = List.of(ev("2026-12-06T01:00:00Z", true, Nat64Protocol.UDP, S1, 1024),
                ev("2026-12-06T04:00:00Z", true, Nat64Protocol.UDP, S2, 1024));
        assertEquals(S1, BlockWhois.find(crash, -1, A, 1030, at("2026-12-06T03:00:00Z")).get(0).allocation()
                .subscriber());
        assertEquals(S2, BlockWhois.find(crash, -1, A, 1030, at("2026-12-06T04:00:00Z")).get(0).allocation()
                .subscriber());
    }
}
