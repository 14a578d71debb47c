// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's name: the default {@code instance-name}. */
final class HostName {
    private HostName() {
    }

    /** The kernel's host name ({@code /proc/sys/kernel/hostname}), else the resolver's, else "localhost". */
    static String get() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
