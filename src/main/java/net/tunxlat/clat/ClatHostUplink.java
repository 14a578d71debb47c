// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import net.tunxlat.mapping.Ipv6Prefix;

/**
 * The interface the CLAT's IPv6 traffic leaves by, as a route lookup found it.
 *
 * @param name   the interface ({@code eth0})
 * @param prefix the /64 of its global SLAAC address, where the CLAT's own address is made
 * @param mtu    its IPv6 MTU ({@code net.ipv6.conf.NAME.mtu}: the link's MTU, or less when a router advertised
 *               less in an RA MTU option)
 * @param source the SLAAC address the prefix was taken from (for logs)
 */
public record ClatHostUplink(String name, Ipv6Prefix prefix, int mtu, String source) {
    @Override
    public String toString() {
        return name + " (" + prefix + " from " + source + ", MTU " + mtu + ")";
    }
}
