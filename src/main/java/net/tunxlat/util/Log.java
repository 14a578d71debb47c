package net.tunxlat.util;

import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * One line per event on stderr. Under systemd (JOURNAL_STREAM set) lines carry no timestamp, since
 * journald adds its own; elsewhere they start with the local time.
 */
public final class Log {
    private static final boolean TIMESTAMPS = System.getenv("JOURNAL_STREAM") == null;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static volatile boolean debug;
    private static volatile PrintStream out = System.err;

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
        write("", message);
    }

    public static void warn(String message) {
        write("warning: ", message);
    }

    public static void error(String message) {
        write("error: ", message);
    }

    public static void debug(String message) {
        if (debug) {
            write("debug: ", message);
        }
    }

    private static void write(String level, String message) {
        String line = TIMESTAMPS ? LocalDateTime.now().format(TIME) + " tunxlat: " + level + message
                : "tunxlat: " + level + message;
        out.println(line);
    }
}
