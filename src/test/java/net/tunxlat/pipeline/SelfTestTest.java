// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link SelfTest}'s state machine over a scripted probe: one a second, 500 ms to answer, two failures to fail. */
class SelfTestTest {
    static final long MS = 1_000_000L;

    /** Answers every request (with its sequence) when {@code answering}, after {@code delay} ticks. */
    static final class FakeProbe implements SelfTest.Probe {
        final List<Integer> sent = new ArrayList<>();
        final Deque<Integer> replies = new ArrayDeque<>();
        boolean answering = true;
        boolean sendFails;
        boolean closed;

        @Override
        public void send(int sequence) throws IOException {
            if (sendFails) {
                throw new IOException("Network is unreachable");
            }
            sent.add(sequence);
            if (answering) {
                replies.add(sequence);
            }
        }

        @Override
        public int reply() {
            return replies.isEmpty() ? -1 : replies.poll();
        }

        @Override
        public String kind() {
            return "fake";
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    final FakeProbe probe = new FakeProbe();
    final SelfTest test = new SelfTest(probe, "64:ff9b::c000:2fe");

    /** Ticks every 100 ms from {@code from} to {@code to} (ms). */
    void run(long from, long to) {
        for (long t = from; t < to; t += 100) {
            test.tick(t * MS);
        }
    }

    @Test
    void pendingUntilTheFirstReplyThenOkOncePerSecond() {
        assertTrue(test.pending());
        test.tick(0);
        assertEquals(List.of(1), probe.sent, "sends at the first tick");
        assertTrue(test.pending());
        test.tick(100 * MS);
        assertFalse(test.pending());
        assertFalse(test.failed());
        assertTrue(test.describe().startsWith("ok (Echo Request to 64:ff9b::c000:2fe, fake)"), test.describe());
        run(200, 3000);
        assertEquals(List.of(1, 2, 3), probe.sent, "one a second");
    }

    @Test
    void twoMissedRepliesInARowFailAndOneReplyRecovers() {
        run(0, 1000); // ok
        probe.answering = false;
        run(1000, 1600); // request 2 sent at 1000, overdue at 1500: one failure
        assertFalse(test.failed(), "one failure is not enough");
        run(1600, 2600); // request 3 sent at 2000, overdue at 2500
        assertTrue(test.failed());
        assertEquals("no Echo Reply from 64:ff9b::c000:2fe within 500 ms", test.lastFailure());
        assertTrue(test.describe().startsWith("failed no Echo Reply"), test.describe());
        probe.answering = true;
        run(2600, 3200); // request 4 at 3000, answered at 3100
        assertFalse(test.failed());
        assertFalse(test.pending());
    }

    @Test
    void aLateReplyOfAnEarlierRequestDoesNotCount() {
        probe.answering = false;
        run(0, 600); // request 1 overdue
        probe.replies.add(1); // its reply, too late
        run(600, 1600); // request 2 at 1000, unanswered; the stale reply 1 is read and ignored
        assertTrue(test.failed());
    }

    @Test
    void sendErrorsAreFailuresWithTheErrno() {
        probe.sendFails = true;
        run(0, 1100);
        assertTrue(test.failed());
        assertEquals("sending the Echo Request to 64:ff9b::c000:2fe failed: Network is unreachable", test.lastFailure());
        test.close();
        assertTrue(probe.closed);
    }
}
