// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.migrate;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicMapFile;
import net.tunxlat.mapping.Ipv4Prefix;

/**
 * Carries TAYGA's dynamic bindings over: reads {@code dynamic.map} from TAYGA's {@code data-dir} and
 * writes the same bindings (same format, same last-use times) into tunxlat's, so that every IPv6 host
 * keeps the IPv4 address TAYGA gave it. tunxlat's state directory rather than TAYGA's: the service's
 * sandbox ({@code ProtectSystem=strict}) lets it write only {@code /var/lib/tunxlat}, and TAYGA's own
 * file stays as it was, for a roll-back.
 *
 * <p>Refused while a {@code tayga} process runs (TAYGA writes the file when it exits, so a copy taken
 * before would miss the newest bindings) and when the target exists, unless forced. The copy is
 * written atomically, owned by the owner and group of the target directory, mode 0640.
 */
public final class DynamicMapCopy {
    /** What was copied, and what the administrator should know. */
    public record Result(Path from, Path to, int copied, List<String> notes) {}

    private DynamicMapCopy() {}

    /**
     * @param fromDir TAYGA's data-dir
     * @param toDir   tunxlat's data-dir (must exist: the package makes /var/lib/tunxlat)
     * @param pool    the imported configuration's dynamic-pool (bindings outside it are reported)
     * @param force   replace an existing dynamic.map in {@code toDir}
     * @param proc    /proc, to find a running tayga
     */
    public static Result copy(Path fromDir, Path toDir, Ipv4Prefix pool, boolean force, Path proc) throws IOException {
        Long pid = runningTayga(proc);
        if (pid != null) {
            throw new IOException("TAYGA is running (pid " + pid + "); it writes " + fromDir.resolve(DynamicMapFile.NAME)
                    + " when it exits: stop it first (systemctl stop tayga; systemctl disable tayga), then import again");
        }
        DynamicMapFile from = new DynamicMapFile(fromDir);
        DynamicMapFile to = new DynamicMapFile(toDir);
        List<String> notes = new ArrayList<>();
        if (!Files.exists(from.path())) {
            notes.add("no " + from.path() + ": TAYGA had no dynamic bindings to keep");
            return new Result(from.path(), to.path(), 0, notes);
        }
        if (!Files.isDirectory(toDir)) {
            throw new IOException(toDir + " does not exist: install the tunxlat package first (it makes /var/lib/tunxlat),"
                    + " or create the directory for the service user");
        }
        if (Files.exists(to.path()) && !force) {
            throw new FileAlreadyExistsException(to.path().toString(), null, "tunxlat has bindings of its own there;"
                    + " --force replaces them with TAYGA's (stop tunxlat first)");
        }
        DynamicMapFile.Loaded loaded = from.load();
        notes.addAll(loaded.problems());
        for (DynamicMapFile.Entry e : loaded.entries()) {
            if (pool == null || !pool.contains(e.address())) {
                notes.add(from.path() + ": the binding " + Addresses.formatIpv4(e.address()) + " -> "
                        + Addresses.formatIpv6(e.hi(), e.lo()) + " is outside dynamic-pool " + pool
                        + "; tunxlat will ignore it");
            }
        }
        to.save(loaded.entries(), System.currentTimeMillis() / 1000);
        PosixFileAttributeView view = Files.getFileAttributeView(to.path(), PosixFileAttributeView.class);
        if (view != null) {
            view.setPermissions(PosixFilePermissions.fromString("rw-r-----"));
            PosixFileAttributes dir = Files.readAttributes(toDir, PosixFileAttributes.class);
            PosixFileAttributes file = view.readAttributes();
            if (!dir.owner().equals(file.owner()) || !dir.group().equals(file.group())) {
                view.setOwner(dir.owner()); // root only: as root, for the service user; otherwise it is ours already
                view.setGroup(dir.group());
            }
        }
        return new Result(from.path(), to.path(), loaded.entries().size(), notes);
    }

    /** The pid of a process named {@code tayga}, or null. */
    static Long runningTayga(Path proc) throws IOException {
        if (!Files.isDirectory(proc)) {
            return null;
        }
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path p : pids) {
                try {
                    if (Files.readString(p.resolve("comm")).strip().equals("tayga")) {
                        return Long.parseLong(p.getFileName().toString());
                    }
                } catch (IOException | NumberFormatException e) {
                    // gone meanwhile, or not a process
                }
            }
        }
        return null;
    }
}
