// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight view of a TCP header (RFC 9293 §3.1) at an offset of a {@link ByteBuf}. The view does not
 * check bounds: the caller validates the length before wrapping.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           [Options]                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Source Port ({@code SOURCE_PORT}), Destination Port ({@code DESTINATION_PORT}) and Checksum, with
 * their {@code *WithChecksumUpdate} setters and {@code updateChecksum}, are shared with {@link UdpHeader}.
 */
public final class TcpHeader extends PortsHeaderView {
    public static final int SEQUENCE_NUMBER = 4;
    public static final int ACKNOWLEDGMENT_NUMBER = 8;
    /** Data Offset (high 4 bits, in 32-bit words) and the reserved bits. */
    public static final int DATA_OFFSET = 12;
    /** The control bits (CWR ... FIN). */
    public static final int FLAGS = 13;
    public static final int WINDOW = 14;
    public static final int CHECKSUM = 16;
    public static final int URGENT_POINTER = 18;
    /** A header without options (Data Offset 5). */
    public static final int MIN_LENGTH = 20;

    // Control bits (RFC 9293 §3.1; ECE and CWR from RFC 3168 §6.1)
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    public TcpHeader() {
        super(CHECKSUM, false);
    }

    public TcpHeader wrap(ByteBuf buf, int offset) {
        point(buf, offset);
        return this;
    }

    /** The Sequence Number (32 bits, as a signed int). */
    public int sequenceNumber() {
        return getInt(at + SEQUENCE_NUMBER);
    }

    public void setSequenceNumber(int sequenceNumber) {
        setInt(at + SEQUENCE_NUMBER, sequenceNumber);
    }

    /** The Acknowledgment Number (32 bits, as a signed int). */
    public int acknowledgmentNumber() {
        return getInt(at + ACKNOWLEDGMENT_NUMBER);
    }

    public void setAcknowledgmentNumber(int acknowledgmentNumber) {
        setInt(at + ACKNOWLEDGMENT_NUMBER, acknowledgmentNumber);
    }

    /** Data Offset in bytes (the field counts 32-bit words). */
    public int dataOffset() {
        return (getUnsignedByte(at + DATA_OFFSET) >>> 4) << 2;
    }

    /** Sets the Data Offset from a header length in bytes (a multiple of 4, 20 to 60); clears the reserved bits. */
    public void setDataOffset(int bytes) {
        setByte(at + DATA_OFFSET, (bytes >>> 2) << 4);
    }

    /** The control bits: test with {@link #SYN}, {@link #ACK} and the others. */
    public int flags() {
        return getUnsignedByte(at + FLAGS);
    }

    public void setFlags(int flags) {
        setByte(at + FLAGS, flags);
    }

    public int window() {
        return getUnsignedShort(at + WINDOW);
    }

    public void setWindow(int window) {
        setShort(at + WINDOW, window);
    }

    public int urgentPointer() {
        return getUnsignedShort(at + URGENT_POINTER);
    }

    public void setUrgentPointer(int urgentPointer) {
        setShort(at + URGENT_POINTER, urgentPointer);
    }
}
