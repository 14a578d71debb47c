// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

/**
 * What every {@link PacketQueue} shares: its name, index and vnet header length, and the attach / detach /
 * deferred close of {@link QueueOwner}. A subclass releases its resource (closes its descriptor) in
 * {@link #release}, which runs exactly once: at {@link #close} if no thread is attached, else at the attached
 * thread's {@link #detach}.
 */
abstract class AttachableQueue implements PacketQueue {
    private final String deviceName;
    private final int index;
    private final int vnetHeaderLength;
    /** Who may use the queue; subclasses check {@link QueueOwner#heldByCaller} before every read, write and poll. */
    final QueueOwner owner = new QueueOwner();

    AttachableQueue(String deviceName, int index, int vnetHeaderLength) {
        this.deviceName = deviceName;
        this.index = index;
        this.vnetHeaderLength = vnetHeaderLength;
    }

    /** Closes the underlying resource; called once, by whichever thread ends the queue's use last. */
    abstract void release();

    @Override
    public final String deviceName() {
        return deviceName;
    }

    @Override
    public final int index() {
        return index;
    }

    @Override
    public final int vnetHeaderLength() {
        return vnetHeaderLength;
    }

    @Override
    public final boolean attach() {
        return owner.attach();
    }

    @Override
    public final void detach() {
        if (owner.detach()) {
            release();
        }
    }

    @Override
    public final void close() {
        if (owner.close()) {
            release();
        }
    }

    @Override
    public final boolean isClosed() {
        return owner.isClosed();
    }

    /** Whether a close waits for the attached thread to detach. */
    public final boolean isClosing() {
        return owner.isClosing();
    }
}
