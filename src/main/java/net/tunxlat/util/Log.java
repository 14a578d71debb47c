// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.util;

import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * One line per event on stderr. Under systemd (JOURNAL_STREAM set) lines carry no timestamp, since
 * journald adds its own, and start with the syslog priority ({@code <3>} error, {@code <4>} warning,
 * {@code <6>} info, {@code <7>} debug; sd-daemon(3)), which journald strips and records as the
 * entry's priority; elsewhere they start with the local time.
 */
public final class Log {
    private static final boolean JOURNALD = System.getenv("JOURNAL_STREAM") != null;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static volatile boolean debug;
    private static volatile PrintStream out = System.err;

    enum Level {
        ERROR("<3>", "error: "), WARNING("<4>", "warning: "), INFO("<6>", ""), DEBUG("<7>", "debug: ");

        final String priority;
        final String word;

        Level(String priority, String word) {
            this.priority = priority;
            this.word = word;
        }
    }

    private Log() {}

    /** Sends log lines to {@code to} instead (tests); returns where they went before. */
    public static PrintStream redirect(PrintStream to) {
        PrintStream old = out;
        out = to;
        return old;
    }

    public static void setDebug(boolean on) {
        debug = on;
    }

    public static boolean debugEnabled() {
        return debug;
    }

    public static void info(String message) {
        write(Level.INFO, message);
    }

    public static void warn(String message) {
        write(Level.WARNING, message);
    }

    public static void error(String message) {
        write(Level.ERROR, message);
    }

    public static void debug(String message) {
        if (debug) {
            write(Level.DEBUG, message);
        }
    }

    private static void write(Level level, String message) {
        out.println(format(level, message, JOURNALD, LocalDateTime.now()));
    }

    /** The line as written: journald gets a priority prefix and no time; a terminal or file gets the time. */
    static String format(Level level, String message, boolean journald, LocalDateTime now) {
        String text = "tunxlat: " + level.word + message.replace('\n', ' ');
        return journald ? level.priority + text : now.format(TIME) + " " + text;
    }
}
