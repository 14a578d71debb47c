// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.DropReason.*;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.header.Icmpv4Header;
import net.tunxlat.header.Icmpv4Type;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.header.IpProtocol;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.header.TcpHeader;
import net.tunxlat.header.UdpHeader;
import net.tunxlat.nat64.Nat64Lookup;
import net.tunxlat.nat64.Nat64Outcome;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Table;
import net.tunxlat.nat64.Nat64Tables;

/**
 * Stateful NAT64 (RFC 6146) for one worker: the steps {@link Xlat64} and {@link Xlat46} call where a packet's
 * IPv4 side is a binding of the shared {@link Nat64Tables} rather than an address mapping. Each direction
 * calls it at one place to decide (a table operation, which may drop the packet, before anything is written)
 * and at one place to rewrite the transport identifiers (ports or the ICMP echo identifier, with their
 * checksums updated incrementally, RFC 1624) once the RFC 7915 steps have translated the rest. The inner
 * packet of an ICMP error is looked up without creating anything (RFC 6146 §3.4) and its identifiers
 * translated back the same way.
 *
 * <p>The tables are read between {@link #beginBatch} and {@link #endBatch} (the worker's epoch,
 * {@code Epochs}); {@code now} is the worker's monotonic clock in seconds, read once per batch, the clock the
 * sweeper passes to {@code Nat64Tables.sweep}. Per packet: no allocation, no lock (the tables' CAS claims
 * aside), no exception.
 */
final class Stateful64 {
    private static final int PROTO_TCP = IpProtocol.TCP;
    private static final int PROTO_UDP = IpProtocol.UDP;
    private static final int PROTO_ICMP = IpProtocol.ICMP;
    private static final int PROTO_ICMPV6 = IpProtocol.ICMPV6;

    private final Nat64Lookup lookup = new Nat64Lookup();
    private final TcpHeader tcp = new TcpHeader();
    private final UdpHeader udp = new UdpHeader();
    private final Icmpv4Header icmp = new Icmpv4Header(); // ICMPv4 and ICMPv6 echo share the layout
    private final AddressMapper mapper;
    /** Non-first fragments' mappings, from their first fragments (RFC 6146 §3.4). */
    private final StatefulFragments fragments = new StatefulFragments();
    /** Non-first fragments that came before their first fragment, held for it (RFC 6146 §3.4). */
    final EarlyFragments early = new EarlyFragments();
    /** Fragmented ICMP echoes of stateless translation, whose first fragment waits for the last's length. */
    final IcmpFragments icmpFragments = new IcmpFragments(early);

    /** The tables this worker registered with, its reader slot there, and whether it is inside now. */
    private Nat64Tables registered;
    private int reader = -1;
    private Nat64Tables tables;
    /** Whether {@link #tables} are one shard of several ({@code nat64-shard-file}). */
    private boolean shard;
    /** The held SYNs' packets of {@link #tables} (null if its state has none). */
    private HeldSyns held;
    /** pool4 and static BIB IPv4 addresses of {@link #registered}, ascending as unsigned ints. */
    private int[] addresses = new int[0];
    /** The worker's clock for this batch, seconds. */
    long now;

    // ---- what the decision found, for the rewrite
    /** The port (or identifier) the translated packet carries on the IPv4 side (6→4) or the IPv6 side (4→6). */
    private int newPort;
    /** Of an ICMP error's inner packet: its addresses once translated back, and its identifier's new value. */
    int innerSrc4;
    int innerDst4;
    long innerSrcHi;
    long innerSrcLo;
    long innerDstHi;
    long innerDstLo;
    private int innerPort;

    Stateful64(AddressMapper mapper) {
        this.mapper = mapper;
    }

    // ---------------------------------------------------------------- batch hooks

    /**
     * Before a batch translated with {@code snapshot}: with stateful NAT64 configured, registers with its tables
     * once (the first batch that sees them), enters the worker's epoch and reads the clock.
     *
     * @param clockNanos the worker's monotonic clock ({@link System#nanoTime} in the daemon)
     */
    void beginBatch(XlatSnapshot snapshot, long clockNanos) {
        now = TimeUnit.NANOSECONDS.toSeconds(clockNanos); // also the held fragments' clock, with or without state
        Nat64Tables t = snapshot.state.nat64();
        if (t == null) {
            tables = null;
            return;
        }
        if (t != registered) {
            reader = t.epochs().register();
            registered = t;
            addresses = addressesOf(t.settings());
            shard = t.settings().shard() != null;
        }
        t.epochs().enter(reader);
        tables = t;
        held = snapshot.state.heldSyns();
    }

    /**
     * RFC 6146 §3.5.2.2: "If the timer expires, the NAT64 SHOULD send an ICMP Port Unreachable error ... for the
     * stored packet." Answers the held SYNs the sweeper found timed out, from this worker (start of a batch, the
     * tables entered): ICMPv4 3/3 about an IPv4 SYN, ICMPv6 1/4 about a hairpinned IPv6 one. The SYN itself was
     * counted when it was held ({@code nat64_syn_held}).
     */
    void answerTimeouts(XlatContext c, XlatSnapshot snapshot, IcmpResponder responder) {
        HeldSyns h = held;
        if (h == null || !h.anyTimedOut()) {
            return;
        }
        for (int slot = h.claimTimedOut(); slot >= 0; slot = h.claimTimedOut()) {
            ByteBuf b = h.buffer();
            int off = h.offset(slot);
            c.start(snapshot, b, off, h.length(slot));
            c.offload.plain();
            if ((b.getUnsignedByte(off) >>> 4) == 4) {
                responder.icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.PORT_UNREACHABLE, 0);
            } else {
                responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.PORT_UNREACHABLE, 0);
            }
            h.release(slot);
        }
    }

    /** After the batch: the worker holds no entry of the tables any more. */
    void endBatch() {
        if (tables != null) {
            tables.epochs().exit(reader);
            tables = null;
        }
    }

    private static int[] addressesOf(Nat64Settings s) {
        int[] pool = s.pool4().addresses();
        int[] all = Arrays.copyOf(pool, pool.length + s.statics().size());
        for (int i = 0; i < s.statics().size(); i++) {
            all[pool.length + i] = s.statics().get(i).address();
        }
        return Arrays.stream(all).map(a -> a ^ Integer.MIN_VALUE).sorted().distinct().map(a -> a ^ Integer.MIN_VALUE)
                .toArray();
    }

    /** Whether the stateful tables are in use for this batch. */
    boolean active() {
        return tables != null;
    }

    /** Whether {@code a} is a pool4 (or static BIB) address: IPv4 packets to it go through the tables. */
    boolean ours(int a) {
        if (tables == null) {
            return false;
        }
        int[] s = addresses;
        int lo = 0;
        int hi = s.length - 1;
        int key = a ^ Integer.MIN_VALUE;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int v = s[mid] ^ Integer.MIN_VALUE;
            if (v < key) {
                lo = mid + 1;
            } else if (v > key) {
                hi = mid - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- IPv6 → IPv4 (§3.5.1 - §3.5.3)

    /**
     * RFC 6146 §3.5.1 (UDP), §3.5.2 (TCP), §3.5.3 (ICMP queries), IPv6 → IPv4: the source (X', x) of a packet
     * without a static map gets its binding (T, t) ("the NAT64 searches for a BIB entry that matches the
     * (X',x) pair"; if none, one is created, RFC 6056 algorithm 3) and the session with the destination (Z, z)
     * is found, created or refreshed. Sets {@code c.src4} to T. Only decides: nothing in the packet is written.
     * The drop reason (with the answer already sent where RFC 6146 asks for one), or null.
     */
    DropReason outbound(XlatContext c, IcmpResponder responder) {
        int p = protocolOf(c.proto);
        if (p < 0) {
            return NAT64_PROTOCOL_64;
        }
        ByteBuf b = c.pkt;
        int l4 = c.l4;
        int x;
        int z;
        int flags = 0;
        if (p == Nat64Protocol.ICMP) {
            // a first fragment too (RFC 6146 §3.4): its identifier is here; its checksum waits for the last
            // fragment's length (IcmpFragments), the other fragments take its binding (StatefulFragments)
            if (c.l4Available < Icmpv4Header.LENGTH) {
                return TOO_SHORT_L4_64;
            }
            int type = icmp.wrap(b, l4).type();
            if (type != Icmpv6Type.ECHO_REQUEST && type != Icmpv6Type.ECHO_REPLY) {
                return NAT64_ICMP_QUERY_64;
            }
            x = icmp.identifier();
            z = x;
        } else {
            if (c.l4Available < (p == Nat64Protocol.TCP ? TcpHeader.MIN_LENGTH : UdpHeader.LENGTH)) {
                return TOO_SHORT_L4_64;
            }
            x = udp.wrap(b, l4).sourcePort();
            z = udp.destinationPort();
            if (p == Nat64Protocol.TCP) {
                flags = tcp.wrap(b, l4).flags();
            }
        }
        Nat64Table t = tables.table(p);
        int rc = t.outbound(lookup, c.srcHi, c.srcLo, x, c.dst4, z, flags, now);
        c.rules.nat64(p, lookup, c.dst4, z);
        DropReason why = outcome64(rc);
        if (why != null) {
            if (answered64(why)) {
                // RFC 6146 §3.5.1.1: "If it is not possible to allocate an appropriate IPv4 transport address or
                // create a BIB entry, then the packet is discarded. The NAT64 SHOULD send an ICMPv6 Destination
                // Unreachable error message with Code 3 (Address Unreachable)."
                responder.icmp6Error(c, Icmpv6Type.DEST_UNREACHABLE, Icmpv6Type.ADDRESS_UNREACHABLE, 0);
            } else if (why == NAT64_TCP_NOT_SYN && shard && !c.inner && !c.fragmented) {
                // RFC 6146 §3.5.2.2 drops it silently; sharded (docs/scale-out.md, "Stateful sharding"), a subscriber
                // whose instance failed and who now reaches its standby holds connections no instance knows: a RST
                // ends them at once instead of after TCP's retransmissions (about 15 minutes)
                responder.tcpReset6(c);
            }
            return why;
        }
        if (lookup.heldSlot() >= 0 && held != null) {
            held.discard(lookup.heldSlot()); // §3.5.2.2: the outbound SYN came, "the stored packet is discarded"
        }
        if (c.moreFragments) {
            if (!fragments.put(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.identification, c.proto << 1, 0,
                    lookup.address(), now)) {
                return NAT64_FRAGMENT_TABLE_FULL;
            }
            early.release(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.identification, c.proto << 1);
        }
        c.src4 = lookup.address();
        newPort = lookup.port();
        c.rules.source = AddressRule.NAT64;
        return null;
    }

    /**
     * RFC 6146 §3.4 ("the NAT64 ... MUST handle fragments", with the tuple of the first), IPv6 → IPv4: a non-first
     * fragment takes the source T its first fragment's binding gave (nothing else of the transport is in it).
     * One that comes before its first ("MUST handle fragments arriving out of order") is held for it
     * ({@link EarlyFragments}). Null, or NAT64_FRAGMENT_HELD, or the drop reason.
     */
    DropReason fragment64(XlatContext c) {
        if (!fragments.find(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.identification, c.proto << 1, now)) {
            return early.hold(c.srcHi, c.srcLo, c.dstHi, c.dstLo, c.identification, c.proto << 1, c.buf, c.off,
                    c.total, now) ? NAT64_FRAGMENT_HELD : NAT64_FRAGMENT_64;
        }
        c.src4 = (int) fragments.lo;
        c.rules.source = AddressRule.NAT64;
        return null;
    }

    /** As {@link #fragment64}, IPv4 → IPv6: a non-first fragment goes to the X' of its first fragment's binding. */
    DropReason fragment46(XlatContext c) {
        if (!fragments.find(c.src4, 0, c.dst4, 0, c.identification, c.proto << 1 | 1, now)) {
            return early.hold(c.src4, 0, c.dst4, 0, c.identification, c.proto << 1 | 1, c.buf, c.off, c.total, now)
                    ? NAT64_FRAGMENT_HELD : NAT64_FRAGMENT_46;
        }
        c.dstHi = fragments.hi;
        c.dstLo = fragments.lo;
        c.rules.destination = AddressRule.NAT64;
        return null;
    }

    /** Tables' protocol of an IP protocol number (TCP, UDP, ICMP or ICMPv6), or -1. */
    private static int protocolOf(int proto) {
        switch (proto) {
            case PROTO_TCP:
                return Nat64Protocol.TCP;
            case PROTO_UDP:
                return Nat64Protocol.UDP;
            case PROTO_ICMP:
            case PROTO_ICMPV6:
                return Nat64Protocol.ICMP;
            default:
                return -1;
        }
    }

    private static DropReason outcome64(int rc) {
        switch (rc) {
            case Nat64Outcome.OK:
            case Nat64Outcome.OK_WITHOUT_SESSION:
                return null;
            case Nat64Outcome.POOL_EXHAUSTED:
                return NAT64_POOL_EXHAUSTED;
            case Nat64Outcome.SUBSCRIBER_SESSION_LIMIT:
            case Nat64Outcome.SUBSCRIBER_BLOCK_LIMIT:
                return NAT64_SUBSCRIBER_LIMIT;
            case Nat64Outcome.TCP_NOT_SYN:
                return NAT64_TCP_NOT_SYN;
            case Nat64Outcome.NO_DETERMINISTIC_BLOCK:
                return NAT64_NO_DETERMINISTIC_BLOCK;
            default:
                return NAT64_TABLE_FULL;
        }
    }

    private static boolean answered64(DropReason why) {
        return why == NAT64_POOL_EXHAUSTED || why == NAT64_SUBSCRIBER_LIMIT || why == NAT64_TABLE_FULL
                || why == NAT64_NO_DETERMINISTIC_BLOCK;
    }

    /**
     * RFC 6146 §3.5.1 - §3.5.3, IPv6 → IPv4 rewrite: the source port (TCP, UDP) or the echo identifier becomes t,
     * with the checksum updated (RFC 1624). A checksum left partial for the kernel holds only the pseudo-header
     * sum and the kernel sums the new port itself, so it is not touched. Run after the RFC 7915 steps translated
     * the transport header; cannot fail.
     */
    void rewrite64(XlatContext c) {
        rewriteIdentifier(c, true, newPort);
    }

    /**
     * Writes {@code port} as the source ({@code source}) or destination port of the transport header of
     * {@code c} (inner mode: of the quoted packet, as far as it is there), or as an echo's identifier (whichever
     * {@code source} says: an echo has one identifier).
     */
    private void rewriteIdentifier(XlatContext c, boolean source, int port) {
        ByteBuf b = c.pkt;
        int l4 = c.l4;
        boolean partial = c.offload.partial && !c.inner;
        switch (c.proto) {
            case PROTO_TCP: {
                TcpHeader h = tcp.wrap(b, l4);
                if (c.l4Available >= Xlat46.TCP_CHECKSUM_END && !partial) {
                    if (source) {
                        h.setSourcePortWithChecksumUpdate(port);
                    } else {
                        h.setDestinationPortWithChecksumUpdate(port);
                    }
                } else if (c.l4Available >= 4) {
                    if (source) {
                        h.setSourcePort(port);
                    } else {
                        h.setDestinationPort(port);
                    }
                }
                return;
            }
            case PROTO_UDP: {
                UdpHeader h = udp.wrap(b, l4);
                if (c.l4Available >= UdpHeader.LENGTH && !partial) {
                    if (source) {
                        h.setSourcePortWithChecksumUpdate(port); // a zero checksum ("none", RFC 768) stays zero
                    } else {
                        h.setDestinationPortWithChecksumUpdate(port);
                    }
                } else if (c.l4Available >= 4) {
                    if (source) {
                        h.setSourcePort(port);
                    } else {
                        h.setDestinationPort(port);
                    }
                }
                return;
            }
            case PROTO_ICMP:
            case PROTO_ICMPV6:
                if (c.l4Available >= Icmpv4Header.LENGTH) {
                    icmp.wrap(b, l4).setIdentifierWithChecksumUpdate(port);
                } else if (c.l4Available >= Icmpv4Header.SEQUENCE_NUMBER) {
                    icmp.wrap(b, l4).setIdentifier(port);
                }
                return;
            default:
        }
    }

    // ---------------------------------------------------------------- IPv4 → IPv6 (§3.5.1 - §3.5.3)

    /**
     * RFC 6146 §3.5.1.1, §3.5.2.2, §3.5.3, IPv4 → IPv6: the destination (T, t) of a packet to pool4 is looked up
     * in the BIB; with a binding (X', x), the session with the source (Z, z) is found, refreshed or (filtering
     * permitting) created. Sets the IPv6 destination of {@code c} to X'. Only decides. The drop reason (with the
     * answer sent where there is one), or null; the tables' {@link Nat64Outcome} is left in {@link #lastOutcome}.
     */
    DropReason inbound(XlatContext c, IcmpResponder responder) {
        lastOutcome = -1;
        int p = protocolOf(c.proto);
        if (p < 0) {
            return NAT64_PROTOCOL_46;
        }
        ByteBuf b = c.pkt;
        int l4 = c.l4;
        int t;
        int z;
        int flags = 0;
        if (p == Nat64Protocol.ICMP) {
            // a first fragment too, as in outbound
            if (c.l4Available < Icmpv4Header.LENGTH) {
                return TOO_SHORT_L4_46;
            }
            int type = icmp.wrap(b, l4).type();
            if (type != Icmpv4Type.ECHO_REQUEST && type != Icmpv4Type.ECHO_REPLY) {
                return NAT64_ICMP_QUERY_46;
            }
            t = icmp.identifier();
            z = t;
        } else {
            if (c.l4Available < (p == Nat64Protocol.TCP ? TcpHeader.MIN_LENGTH : UdpHeader.LENGTH)) {
                return TOO_SHORT_L4_46;
            }
            z = udp.wrap(b, l4).sourcePort();
            t = udp.destinationPort();
            if (p == Nat64Protocol.TCP) {
                flags = tcp.wrap(b, l4).flags();
            }
        }
        int rc = tables.table(p).inbound(lookup, c.dst4, t, c.src4, z, flags, now);
        lastOutcome = rc;
        c.rules.nat64(p, lookup, c.src4, z);
        switch (rc) {
            case Nat64Outcome.OK:
            case Nat64Outcome.OK_WITHOUT_SESSION:
                if (c.moreFragments) {
                    if (!fragments.put(c.src4, 0, c.dst4, 0, c.identification, c.proto << 1 | 1, lookup.hostHi(),
                            lookup.hostLo(), now)) {
                        return NAT64_FRAGMENT_TABLE_FULL;
                    }
                    early.release(c.src4, 0, c.dst4, 0, c.identification, c.proto << 1 | 1);
                }
                c.dstHi = lookup.hostHi();
                c.dstLo = lookup.hostLo();
                newPort = lookup.hostPort();
                c.rules.destination = AddressRule.NAT64;
                return null;
            case Nat64Outcome.NO_BIB:
                if (p == Nat64Protocol.UDP) {
                    // As Jool (and a host with no socket on the port, RFC 1122 §3.2.2.1): Port Unreachable.
                    responder.icmp4Error(c, Icmpv4Type.DEST_UNREACHABLE, Icmpv4Type.PORT_UNREACHABLE, 0);
                }
                return NAT64_NO_BINDING;
            case Nat64Outcome.FILTERED:
                return NAT64_FILTERED;
            case Nat64Outcome.EXTERNALLY_INITIATED_TCP:
                return NAT64_EXTERNAL_TCP;
            case Nat64Outcome.SYN_HELD:
                if (held != null) {
                    held.store(lookup.heldSlot(), c.buf, c.off, c.total); // §3.5.2.2: "store the packet"
                }
                return NAT64_SYN_HELD;
            case Nat64Outcome.SYN_HOLD_FULL:
                return NAT64_SYN_HOLD_FULL;
            case Nat64Outcome.SUBSCRIBER_SESSION_LIMIT:
            case Nat64Outcome.SUBSCRIBER_BLOCK_LIMIT:
                return NAT64_SUBSCRIBER_LIMIT;
            default:
                return NAT64_TABLE_FULL;
        }
    }

    /** {@link Nat64Outcome} of the last {@link #inbound}, -1 if the tables were not asked. */
    int lastOutcome = -1;

    /**
     * RFC 6146 §3.5.1 - §3.5.3, IPv4 → IPv6 rewrite: the destination port (or the echo identifier) becomes x,
     * checksum updated as in {@link #rewrite64}.
     */
    void rewrite46(XlatContext c) {
        rewriteIdentifier(c, false, newPort);
    }

    // ---------------------------------------------------------------- ICMP errors (§3.4, §3.6)

    /**
     * RFC 6146 §3.4 and §3.6.2 (with RFC 7915 §4.3), an ICMPv4 error to pool4: the 3-tuple is the quoted
     * packet's, the one the translator sent from (T, t) to (Z, z); the binding of (T, t) and its session with
     * (Z, z) are looked up without creating or refreshing anything ("if no ... entry is found, the packet is
     * discarded"). Sets the outer IPv6 destination to X' and {@link #innerSrcHi} (X'), {@link #innerDstHi}
     * (prefix + Z) for the quoted packet, whose source port (or identifier) becomes x. Only decides.
     *
     * @param q the quoted IPv4 header; {@code innerL4}, {@code innerAvailable}: its transport header and how
     *          many of its bytes are quoted
     */
    DropReason error46(XlatContext c, Ipv4Header q, ByteBuf b, int innerL4, int innerAvailable) {
        int p = protocolOf(q.protocol());
        if (p < 0 || q.fragmentOffset() != 0) {
            return NAT64_ICMP_ERROR_NO_BINDING_46;
        }
        int t;
        int z;
        if (p == Nat64Protocol.ICMP) {
            if (innerAvailable < Icmpv4Header.SEQUENCE_NUMBER) {
                return NAT64_ICMP_ERROR_NO_BINDING_46;
            }
            t = icmp.wrap(b, innerL4).identifier();
            z = t;
        } else {
            if (innerAvailable < 4) {
                return NAT64_ICMP_ERROR_NO_BINDING_46;
            }
            t = udp.wrap(b, innerL4).sourcePort();
            z = udp.destinationPort();
        }
        int rc = tables.table(p).peekInbound(lookup, q.source(), t, q.destination(), z);
        c.rules.nat64(p, lookup, q.destination(), z);
        if (rc != Nat64Outcome.OK && rc != Nat64Outcome.OK_WITHOUT_SESSION) {
            return NAT64_ICMP_ERROR_NO_BINDING_46;
        }
        if (mapper.embed(q.destination(), ICMP_ERROR_INNER_46, ICMP_ERROR_INNER_46) != null) {
            return ICMP_ERROR_INNER_46;
        }
        innerDstHi = mapper.hi;
        innerDstLo = mapper.lo;
        innerSrcHi = lookup.hostHi();
        innerSrcLo = lookup.hostLo();
        innerPort = lookup.hostPort();
        c.dstHi = innerSrcHi;
        c.dstLo = innerSrcLo;
        c.rules.destination = AddressRule.NAT64;
        return null;
    }

    /** §3.6.2: the quoted packet's source port (or echo identifier), now in inner mode, becomes x. */
    void rewriteInner46(XlatContext c) {
        rewriteIdentifier(c, true, innerPort);
    }

    /**
     * RFC 6146 §3.4 and §3.6.1, an ICMPv6 error about a packet the IPv6 host X' received from (prefix + Z, z) at
     * (X', x): the binding of (X', x) and its session with (Z, z), looked up without creating anything. Sets
     * the outer IPv4 source to T ({@code c.src4}), {@link #innerSrc4} to Z and {@link #innerDst4} to T; the
     * quoted packet's destination port (or identifier) becomes t.
     *
     * @param nh the quoted packet's upper-layer protocol, at {@code b[innerL4]}, {@code innerAvailable} bytes of
     *           it quoted
     */
    DropReason error64(XlatContext c, int nh, boolean firstFragment, ByteBuf b, int innerL4, int innerAvailable,
            long srcHi, long srcLo, long dstHi, long dstLo) {
        int p = protocolOf(nh);
        if (p < 0 || !firstFragment) {
            return NAT64_ICMP_ERROR_NO_BINDING_64;
        }
        int x;
        int z;
        if (p == Nat64Protocol.ICMP) {
            if (innerAvailable < Icmpv4Header.SEQUENCE_NUMBER) {
                return NAT64_ICMP_ERROR_NO_BINDING_64;
            }
            x = icmp.wrap(b, innerL4).identifier();
            z = x;
        } else {
            if (innerAvailable < 4) {
                return NAT64_ICMP_ERROR_NO_BINDING_64;
            }
            z = udp.wrap(b, innerL4).sourcePort();
            x = udp.destinationPort();
        }
        if (mapper.map6to4(srcHi, srcLo, ICMP_ERROR_INNER_64, ICMP_ERROR_INNER_64) != null) {
            return ICMP_ERROR_INNER_64;
        }
        int z4 = mapper.v4;
        int rc = tables.table(p).peekOutbound(lookup, dstHi, dstLo, x, z4, z);
        c.rules.nat64(p, lookup, z4, z);
        if (rc != Nat64Outcome.OK && rc != Nat64Outcome.OK_WITHOUT_SESSION) {
            return NAT64_ICMP_ERROR_NO_BINDING_64;
        }
        innerSrc4 = z4;
        innerDst4 = lookup.address();
        innerPort = lookup.port();
        c.src4 = innerDst4;
        c.rules.source = AddressRule.NAT64;
        return null;
    }

    /** §3.6.1: the quoted packet's destination port (or echo identifier), now in inner mode, becomes t. */
    void rewriteInner64(XlatContext c) {
        rewriteIdentifier(c, false, innerPort);
    }

    // ---------------------------------------------------------------- IPv4 → IPv6 source, own address

    /**
     * RFC 6146 §3.5.1.1 (and §3.5.2.2, §3.5.3): the IPv6 source of a packet from (Z, z) is "Y' = the IPv6
     * representation of Z" in pool6, the RFC 6052 prefix, never a static map. For an ICMPv4 error, Z is the
     * router that sent it (RFC 7915 §4.3 translates the outer header; Jool's source-icmpv6-errors-better).
     * False (rejected, RFC 7915 §4.4) if it cannot be embedded.
     */
    boolean mapSource46(XlatContext c, Xlat46 xlat) {
        DropReason why = mapper.embed(c.src4, SRC_UNMAPPABLE_46, WKPF_NON_GLOBAL_46);
        if (why != null) {
            xlat.reject(c, why);
            return false;
        }
        c.srcHi = mapper.hi;
        c.srcLo = mapper.lo;
        c.rules.source(mapper);
        return true;
    }

    /** Whether the packet of {@code c}, which found no binding, is an ICMPv4 Echo Request (the own address answers it). */
    boolean echoRequestToSelf(XlatContext c) {
        return lastOutcome == Nat64Outcome.NO_BIB && c.proto == PROTO_ICMP && !c.fragmented
                && c.l4Available >= Icmpv4Header.LENGTH && icmp.wrap(c.pkt, c.l4).type() == Icmpv4Type.ECHO_REQUEST;
    }

    // ---------------------------------------------------------------- hairpinning (§3.8)

    private final Ipv6Header ip6 = new Ipv6Header();

    /**
     * RFC 6146 §3.8: "the NAT64 MUST support hairpinning": an IPv6 packet from (X1', x1) to prefix + (T, t), a
     * pool4 address, is translated as it would leave (the binding (T1, t1) of its source, §3.5) and, in the same
     * step, as it would come back (the binding (X2', x2) of (T, t), with the session from (T1, t1)). It goes
     * back to IPv6 from prefix + T1 port t1 to X2' port x2, hop limit decremented once, the transport checksum
     * updated for the new addresses and ports. Dropped, counted, if either lookup fails.
     */
    void hairpin(XlatContext c, IcmpResponder responder, PacketOutput output, XlatCounters counters) {
        DropReason why = c.fragmented ? NAT64_FRAGMENT_64 : outbound(c, responder);
        if (why != null) {
            c.drop(why);
            return;
        }
        int p = protocolOf(c.proto);
        int t1Address = c.src4;
        int t1 = newPort;
        ByteBuf b = c.buf;
        int l4 = c.l4;
        int t = p == Nat64Protocol.ICMP ? t1 : udp.wrap(b, l4).destinationPort();
        int flags = p == Nat64Protocol.TCP ? tcp.wrap(b, l4).flags() : 0;
        int rc = tables.table(p).inbound(lookup, c.dst4, t, t1Address, t1, flags, now);
        c.rules.nat64(p, lookup, t1Address, t1);
        c.rules.nat64Hairpin = true;
        if (rc == Nat64Outcome.SYN_HELD && held != null) {
            held.store(lookup.heldSlot(), c.buf, c.off, c.total); // the IPv6 SYN, answered in IPv6 if it times out
        }
        if (rc != Nat64Outcome.OK && rc != Nat64Outcome.OK_WITHOUT_SESSION) {
            c.drop(rc == Nat64Outcome.NO_BIB ? NAT64_NO_BINDING : rc == Nat64Outcome.FILTERED ? NAT64_FILTERED
                    : rc == Nat64Outcome.SYN_HELD ? NAT64_SYN_HELD : rc == Nat64Outcome.EXTERNALLY_INITIATED_TCP
                    ? NAT64_EXTERNAL_TCP : rc == Nat64Outcome.SYN_HOLD_FULL ? NAT64_SYN_HOLD_FULL : NAT64_TABLE_FULL);
            return;
        }
        if (mapper.embed(t1Address, SRC_UNMAPPABLE_64, WKPF_NON_GLOBAL_64) != null) {
            c.drop(SRC_UNMAPPABLE_64);
            return;
        }
        long srcHi = mapper.hi;
        long srcLo = mapper.lo;
        long dstHi = lookup.hostHi();
        long dstLo = lookup.hostLo();
        int x2 = lookup.hostPort();
        c.rules.source = AddressRule.NAT64;
        c.rules.destination = AddressRule.NAT64;
        int oldSum = Checksum.sumIpv6(c.srcHi, c.srcLo)
                + Checksum.sumIpv6(c.dstHi, c.dstLo);
        int newSum = Checksum.sumIpv6(srcHi, srcLo)
                + Checksum.sumIpv6(dstHi, dstLo);
        if (p == Nat64Protocol.TCP) {
            TcpHeader h = tcp.wrap(b, l4);
            h.updateChecksum(oldSum, newSum);
            h.setSourcePortWithChecksumUpdate(t1);
            h.setDestinationPortWithChecksumUpdate(x2);
        } else if (p == Nat64Protocol.UDP) {
            UdpHeader h = udp.wrap(b, l4);
            if (h.checksum() != 0) {
                int sum = Checksum.update(h.checksum(), oldSum, newSum);
                h.setChecksum(sum == 0 ? 0xffff : sum);
            }
            h.setSourcePortWithChecksumUpdate(t1);
            h.setDestinationPortWithChecksumUpdate(x2);
        } else {
            Icmpv4Header h = icmp.wrap(b, l4);
            h.updateChecksum(oldSum, newSum);
            h.setIdentifierWithChecksumUpdate(x2);
        }
        Ipv6Header h = ip6.wrap(b, c.off);
        h.setHopLimit(c.ttl - 1);
        h.setSource(srcHi, srcLo);
        h.setDestination(dstHi, dstLo);
        counters.translated(XlatCounters.DIR_64, c.proto, c.total); // hairpinned: one translation
        output.emit(b, c.off, c.total);
    }
}
