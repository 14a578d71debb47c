package net.tunxlat.xlat;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-worker counters. The worker adds to plain {@code long}s and {@link #publish}es once per batch
 * with ordered stores; readers (metrics, logs) read the published copy from any thread.
 */
public final class XlatCounters {
    public static final int PACKETS_46 = 0;
    public static final int BYTES_46 = 1;
    public static final int PACKETS_64 = 2;
    public static final int BYTES_64 = 3;
    public static final int ICMP_ERRORS_SENT_4 = 4;
    public static final int ICMP_ERRORS_SENT_6 = 5;
    public static final int ICMP_ERRORS_RATE_LIMITED = 6;
    public static final int ECHO_REPLIES_SENT = 7;
    public static final int TUN_READ_ERRORS = 8;
    public static final int TUN_WRITE_ERRORS = 9;
    public static final int FRAGMENTS_46 = 10;
    public static final int FRAGMENTS_64 = 11;
    /** NPTv6 (RFC 6296) packets and bytes, inside → outside and outside → inside. */
    public static final int PACKETS_NPTV6_OUT = 12;
    public static final int BYTES_NPTV6_OUT = 13;
    public static final int PACKETS_NPTV6_IN = 14;
    public static final int BYTES_NPTV6_IN = 15;
    /** GSO super-packets translated whole, and the segments they carried. */
    public static final int GSO_PACKETS = 16;
    public static final int GSO_SEGMENTS = 17;
    /** Super-packets cut into segments in software (MTU, fragmentation, hairpinning). */
    public static final int GSO_SOFTWARE = 18;
    /** Packets whose virtio_net_hdr did not describe them (dropped). */
    public static final int GSO_INVALID = 19;
    static final int FIXED = 20;
    private static final int DROPS = FIXED;
    public static final int SIZE = FIXED + DropReason.values().length;

    private final long[] local = new long[SIZE];
    private final AtomicLongArray published = new AtomicLongArray(SIZE);

    public void add(int counter, long delta) {
        local[counter] += delta;
    }

    public void increment(int counter) {
        local[counter]++;
    }

    public void drop(DropReason reason) {
        local[DROPS + reason.ordinal()]++;
    }

    /** Makes the worker's counts visible to other threads (one ordered store per counter). */
    public void publish() {
        for (int i = 0; i < SIZE; i++) {
            published.lazySet(i, local[i]);
        }
    }

    /** The last published value of a counter (any thread). */
    public long get(int counter) {
        return published.get(counter);
    }

    public long drops(DropReason reason) {
        return published.get(DROPS + reason.ordinal());
    }

    /** The worker's own current value, without publishing (worker thread or tests only). */
    public long localDrops(DropReason reason) {
        return local[DROPS + reason.ordinal()];
    }

    public long local(int counter) {
        return local[counter];
    }

    public long totalDrops() {
        long t = 0;
        for (DropReason r : DropReason.values()) {
            t += drops(r);
        }
        return t;
    }
}
