// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fragmented ICMP echoes (RFC 7915 §4.2, §5.2): the first fragment's checksum is updated with the whole message's
 * length, which the last fragment tells; in any order, both ways, the reassembled message's checksum verifies.
 */
class IcmpFragmentTest {
    private final XlatHarness h = new XlatHarness(HostileInputTest.snapshot());
    private static final String H4 = TranslatorTest.H4;
    private static final String H6 = TranslatorTest.H6;
    private static final String H6_AS4 = TranslatorTest.H6_AS4;
    private static final String H4_AS6 = TranslatorTest.H4_AS6;
    private static final int CHUNK = 1200;

    @AfterEach
    void close() {
        h.close();
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 13 + 5);
        }
        return b;
    }

    /** An ICMPv4 echo request of {@code size} data bytes from H4 to the mapped host, cut into IPv4 fragments. */
    private static List<byte[]> ipv4Fragments(int id, int size) {
        byte[] icmp = Arrays.copyOfRange(ipv4(H4, H6_AS4, 1, 64, 0, id, 0, icmpEcho(8, 77, 1, pattern(size))), 20,
                20 + 8 + size);
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < icmp.length; off += CHUNK) {
            boolean more = off + CHUNK < icmp.length;
            byte[] f = ipv4(H4, H6_AS4, 1, 64, 0, id, (more ? 0x2000 : 0) | off / 8,
                    Arrays.copyOfRange(icmp, off, Math.min(icmp.length, off + CHUNK)));
            if (off == 0) {
                f[22] = icmp[2]; // the whole message's checksum, not one over this fragment
                f[23] = icmp[3];
            }
            out.add(f);
        }
        return out;
    }

    private static byte[] frag6(int nh, int offset, boolean more, int id) {
        return ByteBuffer.allocate(8).put((byte) nh).put((byte) 0).putShort((short) (offset << 3 | (more ? 1 : 0)))
                .putInt(id).array();
    }

    /** An ICMPv6 echo request of {@code size} data bytes from the mapped host to H4, cut into IPv6 fragments. */
    private static List<byte[]> ipv6Fragments(int id, int size) {
        byte[] whole = ipv6(H6, H4_AS6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 78, 1, pattern(size)));
        byte[] icmp = Arrays.copyOfRange(whole, 40, whole.length);
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < icmp.length; off += CHUNK) {
            boolean more = off + CHUNK < icmp.length;
            out.add(ipv6(H6, H4_AS6, 44, 0, 64, 0, frag6(58, off / 8, more, id),
                    Arrays.copyOfRange(icmp, off, Math.min(icmp.length, off + CHUNK))));
        }
        return out;
    }

    /** Runs {@code fragments} in {@code order}; every packet emitted, in emission order. */
    private List<byte[]> run(List<byte[]> fragments, int... order) {
        List<byte[]> emitted = new ArrayList<>();
        for (int i : order) {
            XlatHarness.Outcome o = h.run(fragments.get(i));
            assertTrue(o.accountedOnce(), o.toString());
            emitted.addAll(o.emitted());
        }
        return emitted;
    }

    /** The ICMPv6 message of translated IPv6 fragments, reassembled, with the IPv6 header: its checksum verifies. */
    private static void assertReassembled6(List<byte[]> fragments, int messageLength) {
        assertEquals(3, fragments.size(), "every fragment translated");
        fragments.sort(Comparator.comparingInt(f -> ((f[42] & 0xff) << 8 | (f[43] & 0xff)) >> 3));
        byte[] whole = new byte[40 + messageLength];
        System.arraycopy(fragments.get(0), 0, whole, 0, 40);
        whole[6] = 58;
        whole[4] = (byte) (messageLength >> 8);
        whole[5] = (byte) messageLength;
        int at = 40;
        for (byte[] f : fragments) {
            assertEquals(44, f[6], "a Fragment Header");
            System.arraycopy(f, 48, whole, at, f.length - 48);
            at += f.length - 48;
        }
        assertEquals(40 + messageLength, at);
        assertEquals(128, whole[40] & 0xff, "Echo Request");
        assertEquals(0xffff, transportSum6(whole, 40, 58), "ICMPv6 checksum of the reassembled message");
    }

    @Test
    void ipv4EchoFragmentsInOrderAreHeldUntilTheLastAndVerifyReassembled() {
        List<byte[]> f = ipv4Fragments(0x1234, 3000);
        XlatHarness.Outcome first = h.run(f.get(0));
        assertEquals(DropReason.ICMP_FRAGMENT_HELD, first.dropped(), "waits for the message's length");
        assertTrue(first.emitted().isEmpty());
        List<byte[]> out = new ArrayList<>(run(f, 1, 2));
        assertEquals(3, out.size(), "the middle, the last, then the held first");
        assertEquals(0, ((out.get(2)[42] & 0xff) << 8 | (out.get(2)[43] & 0xff)) >> 3, "the first fragment comes last");
        assertReassembled6(out, 8 + 3000);
        assertEquals(0, h.translator.heldFragments());
    }

    @Test
    void ipv4EchoFragmentsLastFirstTranslateAtOnce() {
        List<byte[]> f = ipv4Fragments(0x4321, 2500);
        assertReassembled6(run(f, 2, 0, 1), 8 + 2500);
    }

    @Test
    void ipv6EchoFragmentsBecomeIpv4FragmentsWhoseMessageVerifies() {
        List<byte[]> f = ipv6Fragments(0x55667788, 3000);
        List<byte[]> out = run(f, 0, 1, 2);
        assertEquals(3, out.size());
        out.sort(Comparator.comparingInt(p -> ((p[6] & 0x1f) << 8 | (p[7] & 0xff))));
        int length = 8 + 3000;
        byte[] icmp = new byte[length];
        int at = 0;
        for (byte[] p : out) {
            assertEquals(1, p[9], "ICMPv4");
            assertEquals(0xffff, naiveSum(p, 0, 20), "IPv4 header checksum");
            System.arraycopy(p, 20, icmp, at, p.length - 20);
            at += p.length - 20;
        }
        assertEquals(length, at);
        assertEquals(8, icmp[0], "Echo Request");
        assertEquals(0xffff, naiveSum(icmp, 0, icmp.length), "ICMPv4 checksum of the reassembled message");
    }

    /** A flood of first fragments whose last never comes holds at most the store's 64; the rest are dropped, counted. */
    @Test
    void heldFirstFragmentsAreBounded() {
        for (int id = 0; id < EarlyFragments.SLOTS; id++) {
            assertEquals(DropReason.ICMP_FRAGMENT_HELD, h.run(ipv4Fragments(0x2000 + id, 1300).get(0)).dropped());
        }
        assertEquals(DropReason.ICMP_FRAGMENTED_46, h.run(ipv4Fragments(0x3000, 1300).get(0)).dropped(),
                "the store is full: dropped at once");
        assertEquals(EarlyFragments.SLOTS, h.translator.heldFragments());
        h.now += (EarlyFragments.LIFETIME + 1) * 1_000_000_000L;
        assertEquals(DropReason.ICMP_FRAGMENT_HELD, h.run(ipv4Fragments(0x3001, 1300).get(0)).dropped(),
                "expired slots take new fragments");
        assertEquals(EarlyFragments.SLOTS, h.counters.localDrops(DropReason.FRAGMENT_EXPIRED));
    }

    @Test
    void aFirstFragmentWithoutItsLastExpires() {
        List<byte[]> f = ipv4Fragments(0x0101, 3000);
        assertEquals(DropReason.ICMP_FRAGMENT_HELD, h.run(f.get(0)).dropped());
        h.now += (EarlyFragments.LIFETIME + 1) * 1_000_000_000L;
        XlatHarness.Outcome later = h.run(f.get(1));
        assertEquals(1, later.translated(), later.toString());
        assertEquals(1, h.counters.localDrops(DropReason.FRAGMENT_EXPIRED));
        XlatHarness.Outcome last = h.run(f.get(2));
        assertEquals(1, last.translated(), "the last fragment alone: its first expired " + last);
    }
}
