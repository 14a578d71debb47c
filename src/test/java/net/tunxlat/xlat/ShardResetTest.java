// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Deterministic;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sharded stateful NAT64 (nat64-shard-file): a TCP segment other than a SYN for which the instance has no binding
 * (a subscriber whose instance failed, now at its standby) is answered with a RST as a closed TCP would answer
 * it (RFC 9293 §3.10.7.1), so the old connection ends at once; unsharded, RFC 6146 §3.5.2.2's silent drop stays.
 */
class ShardResetTest {
    private final XlatHarness h = new XlatHarness(new XlatSnapshot(config(sharded())));

    /** The standby part of instance xb: xa's subscribers (HOST's /64) on 192.0.2.2 1024-2047, blocks of 512. */
    static Nat64Settings sharded() {
        int a = Addresses.parseIpv4(POOL);
        List<Pool4.Range> ranges = List.of(new Pool4.Range(Nat64Protocol.TCP, a, 1024, 2047),
                new Pool4.Range(Nat64Protocol.UDP, a, 1024, 2047), new Pool4.Range(Nat64Protocol.ICMP, a, 1024, 2047));
        Pool4 pool = new Pool4(ranges, 512);
        Deterministic.Part part = new Deterministic.Part("instance=xb standby-for=xa",
                List.of(Ipv6Prefix.parse("2001:db8::/64", -1)), ranges);
        return new Nat64Settings(pool, new int[] {64, 64, 64}, 64, 64, 8192, 8, null, 1024, Timeouts.RFC6146, false,
                false, 4, List.of(), new Nat64Settings.Shard("xb", List.of(part)));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private static byte[] segment(int flags, int seq, int ack, byte[] data) {
        byte[] t = tcpHeaderAndData(40000, 80, data);
        ByteBuffer.wrap(t).putInt(4, seq).putInt(8, ack);
        t[13] = (byte) flags;
        return ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], t);
    }

    private static int u32(byte[] p, int i) {
        return ByteBuffer.wrap(p, i, 4).getInt();
    }

    @Test
    void aSegmentWithAnAckGetsARstWithThatSequenceNumber() {
        XlatHarness.Outcome o = h.run(segment(0x18, 1000, 0x12345678, "data".getBytes()));
        assertEquals(DropReason.NAT64_TCP_NOT_SYN, o.dropped(), "still a counted drop");
        assertTrue(o.accountedOnce(), o.toString());
        assertEquals(1, o.emitted().size(), o.toString());
        byte[] rst = o.emitted().get(0);
        assertEquals(60, rst.length, "IPv6 and a bare TCP header");
        assertEquals(6, rst[6], "TCP");
        assertEquals(SERVER6, src6(rst), "from the address the segment was sent to");
        assertEquals(HOST, dst6(rst));
        assertEquals(80, u16(rst, 40));
        assertEquals(40000, u16(rst, 42));
        assertEquals(0x12345678, u32(rst, 44), "RFC 9293 §3.10.7.1: <SEQ=SEG.ACK><CTL=RST>");
        assertEquals(0x04, rst[53], "RST alone");
        assertEquals(0x50, rst[52] & 0xf0, "a 20-byte header");
        assertValid6(rst);
    }

    @Test
    void aSegmentWithoutAnAckGetsARstAckOfItsSequencePlusLength() {
        XlatHarness.Outcome o = h.run(segment(0x01, 1000, 0, "12345".getBytes()));
        assertEquals(DropReason.NAT64_TCP_NOT_SYN, o.dropped());
        byte[] rst = o.emitted().get(0);
        assertEquals(0, u32(rst, 44), "<SEQ=0>");
        assertEquals(1000 + 5 + 1, u32(rst, 48), "<ACK=SEG.SEQ+SEG.LEN>, the FIN counted");
        assertEquals(0x14, rst[53], "RST and ACK");
        assertValid6(rst);
    }

    @Test
    void aRstIsNeverAnswered() {
        XlatHarness.Outcome o = h.run(segment(0x14, 1000, 5, new byte[0]));
        assertEquals(DropReason.NAT64_TCP_NOT_SYN, o.dropped());
        assertTrue(o.emitted().isEmpty(), o.toString());
    }

    @Test
    void aSynStillOpensAConnectionOnTheSubscribersBlock() {
        XlatHarness.Outcome o = h.run(segment(0x02, 1000, 0, new byte[0]));
        assertNull(o.dropped(), o.toString());
        byte[] out = o.emitted().get(0);
        assertEquals(POOL, src4(out));
        int port = u16(out, 20);
        assertTrue(port >= 1024 && port <= 1535, "the subscriber's deterministic block 0: " + port);
    }

    @Test
    void unshardedTheSegmentIsDroppedSilently() {
        try (XlatHarness plain = new XlatHarness(new XlatSnapshot(config(settings(64, false, false, Timeouts.RFC6146,
                List.of()))))) {
            XlatHarness.Outcome o = plain.run(segment(0x18, 1000, 0x12345678, "data".getBytes()));
            assertEquals(DropReason.NAT64_TCP_NOT_SYN, o.dropped());
            assertTrue(o.emitted().isEmpty(), "RFC 6146 §3.5.2.2: " + o);
        }
    }
}
