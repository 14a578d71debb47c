// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pcap;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PcapTest {
    static final byte[] IPV4 = ip(4, 28);
    static final byte[] IPV6 = ip(6, 48);

    /** A packet-shaped byte array: version nibble first, then a recognisable pattern. */
    static byte[] ip(int version, int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (i * 7 + version);
        }
        p[0] = (byte) (version << 4 | 5);
        return p;
    }

    /** A pcap file written by hand: the given magic, byte order, link type and (seconds, fraction, data) records. */
    static byte[] file(ByteOrder order, int magic, int linkType, Object... records) {
        int size = 24;
        for (int i = 2; i < records.length; i += 3) {
            size += 16 + ((byte[]) records[i]).length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.putInt(magic).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(linkType);
        for (int i = 0; i < records.length; i += 3) {
            byte[] d = (byte[]) records[i + 2];
            b.putInt((Integer) records[i]).putInt((Integer) records[i + 1]).putInt(d.length).putInt(d.length + 100).put(d);
        }
        return b.array();
    }

    static PcapReader reader(byte[] file) throws IOException {
        return new PcapReader(new ByteArrayInputStream(file), "test.pcap");
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static PcapFormatException bad(byte[] file) {
        return assertThrows(PcapFormatException.class, () -> {
            try (PcapReader r = reader(file)) {
                while (r.next() != null) {
                    // read to the end
                }
            }
        });
    }

    @Test
    void roundTripWritesLittleEndianMicrosecondRaw() throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(o)) {
            w.write(1_700_000_000_123_456_789L, IPV4);
            w.write(1_700_000_001_000_000_000L, IPV6, 0, IPV6.length);
            assertEquals(2, w.records());
        }
        byte[] f = o.toByteArray();
        assertEquals(24 + 16 + 28 + 16 + 48, f.length);
        assertArrayEquals(new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0}, Arrays.copyOf(f, 8));
        assertEquals(101, f[20]);
        try (PcapReader r = reader(f)) {
            assertEquals(ByteOrder.LITTLE_ENDIAN, r.byteOrder());
            assertFalse(r.nanosecondTimestamps());
            assertEquals(LinkType.RAW, r.linkType());
            PcapRecord a = r.next();
            assertEquals(1, a.index());
            assertEquals(1_700_000_000_123_456_000L, a.epochNanos(), "microsecond precision");
            assertArrayEquals(IPV4, a.data());
            assertEquals(28, a.originalLength());
            assertFalse(a.truncated());
            PcapRecord b = r.next();
            assertEquals(2, b.index());
            assertEquals(1_700_000_001_000_000_000L, b.epochNanos());
            assertArrayEquals(IPV6, b.data());
            assertNull(r.next());
            assertNull(r.next());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"BIG_ENDIAN", "LITTLE_ENDIAN"})
    void bothByteOrdersMicroseconds(String orderName) throws IOException {
        ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        byte[] f = file(order, 0xa1b2c3d4, 101, 10, 999_999, IPV4, 11, 0, IPV6);
        try (PcapReader r = reader(f)) {
            assertEquals(order, r.byteOrder());
            assertFalse(r.nanosecondTimestamps());
            assertEquals(65535, r.snapLength());
            PcapRecord a = r.next();
            assertEquals(10_999_999_000L, a.epochNanos());
            assertArrayEquals(IPV4, a.data());
            assertEquals(128, a.originalLength());
            assertTrue(a.truncated(), "original length larger than captured");
            assertArrayEquals(IPV6, r.next().data());
            assertNull(r.next());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"BIG_ENDIAN", "LITTLE_ENDIAN"})
    void nanosecondMagic(String orderName) throws IOException {
        ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        byte[] f = file(order, 0xa1b23c4d, 101, 5, 123_456_789, IPV6);
        try (PcapReader r = reader(f)) {
            assertTrue(r.nanosecondTimestamps());
            PcapRecord a = r.next();
            assertEquals(5_123_456_789L, a.epochNanos());
            assertArrayEquals(IPV6, a.data());
        }
    }

    @Test
    void timestampSecondsAreUnsigned() throws IOException {
        byte[] f = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 101, 0xffffffff, 0, IPV4);
        try (PcapReader r = reader(f)) {
            assertEquals(4_294_967_295_000_000_000L, r.next().epochNanos());
        }
    }

    @Test
    void rawLinkTypesPassThePacketThrough() {
        for (int lt : new int[] {LinkType.RAW, LinkType.DLT_RAW_12, LinkType.DLT_RAW_14, LinkType.IPV4, LinkType.IPV6}) {
            LinkType.IpPacket p = LinkType.ipPacket(lt, IPV4);
            assertTrue(p.ok(), LinkType.name(lt));
            assertEquals(0, p.offset());
            assertEquals(28, p.length());
        }
    }

    static byte[] sll(int protocol, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(16 + payload.length);
        b.putShort((short) 0).putShort((short) 0xfffe).putShort((short) 0).putLong(0).putShort((short) protocol).put(payload);
        return b.array();
    }

    @Test
    void linuxCookedHeaderIsStripped() throws IOException {
        byte[] f = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, LinkType.LINUX_SLL, 1, 0, sll(0x86dd, IPV6), 2, 0,
                sll(0x0800, IPV4), 3, 0, sll(0x0806, new byte[28]), 4, 0, new byte[10]);
        try (PcapReader r = reader(f)) {
            assertEquals(LinkType.LINUX_SLL, r.linkType());
            byte[] frame = r.next().data();
            LinkType.IpPacket p = LinkType.ipPacket(r.linkType(), frame);
            assertEquals(16, p.offset());
            assertArrayEquals(IPV6, Arrays.copyOfRange(frame, p.offset(), p.offset() + p.length()));
            p = LinkType.ipPacket(r.linkType(), r.next().data());
            assertEquals(16, p.offset());
            assertEquals(28, p.length());
            p = LinkType.ipPacket(r.linkType(), r.next().data());
            assertFalse(p.ok());
            assertEquals("Linux cooked frame is not IP (protocol 0x0806)", p.error());
            p = LinkType.ipPacket(r.linkType(), r.next().data());
            assertFalse(p.ok());
            assertTrue(p.error().contains("too short"), p.error());
        }
    }

    @Test
    void linuxCookedV2HeaderIsStripped() {
        ByteBuffer b = ByteBuffer.allocate(20 + IPV6.length);
        b.putShort((short) 0x86dd).putShort((short) 0).putInt(3).putShort((short) 0xfffe).put(new byte[10]).put(IPV6);
        LinkType.IpPacket p = LinkType.ipPacket(LinkType.LINUX_SLL2, b.array());
        assertEquals(20, p.offset());
        assertEquals(IPV6.length, p.length());
    }

    static byte[] ethernet(int... typesThenPayloadMarker) {
        ByteBuffer b = ByteBuffer.allocate(12 + typesThenPayloadMarker.length * 4 + IPV4.length);
        b.put(new byte[12]);
        for (int t : typesThenPayloadMarker) {
            b.putShort((short) t);
            if (t == 0x8100 || t == 0x88a8) {
                b.putShort((short) 42); // VLAN id
            }
        }
        b.put(IPV4);
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void ethernetHeaderAndVlanTagsAreStripped() {
        byte[] plain = ethernet(0x0800);
        LinkType.IpPacket p = LinkType.ipPacket(LinkType.ETHERNET, plain);
        assertEquals(14, p.offset());
        assertArrayEquals(IPV4, Arrays.copyOfRange(plain, 14, 14 + p.length()));
        byte[] tagged = ethernet(0x88a8, 0x8100, 0x0800);
        p = LinkType.ipPacket(LinkType.ETHERNET, tagged);
        assertEquals(22, p.offset());
        assertArrayEquals(IPV4, Arrays.copyOfRange(tagged, 22, 22 + p.length()));
        p = LinkType.ipPacket(LinkType.ETHERNET, ethernet(0x0806));
        assertEquals("Ethernet frame is not IP (protocol 0x0806)", p.error());
        p = LinkType.ipPacket(LinkType.ETHERNET, new byte[13]);
        assertTrue(p.error().contains("too short"), p.error());
    }

    @Test
    void truncatedRecordDataIsAnErrorAfterTheGoodRecords() throws IOException {
        byte[] whole = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 101, 1, 0, IPV4, 2, 0, IPV6);
        byte[] cut = Arrays.copyOf(whole, whole.length - 5);
        try (PcapReader r = reader(cut)) {
            assertArrayEquals(IPV4, r.next().data());
            PcapFormatException e = assertThrows(PcapFormatException.class, r::next);
            assertEquals("test.pcap: truncated: record 2 has 43 of its 48 bytes", e.getMessage());
        }
    }

    @Test
    void truncatedRecordHeaderIsAnError() {
        byte[] whole = file(ByteOrder.BIG_ENDIAN, 0xa1b2c3d4, 101, 1, 0, IPV4);
        PcapFormatException e = bad(concat(whole, new byte[7]));
        assertEquals("test.pcap: truncated: the file ends inside the header of record 2 (7 of 16 bytes)", e.getMessage());
    }

    @Test
    void truncatedOrEmptyFileHeader() {
        byte[] whole = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 101);
        assertEquals("test.pcap: is not a pcap file (only 10 bytes, a pcap file header has 24)",
                bad(Arrays.copyOf(whole, 10)).getMessage());
        assertEquals("test.pcap: is empty, not a pcap file", bad(new byte[0]).getMessage());
    }

    @Test
    void notAPcapFile() {
        PcapFormatException e = bad("this is a text file, not a capture\n".getBytes());
        assertTrue(e.getMessage().startsWith("test.pcap: is not a pcap file (magic number 0x74686973"), e.getMessage());
        byte[] pcapng = file(ByteOrder.BIG_ENDIAN, 0x0a0d0d0a, 101);
        assertTrue(bad(pcapng).getMessage().contains("pcapng"), bad(pcapng).getMessage());
    }

    @Test
    void unsupportedLinkTypeAndVersion() {
        PcapFormatException e = bad(file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 105 /* IEEE 802.11 */));
        assertTrue(e.getMessage().startsWith("test.pcap: has unsupported link type 105"), e.getMessage());
        byte[] v1 = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 101);
        v1[4] = 1;
        assertTrue(bad(v1).getMessage().contains("version 1.4"), bad(v1).getMessage());
    }

    @Test
    void garbledRecordLengthsAndTimestamps() {
        byte[] f = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 101, 1, 0, IPV4);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 0x7fffffff);
        assertTrue(bad(f).getMessage().contains("record 1 claims 2147483647 captured bytes"), bad(f).getMessage());
        byte[] g = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 101, 1, 1_000_000, IPV4);
        assertTrue(bad(g).getMessage().contains("sub-second timestamp"), bad(g).getMessage());
    }

    @Test
    void openNamesTheFile(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("x.pcap");
        Files.write(p, new byte[] {1, 2, 3});
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapReader.open(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
    }
}
