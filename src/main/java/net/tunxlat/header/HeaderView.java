// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.header;

import io.netty.buffer.ByteBuf;

/**
 * What every header view is: a reusable flyweight pointing at {@code buf[at, ...)}. Each public view's
 * {@code wrap(ByteBuf, int)} calls {@link #point} and returns itself. A view never checks bounds and never
 * retains the buffer beyond the current packet.
 */
abstract class HeaderView {
    ByteBuf buf;
    int at;

    final void point(ByteBuf buf, int offset) {
        this.buf = buf;
        this.at = offset;
    }

    /** Where the header starts in {@link #buffer()}. */
    public final int offset() {
        return at;
    }

    /** The buffer the view was last wrapped around. */
    public final ByteBuf buffer() {
        return buf;
    }
}
