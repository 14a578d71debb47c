// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.io.IOException;

/**
 * An endpoint the configuration or the command line asks for ({@code metrics-listen}, {@code control-socket})
 * cannot be bound: the configuration does not fit this host, so the start fails with exit status 2, as for
 * any other unusable configuration. (Defaults that cannot be bound only warn; see {@link Daemon}.)
 */
public final class EndpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public EndpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
