// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ArrayList;

/**
 * A translator program the test bed can run: how to start it on a TAYGA-syntax config file. It runs
 * in the foreground, attaches to the existing TUN device named by {@code tun-device} and leaves the
 * device's addresses and routes alone (the bed sets them up), and stops on SIGTERM.
 */
public interface Translator {

    /** System property choosing the translator under test: {@code tunxlat} (default) or {@code tayga}. */
    String PROPERTY = "tunxlat.e2e.translator";

    /** A short name for logs and file names. */
    String name();

    /** The command line to run (inside the translator's namespace) for {@code configFile}. */
    List<String> command(Path configFile);

    /** Throws with a helpful message when the translator cannot be started at all. */
    default void checkAvailable() {}

    /** TAYGA 0.9.2: {@code tayga -c FILE -d} (stdout line-buffered so its log is readable live). */
    static Translator tayga() {
        return new Translator() {
            @Override
            public String name() {
                return "tayga";
            }

            @Override
            public List<String> command(Path configFile) {
                return List.of("stdbuf", "-oL", "tayga", "-c", configFile.toString(), "-d");
            }

            @Override
            public void checkAvailable() {
                if (!Cmd.exec(Cmd.DEFAULT_TIMEOUT, List.of("sh", "-c", "command -v tayga")).ok()) {
                    throw new IllegalStateException("tayga is not installed (apt-get install tayga)");
                }
            }

            @Override
            public String toString() {
                return name();
            }
        };
    }

    /** tunxlat: {@code java -jar JAR run -c FILE}, with the JVM running the tests. */
    static Translator tunxlat(Path jar) {
        return tunxlat(jar, List.of(), List.of(), List.of());
    }

    /**
     * tunxlat run as {@code PREFIX... java JVM-OPTIONS... -jar JAR run -c FILE RUN-ARGS...}: {@code prefix} runs it
     * through another program (say {@code setpriv} to start it unprivileged), {@code jvmOptions} are the JVM's
     * (say {@code -Dio.netty.leakDetection.level=paranoid}), {@code runArgs} the command's (say {@code -u nobody}).
     */
    static Translator tunxlat(Path jar, List<String> prefix, List<String> jvmOptions, List<String> runArgs) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new Translator() {
            @Override
            public String name() {
                return "tunxlat";
            }

            @Override
            public List<String> command(Path configFile) {
                List<String> c = new ArrayList<>(prefix);
                c.add(java.toString());
                c.addAll(jvmOptions);
                c.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "run", "-c", configFile.toString()));
                c.addAll(runArgs);
                return c;
            }

            @Override
            public void checkAvailable() {
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException(jar + " does not exist: run `mvn verify` (or `mvn package` first)");
                }
            }

            @Override
            public String toString() {
                return name();
            }
        };
    }

    /**
     * The translator chosen by {@value #PROPERTY} ({@code tunxlat}, the default, or {@code tayga});
     * tunxlat's jar comes from the {@code tunxlat.jar} property (set by failsafe), else
     * {@code target/tunxlat.jar}.
     */
    static Translator fromSystemProperties() {
        String choice = System.getProperty(PROPERTY, "tunxlat").trim();
        return switch (choice) {
            case "tunxlat" -> tunxlat(jar());
            case "tayga" -> tayga();
            default -> throw new IllegalArgumentException(PROPERTY + "=" + choice + ": expected tunxlat or tayga");
        };
    }

    /** tunxlat's jar: the {@code tunxlat.jar} property (set by failsafe), else {@code target/tunxlat.jar}. */
    static Path jar() {
        return Path.of(System.getProperty("tunxlat.jar", "target/tunxlat.jar"));
    }

    /** Whether the tests run against tunxlat (not TAYGA): tests of tunxlat's own behaviour skip otherwise. */
    static boolean underTestIsTunxlat() {
        return "tunxlat".equals(System.getProperty(PROPERTY, "tunxlat").trim());
    }
}
