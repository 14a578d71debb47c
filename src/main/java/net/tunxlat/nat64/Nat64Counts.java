// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.Arrays;

/**
 * What the last sweeper pass counted (RFC 6146 §3.1, §3.2 tables, RFC 6888 REQ-4 limits), published for the
 * metrics: a scrape reads this object and scans nothing. The gauges are as the pass saw them (a pass is not
 * atomic: an entry created behind its cursor is counted at the next pass); the counters only grow over the life
 * of the tables (they survive reloads, as the tables do).
 *
 * <p>The sweeper allocates nothing: it fills three of these in turn, so the one {@link Nat64Tables#counts}
 * returns is rewritten two passes (about two seconds) later. Read the values right after asking for it, do not
 * keep it.
 */
public final class Nat64Counts {
    long passes;
    double passSeconds;
    final int[] sessions = new int[Nat64Protocol.COUNT];
    final int[] tcpStates = new int[TcpStates.TRANS + 1];
    final int[][] bib = new int[Nat64Protocol.COUNT][2];
    final int[] blocks = new int[Nat64Protocol.COUNT];
    final int[] blocksInUse = new int[Nat64Protocol.COUNT];
    final long[] blockAllocations = new long[Nat64Protocol.COUNT];
    final long[] blockReleases = new long[Nat64Protocol.COUNT];
    final long[] created = new long[Nat64Protocol.COUNT];
    final long[] expired = new long[Nat64Protocol.COUNT];
    int subscribers;
    int atSessionLimit;
    int atBlockLimit;
    int synHeld;
    final int[] addresses;
    final long[][] ports;
    final int[][] portsUsed;

    /** Empty counts for a pool with {@code addresses} whose ports per protocol are {@code ports} (shared, fixed). */
    Nat64Counts(int[] addresses, long[][] ports) {
        this.addresses = addresses;
        this.ports = ports;
        this.portsUsed = new int[Nat64Protocol.COUNT][addresses.length];
    }

    /** Zeroes the gauges, before a pass counts into them. */
    void clear() {
        Arrays.fill(sessions, 0);
        Arrays.fill(tcpStates, 0);
        Arrays.fill(blocksInUse, 0);
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            Arrays.fill(bib[p], 0);
            Arrays.fill(portsUsed[p], 0);
        }
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
