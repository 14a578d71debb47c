// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import java.util.Arrays;

/** What the kernel does with a packet written to a TUN device behind a 12-byte virtio_net_hdr (tests). */
public final class KernelVnet {
    public static final int V = 12;

    private KernelVnet() {}

    /**
     * A plain packet ({@code gso_type} none) as the kernel sends it on: the IP packet, with a partial
     * checksum ({@code NEEDS_CSUM}) finished over {@code [csum_start, end)} at {@code csum_offset}.
     */
    public static byte[] finish(byte[] written) {
        byte[] p = Arrays.copyOfRange(written, V, written.length);
        if ((written[0] & 1) != 0 && written[1] == 0) {
            int start = (written[6] & 0xff) | (written[7] & 0xff) << 8;
            int at = start + ((written[8] & 0xff) | (written[9] & 0xff) << 8);
            int c = ~TestPackets.naiveSum(p, start, p.length) & 0xffff;
            p[at] = (byte) (c >>> 8);
            p[at + 1] = (byte) c;
        }
        return p;
    }
}
