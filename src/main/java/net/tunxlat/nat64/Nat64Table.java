// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/**
 * The BIB and session table of one protocol and the operations the translator calls per packet (RFC 6146
 * §3.5): {@link #outbound} for IPv6 → IPv4, {@link #inbound} for IPv4 → IPv6. Lock-free and allocation-free:
 * a lookup is two chain walks; a refresh is at most one CAS per second per session (the expiry is kept in
 * whole seconds and only moved forward); creating a binding or session is a few CASes. Every operation
 * must run between {@link Epochs#enter} and {@link Epochs#exit}.
 */
public final class Nat64Table {
    private static final int RETRY = -1;
    private static final int NOT_FOUND = -2;
    private static final int ATTEMPTS = 16;

    final int protocol;
    final Bib bib;
    final Sessions sessions;
    /**
     * Set by a worker whose new TCP flow found no port (the pool, or its subscriber's blocks, exhausted); read and
     * cleared by the sweeper, which then ends closed sessions before their TCP_TRANS runs out (see
     * {@link Nat64Tables}). A plain flag: only its value matters, once a pass.
     */
    volatile boolean portPressure;
    /** Run by the worker that sets {@link #portPressure}: wakes the sweeper (once per pass at most; see there). */
    volatile Runnable pressureWake = () -> { };
    /** Sweeper-private: until when (the workers' seconds) closed TCP sessions end early, after ports ran out. */
    long reapUntil = Long.MIN_VALUE;
    final PortAllocator ports;
    final Subscribers subs;
    final SynHold hold;
    private final Timeouts timeouts;
    private final int lifetime;
    private final boolean adf;
    private final boolean dropExternalTcp;

    Nat64Table(int protocol, Nat64Settings settings, Subscribers subs, Deterministic deterministic, long k0, long k1) {
        this.protocol = protocol;
        int statics = (int) settings.statics().stream().filter(s -> s.protocol() == protocol).count();
        int max = settings.maxSessions()[protocol];
        // room for the duplicates of lost races and for entries waiting for their grace period
        this.bib = new Bib(max + max / 16 + 64 + statics, max + statics, k0, k1);
        this.sessions = new Sessions(max, k1 ^ 0x2545F4914F6CDD1DL, k0);
        this.ports = new PortAllocator(protocol, settings.pool4(), deterministic, settings.maxIterations(), k0 + 1,
                k1 - 1);
        this.subs = subs;
        this.hold = new SynHold(protocol == Nat64Protocol.TCP ? settings.maxSynHeld() : 0);
        this.timeouts = settings.timeouts();
        this.lifetime = protocol == Nat64Protocol.UDP ? timeouts.udp() : timeouts.icmp();
        this.adf = settings.addressDependentFiltering();
        this.dropExternalTcp = settings.dropExternallyInitiatedTcp();
        for (Nat64Settings.StaticBib s : settings.statics()) {
            if (s.protocol() == protocol) {
                addStatic(s);
            }
        }
    }

    /** RFC 6146 §3.1: a static BIB entry, never expiring (its count holds one reference of its own). */
    private void addStatic(Nat64Settings.StaticBib s) {
        int e = bib.slab.pop();
        bib.setHost(e, s.hostHi(), s.hostLo(), s.hostPort());
        bib.block[e] = -1;
        bib.setWord(e, Bib.CLAIMING << Bib.STATE_SHIFT | 1, -1);
        if (!bib.claimPort(e, s.address(), s.port())
                || bib.by6.insertIfAbsent(bib.by6.bucketOf(e), e, s.hostHi(), s.hostLo(), s.hostPort(), 0) >= 0) {
            throw new IllegalArgumentException("static BIB entry " + s + " uses an IPv4 or IPv6 transport address"
                    + " given twice");
        }
        bib.publish(e);
    }

    private static boolean isSyn(int flags) {
        return (flags & (TcpStates.SYN | TcpStates.RST)) == TcpStates.SYN;
    }

    /**
     * IPv6 → IPv4 (RFC 6146 §3.5.1 UDP, §3.5.2 TCP, §3.5.3 ICMP queries): the binding of (X', x) (created with a
     * port by RFC 6056 algorithm 3 if absent: endpoint-independent mapping, §3.5.1 "the NAT64 searches for a
     * BIB entry that matches the (X',x) pair") and the session with remote (Z, z) (created if absent, else its
     * lifetime refreshed; TCP through {@link TcpStates}). {@code tcpFlags} only for TCP. Returns a
     * {@link Nat64Outcome}, the details in {@code r}.
     */
    public int outbound(Nat64Lookup r, long xHi, long xLo, int x, int z4, int z, int tcpFlags, long now) {
        r.heldSlot = -1;
        r.created = 0;
        boolean tcp = protocol == Nat64Protocol.TCP;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int b = bib.find6(xHi, xLo, x);
            if (b < 0) {
                if (tcp && !isSyn(tcpFlags)) {
                    return r.fail(Nat64Outcome.TCP_NOT_SYN);
                }
                b = createBib(xHi, xLo, x, z4, z, now);
                if (b == RETRY) {
                    continue;
                }
                if (b < 0) {
                    if (tcp && (-2 - b == Nat64Outcome.POOL_EXHAUSTED || -2 - b == Nat64Outcome.SUBSCRIBER_BLOCK_LIMIT)
                            && !portPressure) {
                        portPressure = true; // a pass now ends closed sessions early (Nat64Tables.sweepSessions)
                        pressureWake.run();
                    }
                    return r.fail(-2 - b);
                }
                r.created = Nat64Lookup.CREATED_BIB;
            } else {
                int rc = useSession(r, b, z4, z, true, tcpFlags, now);
                if (rc == RETRY) {
                    continue;
                }
                if (rc != NOT_FOUND) {
                    return rc;
                }
                if (tcp && !isSyn(tcpFlags)) {
                    return r.ok(Nat64Outcome.OK_WITHOUT_SESSION, -1, bib, b, TcpStates.CLOSED);
                }
                int why = reserve(b);
                if (why == RETRY) {
                    continue;
                }
                if (why != Nat64Outcome.OK) {
                    return r.fail(why);
                }
            }
            int rc = attachSession(r, b, z4, z, true, tcpFlags, now);
            if (rc == RETRY) {
                continue;
            }
            if (tcp && rc == Nat64Outcome.OK) {
                r.heldSlot = hold.consume(bib.t4(b), bib.t(b), z4, z);
            }
            return rc;
        }
        return r.fail(Nat64Outcome.TABLE_FULL);
    }

    /**
     * IPv4 → IPv6 (RFC 6146 §3.5.1.1, §3.5.2, §3.5.3): the binding of (T, t) and the session with remote (Z, z).
     * No binding: dropped (NO_BIB), except a TCP SYN, which is held for a simultaneous open (or dropped when
     * externally initiated TCP is refused). A binding but no session: endpoint-independent filtering creates
     * the session; address-dependent filtering only if the binding has a session with Z. TCP other than a SYN
     * without a session passes without one (§3.5.2.2 CLOSED, "other packets").
     */
    public int inbound(Nat64Lookup r, int t4, int t, int z4, int z, int tcpFlags, long now) {
        r.heldSlot = -1;
        r.created = 0;
        boolean tcp = protocol == Nat64Protocol.TCP;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int b = bib.find4(t4, t);
            if (b < 0) {
                if (tcp && isSyn(tcpFlags)) {
                    if (dropExternalTcp) {
                        return r.fail(Nat64Outcome.EXTERNALLY_INITIATED_TCP);
                    }
                    int slot = hold.hold(t4, t, z4, z, now + timeouts.tcpIncomingSyn());
                    r.fail(slot < 0 ? Nat64Outcome.SYN_HOLD_FULL : Nat64Outcome.SYN_HELD);
                    r.heldSlot = slot;
                    return r.outcome;
                }
                return r.fail(Nat64Outcome.NO_BIB);
            }
            int rc = useSession(r, b, z4, z, false, tcpFlags, now);
            if (rc == RETRY) {
                continue;
            }
            if (rc != NOT_FOUND) {
                return rc;
            }
            if (adf && sessions.find(sessions.bucketOf(b, z4), Sessions.key(b, z4), 0, z, Sessions.ANY_PORT) < 0) {
                return r.fail(Nat64Outcome.FILTERED);
            }
            if (tcp && !isSyn(tcpFlags)) {
                return r.ok(Nat64Outcome.OK_WITHOUT_SESSION, -1, bib, b, TcpStates.CLOSED);
            }
            if (tcp && dropExternalTcp) {
                return r.fail(Nat64Outcome.EXTERNALLY_INITIATED_TCP);
            }
            int why = reserve(b);
            if (why == RETRY) {
                continue;
            }
            if (why != Nat64Outcome.OK) {
                return r.fail(why);
            }
            rc = attachSession(r, b, z4, z, false, tcpFlags, now);
            if (rc != RETRY) {
                return rc;
            }
        }
        return r.fail(Nat64Outcome.TABLE_FULL);
    }

    /**
     * A lookup that creates and refreshes nothing, for the inner packet of an ICMP error (RFC 6146 §3.4: the
     * tuple comes from the inner packet; "if no ... session is found, the packet is discarded") and for
     * listings: the binding of (X', x) and its session with (Z, z). OK with the session, OK_WITHOUT_SESSION with
     * the binding only, or NO_BIB.
     */
    public int peekOutbound(Nat64Lookup r, long xHi, long xLo, int x, int z4, int z) {
        return peek(r, bib.find6(xHi, xLo, x), z4, z);
    }

    /** As {@link #peekOutbound}, from the IPv4 side: the binding of (T, t) and its session with (Z, z). */
    public int peekInbound(Nat64Lookup r, int t4, int t, int z4, int z) {
        return peek(r, bib.find4(t4, t), z4, z);
    }

    private int peek(Nat64Lookup r, int b, int z4, int z) {
        r.heldSlot = -1;
        r.created = 0;
        if (b < 0) {
            return r.fail(Nat64Outcome.NO_BIB);
        }
        int s = sessions.find(sessions.bucketOf(b, z4), Sessions.key(b, z4), 0, z, Sessions.EXACT);
        if (s < 0) {
            return r.ok(Nat64Outcome.OK_WITHOUT_SESSION, -1, bib, b, TcpStates.CLOSED);
        }
        return r.ok(Nat64Outcome.OK, s, bib, b, Sessions.tcpState(sessions.word(s)));
    }

    /** Takes a reference on BIB entry {@code b} and a session of its subscriber: OK, RETRY or a limit. */
    private int reserve(int b) {
        if (!bib.retain(b)) {
            return RETRY;
        }
        int s = bib.subscriber(b);
        if (s >= 0 && !subs.reserveSession(s)) {
            bib.release(b);
            return Nat64Outcome.SUBSCRIBER_SESSION_LIMIT;
        }
        return Nat64Outcome.OK;
    }

    private void unreserve(int b) {
        int s = bib.subscriber(b);
        if (s >= 0) {
            subs.releaseSession(s);
        }
        bib.release(b);
    }

    /**
     * A new dynamic BIB entry for (X', x): subscriber, port (RFC 6056 algorithm 3), linked by (T, t) then by
     * (X', x). Returns the entry, holding one reference and one subscriber session for the caller's session;
     * RETRY when another worker bound (X', x) first; or -2 - outcome.
     */
    private int createBib(long xHi, long xLo, int x, int z4, int z, long now) {
        int s = subs.acquireForBib(xHi, xLo);
        if (s < 0) {
            return -2 + s;
        }
        int e = bib.slab.pop();
        if (e < 0) {
            subs.releaseSession(s);
            subs.releaseBib(s);
            return -2 - Nat64Outcome.TABLE_FULL;
        }
        bib.setHost(e, xHi, xLo, x);
        bib.setWord(e, Bib.CLAIMING << Bib.STATE_SHIFT | 1, s);
        int block = claimHeldPort(e, s, z4, z, now);
        if (block == PortAllocator.NOT_CLAIMED) {
            block = ports.allocate(bib, e, s, subs, z4, z, now);
        }
        if (block < -1) {
            bib.setWord(e, Bib.FREE);
            bib.slab.push(e);
            subs.releaseSession(s);
            subs.releaseBib(s);
            return block;
        }
        bib.block[e] = block;
        // linked by (T, t): from here the sweeper owns the entry's end (uncount block, release subscriber's BIB)
        if (bib.by6.insertIfAbsent(bib.by6.bucketOf(e), e, xHi, xLo, x, 0) >= 0) {
            bib.setWord(e, Bib.DEAD << Bib.STATE_SHIFT);
            subs.releaseSession(s);
            return RETRY;
        }
        bib.publish(e);
        return e;
    }

    /**
     * RFC 6146 §3.5.2.2, simultaneous open: an IPv4 SYN from (Z, z) held for (T, t) can only meet the IPv6 SYN if
     * the new binding is (T, t), so that port is claimed first when subscriber {@code s} may have it
     * ({@link PortAllocator#claimExact}). The block used, -1 for none, or {@link PortAllocator#NOT_CLAIMED}.
     */
    private int claimHeldPort(int e, int s, int z4, int z, long now) {
        if (protocol != Nat64Protocol.TCP) {
            return PortAllocator.NOT_CLAIMED;
        }
        long at = hold.heldFor(z4, z);
        if (at < 0) {
            return PortAllocator.NOT_CLAIMED;
        }
        return ports.claimExact(bib, e, s, subs, (int) (at >>> 16), (int) at & 0xffff, now);
    }

    /**
     * Creates the session (b, Z, z), the caller holding a reference on b and a subscriber session. On a lost race
     * the reservations are given back and the winner's session is used.
     */
    private int attachSession(Nat64Lookup r, int b, int z4, int z, boolean fromV6, int tcpFlags, long now) {
        int s = sessions.slab.pop();
        if (s < 0) {
            unreserve(b);
            return r.fail(Nat64Outcome.TABLE_FULL);
        }
        int tcpState = TcpStates.CLOSED;
        long expiry = now + lifetime;
        if (protocol == Nat64Protocol.TCP) {
            int next = TcpStates.next(TcpStates.CLOSED, fromV6, tcpFlags);
            tcpState = TcpStates.state(next);
            expiry = now + lifetimeOf(TcpStates.timer(next));
        }
        sessions.setKey(s, b, z4);
        sessions.set(s, Sessions.live(z, tcpState, expiry));
        int other = sessions.insertIfAbsent(sessions.bucketOf(b, z4), s, Sessions.key(b, z4), 0, z, Sessions.EXACT);
        if (other >= 0) {
            sessions.set(s, Sessions.FREE);
            sessions.slab.push(s);
            unreserve(b);
            int rc = useSession(r, b, z4, z, fromV6, tcpFlags, now);
            return rc == NOT_FOUND ? RETRY : rc;
        }
        r.created |= Nat64Lookup.CREATED_SESSION;
        return r.ok(Nat64Outcome.OK, s, bib, b, tcpState);
    }

    private int lifetimeOf(int timer) {
        switch (timer) {
            case TcpStates.EST:
                return timeouts.tcpEstablished();
            case TcpStates.TRANS_TIMER:
                return timeouts.tcpTransitory();
            case TcpStates.INCOMING_SYN:
                return timeouts.tcpIncomingSyn();
            default:
                return 0;
        }
    }

    /**
     * The existing session (b, Z, z), refreshed: UDP and ICMP lifetimes restart (RFC 6146 §3.5.1, §3.5.3); TCP
     * moves through {@link TcpStates#next}. One CAS, and none when nothing changes (same second, same state).
     */
    private int useSession(Nat64Lookup r, int b, int z4, int z, boolean fromV6, int tcpFlags, long now) {
        int s = sessions.find(sessions.bucketOf(b, z4), Sessions.key(b, z4), 0, z, Sessions.EXACT);
        if (s < 0) {
            return NOT_FOUND;
        }
        for (;;) {
            long w = sessions.word(s);
            if (Sessions.state(w) != Sessions.LIVE) {
                return RETRY;
            }
            long updated;
            int tcpState = Sessions.tcpState(w);
            if (protocol == Nat64Protocol.TCP) {
                int next = TcpStates.next(tcpState, fromV6, tcpFlags);
                tcpState = TcpStates.state(next);
                int timer = TcpStates.timer(next);
                long expiry = timer == TcpStates.KEEP ? Sessions.expiry(w) : (now + lifetimeOf(timer));
                updated = Sessions.live(z, tcpState, expiry);
            } else {
                long expiry = now + lifetime;
                updated = Sessions.expiry(w) >= (expiry & Sessions.EXPIRY_MASK) ? w : Sessions.live(z, 0, expiry);
            }
            if (updated == w || sessions.cas(s, w, updated)) {
                return r.ok(Nat64Outcome.OK, s, bib, b, tcpState);
            }
        }
    }

    /** The remote (Z) of session {@code s}, for the translator's IPv4 → IPv6 source (Y' = prefix + Z). */
    public int remoteAddress(int s) {
        return sessions.z4(s);
    }

    public int remotePort(int s) {
        return Sessions.z(sessions.word(s));
    }

    /** The expiry of session {@code s} in seconds of the caller's clock (for session listings). */
    public long expiry(int s) {
        return Sessions.expiry(sessions.word(s));
    }

    int settingsTransitory() {
        return timeouts.tcpTransitory();
    }

    public int protocol() {
        return protocol;
    }
}
