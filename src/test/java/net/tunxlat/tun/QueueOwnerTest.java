// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who may use a queue's descriptor and when it is closed: one attached thread; a close while it is attached
 * waits for its detach; nothing is closed twice. ({@link TunQueue} closes its fd exactly when these calls
 * return true.)
 */
class QueueOwnerTest {
    final QueueOwner owner = new QueueOwner();
    final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void shutdown() {
        other.shutdownNow();
    }

    <T> T inOtherThread(Callable<T> call) throws Exception {
        return other.submit(call).get();
    }

    @Test
    void oneThreadAtATime() throws Exception {
        assertFalse(owner.heldByCaller());
        assertTrue(owner.attach());
        assertTrue(owner.heldByCaller());
        assertFalse(inOtherThread(owner::attach), "a second thread cannot attach");
        assertFalse(inOtherThread(owner::heldByCaller), "nor use the queue");
        assertFalse(inOtherThread(owner::detach), "nor detach the owner");
        assertTrue(owner.heldByCaller(), "which still holds it");
        assertFalse(owner.detach(), "detach without a close: nothing to close");
        assertFalse(owner.heldByCaller());
        assertTrue(inOtherThread(owner::attach), "now another thread may");
        assertFalse(owner.attach());
    }

    @Test
    void aCloseWhileAttachedWaitsForTheDetach() throws Exception {
        assertTrue(inOtherThread(owner::attach));
        assertFalse(owner.close(), "not closed under the attached thread");
        assertTrue(owner.isClosing());
        assertFalse(owner.isClosed());
        assertTrue(inOtherThread(owner::heldByCaller), "the attached thread goes on using it");
        assertFalse(owner.close(), "asking again changes nothing");
        assertTrue(inOtherThread(owner::detach), "the attached thread closes it as it detaches");
        assertTrue(owner.isClosed());
        assertFalse(owner.isClosing());
        assertFalse(owner.close(), "closed once");
        assertFalse(owner.attach(), "nobody attaches to a closed queue");
        assertFalse(inOtherThread(owner::heldByCaller));
    }

    @Test
    void aCloseWithNobodyAttachedIsImmediateAndOnce() {
        assertTrue(owner.close());
        assertTrue(owner.isClosed());
        assertFalse(owner.close());
        assertFalse(owner.attach());
        assertFalse(owner.detach());
    }

    @Test
    void theAttachedThreadClosingItselfClosesAtOnce() {
        assertTrue(owner.attach());
        assertTrue(owner.close());
        assertFalse(owner.heldByCaller(), "and may not use it after");
        assertFalse(owner.detach(), "nor close it again");
    }
}
