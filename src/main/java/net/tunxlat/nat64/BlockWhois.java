// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * "Which subscriber had this IPv4 address and port at this time" from block records ({@link BlockLogLine}): the
 * answer to an abuse report (RFC 6888 REQ-12, RFC 7422 §2). The deterministic mode needs no records
 * ({@link Deterministic#subscriberOf}).
 */
public final class BlockWhois {
    /**
     * One answer: the allocation of the block that held the port, and its release ({@code null}: not released in
     * the records read).
     */
    public record Answer(BlockEvent allocation, Instant releasedAt) {
    }

    private BlockWhois() {
    }

    /**
     * The blocks of {@code protocol} (-1: every protocol) that held {@code port} of {@code address} at {@code at}: per
     * protocol, the last allocation of a block containing the port at or before {@code at}, unless a release of that
     * block (same range and subscriber) came after it and at or before {@code at}. Records may come from several
     * files in any order: they are sorted by time (identical ones, such as a journal's compaction lines, count once).
     */
    public static List<Answer> find(List<BlockEvent> records, int protocol, int address, int port, Instant at) {
        List<BlockEvent> sorted = new ArrayList<>(new LinkedHashSet<>(records));
        sorted.sort(Comparator.comparing(BlockEvent::time));
        List<Answer> answers = new ArrayList<>();
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            if (protocol >= 0 && p != protocol) {
                continue;
            }
            BlockEvent held = null;
            Instant released = null;
            for (BlockEvent e : sorted) {
                if (e.protocol() != p || e.address() != address || port < e.firstPort() || port > e.lastPort()) {
                    continue;
                }
                boolean sameBlock = held != null && e.firstPort() == held.firstPort() && e.lastPort() == held.lastPort()
                        && e.subscriber().equals(held.subscriber());
                if (!e.time().isAfter(at)) {
                    if (e.allocated()) {
                        held = e;
                    } else if (sameBlock) {
                        held = null;
                    }
                } else if (held != null && !e.allocated() && sameBlock) {
                    released = e.time();
                    break;
                } else if (held != null && e.allocated()) {
                    break; // allocated again (a crash lost the release): the holder changed no later than this
                }
            }
            if (held != null) {
                answers.add(new Answer(held, released));
            }
        }
        return answers;
    }
}
