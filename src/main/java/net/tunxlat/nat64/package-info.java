// SPDX-License-Identifier: Apache-2.0
/**
 * Stateful NAT64 (RFC 6146) state: the foundation, NOT yet used by the translator, the configuration or the
 * command line (issue 16). Nothing in tunxlat translates statefully yet; {@code tunxlat run} does not read any
 * of this.
 *
 * <p>What is here, complete and tested on its own:
 * <ul>
 *   <li>{@link net.tunxlat.nat64.Pool4}: pool4 addresses with port ranges per protocol (TCP, UDP, ICMP
 *       identifiers), cut into port blocks.
 *   <li>Port allocation by RFC 6056 algorithm 3 (SipHash keyed with a random secret), keeping parity and range
 *       (RFC 4787 REQ-3, REQ-4), with a bound on tries; per-subscriber port blocks (a /128 or a shorter prefix)
 *       with limits on blocks and sessions, and an event per block allocation and release
 *       ({@link net.tunxlat.nat64.BlockEvent}); or deterministic blocks (RFC 7422,
 *       {@link net.tunxlat.nat64.Deterministic}) with the inverse for a later {@code whois}.
 *   <li>{@link net.tunxlat.nat64.Nat64Table}: the BIB and session table of one protocol (RFC 6146 §3.1, §3.2),
 *       endpoint-independent mapping, endpoint-independent or address-dependent filtering, static BIB entries,
 *       the TCP state machine ({@link net.tunxlat.nat64.TcpStates}, §3.5.2.2) with the IPv4 SYN hold for a
 *       simultaneous open and drop-externally-initiated-tcp, the lifetimes of §4
 *       ({@link net.tunxlat.nat64.Timeouts}).
 *   <li>{@link net.tunxlat.nat64.Nat64Tables}: all of it shared by the workers (lock-free lookups, CAS claims,
 *       primitive arrays, bounded), the sweeper's pass, and epoch-based reuse of ended entries
 *       ({@link net.tunxlat.nat64.Epochs}).
 * </ul>
 *
 * <p>What is not here yet: packet translation through these tables (the Xlat46/Xlat64 hooks), hairpinning,
 * ICMP errors and fragments of stateful flows, configuration directives and their checks, persistence across
 * restarts, the block log and {@code whois}, metrics, control-socket listings. docs/nat64-design.md says how
 * they attach.
 *
 * <p>Depends only on {@code mapping} value types; nothing above.
 */
package net.tunxlat.nat64;
