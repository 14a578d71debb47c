// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import picocli.CommandLine.Option;

/** The filters and the limit of {@code tunxlat session list} and {@code tunxlat bib list}, as request words. */
final class Nat64Filters {
    @Option(names = "--proto", paramLabel = "tcp|udp|icmp", description = "only this protocol")
    String protocol;

    @Option(names = "--host", paramLabel = "IPV6[/LEN]",
            description = "only IPv6 hosts in this address or prefix (a subscriber's prefix, for example)")
    String host;

    @Option(names = "--ipv4", paramLabel = "ADDRESS", description = "only bindings to this pool4 address")
    String ipv4;

    @Option(names = "--port", paramLabel = "PORT", description = "only bindings to this pool4 port (ICMP: identifier)")
    Integer port;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
            description = "show at most N entries (up to 100000), then say how many more match (default: ${DEFAULT-VALUE})")
    int limit;

    /** The words the control socket expects after the request name. */
    String words() {
        StringBuilder sb = new StringBuilder();
        if (protocol != null) {
            sb.append(" proto ").append(protocol);
        }
        if (host != null) {
            sb.append(" host ").append(host);
        }
        if (ipv4 != null) {
            sb.append(" ipv4 ").append(ipv4);
        }
        if (port != null) {
            sb.append(" port ").append(port);
        }
        return sb.append(" limit ").append(limit).toString();
    }
}
