// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

/** TAYGA's {@code udp-cksum-mode}: what to do with IPv4 UDP datagrams whose checksum is zero (RFC 7915 §4.5). */
public enum UdpCksumMode {
    /** Drop them (the default; RFC 7915 §4.5 "drop + log" option). */
    DROP,
    /** Forward them with the zero checksum (not RFC compliant; IPv6 receivers will discard them). */
    FWD,
    /** Compute the checksum (RFC 7915 §4.5 "compute" option); impossible for fragments, which are dropped. */
    CALC
}
