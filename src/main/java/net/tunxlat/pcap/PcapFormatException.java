// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pcap;

import java.io.IOException;

/**
 * A pcap file that cannot be read: not a pcap file at all, an unsupported link type, or a file that
 * ends in the middle of a record. The message starts with the file name.
 */
public final class PcapFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public PcapFormatException(String name, String detail) {
        super(name + ": " + detail);
    }
}
