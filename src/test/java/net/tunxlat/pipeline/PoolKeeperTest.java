// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicMapFile;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keeper of data-dir/dynamic.map: load at start, write within about a second, write at a clean stop. */
class PoolKeeperTest {
    static DynamicPool pool() {
        return new DynamicPool(Ipv4Prefix.parse("192.168.255.0/24", -1), a -> a == Addresses.parseIpv4("192.168.255.1"),
                List.of(), DynamicPool::systemSeconds);
    }

    @Test
    void loadsTheFileDropsATornTemporaryAndWritesNewBindingsWithinASecond(@TempDir Path dir) throws Exception {
        long now = DynamicPool.systemSeconds();
        Files.writeString(dir.resolve(DynamicMapFile.NAME), "###\n192.168.255.20\t2001:db8:6::20\t" + now + "\n",
                StandardCharsets.ISO_8859_1);
        // A write cut short by kill -9: half a temporary file.
        Files.writeString(dir.resolve(DynamicMapFile.TEMP_NAME), "###\n192.168.255.21\t2001:d", StandardCharsets.ISO_8859_1);
        DynamicPool pool = pool();
        PoolKeeper keeper = new PoolKeeper(pool, new DynamicMapFile(dir));
        assertEquals(1, keeper.load());
        assertFalse(Files.exists(dir.resolve(DynamicMapFile.TEMP_NAME)), "the torn temporary file is removed");
        assertEquals(Addresses.parseIpv4("192.168.255.20"), pool.lookup6(0x20010db800060000L, 0x20).address());
        keeper.start();
        try {
            long t0 = System.nanoTime();
            DynamicPool.Binding b = pool.assign(0x20010db800060000L, 0x30, DynamicPool.systemSeconds());
            String line = Addresses.formatIpv4(b.address()) + "\t2001:db8:6::30\t";
            while (!Files.readString(dir.resolve(DynamicMapFile.NAME), StandardCharsets.ISO_8859_1).contains(line)) {
                assertTrue(System.nanoTime() - t0 < 1_500_000_000L, "written within about a second");
                Thread.sleep(20);
            }
        } finally {
            keeper.close();
        }
        DynamicMapFile.Loaded after = new DynamicMapFile(dir).load();
        assertEquals(List.of(), after.problems());
        assertEquals(2, after.entries().size());
    }

    @Test
    void aCleanStopWritesTheLastUse(@TempDir Path dir) throws Exception {
        DynamicPool pool = pool();
        PoolKeeper keeper = new PoolKeeper(pool, new DynamicMapFile(dir));
        keeper.load();
        DynamicPool.Binding b = pool.assign(7, 7, DynamicPool.systemSeconds() - 100);
        b.touch(DynamicPool.systemSeconds());
        keeper.close(); // never started: close still writes
        DynamicMapFile.Entry e = new DynamicMapFile(dir).load().entries().get(0);
        assertEquals(b.address(), e.address());
        assertEquals(b.lastUse(), e.lastUse());
    }
}
