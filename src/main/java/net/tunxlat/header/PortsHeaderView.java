// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

/**
 * The fields TCP (RFC 9293 §3.1) and UDP (RFC 768) share: Source and Destination Port in the first word,
 * and a Checksum over the pseudo-header and the segment, at an offset each protocol places differently.
 */
abstract class PortsHeaderView extends HeaderView {
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;

    private final int checksumField;
    private final boolean zeroMeansNone;

    /**
     * @param checksumField where the Checksum is
     * @param zeroMeansNone a zero Checksum means "none" and stays zero (UDP over IPv4, RFC 768)
     */
    PortsHeaderView(int checksumField, boolean zeroMeansNone) {
        this.checksumField = checksumField;
        this.zeroMeansNone = zeroMeansNone;
    }

    /** True if {@code other} has the same Source and Destination Port (one 32-bit comparison). */
    public boolean samePorts(PortsHeaderView other) {
        return getInt(at + SOURCE_PORT) == other.getInt(other.at + SOURCE_PORT);
    }

    public int sourcePort() {
        return getUnsignedShort(at + SOURCE_PORT);
    }

    public void setSourcePort(int port) {
        setShort(at + SOURCE_PORT, port);
    }

    /** Sets the Source Port and updates the Checksum incrementally (RFC 1624 §3). */
    public void setSourcePortWithChecksumUpdate(int port) {
        ChecksumFields.setShort(buf, at + SOURCE_PORT, port, at + checksumField, zeroMeansNone);
    }

    public int destinationPort() {
        return getUnsignedShort(at + DESTINATION_PORT);
    }

    public void setDestinationPort(int port) {
        setShort(at + DESTINATION_PORT, port);
    }

    /** Sets the Destination Port and updates the Checksum incrementally (RFC 1624 §3). */
    public void setDestinationPortWithChecksumUpdate(int port) {
        ChecksumFields.setShort(buf, at + DESTINATION_PORT, port, at + checksumField, zeroMeansNone);
    }

    public int checksum() {
        return getUnsignedShort(at + checksumField);
    }

    public void setChecksum(int checksum) {
        setShort(at + checksumField, checksum);
    }

    /**
     * Updates the Checksum for covered words (pseudo-header addresses, say) whose folded sum went from
     * {@code oldSum} to {@code newSum} (RFC 1624 §3).
     */
    public void updateChecksum(int oldSum, int newSum) {
        ChecksumFields.adjust(buf, at + checksumField, oldSum, newSum, zeroMeansNone);
    }
}
