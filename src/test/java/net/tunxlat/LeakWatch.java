// SPDX-License-Identifier: Apache-2.0
package net.tunxlat;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns Netty's leak reports into test failures: the tests run with {@code -Dio.netty.leakDetection.level=paranoid}
 * (every buffer tracked), and this listens on the ByteBuf leak detector, so that a buffer garbage-collected
 * without {@code release()} is counted instead of only logged. Netty notices a leak when it next tracks a
 * buffer after the garbage collector found the lost one; {@link #assertNoLeaks} forces that.
 */
public final class LeakWatch {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        try {
            Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
            f.setAccessible(true);
            ((ResourceLeakDetector<?>) f.get(null)).setLeakListener((type, records) -> LEAKS.add(type + ": " + records));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("cannot listen to Netty's leak detector: " + e);
        }
    }

    private LeakWatch() {}

    /** Starts listening (idempotent) and returns a mark: the number of leaks reported so far. */
    public static int mark() {
        return LEAKS.size();
    }

    /** Fails if a leak was reported since {@code mark} (cheap; what Netty has noticed so far). */
    public static void assertNoNewLeaks(int mark) {
        if (LEAKS.size() > mark) {
            throw new AssertionError((LEAKS.size() - mark) + " buffer leak(s):\n"
                    + String.join("\n", LEAKS.subList(mark, LEAKS.size())));
        }
    }

    /** Leaks reported since the JVM started. */
    public static List<String> leaks() {
        return List.copyOf(LEAKS);
    }

    /** Collects garbage, lets Netty look for lost buffers, and fails if any was found since {@code mark}. */
    public static void assertNoLeaks(int mark) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new AssertionError("run with -Dio.netty.leakDetection.level=paranoid (surefire does)");
        }
        for (int i = 0; i < 3 && LEAKS.size() == mark; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int k = 0; k < 8; k++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64); // tracking polls the reference queue
                b.release();
            }
        }
        assertNoNewLeaks(mark);
    }
}
