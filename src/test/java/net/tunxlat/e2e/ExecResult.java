// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.util.List;

/**
 * The outcome of a finished (or timed-out) child process.
 *
 * @param command  the command line as run
 * @param exitCode its exit status (-1 when it timed out and was killed)
 * @param output   stdout and stderr, interleaved
 * @param timedOut whether it had to be killed
 */
public record ExecResult(List<String> command, int exitCode, String output, boolean timedOut) {

    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** A one-paragraph description for assertion messages. */
    public String describe() {
        return String.join(" ", command)
                + (timedOut ? " timed out" : " exited with " + exitCode)
                + (output.isBlank() ? "" : ", output:\n" + output.stripTrailing());
    }

    @Override
    public String toString() {
        return describe();
    }
}
