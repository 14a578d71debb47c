// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.*;
import static net.tunxlat.xlat.TranslatorTest.H4;
import static net.tunxlat.xlat.TranslatorTest.H4_AS6;
import static net.tunxlat.xlat.TranslatorTest.H6;
import static net.tunxlat.xlat.TranslatorTest.H6_AS4;
import static net.tunxlat.xlat.XlatCounters.*;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.config.UdpCksumMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the translator counts, by direction, protocol, ICMP error type and fragment, and how it is published. */
class XlatCountersTest {
    final List<byte[]> out = new ArrayList<>();
    final ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 65535);
    final ByteBuf scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + 1536);
    final XlatCounters counters = new XlatCounters();
    final Translator translator = new Translator(counters, (b, off, len) -> {
        byte[] a = new byte[len];
        b.getBytes(off, a);
        out.add(a);
    }, scratch, () -> 1_000_000_000L, PacketLog.OFF);
    final XlatSnapshot snap = new XlatSnapshot(TranslatorTest.config("2001:db8:64::/96", UdpCksumMode.DROP,
            TranslatorTest.map(H6_AS4, H6)));

    @AfterEach
    void release() {
        packet.release();
        scratch.release();
    }

    byte[] run(byte[] in) {
        out.clear();
        packet.setBytes(Translator.HEADROOM, in);
        translator.translate(snap, packet, Translator.HEADROOM, in.length);
        return out.isEmpty() ? null : out.get(0);
    }

    @Test
    void protocolClasses() {
        assertEquals(CLASS_TCP, protocolClass(6));
        assertEquals(CLASS_UDP, protocolClass(17));
        assertEquals(CLASS_ICMP, protocolClass(1));
        assertEquals(CLASS_ICMP, protocolClass(58));
        assertEquals(CLASS_OTHER, protocolClass(47));
        assertEquals(CLASS_OTHER, protocolClass(0));
        assertEquals("tcp", protocolLabel(CLASS_TCP));
        assertEquals("other", protocolLabel(CLASS_OTHER));
        assertEquals("46", directionLabel(DIR_46));
        assertEquals("64", directionLabel(DIR_64));
    }

    @Test
    void icmpErrorClasses() {
        assertEquals(ICMP_TIME_EXCEEDED, icmp4Class(11, 0));
        assertEquals(ICMP_DEST_UNREACHABLE, icmp4Class(3, 13));
        assertEquals(ICMP_TOO_BIG, icmp4Class(3, 4));
        assertEquals(ICMP_PARAM_PROBLEM, icmp4Class(12, 0));
        assertEquals(ICMP_OTHER, icmp4Class(5, 0));
        assertEquals(ICMP_TIME_EXCEEDED, icmp6Class(3));
        assertEquals(ICMP_DEST_UNREACHABLE, icmp6Class(1));
        assertEquals(ICMP_TOO_BIG, icmp6Class(2));
        assertEquals(ICMP_PARAM_PROBLEM, icmp6Class(4));
        assertEquals(ICMP_OTHER, icmp6Class(200));
        assertEquals("frag_needed", icmpErrorLabel(4, ICMP_TOO_BIG));
        assertEquals("packet_too_big", icmpErrorLabel(6, ICMP_TOO_BIG));
    }

    @Test
    void batchBuckets() {
        assertEquals(0, batchBucket(1));
        assertEquals(1, batchBucket(2));
        assertEquals(2, batchBucket(3));
        assertEquals(2, batchBucket(4));
        assertEquals(3, batchBucket(5));
        assertEquals(6, batchBucket(64));
        assertEquals(7, batchBucket(65));
        assertEquals(10, batchBucket(1024));
        assertEquals(BATCH_BUCKETS - 1, batchBucket(1025));
        assertEquals(BATCH_BUCKETS - 1, batchBucket(Integer.MAX_VALUE));
        for (int n = 1; n <= 2000; n++) {
            int b = batchBucket(n);
            assertTrue(n <= batchBucketBound(b), n + " fits bucket " + b);
            assertTrue(b == 0 || n > batchBucketBound(b - 1), n + " is not in an earlier bucket");
        }
        assertEquals(Long.MAX_VALUE, batchBucketBound(BATCH_BUCKETS - 1));
    }

    @Test
    void translatedPacketsAreCountedByDirectionAndProtocolWithTheirLength() {
        byte[] o1 = run(ipv6(H6, H4_AS6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[100])));
        byte[] o2 = run(ipv4(H4, H6_AS4, 6, 64, 0, 1, 0x4000, tcpHeaderAndData(80, 9, new byte[10])));
        byte[] o3 = run(ipv6(H6, H4_AS6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 1, 2, new byte[56])));
        byte[] o4 = run(ipv4(H4, H6_AS4, 47, 64, 0, 1, 0x4000, new byte[30]));
        assertNotNull(o1);
        assertNotNull(o2);
        assertNotNull(o3);
        assertNotNull(o4);
        counters.publish();
        assertEquals(1, counters.translatedPackets(DIR_64, CLASS_UDP));
        assertEquals(o1.length, counters.translatedBytes(DIR_64, CLASS_UDP));
        assertEquals(1, counters.translatedPackets(DIR_46, CLASS_TCP));
        assertEquals(o2.length, counters.translatedBytes(DIR_46, CLASS_TCP));
        assertEquals(1, counters.translatedPackets(DIR_64, CLASS_ICMP));
        assertEquals(o3.length, counters.translatedBytes(DIR_64, CLASS_ICMP));
        assertEquals(1, counters.translatedPackets(DIR_46, CLASS_OTHER));
        assertEquals(0, counters.translatedPackets(DIR_46, CLASS_UDP));
        assertEquals(2, counters.get(PACKETS_46));
        assertEquals(2, counters.get(PACKETS_64));
        assertEquals(o2.length + o4.length, counters.get(BYTES_46));
        assertEquals(o1.length + o3.length, counters.get(BYTES_64));
    }

    @Test
    void icmpErrorsAreCountedByVersionAndType() {
        // hop limit 1, unmappable IPv6 source, TTL 1: one error each
        assertOneError(6, run(ipv6(H6, H4_AS6, 17, 17, 1, 0, new byte[0], udpHeaderAndData(1, 2, new byte[10]))));
        assertOneError(6, run(ipv6("2001:db8:99::1", H4_AS6, 6, 6, 64, 0, new byte[0], tcpHeaderAndData(1, 2, new byte[10]))));
        assertOneError(4, run(ipv4(H4, H6_AS4, 17, 1, 0, 1, 0, udpHeaderAndData(1, 2, new byte[10]))));
        counters.publish();
        assertEquals(1, counters.icmpErrorsSent(6, ICMP_TIME_EXCEEDED));
        assertEquals(1, counters.icmpErrorsSent(6, ICMP_DEST_UNREACHABLE));
        assertEquals(1, counters.icmpErrorsSent(4, ICMP_TIME_EXCEEDED));
        assertEquals(0, counters.icmpErrorsSent(4, ICMP_DEST_UNREACHABLE));
        assertEquals(0, counters.icmpErrorsSent(4, ICMP_TOO_BIG));
        assertEquals(1, counters.get(ICMP_ERRORS_SENT_4));
        assertEquals(2, counters.get(ICMP_ERRORS_SENT_6));
        assertEquals(0, counters.get(PACKETS_46) + counters.get(PACKETS_64));
    }

    private void assertOneError(int version, byte[] sent) {
        assertEquals(1, out.size());
        assertEquals(version, (sent[0] & 0xff) >>> 4);
        assertEquals(version == 4 ? 1 : 58, sent[version == 4 ? 9 : 6], "an ICMP message");
    }

    @Test
    void fragmentsInAndOut() {
        run(ipv4(H4, H6_AS4, 17, 64, 0, 0xbeef, 0x2000, udpHeaderAndData(1, 2, new byte[16])));
        run(ipv4(H4, H6_AS4, 17, 64, 0, 0xbeef, 3, new byte[24]));
        run(ipv4(H4, H6_AS4, 17, 64, 0, 0xbeef, 0, udpHeaderAndData(1, 2, new byte[16]))); // not a fragment
        byte[] fh = new byte[8];
        fh[0] = 17;
        fh[3] = 1;
        ByteBuffer.wrap(fh).putInt(4, 0x12345678);
        byte[] first = ipv6(H6, H4_AS6, 44, -1, 64, 0, fh, udpHeaderAndData(1, 2, new byte[16]));
        first[54] = 0x12; // any UDP checksum but zero, which RFC 8200 §8.1 discards (issue 14 item 4)
        first[55] = 0x34;
        run(first);
        // a fragment that is dropped (hop limit) still counts as received
        run(ipv6(H6, H4_AS6, 44, -1, 1, 0, fh, udpHeaderAndData(1, 2, new byte[16])));
        counters.publish();
        assertEquals(2, counters.get(FRAGMENTS_IN_46));
        assertEquals(2, counters.get(FRAGMENTS_46));
        assertEquals(2, counters.get(FRAGMENTS_IN_64));
        assertEquals(1, counters.get(FRAGMENTS_64));
    }

    @Test
    void batchesAndBusyTime() {
        counters.batch(1, 500);
        counters.batch(3, 1500);
        counters.batch(64, 10_000);
        counters.batch(5000, -7); // a clock that went backwards counts nothing
        assertEquals(0, counters.get(BATCHES), "nothing visible before publish()");
        counters.publish();
        assertEquals(4, counters.get(BATCHES));
        assertEquals(1 + 3 + 64 + 5000, counters.get(BATCH_PACKETS));
        assertEquals(12_000, counters.get(BUSY_NANOS));
        assertEquals(1, counters.batchBucketCount(0));
        assertEquals(1, counters.batchBucketCount(2));
        assertEquals(1, counters.batchBucketCount(6));
        assertEquals(1, counters.batchBucketCount(BATCH_BUCKETS - 1));
    }

    @Test
    void everyDropReasonHasItsOwnCounter() {
        for (DropReason r : DropReason.values()) {
            counters.drop(r);
            counters.drop(r);
        }
        counters.drop(DropReason.TRUNCATED_64);
        counters.publish();
        for (DropReason r : DropReason.values()) {
            assertEquals(r == DropReason.TRUNCATED_64 ? 3 : 2, counters.drops(r), r.label());
        }
        assertEquals(2L * DropReason.values().length + 1, counters.totalDrops());
    }
}
