// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TunQueue}'s descriptor handling on a real descriptor ({@code /dev/null}: no device or root needed):
 * only the attached thread reaches the descriptor, and a close from another thread leaves it open until that
 * thread detaches.
 */
class TunQueueTest {
    private static final int F_GETFL = 3;
    final ExecutorService worker = Executors.newSingleThreadExecutor();
    final Memory buf = new Memory(64);
    final long address = Pointer.nativeValue(buf);

    @AfterEach
    void shutdown() {
        worker.shutdownNow();
        buf.close();
    }

    static boolean open(int fd) {
        return LibC.fcntl(fd, F_GETFL, 0) >= 0;
    }

    @Test
    void onlyTheAttachedThreadUsesTheDescriptorAndItClosesAsItDetaches() throws Exception {
        int fd = LibC.open("/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC);
        assertTrue(fd >= 0);
        TunQueue q = new TunQueue(fd, "null", 0, 0, 0);
        assertEquals(-LibC.EBADF, q.write(address, 10), "not attached: the descriptor is not used");
        assertFalse(q.awaitReadable(0));
        assertTrue(worker.submit(q::attach).get());
        assertEquals(10, worker.submit(() -> q.write(address, 10)).get(), "the attached thread writes");
        assertEquals(-LibC.EBADF, q.read(address, 64), "this thread still may not");
        q.close();
        assertFalse(q.isClosed(), "a close under the attached thread waits");
        assertTrue(open(fd), "the descriptor is still open");
        assertEquals(10, worker.submit(() -> q.write(address, 10)).get(), "and still the worker's");
        worker.submit(q::detach).get();
        assertTrue(q.isClosed());
        assertFalse(open(fd), "closed as the worker detached");
        assertFalse(worker.submit(q::attach).get(), "a closed queue is not attached again");
    }

    @Test
    void aCloseWithNobodyAttachedClosesAtOnceAndOnce() throws Exception {
        int fd = LibC.open("/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC);
        TunQueue q = new TunQueue(fd, "null", 0, 0, 0);
        assertTrue(q.resetOffloads(TunDevice.TUNSETOFFLOAD), "nobody attached: the device's offloads can be reset");
        assertTrue(worker.submit(q::attach).get());
        assertFalse(q.resetOffloads(TunDevice.TUNSETOFFLOAD), "not through a queue a worker holds");
        worker.submit(q::detach).get();
        assertTrue(open(fd));
        q.close();
        assertTrue(q.isClosed());
        assertFalse(open(fd));
        int next = LibC.open("/dev/null", LibC.O_RDWR | LibC.O_CLOEXEC); // the kernel may hand out the same number
        q.close();
        assertTrue(open(next), "a second close does not close whatever has the number now");
        LibC.close(next);
    }
}
