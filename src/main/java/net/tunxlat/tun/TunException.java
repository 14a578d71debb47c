// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import java.io.IOException;

/** A failed TUN operation, with the libc error that caused it. */
public final class TunException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public TunException(String message, int errno) {
        super(message + ": " + LibC.describe(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
