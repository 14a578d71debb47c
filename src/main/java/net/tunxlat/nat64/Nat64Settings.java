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
 * @param shard this instance's sharded deterministic rule ({@code nat64-shard-file}), or null: then
 *     {@code deterministicRange} is null and {@code pool4} is the concatenation of the parts' ranges
 */
public record Nat64Settings(Pool4 pool4, int[] maxSessions, int maxSubscribers, int subscriberLength,
        int sessionsPerSubscriber, int blocksPerSubscriber, Ipv6Prefix deterministicRange, int maxIterations,
        Timeouts timeouts, boolean addressDependentFiltering, boolean dropExternallyInitiatedTcp, int maxSynHeld,
        List<StaticBib> statics, Shard shard) {

    /**
     * Sharded stateful NAT64 (docs/scale-out.md, "Stateful sharding"): this instance's name and its deterministic
     * parts (its own slice first, then one standby part per instance it stands by for).
     */
    public record Shard(String instance, List<Deterministic.Part> parts) {
        public Shard {
            parts = List.copyOf(parts);
        }
    }

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

    /** Without sharding. */
    public Nat64Settings(Pool4 pool4, int[] maxSessions, int maxSubscribers, int subscriberLength,
            int sessionsPerSubscriber, int blocksPerSubscriber, Ipv6Prefix deterministicRange, int maxIterations,
            Timeouts timeouts, boolean addressDependentFiltering, boolean dropExternallyInitiatedTcp, int maxSynHeld,
            List<StaticBib> statics) {
        this(pool4, maxSessions, maxSubscribers, subscriberLength, sessionsPerSubscriber, blocksPerSubscriber,
                deterministicRange, maxIterations, timeouts, addressDependentFiltering, dropExternallyInitiatedTcp,
                maxSynHeld, statics, null);
    }

    /** The deterministic rule (RFC 7422) of {@code nat64-deterministic} or of the shard, or null (block mode). */
    public Deterministic deterministic() {
        if (shard != null) {
            return new Deterministic(shard.parts(), subscriberLength, pool4);
        }
        return deterministicRange == null ? null : new Deterministic(deterministicRange, subscriberLength, pool4);
    }

    /** What the deterministic rule is, for messages: {@code nat64-deterministic RANGE} or the shard's parts. */
    public String deterministicRule() {
        if (shard != null) {
            return "nat64-shard-file, instance " + shard.instance() + ": " + String.join("; ",
                    shard.parts().stream().map(p -> p.label() + " " + p.subscribers()).toList());
        }
        return deterministicRange == null ? null : "nat64-deterministic " + deterministicRange;
    }

    /** Defaults as RFC 6146 and Jool choose them, for the given pool and session maximum per protocol. */
    public static Nat64Settings defaults(Pool4 pool4, int maxSessionsEach) {
        return new Nat64Settings(pool4, new int[] {maxSessionsEach, maxSessionsEach, maxSessionsEach},
                Math.max(16, maxSessionsEach / 4), 128, 8192, 8, null, 1024, Timeouts.RFC6146, false, false, 10,
                List.of());
    }
}
