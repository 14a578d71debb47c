// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import java.util.concurrent.atomic.AtomicLongArray;
import net.tunxlat.header.Icmpv4Type;
import net.tunxlat.header.Icmpv6Type;
import net.tunxlat.header.IpProtocol;

/**
 * Per-worker counters. The worker adds to plain {@code long}s and {@link #publish}es once per batch
 * with ordered stores; readers (metrics, logs) read the published copy from any thread. Counting
 * allocates nothing and takes no lock; a scrape reads the last published values (see
 * {@code net.tunxlat.metrics.TunxlatMetrics}).
 *
 * <p>Every counter only grows. Classification into bounded label sets (direction, protocol, ICMP
 * error type, drop reason, batch-size bucket) happens here, by array index, so that the metrics
 * layer never sees a packet.
 */
public final class XlatCounters {
    /** Packets translated IPv4 → IPv6 (all protocols; also counted per protocol, see {@link #translated}). */
    public static final int PACKETS_46 = 0;
    /** Bytes of translated IPv6 packets written, IPv4 → IPv6. */
    public static final int BYTES_46 = 1;
    public static final int PACKETS_64 = 2;
    public static final int BYTES_64 = 3;
    /** ICMPv4 errors sent by the translator (all types; also counted per type, see {@link #icmpErrorSent}). */
    public static final int ICMP_ERRORS_SENT_4 = 4;
    public static final int ICMP_ERRORS_SENT_6 = 5;
    /** ICMP errors not sent because of the rate limit. */
    public static final int ICMP_ERRORS_RATE_LIMITED = 6;
    /** Echo Replies the translator sent from its own addresses. */
    public static final int ECHO_REPLIES_SENT = 7;
    public static final int TUN_READ_ERRORS = 8;
    public static final int TUN_WRITE_ERRORS = 9;
    /** Fragments written, IPv4 → IPv6 (IPv6 packets with a Fragment Header). */
    public static final int FRAGMENTS_46 = 10;
    /** Fragments written, IPv6 → IPv4. */
    public static final int FRAGMENTS_64 = 11;
    /** Fragments read, IPv4 (MF set or offset non-zero), before any other check. */
    public static final int FRAGMENTS_IN_46 = 12;
    /** Fragments read, IPv6 (with a Fragment Header), before any other check. */
    public static final int FRAGMENTS_IN_64 = 13;
    /** Batches the worker handled (see {@link #batch}). */
    public static final int BATCHES = 14;
    /** Packets in those batches (the sum of the batch sizes). */
    public static final int BATCH_PACKETS = 15;
    /** Nanoseconds the worker spent handling batches (not waiting for packets). */
    public static final int BUSY_NANOS = 16;
    /** NPTv6 (RFC 6296) packets and bytes, inside → outside and outside → inside. */
    public static final int PACKETS_NPTV6_OUT = 17;
    public static final int BYTES_NPTV6_OUT = 18;
    public static final int PACKETS_NPTV6_IN = 19;
    public static final int BYTES_NPTV6_IN = 20;
    /** GSO super-packets translated whole, and the segments they carried. */
    public static final int GSO_PACKETS = 21;
    public static final int GSO_SEGMENTS = 22;
    /** Super-packets cut into segments in software (MTU, fragmentation, hairpinning). */
    public static final int GSO_SOFTWARE = 23;
    /** Packets whose virtio_net_hdr did not describe them (dropped). */
    public static final int GSO_INVALID = 24;
    /**
     * UDP super-packets the worker wrote instead of single datagrams (UDP GRO on the TUN write path, see
     * {@code UdpCoalescer}), and the datagrams they carried.
     */
    public static final int UDP_COALESCED_WRITES = 25;
    public static final int UDP_COALESCED_DATAGRAMS = 26;
    static final int FIXED = 27;

    // ---- label sets ------------------------------------------------------------------------

    public static final int DIR_46 = 0;
    public static final int DIR_64 = 1;
    public static final int DIRECTIONS = 2;
    /** The {@code direction} label values, by direction index. */
    private static final String[] DIRECTION_LABELS = {"46", "64"};

    /**
     * Protocol classes, the index of the {@code protocol} label: not IP protocol numbers (those are in
     * {@link IpProtocol}); {@link #protocolClass} maps one to the other.
     */
    public static final int CLASS_TCP = 0;
    public static final int CLASS_UDP = 1;
    public static final int CLASS_ICMP = 2;
    public static final int CLASS_OTHER = 3;
    public static final int PROTOCOL_CLASSES = 4;
    /** The {@code protocol} label values, by protocol class. */
    private static final String[] PROTOCOL_LABELS = {"tcp", "udp", "icmp", "other"};

    /** ICMP error classes; {@link #ICMP_TOO_BIG} is "frag_needed" in ICMPv4 and "packet_too_big" in ICMPv6. */
    public static final int ICMP_TIME_EXCEEDED = 0;
    public static final int ICMP_DEST_UNREACHABLE = 1;
    public static final int ICMP_TOO_BIG = 2;
    public static final int ICMP_PARAM_PROBLEM = 3;
    public static final int ICMP_OTHER = 4;
    public static final int ICMP_ERROR_TYPES = 5;
    private static final String[] ICMP4_LABELS = {"time_exceeded", "dest_unreachable", "frag_needed", "param_problem", "other"};
    private static final String[] ICMP6_LABELS = {"time_exceeded", "dest_unreachable", "packet_too_big", "param_problem", "other"};

    /**
     * Upper bounds (inclusive) of the batch-size histogram buckets, in packets; one more bucket above
     * the last catches anything larger.
     */
    private static final long[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    /** Buckets including the overflow bucket. */
    public static final int BATCH_BUCKETS = BATCH_BOUNDS.length + 1;

    private static final int TRANSLATED = FIXED;
    private static final int ICMP_ERRORS = TRANSLATED + DIRECTIONS * PROTOCOL_CLASSES * 2;
    private static final int BATCH_BUCKET = ICMP_ERRORS + 2 * ICMP_ERROR_TYPES;
    private static final int DROPS = BATCH_BUCKET + BATCH_BUCKETS;
    public static final int SIZE = DROPS + DropReason.values().length;

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

    /**
     * Counts one translated packet written to the TUN device.
     *
     * @param direction {@link #DIR_46} or {@link #DIR_64}
     * @param protocol  the IP protocol number (IPv4 Protocol or IPv6 upper-layer Next Header, before or
     *                  after translation: 1 and 58 are both ICMP)
     * @param bytes     the length of the packet written
     */
    public void translated(int direction, int protocol, int bytes) {
        int slot = TRANSLATED + ((direction * PROTOCOL_CLASSES + protocolClass(protocol)) << 1);
        local[slot]++;
        local[slot + 1] += bytes;
        int total = direction == DIR_46 ? PACKETS_46 : PACKETS_64;
        local[total]++;
        local[total + 1] += bytes;
    }

    /** Counts one ICMP error the translator sent itself ({@code ipVersion} 4 or 6, its type and code). */
    public void icmpErrorSent(int ipVersion, int type, int code) {
        if (ipVersion == 4) {
            local[ICMP_ERRORS + icmp4Class(type, code)]++;
            local[ICMP_ERRORS_SENT_4]++;
        } else {
            local[ICMP_ERRORS + ICMP_ERROR_TYPES + icmp6Class(type)]++;
            local[ICMP_ERRORS_SENT_6]++;
        }
    }

    /** Counts one batch of {@code packets} (at least 1) that kept the worker busy for {@code busyNanos}. */
    public void batch(int packets, long busyNanos) {
        local[BATCHES]++;
        local[BATCH_PACKETS] += packets;
        local[BATCH_BUCKET + batchBucket(packets)]++;
        local[BUSY_NANOS] += Math.max(0, busyNanos);
    }

    /** Makes the worker's counts visible to other threads (one ordered store per counter). */
    public void publish() {
        for (int i = 0; i < SIZE; i++) {
            published.lazySet(i, local[i]);
        }
    }

    // ---- classification (by index, no allocation) ---------------------------------------------

    static int protocolClass(int protocol) {
        switch (protocol) {
            case IpProtocol.TCP:
                return CLASS_TCP;
            case IpProtocol.UDP:
                return CLASS_UDP;
            case IpProtocol.ICMP:
            case IpProtocol.ICMPV6:
                return CLASS_ICMP;
            default:
                return CLASS_OTHER;
        }
    }

    static int icmp4Class(int type, int code) {
        switch (type) {
            case Icmpv4Type.TIME_EXCEEDED:
                return ICMP_TIME_EXCEEDED;
            case Icmpv4Type.DEST_UNREACHABLE:
                return code == Icmpv4Type.FRAG_NEEDED ? ICMP_TOO_BIG : ICMP_DEST_UNREACHABLE;
            case Icmpv4Type.PARAMETER_PROBLEM:
                return ICMP_PARAM_PROBLEM;
            default:
                return ICMP_OTHER;
        }
    }

    static int icmp6Class(int type) {
        switch (type) {
            case Icmpv6Type.TIME_EXCEEDED:
                return ICMP_TIME_EXCEEDED;
            case Icmpv6Type.DEST_UNREACHABLE:
                return ICMP_DEST_UNREACHABLE;
            case Icmpv6Type.PACKET_TOO_BIG:
                return ICMP_TOO_BIG;
            case Icmpv6Type.PARAMETER_PROBLEM:
                return ICMP_PARAM_PROBLEM;
            default:
                return ICMP_OTHER;
        }
    }

    /** The index of the first bucket whose bound is at least {@code packets}. */
    static int batchBucket(int packets) {
        if (packets <= 1) {
            return 0;
        }
        int b = 32 - Integer.numberOfLeadingZeros(packets - 1); // ceil(log2(packets))
        return Math.min(b, BATCH_BUCKETS - 1);
    }

    // ---- readers (any thread: the last published values) ----------------------------------------

    /** The last published value of a counter (any thread). */
    public long get(int counter) {
        return published.get(counter);
    }

    public long drops(DropReason reason) {
        return published.get(DROPS + reason.ordinal());
    }

    public long translatedPackets(int direction, int protocolClass) {
        return published.get(TRANSLATED + ((direction * PROTOCOL_CLASSES + protocolClass) << 1));
    }

    public long translatedBytes(int direction, int protocolClass) {
        return published.get(TRANSLATED + ((direction * PROTOCOL_CLASSES + protocolClass) << 1) + 1);
    }

    /** ICMP errors sent of class {@code typeClass} ({@link #ICMP_TIME_EXCEEDED}...), ICMPv4 or ICMPv6. */
    public long icmpErrorsSent(int ipVersion, int typeClass) {
        return published.get(ICMP_ERRORS + (ipVersion == 4 ? 0 : ICMP_ERROR_TYPES) + typeClass);
    }

    /** Batches whose size fell in bucket {@code i} (not cumulative). */
    public long batchBucketCount(int i) {
        return published.get(BATCH_BUCKET + i);
    }

    public long totalDrops() {
        long t = 0;
        for (DropReason r : DropReason.values()) {
            t += drops(r);
        }
        return t;
    }

    /** The worker's own current value, without publishing (worker thread or tests only). */
    public long localDrops(DropReason reason) {
        return local[DROPS + reason.ordinal()];
    }

    public long local(int counter) {
        return local[counter];
    }

    /** Unpublished per-protocol packets (worker thread or tests only). */
    public long localTranslatedPackets(int direction, int protocolClass) {
        return local[TRANSLATED + ((direction * PROTOCOL_CLASSES + protocolClass) << 1)];
    }

    /** Unpublished ICMP errors sent by class (worker thread or tests only). */
    public long localIcmpErrorsSent(int ipVersion, int typeClass) {
        return local[ICMP_ERRORS + (ipVersion == 4 ? 0 : ICMP_ERROR_TYPES) + typeClass];
    }

    // ---- label values --------------------------------------------------------------------------

    public static String directionLabel(int direction) {
        return DIRECTION_LABELS[direction];
    }

    public static String protocolLabel(int protocolClass) {
        return PROTOCOL_LABELS[protocolClass];
    }

    public static String icmpErrorLabel(int ipVersion, int typeClass) {
        return (ipVersion == 4 ? ICMP4_LABELS : ICMP6_LABELS)[typeClass];
    }

    /** The upper bound of batch bucket {@code i}, or {@link Long#MAX_VALUE} for the overflow bucket. */
    public static long batchBucketBound(int i) {
        return i < BATCH_BOUNDS.length ? BATCH_BOUNDS[i] : Long.MAX_VALUE;
    }
}
