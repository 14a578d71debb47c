// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pcap;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes a classic libpcap file: little-endian, microsecond timestamps, link type
 * {@link LinkType#RAW} (each record is one IPv4 or IPv6 packet, as on a TUN device).
 */
public final class PcapWriter implements Closeable, Flushable {
    /** Snapshot length written in the header; no packet is cut. */
    public static final int SNAP_LENGTH = PcapReader.MAX_RECORD;

    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    private long records;

    /** Writes the file header to {@code out}. */
    public PcapWriter(OutputStream out) throws IOException {
        this.out = out instanceof BufferedOutputStream ? out : new BufferedOutputStream(out, 1 << 16);
        header.putInt(PcapReader.MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(SNAP_LENGTH).putInt(LinkType.RAW);
        this.out.write(header.array(), 0, 24);
    }

    /** Appends one packet with the given capture time (nanoseconds since 1970, written in microseconds). */
    public void write(long epochNanos, byte[] packet, int offset, int length) throws IOException {
        if (length > SNAP_LENGTH) {
            throw new IllegalArgumentException("packet of " + length + " bytes is longer than a pcap record");
        }
        long seconds = Math.floorDiv(epochNanos, 1_000_000_000L);
        long micros = Math.floorMod(epochNanos, 1_000_000_000L) / 1000;
        header.clear();
        header.putInt((int) seconds).putInt((int) micros).putInt(length).putInt(length);
        out.write(header.array(), 0, 16);
        out.write(packet, offset, length);
        records++;
    }

    public void write(long epochNanos, byte[] packet) throws IOException {
        write(epochNanos, packet, 0, packet.length);
    }

    /** Records written so far. */
    public long records() {
        return records;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
