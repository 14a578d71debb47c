// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;

/**
 * Where translated and generated packets go: the TUN queue of a worker, a pcap file, or a test. The
 * sink must not retain the buffer after it returns.
 */
@FunctionalInterface
public interface PacketSink {
    void emit(ByteBuf buf, int offset, int length);
}
