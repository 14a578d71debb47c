// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/**
 * The result of one table operation, a mutable object each worker owns (a final field of its context, like the
 * header views): no allocation per packet. Valid until the worker's next operation and only while it is inside
 * the tables ({@link Epochs#enter}).
 */
public final class Nat64Lookup {
    int outcome;
    int session = -1;
    int bib = -1;
    int address;
    int port;
    long hostHi;
    long hostLo;
    int hostPort;
    int tcpState;
    int heldSlot = -1;
    /** What the operation created: {@link #CREATED_BIB}, {@link #CREATED_SESSION}, both or neither. */
    int created;

    /** {@link #created()}: the operation created the BIB entry (a new binding). */
    public static final int CREATED_BIB = 1;
    /** {@link #created()}: the operation created the session. */
    public static final int CREATED_SESSION = 2;

    int fail(int why) {
        outcome = why;
        session = -1;
        return why;
    }

    int ok(int outcome, int session, Bib table, int b, int tcpState) {
        this.outcome = outcome;
        this.session = session;
        this.bib = b;
        this.address = table.t4(b);
        this.port = table.t(b);
        this.hostHi = table.hi(b);
        this.hostLo = table.lo(b);
        this.hostPort = table.x(b);
        this.tcpState = tcpState;
        return outcome;
    }

    /** {@link Nat64Outcome}. */
    public int outcome() {
        return outcome;
    }

    /** The session id, -1 for none. */
    public int session() {
        return session;
    }

    /** T: the pool4 address of the binding. */
    public int address() {
        return address;
    }

    /** t: the pool4 port (or ICMP identifier) of the binding. */
    public int port() {
        return port;
    }

    /** X' (high 64 bits): the IPv6 host of the binding. */
    public long hostHi() {
        return hostHi;
    }

    public long hostLo() {
        return hostLo;
    }

    /** x: the IPv6 host's port (or ICMP identifier). */
    public int hostPort() {
        return hostPort;
    }

    /** The TCP state after this packet ({@link TcpStates}). */
    public int tcpState() {
        return tcpState;
    }

    /** What the last operation created ({@link #CREATED_BIB} | {@link #CREATED_SESSION}); 0 when it found both. */
    public int created() {
        return created;
    }

    /** The BIB entry id of the binding found or created, valid with the session after OK / OK_WITHOUT_SESSION. */
    public int bibEntry() {
        return bib;
    }

    /** For {@link Nat64Outcome#SYN_HELD}: the slot to store the packet in; after an outbound SYN, a slot whose
     * stored packet is to be discarded; else -1. */
    public int heldSlot() {
        return heldSlot;
    }
}
