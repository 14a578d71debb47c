// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * A static {@code map} (RFC 7757 explicit address mapping): IPv4 prefix {@code v4} maps to IPv6
 * prefix {@code v6}. The IPv6 suffix is at least as long as the IPv4 suffix; the IPv4 suffix bits are
 * placed right after the IPv6 prefix. {@code origin} says where it was configured ("file:line").
 */
public record MapEntry(Ipv4Prefix v4, Ipv6Prefix v6, String origin) {
    public MapEntry {
        if (128 - v6.length() < 32 - v4.length()) {
            throw new IllegalArgumentException("the IPv6 side " + v6 + " has fewer host bits than the IPv4 side " + v4);
        }
    }
}
