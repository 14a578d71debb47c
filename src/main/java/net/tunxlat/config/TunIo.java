// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

/** {@code tun-io}: how the workers read packets from the TUN device and write their translations back. */
public enum TunIo {
    /** io_uring where it works (Linux 6.7 or later, not disabled), else read/write with one log line saying why. */
    AUTO,
    /** Batches through io_uring: a multishot read into the worker's receive buffers, the writes submitted together. */
    URING,
    /** One read(2) and one write(2) per packet, poll(2) when idle. */
    READWRITE
}
