// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import io.netty.buffer.ByteBuf;

/** Buffer helpers for the hot path. */
public final class Buffers {
    private Buffers() {}

    /**
     * The buffer the hot path should index: under leak detection Netty wraps pooled buffers in a
     * leak-aware wrapper that (at the advanced and paranoid levels) records a stack trace on every
     * access. Ownership and {@code release()} stay with the wrapper; the worker only reads and writes
     * through the view, which lives exactly as long as the wrapper.
     */
    public static ByteBuf hotPathView(ByteBuf owned) {
        ByteBuf inner = owned.unwrap();
        return inner != null && inner.capacity() == owned.capacity() && inner.hasMemoryAddress()
                && inner.memoryAddress() == owned.memoryAddress() ? inner : owned;
    }
}
