// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.pipeline.Buffers;

/**
 * The translator core as a worker runs it (pooled direct buffers, hot-path views), with each input packet
 * in a buffer of exactly {@code HEADROOM + length} bytes: Netty's bounds checks then turn any read or write
 * past the end of the packet (or of the 1280-byte error scratch) into an exception. Records what each
 * packet did through the counters, so that a test can check that every packet is accounted for once.
 */
final class XlatHarness implements AutoCloseable {
    /** What one packet did. */
    record Outcome(int translated, int nptv6, int echoReplies, int icmpErrors, int rateLimited, DropReason dropped,
            int drops, List<byte[]> emitted) {
        /** Translated, answered, or dropped with one reason: exactly one of them. */
        boolean accountedOnce() {
            return drops + (translated > 0 ? 1 : 0) + echoReplies == 1;
        }

        @Override
        public String toString() {
            return "translated " + translated + ", echo " + echoReplies + ", icmp errors " + icmpErrors
                    + ", rate-limited " + rateLimited + ", drops " + drops + (dropped != null ? " (" + dropped.label() + ")" : "")
                    + ", emitted " + emitted.size();
        }
    }

    final XlatCounters counters = new XlatCounters();
    final List<byte[]> out = new ArrayList<>();
    /** The translator's nanosecond clock (ICMP error rate limit). */
    long now = 1_000_000_000L;
    XlatSnapshot snap;
    private final ByteBuf scratch;
    final Translator translator;
    private final long[] dropsBefore = new long[DropReason.values().length];

    XlatHarness(XlatSnapshot snap) {
        this.snap = snap;
        // The smallest error scratch a Translator accepts: an error written past 1280 bytes throws.
        this.scratch = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + Translator.ICMP6_ERROR_MAX,
                Translator.HEADROOM + Translator.ICMP6_ERROR_MAX);
        this.translator = new Translator(counters, (b, off, len) -> {
            byte[] a = new byte[len];
            b.getBytes(off, a);
            out.add(a);
        }, pipelineView(scratch), () -> now, PacketLog.OFF);
    }

    private static ByteBuf pipelineView(ByteBuf b) {
        return Buffers.hotPathView(b);
    }

    /** Runs one packet (any bytes, at most {@link Translator#MAX_PACKET}). */
    Outcome run(byte[] in) {
        return run(in, in.length);
    }

    Outcome run(byte[] in, int length) {
        out.clear();
        long t = translatedSoFar();
        long npt = counters.local(XlatCounters.PACKETS_NPTV6_IN) + counters.local(XlatCounters.PACKETS_NPTV6_OUT);
        long e = counters.local(XlatCounters.ECHO_REPLIES_SENT);
        long i = counters.local(XlatCounters.ICMP_ERRORS_SENT_4) + counters.local(XlatCounters.ICMP_ERRORS_SENT_6);
        long r = counters.local(XlatCounters.ICMP_ERRORS_RATE_LIMITED);
        for (DropReason d : DropReason.values()) {
            dropsBefore[d.ordinal()] = counters.localDrops(d);
        }
        ByteBuf owned = PooledByteBufAllocator.DEFAULT.directBuffer(Translator.HEADROOM + length,
                Translator.HEADROOM + length);
        try {
            ByteBuf b = pipelineView(owned);
            b.setBytes(Translator.HEADROOM, in, 0, length);
            translator.beginBatch(snap, now); // as a worker does around each batch (stateful NAT64's epoch and clock)
            try {
                translator.translate(snap, b, Translator.HEADROOM, length);
            } finally {
                translator.endBatch();
            }
            if (owned.refCnt() != 1) {
                throw new AssertionError("the translator changed the packet buffer's reference count: " + owned.refCnt());
            }
        } finally {
            owned.release();
        }
        if (scratch.refCnt() != 1) {
            throw new AssertionError("the translator changed the scratch buffer's reference count");
        }
        DropReason which = null;
        int drops = 0;
        for (DropReason d : DropReason.values()) {
            long n = counters.localDrops(d) - dropsBefore[d.ordinal()];
            // held fragments that expired at the batch's start were accounted when held (nat64_fragment_held)
            if (n > 0 && d != DropReason.FRAGMENT_EXPIRED) {
                which = d;
                drops += (int) n;
            }
        }
        return new Outcome(
                (int) (translatedSoFar() - t),
                (int) (counters.local(XlatCounters.PACKETS_NPTV6_IN) + counters.local(XlatCounters.PACKETS_NPTV6_OUT) - npt),
                (int) (counters.local(XlatCounters.ECHO_REPLIES_SENT) - e),
                (int) (counters.local(XlatCounters.ICMP_ERRORS_SENT_4) + counters.local(XlatCounters.ICMP_ERRORS_SENT_6) - i),
                (int) (counters.local(XlatCounters.ICMP_ERRORS_RATE_LIMITED) - r), which, drops, List.copyOf(out));
    }

    /** Packets written translated: by NAT64/SIIT in either direction, or rewritten by NPTv6. */
    private long translatedSoFar() {
        return counters.local(XlatCounters.PACKETS_46) + counters.local(XlatCounters.PACKETS_64)
                + counters.local(XlatCounters.PACKETS_NPTV6_IN) + counters.local(XlatCounters.PACKETS_NPTV6_OUT);
    }

    @Override
    public void close() {
        scratch.release();
    }
}
