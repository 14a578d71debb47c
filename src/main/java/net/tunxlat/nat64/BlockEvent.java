// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.time.Instant;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * One port block handed to or taken back from a subscriber: what an abuse-report log line needs (RFC 6888
 * REQ-12 and RFC 7422's bulk port allocation logging: time, subscriber, IPv4 address, port range).
 *
 * @param time UTC time of the allocation or release (to the second)
 * @param allocated true for an allocation, false for a release
 * @param protocol {@link Nat64Protocol}
 */
public record BlockEvent(Instant time, boolean allocated, int protocol, Ipv6Prefix subscriber, int address,
        int firstPort, int lastPort) {
}
