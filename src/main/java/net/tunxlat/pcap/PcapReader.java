// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pcap;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a classic libpcap file record by record: both byte orders, microsecond ({@code a1b2c3d4}) and
 * nanosecond ({@code a1b23c4d}) timestamps, any link type that {@link LinkType#supported} accepts.
 * pcapng is recognised and refused with a hint. Problems are {@link PcapFormatException}s naming the file.
 */
public final class PcapReader implements Closeable {
    /** libpcap's own ceiling for one record (MAXIMUM_SNAPLEN); anything larger means a garbled file. */
    public static final int MAX_RECORD = 262144;
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int MAGIC_PCAPNG = 0x0a0d0d0a;
    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;

    private final String name;
    private final InputStream in;
    private final ByteOrder order;
    private final boolean nanos;
    private final int linkType;
    private final int snapLength;
    private final int versionMajor;
    private final int versionMinor;
    private long index;
    private final byte[] recordHeader = new byte[RECORD_HEADER];

    /** Reads the file header from {@code in}; {@code name} is used in messages. */
    public PcapReader(InputStream in, String name) throws IOException {
        this.name = name;
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
        byte[] h = this.in.readNBytes(FILE_HEADER);
        if (h.length >= 4) {
            int be = ByteBuffer.wrap(h).order(ByteOrder.BIG_ENDIAN).getInt(0);
            if (be == MAGIC_PCAPNG) {
                throw new PcapFormatException(name, "is a pcapng file; only classic pcap is supported (convert it with"
                        + " 'editcap -F pcap IN OUT' or 'tcpdump -r IN -w OUT')");
            }
        }
        if (h.length < FILE_HEADER) {
            throw new PcapFormatException(name, h.length == 0 ? "is empty, not a pcap file"
                    : "is not a pcap file (only " + h.length + " bytes, a pcap file header has 24)");
        }
        int magic = ByteBuffer.wrap(h).order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (magic == MAGIC_MICROS || magic == MAGIC_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
        } else if (Integer.reverseBytes(magic) == MAGIC_MICROS || Integer.reverseBytes(magic) == MAGIC_NANOS) {
            order = ByteOrder.LITTLE_ENDIAN;
            magic = Integer.reverseBytes(magic);
        } else {
            throw new PcapFormatException(name, String.format("is not a pcap file (magic number 0x%08x, expected"
                    + " 0xa1b2c3d4 or 0xa1b23c4d in either byte order)", magic));
        }
        nanos = magic == MAGIC_NANOS;
        ByteBuffer b = ByteBuffer.wrap(h).order(order);
        versionMajor = b.getShort(4) & 0xffff;
        versionMinor = b.getShort(6) & 0xffff;
        if (versionMajor != 2) {
            throw new PcapFormatException(name, "has pcap format version " + versionMajor + "." + versionMinor
                    + "; only version 2.x is supported");
        }
        snapLength = b.getInt(16);
        linkType = b.getInt(20) & 0xffff; // the upper bits carry FCS information (pcap 1.x)
        if (!LinkType.supported(linkType)) {
            throw new PcapFormatException(name, "has unsupported link type " + linkType
                    + " (supported: raw IP 101/12/14, IPv4 228, IPv6 229, Linux cooked 113/276, Ethernet 1)");
        }
    }

    /** Opens a file ({@code -} is not special here; see the command). */
    public static PcapReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        boolean ok = false;
        try {
            PcapReader r = new PcapReader(in, file.toString());
            ok = true;
            return r;
        } finally {
            if (!ok) {
                in.close();
            }
        }
    }

    public int linkType() {
        return linkType;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    public boolean nanosecondTimestamps() {
        return nanos;
    }

    public int snapLength() {
        return snapLength;
    }

    public String name() {
        return name;
    }

    /**
     * The next record, or null at the end of the file.
     *
     * @throws PcapFormatException if the file ends inside a record or a record header is garbled
     */
    public PcapRecord next() throws IOException {
        int got = in.readNBytes(recordHeader, 0, RECORD_HEADER);
        if (got == 0) {
            return null;
        }
        long n = index + 1;
        if (got < RECORD_HEADER) {
            throw new PcapFormatException(name, "truncated: the file ends inside the header of record " + n
                    + " (" + got + " of 16 bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(recordHeader).order(order);
        long seconds = b.getInt(0) & 0xffffffffL;
        long fraction = b.getInt(4) & 0xffffffffL;
        long captured = b.getInt(8) & 0xffffffffL;
        long original = b.getInt(12) & 0xffffffffL;
        if (captured > MAX_RECORD) {
            throw new PcapFormatException(name, "record " + n + " claims " + captured + " captured bytes, more than"
                    + " any capture holds (" + MAX_RECORD + "): the file is garbled");
        }
        if (fraction >= (nanos ? 1_000_000_000L : 1_000_000L)) {
            throw new PcapFormatException(name, "record " + n + " has a sub-second timestamp of " + fraction
                    + (nanos ? " ns" : " µs") + ": the file is garbled");
        }
        byte[] data = in.readNBytes((int) captured);
        if (data.length < captured) {
            throw new PcapFormatException(name, "truncated: record " + n + " has " + data.length + " of its "
                    + captured + " bytes");
        }
        index = n;
        long epochNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000);
        return new PcapRecord(n, epochNanos, (int) Math.min(Integer.MAX_VALUE, Math.max(original, captured)), data);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
