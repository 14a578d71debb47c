// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pcap;

/**
 * One record of a pcap file: the capture time, the length of the packet on the wire and the bytes
 * captured (the link-layer frame; see {@link LinkType#ipPacket} for the IP packet inside it).
 *
 * @param index          1-based position in the file (as Wireshark numbers frames)
 * @param epochNanos     capture time in nanoseconds since 1970 (microsecond files are scaled)
 * @param originalLength length of the frame on the wire; larger than {@code data.length} when the
 *                       capture was cut at the snapshot length
 * @param data           the captured bytes
 */
public record PcapRecord(long index, long epochNanos, int originalLength, byte[] data) {
    /** True when the capture holds fewer bytes than the frame had on the wire. */
    public boolean truncated() {
        return originalLength > data.length;
    }
}
