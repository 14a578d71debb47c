package net.tunxlat.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A configuration file that cannot be used. The message is {@code FILE:LINE: what is wrong} or, when
 * the problem is not tied to one line (a missing mandatory directive, say), {@code FILE: what is wrong}.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Path file;
    private final int line;
    private final String detail;

    /**
     * @param file   the configuration file (as named to the user)
     * @param line   the 1-based line number, or 0 when the problem is not tied to one line
     * @param detail what is wrong and what is expected, without the {@code FILE:LINE: } prefix
     */
    public ConfigException(Path file, int line, String detail) {
        super(format(file, line, detail));
        if (line < 0) {
            throw new IllegalArgumentException("line must be 0 or positive, not " + line);
        }
        this.file = file;
        this.line = line;
        this.detail = detail;
    }

    /** The configuration file. */
    public Path file() {
        return file;
    }

    /** The 1-based line number, or 0 when the problem is not tied to one line. */
    public int line() {
        return line;
    }

    /** What is wrong, without the {@code FILE:LINE: } prefix. */
    public String detail() {
        return detail;
    }

    /** {@code FILE:LINE: text}, or {@code FILE: text} when {@code line} is 0; also used for warnings. */
    static String format(Path file, int line, String text) {
        Objects.requireNonNull(file, "file");
        return line > 0 ? file + ":" + line + ": " + text : file + ": " + text;
    }
}
