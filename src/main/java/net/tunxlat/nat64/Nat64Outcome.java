// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/**
 * What a table operation decided, as a small int (no allocation): {@link #OK} or a reason the packet cannot be
 * translated. The translator maps each failure to one DropReason (see docs/nat64-design.md) so every drop is
 * counted with its reason.
 */
public final class Nat64Outcome {
    /** A session was found or created; the lookup holds it. */
    public static final int OK = 0;
    /** TCP without a session but with a BIB entry (RFC 6146 §3.5.2.2 CLOSED, "other packets"): translate. */
    public static final int OK_WITHOUT_SESSION = 1;
    /** IPv4 → IPv6 with no BIB entry for (T, t) (RFC 6146 §3.5.1.1, §3.5.2.1, §3.5.3). */
    public static final int NO_BIB = 2;
    /** Address-dependent filtering: no session of the BIB entry with this remote address (RFC 6146 §3.5.1.1). */
    public static final int FILTERED = 3;
    /** No free port in pool4 (or the subscriber's blocks and no free block) within the iteration bound. */
    public static final int POOL_EXHAUSTED = 4;
    /** The subscriber is at its session limit. */
    public static final int SUBSCRIBER_SESSION_LIMIT = 5;
    /** The subscriber is at its block limit and its blocks are full. */
    public static final int SUBSCRIBER_BLOCK_LIMIT = 6;
    /** The configured maximum of sessions (or BIB entries, or subscribers) is reached. */
    public static final int TABLE_FULL = 7;
    /** TCP from IPv6 without a session that is not a SYN and has no BIB entry (RFC 6146 §3.5.2.2). */
    public static final int TCP_NOT_SYN = 8;
    /** An IPv4 SYN without a BIB entry while drop-externally-initiated-tcp is on (RFC 6146 §3.5.2.2). */
    public static final int EXTERNALLY_INITIATED_TCP = 9;
    /** An IPv4 SYN without a BIB entry is now held for a simultaneous open (RFC 6146 §3.5.2.2): keep the packet. */
    public static final int SYN_HELD = 10;
    /** An IPv4 SYN without a BIB entry could not be held: the hold is full (bounded). */
    public static final int SYN_HOLD_FULL = 11;
    /** The deterministic (RFC 7422) mode has no block for this subscriber (outside the configured range). */
    public static final int NO_DETERMINISTIC_BLOCK = 12;

    private static final String[] NAMES = {"ok", "ok_without_session", "no_bib", "filtered", "pool_exhausted",
        "subscriber_session_limit", "subscriber_block_limit", "table_full", "tcp_not_syn", "externally_initiated_tcp",
        "syn_held", "syn_hold_full", "no_deterministic_block"};

    private Nat64Outcome() {
    }

    public static String name(int outcome) {
        return NAMES[outcome];
    }

    public static int count() {
        return NAMES.length;
    }
}
