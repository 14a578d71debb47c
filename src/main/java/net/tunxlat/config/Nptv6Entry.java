// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import net.tunxlat.mapping.Ipv6Prefix;

/**
 * An {@code nptv6 INSIDE OUTSIDE [both|outbound|inbound]} directive (RFC 6296 prefix pair, both at most
 * /64). {@code origin} says where it was configured ("file:line").
 */
public record Nptv6Entry(Ipv6Prefix inside, Ipv6Prefix outside, Direction direction, String origin) {
    /** Which way the pair translates: both (the default), only inside → outside, or only outside → inside. */
    public enum Direction { BOTH, OUTBOUND, INBOUND }
}
