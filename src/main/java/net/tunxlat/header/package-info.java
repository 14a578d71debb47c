// SPDX-License-Identifier: Apache-2.0
/**
 * Header views: one reusable, allocation-free flyweight per protocol header over a Netty
 * {@link io.netty.buffer.ByteBuf} and an offset, in the shape of gVisor's {@code pkg/tcpip/header}.
 *
 * <h2>Conventions</h2>
 * <ul>
 * <li>{@code XxxHeader wrap(ByteBuf buf, int offset)} points the view at a header and returns it;
 *     {@code offset()} and {@code buffer()} give them back. A view never checks a field against the packet's
 *     length: the caller validates it first. Every access is still bounds-checked against the buffer's capacity
 *     ({@code HeaderView}: direct buffers are read without the {@code ByteBuf}'s reference-count check). Views
 *     allocate nothing (HeaderAllocationTest).</li>
 * <li>The RFC's header diagram is in each class comment; the field offsets are {@code public static final int}
 *     constants named after the RFC field ({@code TOTAL_LENGTH}, {@code CHECKSUM}). {@code LENGTH} is a
 *     header's own size; a field called "Length" has its offset in {@code LENGTH_FIELD}.</li>
 * <li>Getters and setters carry the RFC field names. A setter that keeps a checksum valid says so:
 *     {@code setXxxWithChecksumUpdate} (RFC 1624 §3 through {@link net.tunxlat.checksum.Checksum#update},
 *     written once in {@code ChecksumFields}); {@code updateChecksum(oldSum, newSum)} patches a transport
 *     checksum when pseudo-header words change (an address rewritten in the IP header). A zero UDP checksum
 *     (IPv4: "none") is left zero.</li>
 * <li>Numbers: {@link net.tunxlat.header.IpProtocol}, {@link net.tunxlat.header.Icmpv4Type},
 *     {@link net.tunxlat.header.Icmpv6Type}.</li>
 * </ul>
 *
 * <h2>The extension-header walker and the loops it replaces</h2>
 * {@link net.tunxlat.header.Ipv6ExtensionHeaders} walks Hop-by-Hop, Destination Options, Routing and
 * Fragment headers. How each hand-written loop (as of the commit this package was written against) maps
 * onto it, keeping its behaviour:
 * <ul>
 * <li>RFC 7915 §5.1 (the IPv6-to-IPv4 path): {@code walk(buf, off, end)}; then
 *     {@code segmentsLeft() != 0}: Parameter Problem pointing at {@code routingHeaderOffset() + SEGMENTS_LEFT}
 *     (a Fragment header, if any, came after that Routing header, and the loop never reached it: not
 *     counted); then count a fragment ({@code fragmentHeaderOffset() >= 0}), as the loop did on meeting the
 *     header; then {@code AFTER_FRAGMENT}: reject; then {@code TRUNCATED}: drop. In that order this gives
 *     the loop's answer and counts whatever the chain (Ipv6ExtensionHeadersLegacyTest).</li>
 * <li>The inner packet of an ICMPv6 error: {@code walk(buf, ip, innerEnd)}; {@code malformed()} is the
 *     loop's failure; the headers' length is {@code upperLayerOffset() - ip - Ipv6Header.LENGTH}.</li>
 * <li>"Is this an ICMPv6 error" checks (NPTv6's, the address filter's, RFC 4443 §2.4(e)'s): those loops
 *     did not walk past a Fragment header, so a fragment was never an error; keep that with
 *     {@code fragmentHeaderOffset() < 0 && upperLayerProtocol() == IpProtocol.ICMPV6}. A truncated chain
 *     ends on the extension header's own number, never ICMPv6, as the loops' answer was "no".</li>
 * <li>The offline packet printer: {@code start} and {@code next}, printing {@code IpProtocol.name(headerType())}
 *     (the same "hop-by-hop", "routing", "dest-opts") and reading the Fragment header at
 *     {@code headerOffset()}. Unlike its loop, the walker does not list a header that reaches past the
 *     end, nor anything after the Fragment header.</li>
 * </ul>
 */
package net.tunxlat.header;
