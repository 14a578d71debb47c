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

    /**
     * Said before the translator writes again into {@code buf} after emitting from it (the next fragment's header
     * over the tail of the fragment before, RFC 7915 §4.1): a sink that still holds emitted memory (io_uring
     * writes queued for the end of the batch) must be done with it when this returns. Nothing to do for a sink
     * that copies or writes at once.
     */
    default void reusing(ByteBuf buf) {}
}
