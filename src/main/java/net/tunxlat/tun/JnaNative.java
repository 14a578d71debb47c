// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import com.sun.jna.Platform;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import net.tunxlat.util.AtomicFiles;
import net.tunxlat.util.FileTrees;

/**
 * JNA's native library ({@code libjnidispatch.so}) unpacked once, so that a start does not unpack it from the jar
 * into {@code jna.tmpdir} again (work on the warm-up thread before the first packet). The Debian package's {@code tunxlat
 * cds-archive} unpacks it next to the class-data sharing archive, into a directory named by JNA's native version
 * ({@code /var/cache/tunxlat/jna/VERSION/}), and {@code /usr/bin/tunxlat} names that cache with
 * {@code -Dtunxlat.jna-cache=DIR}. A start then loads the library from there if it is there for the JNA in the jar
 * ({@code jna.boot.library.path}); if not (another version, never unpacked, not readable), JNA unpacks its own as
 * before. A library of another version is never loaded: the directory is the version. ({@code Native.VERSION_NATIVE}
 * is a constant that javac copies here: reading it does not load JNA.)
 */
public final class JnaNative {
    /** The system property naming the cache directory. */
    public static final String CACHE_PROPERTY = "tunxlat.jna-cache";
    private static final String BOOT_PATH = "jna.boot.library.path";
    private static final String LIBRARY = "jnidispatch";

    private JnaNative() {}

    /**
     * Before JNA loads: points JNA at the cached library for its version, if {@code -Dtunxlat.jna-cache} names a
     * cache that has it and the user did not set {@code jna.boot.library.path}.
     */
    public static void useCache() {
        String cache = System.getProperty(CACHE_PROPERTY);
        if (cache == null || cache.isEmpty() || System.getProperty(BOOT_PATH) != null) {
            return;
        }
        Path dir = Path.of(cache, Native.VERSION_NATIVE);
        if (Files.isReadable(dir.resolve(System.mapLibraryName(LIBRARY)))) {
            System.setProperty(BOOT_PATH, dir.toString());
        }
    }

    /**
     * Unpacks the jar's library for this platform into {@code cache/VERSION/} (written beside, forced to disk, renamed
     * into place, readable to all), and removes what else is in {@code cache} (other versions); returns the file.
     *
     * @throws IOException if the jar has no library for this platform or it cannot be written
     */
    public static Path unpack(Path cache) throws IOException {
        String name = System.mapLibraryName(LIBRARY);
        String resource = "/com/sun/jna/" + Platform.RESOURCE_PREFIX + "/" + name;
        Path dir = cache.resolve(Native.VERSION_NATIVE);
        Files.createDirectories(dir);
        Path target = dir.resolve(name);
        byte[] library;
        try (InputStream in = JnaNative.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("the jar has no " + resource + " (JNA " + Native.VERSION + ")");
            }
            library = in.readAllBytes();
        }
        AtomicFiles.write(target, dir.resolve(name + ".new"), ByteBuffer.wrap(library));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        try (Stream<Path> versions = Files.list(cache)) {
            for (Path other : versions.filter(p -> !p.equals(dir)).toList()) {
                FileTrees.delete(other);
            }
        }
        return target;
    }
}
