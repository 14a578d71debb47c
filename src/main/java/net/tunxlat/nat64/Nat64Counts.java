// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/**
 * What the last sweeper pass counted (RFC 6146 §3.1, §3.2 tables, RFC 6888 REQ-4 limits), published as one
 * immutable snapshot for the metrics: a scrape reads this object and scans nothing. The gauges are as the pass
 * saw them (a pass is not atomic: an entry created behind its cursor is counted at the next pass); the
 * counters only grow over the life of the tables (they survive reloads, as the tables do).
 */
public final class Nat64Counts {
    final long passes;
    final double passSeconds;
    final int[] sessions;
    final int[] tcpStates;
    final int[][] bib;
    final int[] blocks;
    final int[] blocksInUse;
    final long[] blockAllocations;
    final long[] blockReleases;
    final long[] created;
    final long[] expired;
    final int subscribers;
    final int atSessionLimit;
    final int atBlockLimit;
    final int synHeld;
    final int[] addresses;
    final long[][] ports;
    final int[][] portsUsed;

    Nat64Counts(long passes, double passSeconds, int[] sessions, int[] tcpStates, int[][] bib, int[] blocks,
            int[] blocksInUse, long[] blockAllocations, long[] blockReleases, long[] created, long[] expired,
            int subscribers, int atSessionLimit, int atBlockLimit, int synHeld, int[] addresses, long[][] ports,
            int[][] portsUsed) {
        this.passes = passes;
        this.passSeconds = passSeconds;
        this.sessions = sessions;
        this.tcpStates = tcpStates;
        this.bib = bib;
        this.blocks = blocks;
        this.blocksInUse = blocksInUse;
        this.blockAllocations = blockAllocations;
        this.blockReleases = blockReleases;
        this.created = created;
        this.expired = expired;
        this.subscribers = subscribers;
        this.atSessionLimit = atSessionLimit;
        this.atBlockLimit = atBlockLimit;
        this.synHeld = synHeld;
        this.addresses = addresses;
        this.ports = ports;
        this.portsUsed = portsUsed;
    }

    /** Sweeper passes so far (0: the tables were never swept; everything below is zero). */
    public long passes() {
        return passes;
    }

    /** How long the last pass took, seconds. */
    public double passSeconds() {
        return passSeconds;
    }

    /** Live sessions of {@code protocol} ({@link Nat64Protocol}). */
    public int sessions(int protocol) {
        return sessions[protocol];
    }

    /** Live TCP sessions in {@code state} ({@link TcpStates}). */
    public int tcpSessions(int state) {
        return tcpStates[state];
    }

    /** Live BIB entries of {@code protocol}: static ({@code bib} lines) or dynamic. */
    public int bibEntries(int protocol, boolean statics) {
        return bib[protocol][statics ? 0 : 1];
    }

    /** Port blocks of {@code protocol} in pool4 (0 outside block mode and in the deterministic mode). */
    public int blocks(int protocol) {
        return blocks[protocol];
    }

    /** Port blocks of {@code protocol} owned by a subscriber. */
    public int blocksInUse(int protocol) {
        return blocksInUse[protocol];
    }

    /** Port blocks of {@code protocol} handed to a subscriber so far (as the block log reports them). */
    public long blockAllocations(int protocol) {
        return blockAllocations[protocol];
    }

    /** Port blocks of {@code protocol} taken back so far. */
    public long blockReleases(int protocol) {
        return blockReleases[protocol];
    }

    /** Sessions of {@code protocol} created so far (each counted when a pass first sees it). */
    public long sessionsCreated(int protocol) {
        return created[protocol];
    }

    /** Sessions of {@code protocol} ended by their lifetime so far (RFC 6146 §4). */
    public long sessionsExpired(int protocol) {
        return expired[protocol];
    }

    /** Live subscribers. */
    public int subscribers() {
        return subscribers;
    }

    /** Subscribers at their session limit ({@code nat64-max-subscriber-sessions}). */
    public int subscribersAtSessionLimit() {
        return atSessionLimit;
    }

    /** Subscribers holding their most blocks ({@code nat64-max-blocks}) of at least one protocol. */
    public int subscribersAtBlockLimit() {
        return atBlockLimit;
    }

    /** IPv4 SYNs held for a simultaneous open now (RFC 6146 §3.5.2.2). */
    public int synHeld() {
        return synHeld;
    }

    /** The pool4 addresses, each once; index {@code i} of {@link #ports} and {@link #portsUsed}. */
    public int address(int i) {
        return addresses[i];
    }

    public int addressCount() {
        return addresses.length;
    }

    /** Ports (ICMP: identifiers) of {@code protocol} that pool4 has at its {@code i}-th address. */
    public long ports(int protocol, int i) {
        return ports[protocol][i];
    }

    /** Of those, the ones bound to a live BIB entry. */
    public int portsUsed(int protocol, int i) {
        return portsUsed[protocol][i];
    }
}
