// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.migrate;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicMapFile;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.List;

class DynamicMapCopyTest {
    @TempDir
    Path dir;

    static final Ipv4Prefix POOL = Ipv4Prefix.parse("192.168.255.0/24", 32);

    /** What TAYGA 0.9.2 writes (its header, tab-separated lines). */
    static final String TAYGA_MAP = "###\n###\n### TAYGA dynamic map database\n###\n"
            + "### You can edit this (carefully!) as long as TAYGA is not running\n###\n\n"
            + "192.168.255.93\t2001:db8:6::2\t1764990000\n"
            + "192.168.255.12\t2001:db8:6::3\t1764990100\n";

    Path tayga() throws IOException {
        Path t = Files.createDirectories(dir.resolve("spool/tayga"));
        Files.writeString(t.resolve("dynamic.map"), TAYGA_MAP);
        return t;
    }

    Path proc(String... comms) throws IOException {
        Path p = Files.createDirectories(dir.resolve("proc"));
        int pid = 100;
        for (String c : comms) {
            Path d = Files.createDirectories(p.resolve(Integer.toString(pid++)));
            Files.writeString(d.resolve("comm"), c + "\n");
        }
        Files.createDirectories(p.resolve("self"));
        return p;
    }

    @Test
    void copiesEveryBindingSoEachHostKeepsItsAddressAfterTunxlatLoadsIt() throws Exception {
        Path to = Files.createDirectories(dir.resolve("lib/tunxlat"));
        DynamicMapCopy.Result r = DynamicMapCopy.copy(tayga(), to, POOL, false, proc("systemd", "sshd"));
        assertEquals(2, r.copied());
        assertEquals(to.resolve("dynamic.map"), r.to());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(r.to())));
        assertEquals(Files.getOwner(to), Files.getOwner(r.to()));
        // what tunxlat does at start (PoolKeeper.load): the same IPv6 host gets the same IPv4 address
        DynamicPool pool = new DynamicPool(POOL, a -> a == Addresses.parseIpv4("192.168.255.1"), List.of(),
                () -> 1764990200L);
        for (DynamicMapFile.Entry e : new DynamicMapFile(to).load().entries()) {
            assertTrue(pool.restore(e.address(), e.hi(), e.lo(), e.lastUse()));
        }
        long[] host = Addresses.parseIpv6("2001:db8:6::2");
        assertEquals(Addresses.parseIpv4("192.168.255.93"), pool.lookup6(host[0], host[1]).address());
        assertEquals(1764990000L, pool.lookup6(host[0], host[1]).lastUse());
        // TAYGA's own file is untouched, for a roll-back
        assertEquals(TAYGA_MAP, Files.readString(r.from()));
    }

    @Test
    void refusedWhileTaygaRuns() throws Exception {
        Path to = Files.createDirectories(dir.resolve("lib/tunxlat"));
        IOException e = assertThrows(IOException.class, () -> DynamicMapCopy.copy(tayga(), to, POOL, false, proc("sshd", "tayga")));
        assertTrue(e.getMessage().contains("TAYGA is running (pid 101)"), e.getMessage());
        assertTrue(e.getMessage().contains("systemctl stop tayga"), e.getMessage());
        assertFalse(Files.exists(to.resolve("dynamic.map")));
    }

    @Test
    void anExistingTunxlatMapIsKeptUnlessForced() throws Exception {
        Path to = Files.createDirectories(dir.resolve("lib/tunxlat"));
        Files.writeString(to.resolve("dynamic.map"), "192.168.255.50\t2001:db8:7::1\t1764990000\n");
        IOException e = assertThrows(IOException.class, () -> DynamicMapCopy.copy(tayga(), to, POOL, false, proc()));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        assertTrue(Files.readString(to.resolve("dynamic.map")).contains("2001:db8:7::1"));
        assertEquals(2, DynamicMapCopy.copy(tayga(), to, POOL, true, proc()).copied());
        assertFalse(Files.readString(to.resolve("dynamic.map")).contains("2001:db8:7::1"));
    }

    @Test
    void bindingsOutsideThePoolAndMalformedLinesAreReported() throws Exception {
        Path t = tayga();
        Files.writeString(t.resolve("dynamic.map"), TAYGA_MAP + "10.0.0.5\t2001:db8:6::9\t1764990000\nnot a line\n");
        Path to = Files.createDirectories(dir.resolve("lib/tunxlat"));
        DynamicMapCopy.Result r = DynamicMapCopy.copy(t, to, POOL, false, proc());
        assertEquals(3, r.copied());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("10.0.0.5") && n.contains("outside dynamic-pool")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("dynamic.map:11: ignoring malformed line")), r.notes().toString());
    }

    @Test
    void nothingToCopyIsANote() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("spool/empty"));
        Path to = Files.createDirectories(dir.resolve("lib/tunxlat"));
        DynamicMapCopy.Result r = DynamicMapCopy.copy(empty, to, POOL, false, proc());
        assertEquals(0, r.copied());
        assertFalse(Files.exists(to.resolve("dynamic.map")));
        assertTrue(r.notes().get(0).contains("no dynamic bindings to keep"), r.notes().toString());
    }

    @Test
    void aMissingTargetDirectoryIsAClearError() throws Exception {
        IOException e = assertThrows(IOException.class,
                () -> DynamicMapCopy.copy(tayga(), dir.resolve("nope"), POOL, false, proc()));
        assertTrue(e.getMessage().contains("install the tunxlat package first"), e.getMessage());
    }
}
