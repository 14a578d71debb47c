// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * Puts saved state back into empty tables at start, before any worker or the sweeper runs (so plain writes are
 * safe where the tables otherwise use CAS): port blocks with their owners, BIB entries with their (T, t), sessions
 * with their TCP state and remaining lifetime. What no longer fits the configuration is skipped and counted by
 * reason; the first few of each reason are described, the rest summed up ({@link #warnings}).
 *
 * <p>Every restored block holds one count of its own, so that the sweeper does not release it while it is empty
 * (after a crash its subscriber's sessions are gone, but the subscriber keeps its blocks, so the block log stays
 * true and its next flows get ports in the same blocks); {@link #releaseHolds} gives the counts back after a grace
 * period.
 */
final class Nat64Restore {
    /** Why an entry was skipped. */
    static final int NOT_IN_POOL = 0;
    static final int STATIC_GONE = 1;
    static final int TAKEN = 2;
    static final int BLOCK_CHANGED = 3;
    static final int LIMIT = 4;
    static final int ORPHAN = 5;
    private static final String[] WHY = {
        "its IPv4 address and port are not in pool4 any more",
        "the static 'bib' line is not in the configuration any more",
        "its IPv4 or IPv6 transport address is already taken (a static 'bib' line, or a duplicate)",
        "the port blocks changed (block size, subscriber prefix length, deterministic range or an owner conflict)",
        "a limit is reached (nat64-max-sessions, nat64-max-subscriber-sessions, nat64-max-blocks or subscribers)",
        "its binding was skipped"};
    /** How many skipped entries of each reason are described one by one. */
    static final int DESCRIBED = 3;

    private final Nat64Tables tables;
    private final Subscribers subs;
    private final Pool4 pool;
    private final int now;
    private final long wallNow;
    final long[] skipped = new long[WHY.length];
    private final List<String> described = new ArrayList<>();
    /** (protocol, block) of every restored block, each holding one count until {@link #releaseHolds}. */
    private final List<int[]> held = new ArrayList<>();
    /** (protocol, BIB entry) of restored dynamic entries, each holding its creator's reference until {@link #finish}. */
    private final List<int[]> creating = new ArrayList<>();
    int blocks;
    int bibs;
    int sessions;

    /**
     * @param now the tables' clock (the workers' monotonic seconds)
     * @param wallNow UTC seconds, for the blocks' allocation times
     */
    Nat64Restore(Nat64Tables tables, long now, long wallNow) {
        this.tables = tables;
        this.subs = tables.subscriberTable();
        this.pool = tables.settings().pool4();
        this.now = (int) now;
        this.wallNow = wallNow;
    }

    /** Counts a skipped entry; describes it ({@code what}, only then formatted) if it is among the first few. */
    private boolean skip(int why, Supplier<String> what) {
        if (skipped[why]++ < DESCRIBED) {
            described.add(what.get() + ": skipped, " + WHY[why]);
        }
        return false;
    }

    /** One line per skipped entry for the first few of each reason, then one sum per reason; empty if none. */
    List<String> warnings() {
        List<String> out = new ArrayList<>(described);
        for (int i = 0; i < WHY.length; i++) {
            if (skipped[i] > DESCRIBED) {
                out.add((skipped[i] - DESCRIBED) + " more entries skipped: " + WHY[i]);
            }
        }
        return out;
    }

    long skippedTotal() {
        long n = 0;
        for (long k : skipped) {
            n += k;
        }
        return n;
    }

    private static String where(int protocol, int address, int port) {
        return Nat64Protocol.name(protocol) + " " + Addresses.formatIpv4(address) + " " + port;
    }

    /**
     * RFC 6888 REQ-4 / RFC 7422: port block {@code firstPort-lastPort} of {@code address} owned by {@code subscriber}
     * since {@code allocatedUtc}. True when the block is now owned by that subscriber (restored, or already).
     */
    boolean block(int protocol, Ipv6Prefix subscriber, int address, int firstPort, int lastPort, long allocatedUtc) {
        Supplier<String> what = () -> "port block " + where(protocol, address, firstPort) + "-" + lastPort + " of "
                + subscriber;
        PortAllocator ports = tables.table(protocol).ports;
        if (!pool.contains(protocol, address, firstPort) || !pool.contains(protocol, address, lastPort)) {
            return skip(NOT_IN_POOL, what);
        }
        int b = pool.blockOf(protocol, address, firstPort);
        if (!ports.blockMode() || b < 0 || pool.blockFirstPort(protocol, b) != firstPort
                || lastPort - firstPort + 1 != pool.blockSize() || subscriber.length() != subs.prefixLength) {
            return skip(BLOCK_CHANGED, what);
        }
        int s = subs.acquireForBib(subscriber.hi(), subscriber.lo());
        if (s < 0) {
            return skip(LIMIT, what);
        }
        boolean ok = own(protocol, b, s, allocatedUtc);
        subs.releaseSession(s);
        subs.releaseBib(s);
        return ok || skip(ports.ownerOf(b) >= 0 ? BLOCK_CHANGED : LIMIT, what);
    }

    /** Makes subscriber {@code s} own block {@code b} (holding one count), or finds it does already. */
    private boolean own(int protocol, int b, int s, long allocatedUtc) {
        PortAllocator ports = tables.table(protocol).ports;
        int owner = ports.ownerOf(b);
        if (owner >= 0) {
            return owner == s;
        }
        int slot = subs.reserveSlot(s, protocol);
        if (slot < 0) {
            return false;
        }
        ports.since[b] = (int) (now - Math.max(0, wallNow - allocatedUtc));
        ports.owner[b] = (long) (s + 1) << 32 | 1;
        subs.fillSlot(s, protocol, slot, b);
        tables.restoredBlock(protocol, b, s);
        held.add(new int[] {protocol, b});
        blocks++;
        return true;
    }

    /**
     * RFC 6146 §3.1: the BIB entry (X', x) ↔ (T, t). A static entry must still be configured (the tables made it);
     * a dynamic one gets its (T, t) again, in its subscriber's block. Returns the entry, or -1 if skipped.
     */
    int bib(int protocol, boolean isStatic, long hi, long lo, int x, int t4, int t) {
        Nat64Table table = tables.table(protocol);
        Bib bib = table.bib;
        Supplier<String> what = () -> (isStatic ? "static" : "dynamic") + " binding " + Addresses.formatIpv6(hi, lo)
                + " " + x + " <-> " + where(protocol, t4, t);
        if (isStatic) {
            int e = bib.find6(hi, lo, x);
            if (e < 0 || bib.subscriber(e) != -1 || bib.t4(e) != t4 || bib.t(e) != t) {
                skip(STATIC_GONE, what);
                return -1;
            }
            bibs++;
            return e;
        }
        if (!pool.contains(protocol, t4, t)) {
            skip(NOT_IN_POOL, what);
            return -1;
        }
        PortAllocator ports = table.ports;
        int b = -1;
        if (tables.deterministic() != null) {
            b = tables.deterministic().blockOf(protocol, hi, lo);
            if (b < 0 || pool.blockOf(protocol, t4, t) != b) {
                skip(BLOCK_CHANGED, what);
                return -1;
            }
        } else if (ports.blockMode()) {
            b = pool.blockOf(protocol, t4, t);
            if (b < 0) {
                skip(BLOCK_CHANGED, what);
                return -1;
            }
        }
        int s = subs.acquireForBib(hi, lo);
        if (s < 0) {
            skip(LIMIT, what);
            return -1;
        }
        if (ports.blockMode() && !own(protocol, b, s, wallNow)) {
            subs.releaseSession(s);
            subs.releaseBib(s);
            skip(ports.ownerOf(b) >= 0 ? BLOCK_CHANGED : LIMIT, what);
            return -1;
        }
        int e = bib.slab.pop();
        if (e < 0) {
            subs.releaseSession(s);
            subs.releaseBib(s);
            skip(LIMIT, what);
            return -1;
        }
        bib.setHost(e, hi, lo, x);
        bib.setWord(e, Bib.CLAIMING << Bib.STATE_SHIFT | 1, s);
        boolean claimed = bib.claimPort(e, t4, t);
        if (!claimed || bib.by6.insertIfAbsent(bib.by6.bucketOf(e), e, hi, lo, x, 0) >= 0) {
            if (claimed) {
                bib.by4.unlink(bib.by4.bucketOf(e), e); // no reader yet: the entry was never visible
            }
            bib.setWord(e, Bib.FREE, -1);
            bib.slab.push(e);
            subs.releaseSession(s);
            subs.releaseBib(s);
            skip(TAKEN, what);
            return -1;
        }
        if (ports.blockMode()) {
            ports.owner[b]++; // the entry's count on its block, given back by the sweeper when the entry ends
        }
        bib.block[e] = b;
        bib.publish(e);
        creating.add(new int[] {protocol, e});
        bibs++;
        return e;
    }

    /**
     * RFC 6146 §3.2: the session of BIB entry {@code e} with (Z, z), in {@code tcpState}, ending at {@code expiry}
     * (the tables' clock). {@code e} -1: its binding was skipped.
     */
    boolean session(int protocol, int e, int z4, int z, int tcpState, long expiry) {
        if (e < 0) {
            skipped[ORPHAN]++;
            return false;
        }
        Nat64Table table = tables.table(protocol);
        Bib bib = table.bib;
        Sessions ss = table.sessions;
        Supplier<String> what = () -> Nat64Protocol.name(protocol) + " session " + Addresses.formatIpv4(bib.t4(e)) + " "
                + bib.t(e) + " with " + Addresses.formatIpv4(z4) + " " + z;
        int s = bib.subscriber(e);
        if (!bib.retain(e)) {
            return skip(LIMIT, what);
        }
        if (s >= 0 && !subs.reserveSession(s)) {
            bib.release(e);
            return skip(LIMIT, what);
        }
        int id = ss.slab.pop();
        if (id < 0) {
            unreserve(bib, e, s);
            return skip(LIMIT, what);
        }
        ss.setKey(id, e, z4);
        ss.set(id, Sessions.live(z, protocol == Nat64Protocol.TCP ? tcpState : TcpStates.CLOSED, expiry));
        if (ss.insertIfAbsent(ss.bucketOf(e, z4), id, Sessions.key(e, z4), 0, z, Sessions.EXACT) >= 0) {
            ss.set(id, Sessions.FREE);
            ss.slab.push(id);
            unreserve(bib, e, s);
            return skip(TAKEN, what);
        }
        sessions++;
        return true;
    }

    private void unreserve(Bib bib, int e, int s) {
        if (s >= 0) {
            subs.releaseSession(s);
        }
        bib.release(e);
    }

    /** Gives back the creators' references of the restored dynamic BIB entries (after their sessions). */
    void finish() {
        for (int[] pe : creating) {
            Bib bib = tables.table(pe[0]).bib;
            int s = bib.subscriber(pe[1]);
            subs.releaseSession(s);
            bib.release(pe[1]);
        }
        creating.clear();
    }

    /**
     * Ends the grace of the restored blocks: each gives back the count it held, so an empty one is released at the
     * sweeper's next pass. Safe while the workers and the sweeper run (a CAS per block).
     */
    void releaseHolds() {
        for (int[] pb : held) {
            tables.table(pb[0]).ports.uncount(pb[1]);
        }
        held.clear();
    }
}
