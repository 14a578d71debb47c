// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import com.sun.jna.Native;

/**
 * TAYGA's {@code -u USER} / {@code -g GROUP}: after the TUN device is open, the process gives up root.
 * Names are looked up in /etc/passwd and /etc/group (numeric ids are taken as they are); glibc applies
 * setgid/setuid to every thread of the process.
 */
public final class Privileges {
    private Privileges() {}

    public static int resolveUser(String user) throws IOException {
        if (user.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(user);
        }
        return lookup(Path.of("/etc/passwd"), user, "user");
    }

    public static int resolveGroup(String group) throws IOException {
        if (group.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(group);
        }
        return lookup(Path.of("/etc/group"), group, "group");
    }

    /** The primary group of a user from /etc/passwd, or -1. */
    static int primaryGroup(String user) throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":", -1);
            if (f.length > 3 && (f[0].equals(user) || f[2].equals(user))) {
                return Integer.parseInt(f[3]);
            }
        }
        return -1;
    }

    private static int lookup(Path file, String name, String what) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (String line : lines) {
            String[] f = line.split(":", -1);
            if (f.length > 2 && f[0].equals(name)) {
                return Integer.parseInt(f[2]);
            }
        }
        throw new IOException("no such " + what + " '" + name + "' in " + file);
    }

    /** Drops to {@code user}/{@code group} (either may be null). Group first, while still root. */
    public static void drop(String user, String group) throws IOException {
        int gid = -1;
        if (group != null) {
            gid = resolveGroup(group);
        } else if (user != null) {
            gid = primaryGroup(user);
        }
        if (gid >= 0) {
            if (LibC.setgroups(0, 0) != 0) {
                throw new IOException("setgroups: " + LibC.describe(Native.getLastError()));
            }
            if (LibC.setgid(gid) != 0) {
                throw new IOException("setgid(" + gid + "): " + LibC.describe(Native.getLastError()));
            }
        }
        if (user != null) {
            int uid = resolveUser(user);
            if (LibC.setuid(uid) != 0) {
                throw new IOException("setuid(" + uid + "): " + LibC.describe(Native.getLastError()));
            }
        }
    }
}
