// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** RFC 6146 §3.4: non-first fragments of stateful UDP take their first fragment's binding, both ways. */
class StatefulFragmentTest {
    private final XlatHarness h = new XlatHarness(new XlatSnapshot(config(settings(100, false, false,
            Timeouts.RFC6146, List.of()))));

    @AfterEach
    void close() {
        h.close();
    }

    private static byte[] frag6(int nh, int offset, boolean more, int id) {
        return ByteBuffer.allocate(8).put((byte) nh).put((byte) 0).putShort((short) (offset << 3 | (more ? 1 : 0)))
                .putInt(id).array();
    }

    /** The whole UDP datagram (header with its checksum, and payload) from IPv6 host to server. */
    private static byte[] datagram6(int sport, int dport, int payload) {
        byte[] whole = ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(sport, dport, pattern(payload)));
        return Arrays.copyOfRange(whole, 40, whole.length);
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    @Test
    void ipv6FragmentsOfOneDatagramAllLeaveFromTheBinding() {
        byte[] udp = datagram6(5000, 53, 1000);
        byte[] first = ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 0, true, 0x11223344), Arrays.copyOfRange(udp, 0, 512));
        byte[] second = ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 64, false, 0x11223344),
                Arrays.copyOfRange(udp, 512, udp.length));
        XlatHarness.Outcome o1 = h.run(first);
        XlatHarness.Outcome o2 = h.run(second);
        assertTrue(o1.accountedOnce() && o2.accountedOnce(), o1 + " / " + o2);
        byte[] a = o1.emitted().get(0);
        byte[] b = o2.emitted().get(0);
        assertEquals(POOL, src4(a));
        assertEquals(POOL, src4(b), "the non-first fragment from T too");
        assertEquals(0x3344, u16(a, 4));
        assertEquals(0x3344, u16(b, 4), "Identification: the low 16 bits (RFC 7915 §5.1.1)");
        assertEquals(0x2000, u16(a, 6), "MF, offset 0");
        assertEquals(64, u16(b, 6), "offset 512 bytes, no MF");
        int t = u16(a, 20);
        assertTrue(t >= 1024 && t <= 3000);
        // Reassembled, the datagram's checksum verifies with the new addresses and port.
        byte[] whole = new byte[20 + udp.length];
        System.arraycopy(a, 0, whole, 0, a.length);
        System.arraycopy(b, 20, whole, a.length, b.length - 20);
        whole[2] = (byte) (whole.length >> 8);
        whole[3] = (byte) whole.length;
        assertEquals(0xffff, transportSum4(whole), "UDP checksum over the reassembled IPv4 datagram");
    }

    /** The UDP datagram of two translated IPv6 fragments {@code a} (first) and {@code b}, with a bare IPv6 header. */
    private static byte[] reassembled6(byte[] a, byte[] b, int udpLength) {
        byte[] whole6 = new byte[40 + udpLength];
        System.arraycopy(a, 0, whole6, 0, 40);
        whole6[6] = 17;
        System.arraycopy(a, 48, whole6, 40, a.length - 48);
        System.arraycopy(b, 48, whole6, 40 + a.length - 48, b.length - 48);
        whole6[4] = (byte) (udpLength >> 8);
        whole6[5] = (byte) udpLength;
        return whole6;
    }

    @Test
    void ipv4FragmentsOfAReplyAllReachTheHost() {
        int t = u16(h.run(ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(5000, 53, new byte[4])))
                .emitted().get(0), 20);
        byte[] whole4 = ipv4(SERVER4, POOL, 17, 64, 0, 77, 0, udpHeaderAndData(53, t, pattern(1000)));
        byte[] udp = Arrays.copyOfRange(whole4, 20, whole4.length);
        byte[] first = ipv4(SERVER4, POOL, 17, 64, 0, 77, 0x2000, Arrays.copyOfRange(udp, 0, 512));
        first[26] = udp[6]; // the datagram's checksum, not one over this fragment alone
        first[27] = udp[7];
        byte[] second = ipv4(SERVER4, POOL, 17, 64, 0, 77, 64, Arrays.copyOfRange(udp, 512, udp.length));
        byte[] a = h.run(first).emitted().get(0);
        byte[] b = h.run(second).emitted().get(0);
        assertEquals(HOST, dst6(a));
        assertEquals(HOST, dst6(b), "the non-first fragment to X' too");
        assertEquals(44, a[6], "Fragment header");
        assertEquals(77, ByteBuffer.wrap(a, 44, 4).getInt());
        assertEquals(77, ByteBuffer.wrap(b, 44, 4).getInt());
        assertEquals(5000, u16(a, 50), "destination port back to x");
        assertValid6(reassembled6(a, b, udp.length));
    }

    /**
     * RFC 6146 §3.4, "the NAT64 MUST handle fragments arriving out of order": the last fragment first is held
     * (nothing sent), and goes out right after its first fragment, exactly as it would have in order.
     */
    @Test
    void ipv6FragmentsOutOfOrderLeaveAsInOrder() {
        byte[] udp = datagram6(5000, 53, 1000);
        byte[] first = ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 0, true, 0x55), Arrays.copyOfRange(udp, 0, 512));
        byte[] second = ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 64, false, 0x55),
                Arrays.copyOfRange(udp, 512, udp.length));
        XlatHarness.Outcome held = h.run(second);
        assertEquals(DropReason.NAT64_FRAGMENT_HELD, held.dropped());
        assertTrue(held.emitted().isEmpty());
        XlatHarness.Outcome both = h.run(first);
        assertEquals(2, both.translated(), "the first fragment, then the held one: " + both);
        assertEquals(2, both.emitted().size());
        byte[] a = both.emitted().get(0);
        byte[] b = both.emitted().get(1);
        assertEquals(0x2000, u16(a, 6), "the first fragment first");
        assertEquals(POOL, src4(b), "the held fragment from T");
        assertEquals(64, u16(b, 6));

        // the same datagram in order, through a fresh translator with the same binding state: identical packets
        XlatHarness.Outcome again = h.run(second);
        assertEquals(1, again.translated(), "its first fragment is known now: translated at once");
        assertArrayEquals(b, again.emitted().get(0), "held and replayed = translated in order");
        assertEquals(0, h.translator.heldFragments());
    }

    @Test
    void ipv4FragmentsOutOfOrderReachTheHost() {
        int t = u16(h.run(ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(5000, 53, new byte[4])))
                .emitted().get(0), 20);
        byte[] whole4 = ipv4(SERVER4, POOL, 17, 64, 0, 78, 0, udpHeaderAndData(53, t, pattern(1000)));
        byte[] udp = Arrays.copyOfRange(whole4, 20, whole4.length);
        byte[] first = ipv4(SERVER4, POOL, 17, 64, 0, 78, 0x2000, Arrays.copyOfRange(udp, 0, 512));
        first[26] = udp[6];
        first[27] = udp[7];
        byte[] second = ipv4(SERVER4, POOL, 17, 64, 0, 78, 64, Arrays.copyOfRange(udp, 512, udp.length));
        assertEquals(DropReason.NAT64_FRAGMENT_HELD, h.run(second).dropped());
        XlatHarness.Outcome both = h.run(first);
        assertEquals(2, both.emitted().size(), both.toString());
        byte[] a = both.emitted().get(0);
        byte[] b = both.emitted().get(1);
        assertEquals(HOST, dst6(a));
        assertEquals(HOST, dst6(b), "the held fragment to X' too");
        assertEquals(78, ByteBuffer.wrap(b, 44, 4).getInt());
        assertValid6(reassembled6(a, b, udp.length));
    }

    /**
     * RFC 6146 §3.4 ("fragments of UDP and ICMP"): a fragmented ICMPv6 echo leaves from the binding of its
     * identifier, every fragment, and the reply's fragments, out of order, come back to the host with the original
     * identifier; both reassembled messages verify (the checksum took the whole message's length).
     */
    @Test
    void fragmentedEchoesBothWaysWithTheIdentifierTranslated() {
        byte[] whole6 = ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 4242, 1, pattern(2500)));
        byte[] icmp6 = Arrays.copyOfRange(whole6, 40, whole6.length);
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < icmp6.length; off += 1200) {
            boolean more = off + 1200 < icmp6.length;
            out.addAll(h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(58, off / 8, more, 0x99),
                    Arrays.copyOfRange(icmp6, off, Math.min(icmp6.length, off + 1200)))).emitted());
        }
        assertEquals(3, out.size(), "every fragment translated (the first once the last told the length)");
        out.sort(Comparator.comparingInt(p -> (p[6] & 0x1f) << 8 | (p[7] & 0xff)));
        byte[] icmp4 = new byte[icmp6.length];
        int at = 0;
        for (byte[] p : out) {
            assertEquals(POOL, src4(p), "from T");
            System.arraycopy(p, 20, icmp4, at, p.length - 20);
            at += p.length - 20;
        }
        assertEquals(0xffff, naiveSum(icmp4, 0, icmp4.length), "the reassembled ICMPv4 echo verifies");
        int t = (icmp4[4] & 0xff) << 8 | (icmp4[5] & 0xff);

        // the reply, fragmented, last fragment first
        byte[] reply4 = Arrays.copyOfRange(ipv4(SERVER4, POOL, 1, 64, 0, 0x77, 0, icmpEcho(0, t, 1, pattern(2500))), 20,
                20 + 8 + 2500);
        List<byte[]> frags = new ArrayList<>();
        for (int off = 0; off < reply4.length; off += 1200) {
            boolean more = off + 1200 < reply4.length;
            byte[] f = ipv4(SERVER4, POOL, 1, 64, 0, 0x77, (more ? 0x2000 : 0) | off / 8,
                    Arrays.copyOfRange(reply4, off, Math.min(reply4.length, off + 1200)));
            if (off == 0) {
                f[22] = reply4[2];
                f[23] = reply4[3];
            }
            frags.add(f);
        }
        List<byte[]> back = new ArrayList<>();
        for (int i : new int[] {2, 0, 1}) {
            back.addAll(h.run(frags.get(i)).emitted());
        }
        assertEquals(3, back.size());
        back.sort(Comparator.comparingInt(p -> ((p[42] & 0xff) << 8 | (p[43] & 0xff)) >> 3));
        byte[] whole = new byte[40 + reply4.length];
        System.arraycopy(back.get(0), 0, whole, 0, 40);
        whole[6] = 58;
        whole[4] = (byte) (reply4.length >> 8);
        whole[5] = (byte) reply4.length;
        at = 40;
        for (byte[] p : back) {
            assertEquals(HOST, dst6(p), "to X'");
            System.arraycopy(p, 48, whole, at, p.length - 48);
            at += p.length - 48;
        }
        assertEquals(4242, (whole[44] & 0xff) << 8 | (whole[45] & 0xff), "the original identifier");
        assertValid6(whole);
    }

    /** Held fragments whose first never comes are dropped after 4 s (counted); the store is bounded. */
    @Test
    void heldFragmentsExpireAndAreBounded() {
        assertEquals(DropReason.NAT64_FRAGMENT_HELD,
                h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 64, false, 9), new byte[100])).dropped());
        assertEquals(DropReason.NAT64_FRAGMENT_HELD, h.run(ipv4(SERVER4, POOL, 17, 64, 0, 9, 64, new byte[100])).dropped());
        assertEquals(2, h.translator.heldFragments());
        h.now += (EarlyFragments.LIFETIME + 1) * 1_000_000_000L;
        XlatHarness.Outcome o = h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 0, true, 9),
                Arrays.copyOfRange(datagram6(5000, 53, 200), 0, 64)));
        assertEquals(1, o.translated(), "only the first fragment: the held one expired " + o);
        assertEquals(2, h.counters.localDrops(DropReason.FRAGMENT_EXPIRED), "both held fragments expired");
        assertEquals(0, h.translator.heldFragments());

        for (int id = 100; id < 100 + EarlyFragments.SLOTS; id++) {
            assertEquals(DropReason.NAT64_FRAGMENT_HELD,
                    h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 8, false, id), new byte[16])).dropped());
        }
        assertEquals(DropReason.NAT64_FRAGMENT_64,
                h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 8, false, 1), new byte[16])).dropped(),
                "the store holds " + EarlyFragments.SLOTS + " fragments");
        h.now += (EarlyFragments.LIFETIME + 1) * 1_000_000_000L;
        assertEquals(DropReason.NAT64_FRAGMENT_HELD,
                h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 8, false, 2), new byte[16])).dropped(),
                "expired slots are free again");
        assertEquals(2 + EarlyFragments.SLOTS, h.counters.localDrops(DropReason.FRAGMENT_EXPIRED));
        assertEquals(DropReason.NAT64_FRAGMENT_46,
                h.run(ipv4(SERVER4, POOL, 17, 64, 0, 10, 64, new byte[EarlyFragments.MAX_FRAGMENT])).dropped(),
                "a fragment over " + EarlyFragments.MAX_FRAGMENT + " bytes is not held");
    }

    @Test
    void theTableIsBoundedAndExpires() {
        byte[] udp = datagram6(5000, 53, 16);
        int full = 0;
        for (int id = 0; id < 3 * StatefulFragments.CAPACITY; id++) {
            XlatHarness.Outcome o = h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 0, true, id), udp));
            if (o.dropped() == DropReason.NAT64_FRAGMENT_TABLE_FULL) {
                full++;
            }
        }
        assertTrue(full >= 2 * StatefulFragments.CAPACITY, "at most " + StatefulFragments.CAPACITY
                + " datagrams remembered; refused " + full);
        h.now += (StatefulFragments.LIFETIME + 1) * 1_000_000_000L;
        XlatHarness.Outcome later = h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 0, true, 1_000_000), udp));
        assertEquals(1, later.translated(), "expired entries make room: " + later);
        XlatHarness.Outcome old = h.run(ipv6(HOST, SERVER6, 44, 0, 64, 0, frag6(17, 8, false, 0), new byte[16]));
        assertEquals(DropReason.NAT64_FRAGMENT_HELD, old.dropped(),
                "an expired first fragment maps nothing: the fragment waits for a first one");
    }
}
