// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * Read-only listings of the live tables (RFC 6146 §3.1 BIB, §3.2 sessions) for {@code tunxlat session} and
 * {@code tunxlat bib}: a scan of the entry arrays that takes no lock, writes nothing, registers with no epoch
 * and so never delays a worker or the reuse of an entry.
 *
 * <p>Without an epoch, an entry may end and be reused while it is being read. Each entry is therefore read as
 * under a sequence lock: its state word (volatile), then its fields (plain reads), an acquire fence, and the word
 * again. Only a LIVE entry whose word did not change is shown; one that changed is read again a few times (a
 * refresh changes a session's word at most once a second) and otherwise skipped and counted in
 * {@link Page#skipped}. An unchanged word means the entry was not reused in between: reuse passes through
 * DEAD, UNLINKED and FREE, and a new session's word has a later expiry. A session holds a reference on its BIB
 * entry, so while the session's word is unchanged its BIB entry cannot end either, and the binding read through
 * it is the session's own. So a listing never shows a half-written or mixed entry; it is not a snapshot of one
 * instant (entries created or ended during the scan may or may not be in it).
 */
public final class Nat64Listing {
    private static final int ATTEMPTS = 8;
    /** Runs between the reads of an entry's fields and the second read of its word; tests change the entry there. */
    static final Runnable NO_HOOK = () -> { };

    private final Nat64Tables tables;

    public Nat64Listing(Nat64Tables tables) {
        this.tables = tables;
    }

    /**
     * What to list. {@code protocol} -1 for all; {@code host} null for any IPv6 host, else the prefix X' must be
     * in (a /128 for one address, the subscriber's prefix for a subscriber); {@code address} -1 for any pool4
     * address, else T as an unsigned int; {@code port} -1 for any, else t.
     */
    public record Filter(int protocol, Ipv6Prefix host, long address, int port) {
        public static final Filter ALL = new Filter(-1, null, -1, -1);

        boolean protocol(int p) {
            return protocol < 0 || protocol == p;
        }

        boolean matches(long hi, long lo, int t4, int t) {
            return (host == null || host.contains(hi, lo)) && (address < 0 || (int) address == t4)
                    && (port < 0 || port == t);
        }
    }

    /**
     * A session (RFC 6146 §3.2): the binding (X', x) ↔ (T, t), the IPv4 remote (Z, z) (the IPv6 side sees it
     * as the prefix + Z), its TCP state ({@link TcpStates}, -1 for UDP and ICMP) and when it expires, in the
     * workers' monotonic seconds.
     */
    public record Session(int protocol, long hostHi, long hostLo, int hostPort, int address, int port,
            int remoteAddress, int remotePort, int tcpState, long expiry, boolean staticBinding) {
    }

    /**
     * A BIB entry (RFC 6146 §3.1): (X', x) ↔ (T, t), static ({@code bib} line) or dynamic, with the number of
     * its sessions.
     */
    public record Binding(int protocol, long hostHi, long hostLo, int hostPort, int address, int port,
            boolean staticEntry, int sessions) {
    }

    /** A port block a subscriber holds. */
    public record Block(int protocol, int address, int firstPort, int lastPort) {
    }

    /** A subscriber (RFC 6888 REQ-4): its counts, limits and port blocks. */
    public record Subscriber(Ipv6Prefix prefix, int sessions, int maxSessions, int bibEntries, List<Block> blocks,
            int maxBlocks) {
    }

    /**
     * At most {@code limit} rows, sorted; {@code matched} counts every entry that matched (so
     * {@code matched - rows.size()} were not shown); {@code skipped} entries changed under every read.
     */
    public record Page<T>(List<T> rows, long matched, int skipped) {
        public long more() {
            return matched - rows.size();
        }
    }

    static final Comparator<Session> SESSION_ORDER = Comparator.comparingInt(Session::protocol)
            .thenComparing(Session::hostHi, Long::compareUnsigned).thenComparing(Session::hostLo, Long::compareUnsigned)
            .thenComparingInt(Session::hostPort).thenComparing(Session::remoteAddress, Integer::compareUnsigned)
            .thenComparingInt(Session::remotePort);
    static final Comparator<Binding> BINDING_ORDER = Comparator.comparingInt(Binding::protocol)
            .thenComparing(Binding::hostHi, Long::compareUnsigned).thenComparing(Binding::hostLo, Long::compareUnsigned)
            .thenComparingInt(Binding::hostPort);

    /** The live sessions that match {@code f}: the first {@code limit} found, sorted by protocol, host, remote. */
    public Page<Session> sessions(Filter f, int limit) {
        List<Session> rows = new ArrayList<>();
        long matched = 0;
        int skipped = 0;
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            if (!f.protocol(p)) {
                continue;
            }
            Nat64Table t = tables.table(p);
            for (int s = 0; s < t.sessions.capacity(); s++) {
                if (Sessions.state(t.sessions.word(s)) != Sessions.LIVE) {
                    continue;
                }
                Session row = readSession(t, s, NO_HOOK);
                if (row == null) {
                    skipped += Sessions.state(t.sessions.word(s)) == Sessions.LIVE ? 1 : 0;
                } else if (f.matches(row.hostHi(), row.hostLo(), row.address(), row.port())) {
                    matched++;
                    if (rows.size() < limit) {
                        rows.add(row);
                    }
                }
            }
        }
        rows.sort(SESSION_ORDER);
        return new Page<>(rows, matched, skipped);
    }

    /** Session {@code s} of {@code t} as one consistent read, or null (not live, or changing under every read). */
    static Session readSession(Nat64Table t, int s, Runnable midRead) {
        Sessions ss = t.sessions;
        Bib bib = t.bib;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long w = ss.word(s);
            if (Sessions.state(w) != Sessions.LIVE) {
                return null;
            }
            int b = ss.bib(s);
            int z4 = ss.z4(s);
            if (b < 0 || b >= bib.capacity()) {
                continue; // a key being written: the word check below would fail too
            }
            long hi = bib.hi(b);
            long lo = bib.lo(b);
            int x = bib.x(b);
            int t4 = bib.t4(b);
            int port = bib.t(b);
            boolean statics = bib.subscriber(b) < 0;
            midRead.run();
            VarHandle.acquireFence();
            if (ss.word(s) == w) {
                int tcp = t.protocol == Nat64Protocol.TCP ? Sessions.tcpState(w) : -1;
                return new Session(t.protocol, hi, lo, x, t4, port, z4, Sessions.z(w), tcp, Sessions.expiry(w),
                        statics);
            }
        }
        return null;
    }

    /** The live BIB entries that match {@code f}: the first {@code limit} found, sorted by protocol and host. */
    public Page<Binding> bindings(Filter f, int limit) {
        List<Binding> rows = new ArrayList<>();
        long matched = 0;
        int skipped = 0;
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            if (!f.protocol(p)) {
                continue;
            }
            Nat64Table t = tables.table(p);
            for (int e = 0; e < t.bib.capacity(); e++) {
                if (Bib.state(t.bib.word(e)) != Bib.LIVE) {
                    continue;
                }
                Binding row = readBinding(t, e, NO_HOOK);
                if (row == null) {
                    skipped += Bib.state(t.bib.word(e)) == Bib.LIVE ? 1 : 0;
                } else if (f.matches(row.hostHi(), row.hostLo(), row.address(), row.port())) {
                    matched++;
                    if (rows.size() < limit) {
                        rows.add(row);
                    }
                }
            }
        }
        rows.sort(BINDING_ORDER);
        return new Page<>(rows, matched, skipped);
    }

    /** BIB entry {@code e} of {@code t} as one consistent read, or null. */
    static Binding readBinding(Nat64Table t, int e, Runnable midRead) {
        Bib bib = t.bib;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int w = bib.word(e);
            if (Bib.state(w) != Bib.LIVE) {
                return null;
            }
            long hi = bib.hi(e);
            long lo = bib.lo(e);
            int x = bib.x(e);
            int t4 = bib.t4(e);
            int port = bib.t(e);
            boolean statics = bib.subscriber(e) < 0;
            midRead.run();
            VarHandle.acquireFence();
            if (bib.word(e) == w) {
                // the count holds the sessions, one more for a static entry (and briefly one for its creator)
                return new Binding(t.protocol, hi, lo, x, t4, port, statics, Bib.count(w) - (statics ? 1 : 0));
            }
        }
        return null;
    }

    /**
     * The live subscriber whose prefix holds IPv6 address (hi, lo), with its blocks (RFC 6888 REQ-4), or null
     * (none, or changing under every read). A scan of the subscribers.
     */
    public Subscriber subscriberOf(long hi, long lo) {
        Subscribers subs = tables.subscriberTable();
        Pool4 pool = tables.settings().pool4();
        Ipv6Prefix of = new Ipv6Prefix(hi & Addresses.maskHi(subs.prefixLength), lo & Addresses.maskLo(subs.prefixLength),
                subs.prefixLength);
        for (int s = 0; s < subs.word.length; s++) {
            if (Subscribers.state(subs.word(s)) != Subscribers.LIVE || subs.hi[s] != of.hi() || subs.lo[s] != of.lo()) {
                continue;
            }
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                long w = subs.word(s);
                if (Subscribers.state(w) != Subscribers.LIVE) {
                    break;
                }
                long sHi = subs.hi[s];
                long sLo = subs.lo[s];
                List<Block> blocks = new ArrayList<>();
                for (int p = 0; p < Nat64Protocol.COUNT; p++) {
                    for (int i = 0; i < subs.maxBlocks; i++) {
                        int b = subs.block(s, p, i);
                        if (b >= 0 && b < pool.blocks(p)) {
                            int first = pool.blockFirstPort(p, b);
                            blocks.add(new Block(p, pool.blockAddress(p, b), first, first + pool.blockSize() - 1));
                        }
                    }
                }
                VarHandle.acquireFence();
                if (subs.word(s) == w && sHi == of.hi() && sLo == of.lo()) {
                    return new Subscriber(of, Subscribers.sessions(w), subs.maxSessions, Subscribers.bibs(w),
                            List.copyOf(blocks), subs.maxBlocks);
                }
            }
        }
        return null;
    }
}
