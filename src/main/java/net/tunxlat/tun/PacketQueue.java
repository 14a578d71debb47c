// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

/**
 * Where a worker reads packets and writes their translations: one queue of a TUN device ({@link TunQueue})
 * or, without a device, a {@link MemoryQueue} (the offline {@code translate} mode and the worker's tests).
 * Reads and writes go straight to and from native memory (a Netty direct buffer's {@code memoryAddress()}).
 *
 * <p>One thread at a time uses a queue: it {@link #attach}es first, and only the attached thread may
 * {@link #read}, {@link #write} and {@link #awaitReadable} (any other gets {@code -EBADF}, at the cost of
 * one field read, no lock). {@link #close} from any thread while a thread is attached is deferred until
 * that thread {@link #detach}es, so a descriptor is never closed (and its number handed to another file)
 * under a thread that may still use it.
 */
public interface PacketQueue extends AutoCloseable {
    /** Returned by {@link #read} when nothing is waiting ({@code -EAGAIN}). */
    int AGAIN = -LibC.EAGAIN;

    /** The device (or, for a memory queue, a name for the logs). */
    String deviceName();

    /** The queue's index on its device (0 for the first). */
    int index();

    /** Bytes of virtio_net_hdr in front of every packet read or written (0 without offloads). */
    int vnetHeaderLength();

    /** Whether UDP super-packets ({@code VIRTIO_NET_HDR_GSO_UDP_L4}) may be written to this queue. */
    boolean writesUdpSuperPackets();

    /**
     * Makes the calling thread the one that uses this queue until it {@link #detach}es. False if the
     * queue is closed (or closing) or another thread is attached.
     */
    boolean attach();

    /** Ends the calling thread's use; if {@link #close} was called meanwhile, closes the queue now. */
    void detach();

    /**
     * Reads one packet to {@code [address, address + capacity)}. Returns its length, {@link #AGAIN} if
     * none is waiting, or another negative errno ({@code -EBADF} if the caller is not attached).
     */
    int read(long address, int capacity);

    /** Writes {@code [address, address + length)} as one packet. Returns the bytes written or a negative errno. */
    int write(long address, int length);

    /**
     * The descriptor that {@link UringPackets} reads and writes for the attached thread, or -1 (a memory queue, or
     * the caller is not attached). Its user must stop using it before it {@link #detach}es.
     */
    default int descriptor() {
        return -1;
    }

    /** Waits up to {@code timeoutMillis} for a packet; true if one may be read (false if not attached). */
    boolean awaitReadable(int timeoutMillis);

    /** Closes the queue now, or when the attached thread detaches; idempotent, never throws. */
    @Override
    void close();

    /** Whether the queue is closed (a close deferred to a detach does not count until it happens). */
    boolean isClosed();
}
