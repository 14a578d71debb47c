// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A configuration file that cannot be used. The message is {@code FILE:LINE: what is wrong} or, when
 * the problem is not tied to one line (a missing mandatory directive, say), {@code FILE: what is wrong}.
 *
 * <p>The parser goes on after an error, so one exception can carry every error of a file: it is the first
 * one, and {@link #errors()} lists it with those found after it (at most {@link #MAX_ERRORS}).
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Path file;
    private final int line;
    private final String detail;
    /** The errors found after this one, in file order. */
    private final List<ConfigException> more;
    /** Whether more errors were found than {@link #errors()} holds. */
    private final boolean truncated;

    /** The most errors one exception carries; the parser stops collecting after these. */
    public static final int MAX_ERRORS = 20;

    /**
     * @param file   the configuration file (as named to the user)
     * @param line   the 1-based line number, or 0 when the problem is not tied to one line
     * @param detail what is wrong and what is expected, without the {@code FILE:LINE: } prefix
     */
    public ConfigException(Path file, int line, String detail) {
        this(file, line, detail, List.of(), false);
    }

    private ConfigException(Path file, int line, String detail, List<ConfigException> more, boolean truncated) {
        super(format(file, line, detail));
        if (line < 0) {
            throw new IllegalArgumentException("line must be 0 or positive, not " + line);
        }
        this.file = file;
        this.line = line;
        this.detail = detail;
        this.more = List.copyOf(more);
        this.truncated = truncated;
    }

    /**
     * One exception for {@code errors} (not empty, each a single error, in the order found): the first, carrying
     * the others in {@link #errors()}.
     *
     * @param truncated whether more errors than these were found
     */
    public static ConfigException of(List<ConfigException> errors, boolean truncated) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("no errors");
        }
        List<ConfigException> all = new ArrayList<>();
        for (ConfigException e : errors) {
            all.addAll(e.errors());
        }
        ConfigException first = all.get(0);
        return new ConfigException(first.file, first.line, first.detail, all.subList(1, all.size()),
                truncated || errors.stream().anyMatch(ConfigException::truncated));
    }

    /** This error followed by the others found in the same file, in the order found. */
    public List<ConfigException> errors() {
        List<ConfigException> all = new ArrayList<>(1 + more.size());
        all.add(this);
        all.addAll(more);
        return all;
    }

    /** Whether the parser found more errors than {@link #errors()} holds (and stopped collecting them). */
    public boolean truncated() {
        return truncated;
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
