// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.tunxlat.mapping.Ipv6Prefix;

/** {@link ClatHostAddress}: the secret file and the RFC 7217-style identifiers. */
class ClatHostAddressTest {
    private static final Ipv6Prefix P = Ipv6Prefix.parse("2001:db8:1::/64", -1);

    @TempDir
    Path dir;

    @Test
    void theSecretIsCreatedOnceWithMode0600AndReadBackAfterwards() throws IOException {
        Path data = dir.resolve("data");
        byte[] first = ClatHostAddress.secret(data);
        Path file = data.resolve(ClatHostAddress.SECRET_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(32, first.length);
        assertArrayEquals(first, ClatHostAddress.secret(data));
        assertFalse(Files.exists(data.resolve(ClatHostAddress.SECRET_FILE + ".tmp")), "no temporary file left");
        assertFalse(Arrays.equals(first, ClatHostAddress.secret(dir.resolve("other"))),
                "another data-dir, another secret");
    }

    @Test
    void aSecretReadableByOthersIsTightenedAndADamagedOneRefused() throws IOException {
        byte[] key = ClatHostAddress.secret(dir);
        Path file = dir.resolve(ClatHostAddress.SECRET_FILE);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertArrayEquals(key, ClatHostAddress.secret(dir));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Files.write(file, new byte[5]);
        IOException e = assertThrows(IOException.class, () -> ClatHostAddress.secret(dir));
        assertTrue(e.getMessage().contains("5 bytes, expected 32"), e.getMessage());
    }

    @Test
    void candidatesAreStableInThePrefixAndDependOnEveryInput() {
        byte[] key = new byte[32];
        long[] a = ClatHostAddress.candidate(key, "eth0", P, 0);
        assertArrayEquals(a, ClatHostAddress.candidate(key, "eth0", P, 0));
        assertTrue(P.contains(a[0], a[1]));
        Set<String> all = new HashSet<>();
        all.add(ClatHostAddress.format(a));
        all.add(ClatHostAddress.format(ClatHostAddress.candidate(key, "eth0", P, 1)));
        all.add(ClatHostAddress.format(ClatHostAddress.candidate(key, "eth1", P, 0)));
        all.add(ClatHostAddress.format(ClatHostAddress.candidate(key, "eth0", Ipv6Prefix.parse("2001:db8:2::/64", -1), 0)));
        byte[] other = new byte[32];
        other[31] = 1;
        all.add(ClatHostAddress.format(ClatHostAddress.candidate(other, "eth0", P, 0)));
        assertEquals(5, all.size(), all.toString());
        // a shorter routed prefix: the subnet bits are random too, the prefix kept
        Ipv6Prefix pd = Ipv6Prefix.parse("2001:db8:99::/56", -1);
        long[] b = ClatHostAddress.candidate(key, "eth0", pd, 0);
        assertTrue(pd.contains(b[0], b[1]));
        assertNotEquals(pd.hi(), b[0], "the /56's subnet bits come from the hash too (a fixed key: not by chance)");
    }

    @Test
    void rfc5453ReservedInterfaceIdentifiersAreRecognised() {
        assertTrue(ClatHostAddress.reservedInterfaceId(0));
        assertTrue(ClatHostAddress.reservedInterfaceId(0xfdffffffffffff80L));
        assertTrue(ClatHostAddress.reservedInterfaceId(0xfdffffffffffffffL));
        assertFalse(ClatHostAddress.reservedInterfaceId(0xfdffffffffffff7fL));
        assertTrue(ClatHostAddress.reservedInterfaceId(0x02005efe0a000001L));
        assertTrue(ClatHostAddress.reservedInterfaceId(0x00005efec0000201L));
        assertFalse(ClatHostAddress.reservedInterfaceId(0x021122fffe334455L));
    }
}
