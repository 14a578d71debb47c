// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.jna.Platform;
import com.sun.jna.Native;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JNA's native library unpacked once by cds-archive, and found again by a start for the same JNA only. */
class JnaNativeTest {
    private static final String BOOT = "jna.boot.library.path";
    @TempDir
    Path cache;
    private String bootBefore;
    private String cacheBefore;

    @BeforeEach
    void save() {
        bootBefore = System.getProperty(BOOT);
        cacheBefore = System.getProperty(JnaNative.CACHE_PROPERTY);
        System.clearProperty(BOOT);
    }

    @AfterEach
    void restore() {
        set(BOOT, bootBefore);
        set(JnaNative.CACHE_PROPERTY, cacheBefore);
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void unpacksTheJarsLibraryIntoItsVersionsDirectoryAndRemovesOthers() throws Exception {
        Path old = Files.createDirectories(cache.resolve("6.1.6"));
        Files.writeString(old.resolve("libjnidispatch.so"), "an older JNA's");
        Files.writeString(cache.resolve("stray"), "x");

        Path lib = JnaNative.unpack(cache);

        assertEquals(cache.resolve(Native.VERSION_NATIVE).resolve(System.mapLibraryName("jnidispatch")), lib);
        byte[] want;
        try (InputStream in = Platform.class.getResourceAsStream(
                "/com/sun/jna/" + Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName("jnidispatch"))) {
            assertNotNull(in, "the jar's library for this platform");
            want = in.readAllBytes();
        }
        assertArrayEquals(want, Files.readAllBytes(lib), "the jar's bytes");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(lib)),
                "readable by the service user");
        try (Stream<Path> all = Files.walk(cache)) {
            assertEquals(List.of(cache, lib.getParent(), lib), all.sorted().toList(), "nothing else: no .new, no older version");
        }
        assertArrayEquals(want, Files.readAllBytes(JnaNative.unpack(cache)), "again: replaced in place");
    }

    @Test
    void aStartUsesTheCacheOnlyWhenItHoldsThisJnasLibrary() throws Exception {
        System.setProperty(JnaNative.CACHE_PROPERTY, cache.toString());
        Files.createDirectories(cache.resolve("6.1.6"));
        Files.writeString(cache.resolve("6.1.6").resolve(System.mapLibraryName("jnidispatch")), "an older JNA's");
        JnaNative.useCache();
        assertNull(System.getProperty(BOOT), "another version's library is never pointed at");

        JnaNative.unpack(cache);
        JnaNative.useCache();
        assertEquals(cache.resolve(Native.VERSION_NATIVE).toString(), System.getProperty(BOOT));

        System.setProperty(BOOT, "/somewhere/else");
        JnaNative.useCache();
        assertEquals("/somewhere/else", System.getProperty(BOOT), "the user's own setting wins");

        System.clearProperty(BOOT);
        System.clearProperty(JnaNative.CACHE_PROPERTY);
        JnaNative.useCache();
        assertNull(System.getProperty(BOOT), "no cache named: JNA unpacks its own");
    }
}
