// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * The translator configuration of a CLAT (RFC 6877 §6.3: a stateless SIIT, RFC 7915, between the host's IPv4
 * address and its dedicated CLAT IPv6 address, and between IPv4 destinations and the PREF64): what clatd asks
 * TAYGA for, in tunxlat's words. The host's address is 192.0.0.1 and the translator's own 192.0.0.2, both of
 * RFC 7335's 192.0.0.0/29 (the IPv4 service continuity prefix for 464XLAT).
 *
 * @param tun             the TUN device
 * @param pref64          the NAT64 prefix (RFC 6052 length)
 * @param clatAddress     the CLAT IPv6 address (hi, lo)
 * @param ipv6Mtu         the uplink's MTU: larger IPv4 packets without DF are fragmented to it (RFC 7915 §4.1)
 * @param controlSocket   the control socket for {@code tunxlat map}, or null for the default
 *                        ({@code /run/tunxlat/TUN.sock})
 */
public record ClatConfig(String tun, Ipv6Prefix pref64, long clatHi, long clatLo, int ipv6Mtu, Path controlSocket) {
    /** The host's IPv4 address on the CLAT device (RFC 7335). */
    public static final String HOST_IPV4 = "192.0.0.1";
    /** The translator's own IPv4 address, source of its ICMPv4 errors (RFC 7335). */
    public static final String XLAT_IPV4 = "192.0.0.2";

    /** The configuration file's text. */
    public String render() {
        return "# Written by tunxlat clat: the CLAT's translator (RFC 6877). Rewritten when the PREF64 or the\n"
                + "# uplink's prefix changes; edits are lost.\n"
                + "tun-device " + tun + "\n"
                + "ipv4-addr " + XLAT_IPV4 + "\n"
                + "prefix " + pref64 + "\n"
                // RFC 6052 §3.1 forbids the well-known prefix for non-global IPv4 addresses: tunxlat's default
                // (wkpf-strict yes) keeps that rule, as the network's NAT64 would refuse them anyway.
                + "map " + HOST_IPV4 + " " + Addresses.formatIpv6(clatHi, clatLo) + "\n"
                + "ipv6-egress-mtu " + ipv6Mtu + "\n"
                // RFC 7915 §4.5: an unfragmented IPv4 UDP datagram with a zero checksum gets one computed (the
                // default, as TAYGA's, drops it; the BPF CLATs cannot compute it)
                + "udp-cksum-mode calc\n"
                + "metrics-listen off\n" // served by tunxlat clat itself, in every state
                + (controlSocket == null ? "" : "control-socket " + controlSocket + "\n");
    }

    /** Writes {@link #render} to {@code file} atomically (a temporary file renamed over it). */
    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, render(), StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
