// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Epoch-based reclamation: when an entry unlinked by the sweeper may be reused. A worker {@link #enter}s
 * before it touches the tables (once per batch: one volatile read and one volatile store) and {@link #exit}s
 * after; the sweeper stamps each entry it unlinks with the {@link #current} epoch, {@link #advance}s the epoch
 * once per pass, and frees an entry stamped {@code s} only when {@code s < }{@link #safe()}: every worker
 * inside the tables entered after the epoch moved past {@code s}, so after the entry was unlinked, and
 * cannot reach it. A reader therefore never sees an entry change key under it.
 *
 * <p>The reader's store of its epoch is volatile and its chain loads are volatile, so if the sweeper's scan
 * misses a reader that is just entering, that reader's loads come after the unlink and cannot find the entry.
 */
public final class Epochs {
    static final long IDLE = Long.MAX_VALUE;
    private static final int PAD = 8;

    private final AtomicLong global = new AtomicLong(1);
    private final AtomicLongArray readers;
    private final AtomicInteger registered = new AtomicInteger();

    public Epochs(int maxReaders) {
        readers = new AtomicLongArray(maxReaders * PAD);
        for (int i = 0; i < maxReaders; i++) {
            readers.set(i * PAD, IDLE);
        }
    }

    /** A reader slot for one worker thread (at start, not per packet). */
    public int register() {
        int r = registered.getAndIncrement();
        if (r * PAD >= readers.length()) {
            registered.decrementAndGet();
            throw new IllegalStateException("more than " + readers.length() / PAD + " readers of the NAT64 tables");
        }
        return r;
    }

    /** Before reading or changing the tables (once per batch). */
    public void enter(int reader) {
        readers.set(reader * PAD, global.get());
    }

    /** After the batch: the worker holds no entry id any more. */
    public void exit(int reader) {
        readers.set(reader * PAD, IDLE);
    }

    long current() {
        return global.get();
    }

    long advance() {
        return global.incrementAndGet();
    }

    /** Entries stamped with an epoch below this may be reused. */
    long safe() {
        long min = global.get();
        int n = registered.get();
        for (int r = 0; r < n; r++) {
            long e = readers.get(r * PAD);
            if (e < min) {
                min = e;
            }
        }
        return min;
    }
}
