// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The JNA bindings' error path: errno is read right after a failed direct-mapped call. */
class Pref64SocketsTest {
    @Test
    void errnoOfAFailedCallIsKeptAndNamed() {
        assertEquals(-1, Pref64Sockets.close(-1));
        int errno = Native.getLastError();
        assertEquals(9, errno, "EBADF");
        String text = Pref64Sockets.failure("close(-1)", errno).getMessage();
        assertTrue(text.startsWith("close(-1): ") && text.endsWith("(errno 9)"), text);
    }

    @Test
    void anUnknownInterfaceHasIndexZero() {
        assertEquals(0, Pref64Sockets.if_nametoindex("no-such-if0"));
    }

    @Test
    void socketOptionIntegersAreInHostOrder() {
        assertArrayEquals(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(255).array(), Pref64Sockets.nativeInt(255));
    }
}
