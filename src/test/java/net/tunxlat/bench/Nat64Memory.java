// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import java.lang.ref.Reference;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Timeouts;

/**
 * Memory per stateful NAT64 session at 1,000,000 sessions (issue 16, target under 150 bytes): heap in use after
 * a full GC before and after building the tables (sized for 1,000,000 UDP sessions) and filling them with
 * 1,000,000 sessions of 100,000 subscribers (one BIB entry per session, the worst case: no BIB entry shared).
 *
 * <pre>  mvn -B test-compile exec:exec@nat64-memory</pre>
 */
public final class Nat64Memory {
    public static void main(String[] args) throws Exception {
        System.out.println("JVM " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        long base = MappingMemory.used();
        Nat64Tables t = Nat64Tables1M.tables(Nat64Protocol.UDP, Nat64Tables1M.SESSIONS, Timeouts.RFC6146);
        long empty = MappingMemory.used();
        long t0 = System.nanoTime();
        long[] bound = Nat64Tables1M.fill(t, Nat64Protocol.UDP, 0);
        long t1 = System.nanoTime();
        long full = MappingMemory.used() - 8L * bound.length; // the harness's own array is not the tables'
        System.out.printf("tables for %d sessions: empty %.1f MiB, filled %.1f MiB (%d sessions, %d BIB entries,"
                        + " %d subscribers, %d blocks), filled in %d ms%n", Nat64Tables1M.SESSIONS,
                MappingMemory.mib(empty - base), MappingMemory.mib(full - base), t.sessions(Nat64Protocol.UDP),
                t.bibEntries(Nat64Protocol.UDP), t.subscribers(), t.blocksInUse(Nat64Protocol.UDP),
                (t1 - t0) / 1_000_000);
        System.out.printf("bytes per session (session + its own BIB entry + share of subscribers, blocks and"
                + " indexes): %.1f%n", (full - base) / (double) Nat64Tables1M.SESSIONS);
        Reference.reachabilityFence(t);
        Reference.reachabilityFence(bound);
    }
}
