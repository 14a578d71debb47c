// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.pipeline.Buffers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The RFC 1071 sum over a datagram in a worker's buffer (a pooled direct buffer through its hot-path view), as
 * the UDP coalescer verifies a complete checksum and the offload path finishes a partial one: 64 and 1400 bytes
 * at an odd and an even offset. {@code mvn -B test-compile exec:exec@jmh -Djmh.args=ChecksumBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChecksumBenchmark {
    @Param({"64", "1400"})
    int length;

    @Param({"52", "53"})
    int offset;

    ByteBuf owned;
    ByteBuf buf;

    @Setup
    public void setUp() {
        owned = PooledByteBufAllocator.DEFAULT.directBuffer(4096, 4096);
        buf = Buffers.hotPathView(owned);
        byte[] b = new byte[4096];
        new Random(1).nextBytes(b);
        buf.setBytes(0, b);
    }

    @TearDown
    public void tearDown() {
        owned.release();
    }

    @Benchmark
    public int sum() {
        return Checksum.add(buf, offset, length, 0x1234);
    }
}
