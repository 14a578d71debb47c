// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.tunxlat.tun.LibC;
import org.junit.jupiter.api.Test;

class WarmUpTest {
    @Test
    void joinWaitsForTheWorkToEnd() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        boolean[] done = new boolean[1];
        WarmUp w = new WarmUp(() -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done[0] = true;
        }).begin();
        Thread joiner = new Thread(() -> {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        joiner.start();
        joiner.join(200);
        assertTrue(joiner.isAlive(), "join() returned before the work ended");
        release.countDown();
        joiner.join(5000);
        assertFalse(joiner.isAlive());
        assertTrue(done[0]);
    }

    @Test
    void theWaitingThreadMeetsTheSameErrorTheWorkFailedWith() {
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError("no jnidispatch here");
        WarmUp w = new WarmUp(() -> {
            throw cause;
        }).begin();
        assertSame(cause, assertThrows(UnsatisfiedLinkError.class, w::join));

        IllegalStateException runtime = new IllegalStateException("broken");
        WarmUp r = new WarmUp(() -> {
            throw runtime;
        }).begin();
        assertSame(runtime, assertThrows(IllegalStateException.class, r::join));
    }

    @Test
    void theProcessWarmUpLoadsLibcAndNettyAndCanBeAwaitedMoreThanOnce() throws Exception {
        WarmUp.start();
        WarmUp.start(); // once per process
        WarmUp.await();
        WarmUp.await();
        assertTrue(PooledByteBufAllocator.DEFAULT.isDirectBufferPooled());
        assertTrue(LibC.getuid() >= 0);
    }
}
