// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

/** TAYGA's {@code log} directive options: which per-packet events are logged (rate limited). */
public enum LogOption {
    /** Packets that were dropped. */
    DROP,
    /** Packets that were rejected (an ICMP error was returned). */
    REJECT,
    /** Packets for which an ICMP error was returned for any reason. */
    ICMP,
    /** Packets destined for the translator itself. */
    SELF
}
