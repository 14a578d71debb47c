// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.io.UncheckedIOException;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code tunxlat cds-archive} on the packaged jar (no root needed): the archive it makes holds tunxlat's
 * start-up classes and is used with the options of {@code /usr/bin/tunxlat} (packaging/tunxlat.sh); with another
 * jar it is ignored without a word; a failure leaves the previous archive alone.
 */
class CdsArchiveIT {
    /** The CDS options of /usr/bin/tunxlat, read from the wrapper as the package ships it. */
    static final List<String> WRAPPER_CDS_OPTS = wrapperCdsOptions();

    @TempDir
    Path dir;
    Path jar;
    Path config;

    @BeforeEach
    void jar() throws IOException {
        jar = Path.of(System.getProperty("tunxlat.jar", "target/tunxlat.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "mvn package first: " + jar);
        config = Files.writeString(dir.resolve("t.conf"), "tun-device nat64\nipv4-addr 192.168.255.1\n"
                + "prefix 2001:db8:64::/96\nmap 192.168.255.2 2001:db8:6::2\n");
    }

    static List<String> wrapperCdsOptions() {
        try {
            String line = Files.readAllLines(Path.of("packaging/tunxlat.sh")).stream()
                    .filter(l -> l.startsWith("CDS_OPTS=\"")).findFirst().orElseThrow();
            return List.of(line.substring("CDS_OPTS=\"".length(), line.length() - 1).split(" "));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Run(int status, String output) {}

    static Run java(Path workDir, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(args);
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "still running: " + cmd);
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private Run check(Path archive, Path jarFile, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive));
        args.addAll(WRAPPER_CDS_OPTS);
        args.addAll(List.of(extra));
        args.addAll(List.of("-jar", jarFile.toString(), "check", "-c", config.toString()));
        return java(dir, args);
    }

    @Test
    void theArchiveHoldsTheStartClassesAndIsUsedAsTheWrapperUsesIt() throws Exception {
        Path archive = dir.resolve("tunxlat.jsa");
        // The parent's own CDS options are not handed to the training run (-Xshare:off there would fail it).
        Run made = java(dir, List.of("-Xshare:off", "-Xmx128m", "-jar", jar.toString(), "cds-archive", archive.toString()));
        assertEquals(0, made.status(), made.output());
        assertTrue(made.output().startsWith(archive + ": "), made.output());
        assertTrue(Files.size(archive) > 1_000_000, "an archive of some size: " + Files.size(archive));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(archive)), "readable by the service user");
        try (var files = Files.list(dir)) {
            assertEquals(List.of("jna", "t.conf", "tunxlat.jsa"), files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("out")).sorted().toList(), "nothing else left next to it");
        }
        // Beside it, JNA's native library for /usr/bin/tunxlat's -Dtunxlat.jna-cache (JnaNativeTest: what is in it).
        Path jnaLibrary = dir.resolve("jna").resolve(Native.VERSION_NATIVE).resolve("libjnidispatch.so");
        assertTrue(Files.isRegularFile(jnaLibrary), made.output());
        assertTrue(made.output().contains(jnaLibrary + ": JNA's native library (-Dtunxlat.jna-cache=" + dir.resolve("jna")
                + ")"), made.output());

        // The training run again, now with the archive: the start path's classes come from it.
        Path again = Files.createDirectories(dir.resolve("again"));
        List<String> args = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive));
        args.addAll(WRAPPER_CDS_OPTS);
        args.addAll(List.of("-Xlog:class+load=info", "-Djna.tmpdir=" + again.resolve("jna"), "-jar", jar.toString(),
                "cds-archive", "--training-run", again.toString()));
        Run rerun = java(dir, args);
        assertEquals(0, rerun.status(), rerun.output());
        for (String cls : List.of("net.tunxlat.pipeline.Daemon", "net.tunxlat.config.ConfigParser",
                "net.tunxlat.control.ControlServer", "net.tunxlat.tun.LibC", "com.sun.jna.Native",
                "io.netty.buffer.PooledByteBufAllocator", "net.tunxlat.xlat.Translator",
                "io.micrometer.core.instrument.MeterRegistry", "net.tunxlat.metrics.MetricsServer",
                "sun.net.httpserver.ServerImpl", "net.tunxlat.cli.CheckCommand")) {
            assertTrue(rerun.output().contains(cls + " source: shared objects file (top)"), cls + " not from the archive");
        }
        // What still comes from the jar: picocli (class file version 49, which CDS cannot archive), classes
        // implementing its interfaces, the logging back-ends Netty and Micrometer probe for and do not find, and
        // a few that only a garbage collection during the run loads (Micrometer's GC timers): a handful, not hundreds.
        List<String> fromJar = rerun.output().lines().filter(l -> l.contains(" source: file:"))
                .filter(l -> !l.contains("] picocli.")).toList();
        assertTrue(fromJar.size() < 30, fromJar.size() + " classes not from the archive:\n" + String.join("\n", fromJar));

        Run used = check(archive, jar);
        assertEquals(0, used.status(), used.output());
        assertEquals(config + ": OK", used.output().lines().findFirst().orElse(""), "no JVM message:\n" + used.output());
    }

    @Test
    void aStaleArchiveIsIgnoredWithoutAWord() throws Exception {
        Path archive = dir.resolve("tunxlat.jsa");
        Run made = java(dir, List.of("-jar", jar.toString(), "cds-archive", archive.toString()));
        assertEquals(0, made.status(), made.output());
        // The same jar, another file (as after an upgrade that did not make the archive again)
        Path other = dir.resolve("other.jar");
        Files.copy(jar, other, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setLastModifiedTime(other, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        Run stale = check(archive, other);
        assertEquals(0, stale.status(), stale.output());
        assertEquals(config + ": OK", stale.output().lines().findFirst().orElse(""), "no JVM warning:\n" + stale.output());
        Run plain = java(dir, List.of("-jar", other.toString(), "check", "-c", config.toString()));
        assertEquals(plain.output(), stale.output(), "as without the archive");
    }

    @Test
    void aFailureLeavesThePreviousArchiveAlone() throws Exception {
        Path archive = dir.resolve("tunxlat.jsa");
        Files.writeString(archive, "previous");
        // A directory where the archive should go next to: cannot be written.
        Path blocked = dir.resolve("tunxlat.jsa.new");
        Files.createDirectories(blocked.resolve("x"));
        Run failed = java(dir, List.of("-jar", jar.toString(), "cds-archive", archive.toString()));
        assertEquals(1, failed.status(), failed.output());
        assertTrue(failed.output().contains("tunxlat cds-archive: " + archive + " not written: "), failed.output());
        assertEquals("previous", Files.readString(archive));
    }

    @Test
    void withoutFileItIsABadCommandLine() throws Exception {
        Run r = java(dir, List.of("-jar", jar.toString(), "cds-archive"));
        assertEquals(2, r.status(), r.output());
        assertTrue(r.output().contains("tunxlat cds-archive: FILE missing"), r.output());
    }
}
