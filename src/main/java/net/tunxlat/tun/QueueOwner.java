// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

/**
 * The attach/detach/close state of one {@link PacketQueue}, kept apart from the descriptor so both queues
 * share it and it can be tested without a device. States: open, attached (one thread), closing (close was
 * called while attached: the attached thread closes on detach), closed. Transitions take this object's
 * lock (they happen once per worker's life, or at shutdown); the per-packet check {@link #heldByCaller}
 * takes none.
 */
final class QueueOwner {
    private static final int OPEN = 0;
    private static final int ATTACHED = 1;
    private static final int CLOSING = 2;
    private static final int CLOSED = 3;

    private int state = OPEN;
    /**
     * The attached thread, or null. Written under the lock only by that thread (set on attach, cleared on
     * detach), so a thread reading it without the lock sees itself exactly when it is attached.
     */
    private Thread owner;

    /** The calling thread becomes the owner; false if closing or closed, or another thread owns it. */
    synchronized boolean attach() {
        if (state != OPEN) {
            return false;
        }
        state = ATTACHED;
        owner = Thread.currentThread();
        return true;
    }

    /**
     * Ends the calling thread's ownership. True if the caller must now release the resource: close was
     * called while it was attached. A thread that is not the owner changes nothing.
     */
    synchronized boolean detach() {
        if (owner != Thread.currentThread()) {
            return false;
        }
        owner = null;
        if (state == CLOSING) {
            state = CLOSED;
            return true;
        }
        state = OPEN;
        return false;
    }

    /**
     * Asks to close. True if the caller must release the resource now (nobody is attached); false if it is
     * already closed, or the attached thread will on {@link #detach}. The owner itself closing counts as
     * not attached: it closes at once.
     */
    synchronized boolean close() {
        if (state == OPEN || (state == ATTACHED && owner == Thread.currentThread())) {
            owner = null;
            state = CLOSED;
            return true;
        }
        if (state == ATTACHED) {
            state = CLOSING;
        }
        return false;
    }

    /** Whether the calling thread is attached (the hot path's check: one field read, no lock). */
    boolean heldByCaller() {
        return owner == Thread.currentThread();
    }

    synchronized boolean isClosed() {
        return state == CLOSED;
    }

    /** Whether a close is waiting for the attached thread to detach. */
    synchronized boolean isClosing() {
        return state == CLOSING;
    }
}
