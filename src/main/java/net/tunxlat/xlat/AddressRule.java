// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

/**
 * Which rule mapped an address of the packet just translated (for {@code tunxlat translate --explain};
 * recorded by the translator as a field write, turned into text only by the offline explainer).
 */
public enum AddressRule {
    /** Not mapped (the packet was dropped before, or it is not translated). */
    NONE,
    /** The RFC 6052 prefix ({@code prefix}), RFC 6052 §2.2. */
    RFC6052,
    /** A static {@code map} line (RFC 7757 explicit address mapping); the entry index is recorded. */
    STATIC_MAP,
    /** An active dynamic-pool binding that existed before this packet; the binding is recorded. */
    BINDING,
    /** A dormant dynamic-pool binding this packet made active again; the binding is recorded. */
    REACTIVATED_BINDING,
    /** A dynamic-pool binding this packet created; the binding is recorded. */
    NEW_BINDING,
    /** RFC 6791: an address of {@code rfc6791-pool} for an ICMPv6 error from an unmappable router. */
    RFC6791_POOL,
    /** The translator's own address ({@code ipv4-addr} / {@code ipv6-addr}) for an ICMP error from an unmappable router. */
    OWN_ADDRESS,
    /** An NPTv6 ({@code nptv6}) prefix pair, RFC 6296 §3.2 / §3.3; the pair index is recorded. */
    NPTV6,
    /** A stateful NAT64 binding (RFC 6146 §3.1): pool4 address and port; {@link AddressRules#nat64Outcome()} and the rest say which. */
    NAT64
}
