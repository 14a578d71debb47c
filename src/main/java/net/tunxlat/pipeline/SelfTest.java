// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The readiness self-test (docs/health.md): once a second an ICMPv6 Echo Request from the host's stack to the
 * translator's own IPv6 address, which must come back as an Echo Reply through the TUN device and the workers
 * within {@link #TIMEOUT_NANOS}. Two failures in a row make the translator not ready; one success makes it ready
 * again. Driven by the health thread's {@link #tick} (never blocks: sends, then looks for the reply at later ticks),
 * so it is a state machine over a {@link Probe}: the real one is {@link PingSocket}, tests give their own.
 */
final class SelfTest {
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Consecutive failures that make the translator not ready. */
    static final int FAILURES = 2;

    /** Sends Echo Requests and reads Echo Replies without blocking. */
    interface Probe extends AutoCloseable {
        void send(int sequence) throws IOException;

        /** The sequence number of a reply waiting, else -1. */
        int reply() throws IOException;

        /** What kind of socket, for the log. */
        String kind();

        @Override
        void close();
    }

    private final Probe probe;
    /** The own address, for the messages. */
    private final String target;
    private int sequence;
    private boolean outstanding;
    private long sentAt;
    private long nextSend;
    private boolean started;
    private int failures;
    private boolean succeeded;
    private String lastFailure = "";

    SelfTest(Probe probe, String target) {
        this.probe = probe;
        this.target = target;
    }

    /** Looks for the outstanding request's reply (a failure once it is overdue), then sends the next when due. */
    void tick(long now) {
        if (outstanding) {
            try {
                int r;
                while ((r = probe.reply()) >= 0) {
                    if (r == sequence) {
                        outstanding = false;
                        succeeded = true;
                        failures = 0;
                        break;
                    }
                }
            } catch (IOException e) {
                fail("reading the reply failed: " + e.getMessage());
            }
            if (outstanding && now - sentAt >= TIMEOUT_NANOS) {
                fail("no Echo Reply from " + target + " within " + TimeUnit.NANOSECONDS.toMillis(TIMEOUT_NANOS)
                        + " ms");
            }
        }
        if (!outstanding && (!started || now - nextSend >= 0)) {
            started = true;
            nextSend = now + INTERVAL_NANOS;
            sequence = (sequence + 1) & 0xffff;
            try {
                probe.send(sequence);
                outstanding = true;
                sentAt = now;
            } catch (IOException e) {
                fail("sending the Echo Request to " + target + " failed: " + e.getMessage());
            }
        }
    }

    private void fail(String why) {
        outstanding = false;
        failures++;
        lastFailure = why;
    }

    /** Two or more failures in a row since the last success. */
    boolean failed() {
        return failures >= FAILURES;
    }

    /** No success yet and not yet failed. */
    boolean pending() {
        return !succeeded && !failed();
    }

    /** The last failure's words (after {@link #failed}). */
    String lastFailure() {
        return lastFailure;
    }

    /** The {@code self-test} line's value. */
    String describe() {
        String how = " (Echo Request to " + target + ", " + probe.kind() + ")";
        return failed() ? "failed " + lastFailure + how : pending() ? "pending" + how : "ok" + how;
    }

    void close() {
        probe.close();
    }
}
