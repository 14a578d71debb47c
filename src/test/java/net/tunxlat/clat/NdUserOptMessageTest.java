// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The RTM_NEWNDUSEROPT layout as {@code ndisc_ra_useropt} builds it, and the PREF64 reports made from it. */
class NdUserOptMessageTest {
    private static final byte[] ROUTER = HexFormat.of().parseHex("fe800000000000000000000000000001");
    private static final byte[] WKP_OPTION = HexFormat.of().parseHex("26020708" + "0064ff9b" + "00000000" + "00000000");

    /**
     * One netlink message: nlmsghdr, nduseroptmsg, the options, then NDUSEROPT_SRCADDR (when {@code src} is not
     * null), in host byte order, built field by field from the structs in {@code <linux/rtnetlink.h>}.
     */
    static byte[] message(int type, int family, int ifIndex, int icmpType, byte[] options, byte[] src) {
        int payload = 16 + options.length + (src == null ? 0 : 20);
        ByteBuffer b = ByteBuffer.allocate(16 + payload).order(ByteOrder.nativeOrder());
        b.putInt(16 + payload).putShort((short) type).putShort((short) 0).putInt(0).putInt(0); // nlmsghdr
        b.put((byte) family).put((byte) 0).putShort((short) options.length).putInt(ifIndex)    // nduseroptmsg
                .put((byte) icmpType).put((byte) 0).putShort((short) 0).putInt(0);
        b.put(options);
        if (src != null) {
            b.putShort((short) 20).putShort((short) NdUserOptMessage.NDUSEROPT_SRCADDR).put(src);
        }
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /**
     * A message as Linux 6.18 sent it (x86_64, so little-endian) for an RA from fe80::782f:aeff:fe1f:e808 on
     * ifindex 2 carrying PREF64 64:ff9b::/96 for 1800 s: captured with a python netlink socket in a namespace.
     */
    @Test
    void aMessageCapturedFromTheKernel() {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the capture is little-endian");
        byte[] wire = HexFormat.of().parseHex("44000000440000000000000000000000" + "0a001000020000008600000000000000"
                + "260207080064ff9b0000000000000000" + "14000100fe80000000000000782faefffe1fe808");
        NdUserOptMessage.Batch batch = NdUserOptMessage.parseAll(wire, wire.length);
        assertEquals(0, batch.malformed());
        NdUserOptMessage msg = batch.messages().get(0);
        assertEquals(2, msg.ifIndex());
        assertEquals(134, msg.icmpType());
        assertEquals(16, msg.options().length);
        Pref64 p = NdUserOptListener.pref64Options(msg, 0L).get(0).pref64();
        assertEquals(Ipv6Prefix.parse("64:ff9b::/96", -1), p.prefix());
        assertEquals(1800, p.lifetimeSeconds());
        assertEquals("fe80::782f:aeff:fe1f:e808%2", p.origin());
        // The builder below lays out the same bytes.
        assertArrayEquals(wire, message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 2, 134,
                HexFormat.of().parseHex("260207080064ff9b0000000000000000"),
                HexFormat.of().parseHex("fe80000000000000782faefffe1fe808")));
    }

    @Test
    void aPref64OptionWithItsInterfaceAndRouter() {
        byte[] m = message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 7, 134, WKP_OPTION, ROUTER);
        NdUserOptMessage.Batch batch = NdUserOptMessage.parseAll(m, m.length);
        assertEquals(0, batch.malformed());
        assertEquals(1, batch.messages().size());
        NdUserOptMessage msg = batch.messages().get(0);
        assertEquals(7, msg.ifIndex());
        assertEquals(134, msg.icmpType());
        assertEquals(7, msg.source().getScopeId());
        assertEquals("fe80:0:0:0:0:0:0:1%7", msg.source().getHostAddress());

        List<NdUserOptListener.Pref64Report> reports = NdUserOptListener.pref64Options(msg, 42L);
        assertEquals(1, reports.size());
        NdUserOptListener.Pref64Report r = reports.get(0);
        assertEquals("fe80::1%7", r.origin());
        Pref64 p = r.pref64();
        assertEquals(Ipv6Prefix.parse("64:ff9b::/96", -1), p.prefix());
        assertEquals(Pref64.Source.RA, p.source());
        assertEquals(225 * 8, p.lifetimeSeconds());
        assertEquals(42L, p.receivedNanos());
    }

    @Test
    void severalMessagesInOneReceiveAndTheOtherOptionsPassedOver() {
        byte[] rdnss = HexFormat.of().parseHex("1903000000000e10" + "20010db8000000000000000000000053");
        byte[] slash64 = Pref64Option.of(Ipv6Prefix.parse("2001:db8:64:64::/64", -1), 600).encode();
        byte[] buf = concat(
                message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 3, 134, rdnss, ROUTER),
                message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 3, 134, WKP_OPTION, ROUTER),
                message(16, 0, 3, 0, new byte[0], null), // RTM_NEWLINK: not ours, passed over
                message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 4, 134, concat(rdnss, slash64), ROUTER));
        NdUserOptMessage.Batch batch = NdUserOptMessage.parseAll(buf, buf.length);
        assertEquals(0, batch.malformed());
        assertEquals(3, batch.messages().size());
        List<NdUserOptListener.Pref64Report> reports = batch.messages().stream()
                .flatMap(m -> NdUserOptListener.pref64Options(m, 0L).stream()).toList();
        assertEquals(2, reports.size(), "the RDNSS options are not PREF64s");
        assertEquals(3, reports.get(0).ifIndex());
        assertEquals(Ipv6Prefix.parse("2001:db8:64:64::/64", -1), reports.get(1).pref64().prefix());
        assertEquals(4, reports.get(1).ifIndex());
        assertEquals(600, reports.get(1).pref64().lifetimeSeconds());
    }

    @Test
    void anInvalidOptionIsReportedWithItsReason() {
        byte[] badPlc = HexFormat.of().parseHex("2602070f" + "0064ff9b" + "00000000" + "00000000"); // PLC 7
        byte[] m = message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 2, 134, badPlc, ROUTER);
        NdUserOptListener.Pref64Report r = NdUserOptListener.pref64Options(NdUserOptMessage.parseAll(m, m.length)
                .messages().get(0), 0L).get(0);
        assertFalse(r.parsed().valid());
        assertEquals(Pref64Option.Reason.BAD_PLC, r.parsed().reason());
        assertNull(r.pref64());
    }

    @Test
    void withoutTheSourceAttributeTheRouterIsUnknown() {
        byte[] m = message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 2, 134, WKP_OPTION, null);
        NdUserOptMessage msg = NdUserOptMessage.parseAll(m, m.length).messages().get(0);
        assertNull(msg.source());
        assertEquals("unknown router%2", NdUserOptListener.pref64Options(msg, 0L).get(0).origin());
    }

    @Test
    void optionsOfOtherIcmpMessagesAreNotRouterAdvertisements() {
        byte[] m = message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 2, 137, WKP_OPTION, ROUTER); // a redirect
        assertTrue(NdUserOptListener.pref64Options(NdUserOptMessage.parseAll(m, m.length).messages().get(0), 0L).isEmpty());
    }

    @Test
    void malformedMessagesAreCountedAndPassedOver() {
        byte[] good = message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 2, 134, WKP_OPTION, ROUTER);
        byte[] ipv4 = message(NdUserOptMessage.RTM_NEWNDUSEROPT, 2, 2, 134, WKP_OPTION, ROUTER);
        byte[] optsTooLong = message(NdUserOptMessage.RTM_NEWNDUSEROPT, 10, 2, 134, WKP_OPTION, ROUTER);
        ByteBuffer.wrap(optsTooLong).order(ByteOrder.nativeOrder()).putShort(16 + 2, (short) 200);
        byte[] buf = concat(ipv4, optsTooLong, good);
        NdUserOptMessage.Batch batch = NdUserOptMessage.parseAll(buf, buf.length);
        assertEquals(2, batch.malformed());
        assertEquals(1, batch.messages().size());

        // A header whose length runs past what was received: nothing after it can be framed.
        byte[] cut = Arrays.copyOf(good, good.length - 4);
        NdUserOptMessage.Batch partial = NdUserOptMessage.parseAll(cut, cut.length);
        assertEquals(1, partial.malformed());
        assertTrue(partial.messages().isEmpty());
    }

    /** RFC 4861 §4.6: an option of length 0 ends the walk (the kernel refuses such an RA before it gets here). */
    @Test
    void aZeroLengthOptionEndsTheWalk() {
        byte[] opts = concat(HexFormat.of().parseHex("0100aabbccddeeff"), WKP_OPTION);
        NdUserOptMessage msg = new NdUserOptMessage(2, 134, 0, opts, null);
        assertTrue(msg.optionsOfType(Pref64Option.TYPE).isEmpty());
        NdUserOptMessage ok = new NdUserOptMessage(2, 134, 0, concat(HexFormat.of().parseHex("0101aabbccddeeff"), WKP_OPTION), null);
        assertEquals(List.of(8), ok.optionsOfType(Pref64Option.TYPE).stream().map(a -> a[0]).toList());
        assertEquals(2, ok.optionCount());
        assertEquals(0, msg.optionCount());
    }
}
