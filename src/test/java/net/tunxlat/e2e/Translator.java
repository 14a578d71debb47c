package net.tunxlat.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new Translator() {
            @Override
            public String name() {
                return "tunxlat";
            }

            @Override
            public List<String> command(Path configFile) {
                return List.of(java.toString(), "-jar", jar.toAbsolutePath().toString(), "run", "-c", configFile.toString());
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
            case "tunxlat" -> tunxlat(Path.of(System.getProperty("tunxlat.jar", "target/tunxlat.jar")));
            case "tayga" -> tayga();
            default -> throw new IllegalArgumentException(PROPERTY + "=" + choice + ": expected tunxlat or tayga");
        };
    }
}
