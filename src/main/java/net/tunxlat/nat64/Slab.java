// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The free entry ids of a table: a Treiber stack threaded through a links array that the table also uses for
 * something else while an entry is in use (a chain's {@code next}: a free entry is in no chain). The head
 * carries a tag incremented by every change, so a pop that read a stale link fails its CAS (no ABA).
 * Pops come from any worker (creating an entry); pushes from the sweeper (an entry past its grace period) or
 * from a worker giving back an entry it never published.
 */
final class Slab {
    private final AtomicLong head = new AtomicLong();
    private final int[] links;
    private final int capacity;
    /**
     * One more than the highest id ever popped: ids are handed out from 0 up and reused last in, first out, so
     * the ids in use stay below it and the sweeper scans up to it rather than the whole capacity (a table sized
     * for 262,144 sessions and holding 20,000 costs a pass of 20,000).
     */
    private final AtomicInteger highWater = new AtomicInteger();

    Slab(int[] links, int capacity) {
        this.links = links;
        this.capacity = capacity;
        for (int i = 0; i < capacity; i++) {
            links[i] = i + 1 < capacity ? i + 2 : 0;
        }
        head.set(capacity > 0 ? 1 : 0);
    }

    /** A free id, or -1 when all {@link #capacity} ids are in use. */
    int pop() {
        for (;;) {
            long h = head.get();
            int id = (int) h - 1;
            if (id < 0) {
                return -1;
            }
            int after = (int) ChainIndex.INT.getVolatile(links, id);
            if (head.compareAndSet(h, (((h >>> 32) + 1) << 32) | (after & 0xffffffffL))) {
                raiseHighWater(id + 1);
                return id;
            }
        }
    }

    void push(int id) {
        for (;;) {
            long h = head.get();
            ChainIndex.INT.setVolatile(links, id, (int) h);
            if (head.compareAndSet(h, (((h >>> 32) + 1) << 32) | (id + 1))) {
                return;
            }
        }
    }

    /** One volatile read when the table does not grow; a CAS per id popped above all before it. */
    private void raiseHighWater(int to) {
        for (int h = highWater.get(); to > h; h = highWater.get()) {
            if (highWater.compareAndSet(h, to)) {
                return;
            }
        }
    }

    /** No id at or above this was ever popped (so none is in use there): where a scan of the table may stop. */
    int highWater() {
        return highWater.get();
    }

    int capacity() {
        return capacity;
    }
}
