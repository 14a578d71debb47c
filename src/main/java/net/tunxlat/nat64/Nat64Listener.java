// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/**
 * What the tables tell the rest of the daemon, always from the sweeper's thread (never from a worker, so a slow
 * logger cannot stall the hot path).
 */
public interface Nat64Listener {
    Nat64Listener NONE = new Nat64Listener() {
    };

    /** A port block was allocated or released (block mode; never in deterministic mode). */
    default void onBlock(BlockEvent event) {
    }

    /**
     * Sharded ({@code nat64-shard-file}): deterministic block {@code event} of the shard part {@code part} (such as
     * "instance xa" or "standby for xb") came into use (its first BIB entry, {@code allocated}) or fell out of use
     * (its last BIB entry ended). Not a block allocation: the rule gives the block; for the logs only.
     */
    default void onShardBlock(String part, BlockEvent event) {
    }

    /**
     * RFC 6146 §3.5.2.2: an IPv4 SYN held in hold slot {@code slot} saw no IPv6 SYN within TCP_INCOMING_SYN: the
     * translator answers the stored packet with ICMP port unreachable and drops it.
     */
    default void onSynTimeout(int slot, int address, int port, int remoteAddress, int remotePort) {
    }
}
