// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.List;
import net.tunxlat.mapping.Ipv6Prefix;

/**
 * The configuration of the stateful tables (immutable).
 *
 * @param pool4 the pool and its block size
 * @param maxSessions the most sessions per protocol (TCP, UDP, ICMP): the arrays are sized from these
 * @param maxSubscribers the most subscribers at once
 * @param subscriberLength IPv6 prefix length that makes one subscriber (128: each address; 64: each /64)
 * @param sessionsPerSubscriber the most sessions of one subscriber (all protocols)
 * @param blocksPerSubscriber the most port blocks of one subscriber per protocol (block mode)
 * @param deterministicRange the subscriber range of the deterministic mode (RFC 7422), or null
 * @param maxIterations RFC 6056 algorithm 3's bound on tries per allocation
 * @param addressDependentFiltering RFC 4787 address-dependent filtering instead of endpoint-independent
 * @param dropExternallyInitiatedTcp RFC 6146 §3.5.2.2 "drop externally initiated TCP connections"
 * @param maxSynHeld the most IPv4 SYNs held for a simultaneous open
 * @param statics static BIB entries
 */
public record Nat64Settings(Pool4 pool4, int[] maxSessions, int maxSubscribers, int subscriberLength,
        int sessionsPerSubscriber, int blocksPerSubscriber, Ipv6Prefix deterministicRange, int maxIterations,
        Timeouts timeouts, boolean addressDependentFiltering, boolean dropExternallyInitiatedTcp, int maxSynHeld,
        List<StaticBib> statics) {

    /** A static BIB entry (RFC 6146 §3.1): (X', x) ↔ (T, t) of {@code protocol}, never expiring. */
    public record StaticBib(int protocol, long hostHi, long hostLo, int hostPort, int address, int port) {
    }

    public Nat64Settings {
        if (maxSessions.length != Nat64Protocol.COUNT) {
            throw new IllegalArgumentException("maxSessions: one per protocol");
        }
        maxSessions = maxSessions.clone();
        statics = List.copyOf(statics);
        if (maxIterations < 1) {
            throw new IllegalArgumentException("max-iterations must be at least 1");
        }
    }

    /** Defaults as RFC 6146 and Jool choose them, for the given pool and session maximum per protocol. */
    public static Nat64Settings defaults(Pool4 pool4, int maxSessionsEach) {
        return new Nat64Settings(pool4, new int[] {maxSessionsEach, maxSessionsEach, maxSessionsEach},
                Math.max(16, maxSessionsEach / 4), 128, 8192, 8, null, 1024, Timeouts.RFC6146, false, false, 10,
                List.of());
    }
}
