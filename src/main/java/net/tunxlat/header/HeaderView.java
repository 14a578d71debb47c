// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

/**
 * What every header view is: a reusable flyweight pointing at {@code buf[at, ...)}. Each public view's
 * {@code wrap(ByteBuf, int)} calls {@link #point} and returns itself. A view never checks a field against the
 * packet's length (the caller validated it) and never retains the buffer beyond the current packet.
 *
 * <p>The fields are read and written through the accessors below rather than the {@code ByteBuf}'s: for a
 * buffer with a memory address (the workers' pooled direct buffers) they access the memory directly, each
 * access still bounds-checked against the buffer's capacity, but without the reference-count check every
 * {@code ByteBuf} access makes (the workers own their buffers for their lifetime, so it never fails on the
 * hot path); that check, reloaded at every field, was a measurable share of the per-packet cost. Any other
 * buffer (heap buffers in tests) goes through the {@code ByteBuf} as before. Multi-byte fields are in network
 * byte order except the little-endian virtio_net_hdr ones ({@code ...LE}).
 */
abstract class HeaderView {
    private static final boolean DIRECT = PlatformDependent.hasUnsafe();
    private static final boolean SWAP = !PlatformDependent.BIG_ENDIAN_NATIVE_ORDER;

    ByteBuf buf;
    int at;
    /** {@link #buf}'s memory address (of its index 0), or 0 to access it through the {@code ByteBuf}. */
    private long address;
    /** {@link #buf}'s capacity, the bound of every direct access; -1 when {@link #address} is 0 (no direct access). */
    private int limit = -1;

    final void point(ByteBuf buf, int offset) {
        // A reference store into a long-lived object costs a GC write barrier (G1: a StoreLoad fence when the
        // card is not young); the views are re-pointed several times per packet, almost always at the same
        // buffer, so the reference is stored only when it changes. The address and capacity are read at every
        // wrap: a released buffer object may be recycled for other memory, so they are never cached by identity.
        if (this.buf != buf) {
            this.buf = buf;
        }
        long a = DIRECT && buf.hasMemoryAddress() ? buf.memoryAddress() : 0;
        this.address = a;
        this.limit = a != 0 ? buf.capacity() : -1;
        this.at = offset;
    }

    public final int offset() {
        return at;
    }

    public final ByteBuf buffer() {
        return buf;
    }

    /** True if {@code size} bytes at {@code index} may be accessed directly (else the {@code ByteBuf} checks and throws). */
    private boolean direct(int index, int size) {
        return index >= 0 && index <= limit - size; // limit -1: never
    }

    final int getUnsignedByte(int index) {
        return direct(index, 1) ? PlatformDependent.getByte(address + index) & 0xff : buf.getUnsignedByte(index);
    }

    final int getUnsignedShort(int index) {
        if (direct(index, 2)) {
            short v = PlatformDependent.getShort(address + index);
            return (SWAP ? Short.reverseBytes(v) : v) & 0xffff;
        }
        return buf.getUnsignedShort(index);
    }

    final int getUnsignedShortLE(int index) {
        if (direct(index, 2)) {
            short v = PlatformDependent.getShort(address + index);
            return (SWAP ? v : Short.reverseBytes(v)) & 0xffff;
        }
        return buf.getUnsignedShortLE(index);
    }

    final int getInt(int index) {
        if (direct(index, 4)) {
            int v = PlatformDependent.getInt(address + index);
            return SWAP ? Integer.reverseBytes(v) : v;
        }
        return buf.getInt(index);
    }

    final long getLong(int index) {
        if (direct(index, 8)) {
            long v = PlatformDependent.getLong(address + index);
            return SWAP ? Long.reverseBytes(v) : v;
        }
        return buf.getLong(index);
    }

    final void setByte(int index, int value) {
        if (direct(index, 1)) {
            PlatformDependent.putByte(address + index, (byte) value);
        } else {
            buf.setByte(index, value);
        }
    }

    final void setShort(int index, int value) {
        if (direct(index, 2)) {
            short v = (short) value;
            PlatformDependent.putShort(address + index, SWAP ? Short.reverseBytes(v) : v);
        } else {
            buf.setShort(index, value);
        }
    }

    final void setShortLE(int index, int value) {
        if (direct(index, 2)) {
            short v = (short) value;
            PlatformDependent.putShort(address + index, SWAP ? v : Short.reverseBytes(v));
        } else {
            buf.setShortLE(index, value);
        }
    }

    final void setInt(int index, int value) {
        if (direct(index, 4)) {
            PlatformDependent.putInt(address + index, SWAP ? Integer.reverseBytes(value) : value);
        } else {
            buf.setInt(index, value);
        }
    }

    final void setLong(int index, long value) {
        if (direct(index, 8)) {
            PlatformDependent.putLong(address + index, SWAP ? Long.reverseBytes(value) : value);
        } else {
            buf.setLong(index, value);
        }
    }
}
