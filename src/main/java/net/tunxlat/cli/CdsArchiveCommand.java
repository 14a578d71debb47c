// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.offline.StartTraining;
import net.tunxlat.tun.JnaNative;
import net.tunxlat.util.FileTrees;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import java.io.File;

/**
 * {@code tunxlat cds-archive FILE}: a class-data sharing archive (a JDK dynamic archive) of the classes
 * tunxlat loads when it starts, for the Java runtime running this command and the jar it runs from. The
 * Debian package makes {@code /var/cache/tunxlat/tunxlat.jsa} with it when it is configured and when a Java
 * runtime changes; {@code /usr/bin/tunxlat} starts the JVM with it when it is there.
 *
 * <p>A child JVM ({@code -XX:ArchiveClassesAtExit}) runs {@link StartTraining}, which needs neither a TUN
 * device nor root. The archive is then loaded once with {@code -Xshare:on}, and must supply tunxlat's own
 * classes, before it replaces FILE by a rename: a start never sees a half-written or unusable archive (a
 * truncated one crashes JDK 17 at start-up). Beside the archive, in {@code jna/}, it unpacks JNA's native library
 * for {@code /usr/bin/tunxlat}'s {@code -Dtunxlat.jna-cache} ({@link JnaNative}).
 */
@Command(name = "cds-archive", hidden = true, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Make a class-data sharing archive of the classes tunxlat loads at start.",
                "For the Java runtime running this command, with a training run that needs no TUN device and no"
                        + " root. The Debian package keeps one in /var/cache/tunxlat/tunxlat.jsa (see tunxlat(8));"
                        + " use it with java -XX:SharedArchiveFile=FILE -Xshare:auto -jar tunxlat.jar ... (the same"
                        + " jar, the same runtime). Beside FILE it unpacks JNA's native library into jna/VERSION/, which"
                        + " tunxlat loads from there with -Dtunxlat.jna-cache=DIR/jna instead of unpacking it at each start."},
        footer = {"", "Exit status: 0 written, 1 not written (FILE is left as it was), 2 bad command line."})
public final class CdsArchiveCommand implements Callable<Integer> {
    /** How long the training run and the check may take before they are killed. */
    static final long TIMEOUT_SECONDS = 120;
    /** What the check looks for in -Xlog:class+load: tunxlat's entry point mapped from the archive. */
    static final String FROM_ARCHIVE = "net.tunxlat.Main source: shared objects file (top)";
    /** The directory beside the archive where JNA's native library is unpacked. */
    static final String JNA_CACHE = "jna";

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "the archive to write (replaced atomically)")
    Path archive;

    @Option(names = "--training-run", hidden = true, paramLabel = "DIR",
            description = "be the training run, writing only in DIR (what the child JVM runs)")
    Path trainingDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (trainingDir != null) {
            return train(trainingDir.toAbsolutePath(), err);
        }
        if (archive == null) {
            err.println("tunxlat cds-archive: FILE missing (where to write the archive)");
            err.flush();
            return 2;
        }
        Path jar = ownJar();
        if (jar == null) {
            err.println("tunxlat cds-archive: runs from tunxlat.jar only (java -jar tunxlat.jar cds-archive FILE)");
            err.flush();
            return 1;
        }
        try {
            long size = make(jar, archive.toAbsolutePath());
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%s: %d KiB, for %s (%s) and %s%n", archive, size / 1024,
                    System.getProperty("java.home"), System.getProperty("java.vm.version"), jar);
            out.flush();
            // Beside it, JNA's native library, unpacked once instead of at every start (JnaNative). Without it a start
            // is only slower, so a failure here is said and the archive kept.
            Path jna = archive.toAbsolutePath().resolveSibling(JNA_CACHE);
            try {
                out.printf("%s: JNA's native library (-D%s=%s)%n", JnaNative.unpack(jna), JnaNative.CACHE_PROPERTY, jna);
                out.flush();
            } catch (IOException | RuntimeException e) {
                err.println("tunxlat cds-archive: JNA's native library not unpacked into " + jna + ": " + e.getMessage()
                        + " (tunxlat unpacks it at every start instead)");
                err.flush();
            }
            return 0;
        } catch (IOException e) {
            err.println("tunxlat cds-archive: " + archive + " not written: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    /** The training run (in the child JVM): the daemon's start path, then what {@code tunxlat check} loads. */
    private int train(Path dir, PrintWriter err) throws IOException, InterruptedException {
        Path conf = StartTraining.writeConfig(dir);
        TunxlatConfig cfg = RunCommand.load(conf, null, err);
        if (cfg == null) {
            return 1;
        }
        int emitted = StartTraining.run(cfg, err);
        CommandLine check = new CommandLine(new TunxlatCommand());
        check.setOut(new PrintWriter(PrintWriter.nullWriter()));
        int status = check.execute("check", "-c", conf.toString());
        spec.commandLine().getOut().println("training run: " + emitted + " packets emitted; check: exit status " + status);
        spec.commandLine().getOut().flush();
        return status;
    }

    /** Makes the archive for {@code jar} and moves it to {@code target}; returns its size. */
    private static long make(Path jar, Path target) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvm = new ArrayList<>(List.of(java));
        jvm.addAll(inheritedJvmOptions());
        Path work = Files.createTempDirectory("tunxlat-cds-");
        // Next to the target, so that the final move is a rename.
        Path fresh = target.resolveSibling(target.getFileName() + ".new");
        try {
            Files.deleteIfExists(fresh);
            List<String> training = new ArrayList<>(jvm);
            training.addAll(List.of("-XX:ArchiveClassesAtExit=" + fresh, "-Djna.tmpdir=" + work.resolve("jna"),
                    "-XX:ErrorFile=" + work.resolve("hs_err.log"), "-jar", jar.toString(), "cds-archive",
                    "--training-run", work.toString()));
            Path log = work.resolve("training.log");
            int status = run("the training run", training, work, log);
            if (status != 0 || !Files.isRegularFile(fresh)) {
                throw new IOException("the training run failed (exit status " + status + "): " + tail(log));
            }
            List<String> check = new ArrayList<>(jvm);
            check.addAll(List.of("-XX:SharedArchiveFile=" + fresh, "-Xshare:on", "-Xlog:class+load=info",
                    "-XX:ErrorFile=" + work.resolve("hs_err.log"), "-jar", jar.toString(), "--version"));
            Path checkLog = work.resolve("check.log");
            status = run("the check", check, work, checkLog);
            if (status != 0 || !Files.readString(checkLog, StandardCharsets.UTF_8).contains(FROM_ARCHIVE)) {
                throw new IOException("the archive made does not load (exit status " + status + "): " + tail(checkLog));
            }
            Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rw-r--r--"));
            try (FileChannel c = FileChannel.open(fresh, StandardOpenOption.WRITE)) {
                c.force(true); // on disk before the rename: a truncated archive would crash the JVM at start
            }
            Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Files.size(target);
        } finally {
            Files.deleteIfExists(fresh);
            FileTrees.delete(work);
        }
    }

    /**
     * The JVM options this command runs with that shape an archive (heap size and compressed pointers, the
     * collector, ...), without those about class-data sharing or logging, and without system properties and agents.
     */
    static List<String> inheritedJvmOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X"))
                .filter(a -> !(a.startsWith("-Xshare") || a.startsWith("-Xlog") || a.startsWith("-XX:SharedArchiveFile")
                        || a.startsWith("-XX:ArchiveClassesAtExit") || a.startsWith("-XX:ErrorFile")))
                .toList();
    }

    private static int run(String what, List<String> command, Path dir, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException(what + " took more than " + TIMEOUT_SECONDS + " s");
        }
        return p.exitValue();
    }

    /** The last lines of a log, on one line. */
    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }

    /** The jar this class was loaded from, or null (classes from a directory: tests, an IDE). */
    private static Path ownJar() {
        try {
            Path p = Path.of(CdsArchiveCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) ? p : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
