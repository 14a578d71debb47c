// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import net.tunxlat.config.ConfigException;
import net.tunxlat.migrate.DynamicMapCopy;
import net.tunxlat.migrate.TaygaDefaults;
import net.tunxlat.migrate.TaygaImport;
import net.tunxlat.util.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tunxlat import-tayga}: a tunxlat configuration from Debian's TAYGA installation
 * ({@link TaygaImport}), optionally with TAYGA's dynamic bindings ({@link DynamicMapCopy}) and the
 * NAT44 drop-in. Writes nothing that exists unless {@code --force}; the procedure is in
 * docs/migrating-from-tayga.md.
 */
@Command(name = "import-tayga", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write a tunxlat configuration that does what Debian's tayga package did.",
                "Keeps tayga.conf's lines (addresses, maps), moves data-dir to tunxlat's state directory, and adds the"
                        + " tun-up / tun-route / tun-ip lines that replace CONFIGURE_IFACE in /etc/default/tayga. For"
                        + " CONFIGURE_NAT44 it prints the nftables command (--nat44-dropin writes a tunxlat.service"
                        + " drop-in that runs it).",
                "Prints the configuration, or writes it with -o; what to check or do by hand goes to standard error."},
        footer = {"", "Exit status: 0 written; 2 bad command line, missing or unimportable input, or an existing file"
                + " without --force; 1 TAYGA still running, or a file that cannot be read or written.",
                "The procedure: docs/migrating-from-tayga.md, installed as"
                        + " /usr/share/doc/tunxlat/migrating-from-tayga.md.gz."})
public final class ImportTaygaCommand implements Callable<Integer> {
    @Option(names = "--tayga-conf", paramLabel = "FILE", defaultValue = TaygaImport.TAYGA_CONF,
            description = "TAYGA's configuration (default: ${DEFAULT-VALUE})")
    Path taygaConf;

    @Option(names = "--tayga-default", paramLabel = "FILE", defaultValue = TaygaDefaults.DEFAULT_PATH,
            description = "the variables of Debian's init script, CONFIGURE_IFACE and CONFIGURE_NAT44 (default:"
                    + " ${DEFAULT-VALUE}; when missing, both \"no\" as in the script)")
    Path taygaDefault;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "write the configuration to FILE (mode 0644) instead of standard output")
    Path output;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = TaygaImport.DATA_DIR,
            description = "data-dir of the new configuration, in place of TAYGA's (default: ${DEFAULT-VALUE},"
                    + " the only directory tunxlat.service may write)")
    Path dataDir;

    @Option(names = "--copy-dynamic-map",
            description = "copy dynamic.map from TAYGA's data-dir into --data-dir, so that every IPv6 host keeps"
                    + " the IPv4 address TAYGA gave it (refused while tayga runs)")
    boolean copyDynamicMap;

    @Option(names = "--nat44-dropin", paramLabel = "FILE",
            description = "for CONFIGURE_NAT44=\"yes\": write the systemd drop-in that masquerades the pool while"
                    + " tunxlat.service runs, e.g. /etc/systemd/system/tunxlat.service.d/nat44.conf")
    Path nat44Dropin;

    @Option(names = "--force", description = "replace the output, the drop-in and tunxlat's dynamic.map if they exist")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(out, err);
        } catch (ConfigException e) {
            err.println("tunxlat: " + e.getMessage());
            return 2;
        } catch (NoSuchFileException e) {
            err.println("tunxlat: " + e.getFile() + ": no such file");
            return 2;
        } catch (FileAlreadyExistsException e) {
            err.println("tunxlat: " + e.getFile() + " exists" + (e.getReason() == null ? "" : ": " + e.getReason())
                    + "; --force replaces it");
            return 2;
        } catch (IOException e) {
            err.println("tunxlat: " + e.getMessage());
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int run(PrintWriter out, PrintWriter err) throws ConfigException, IOException {
        String taygaText = Files.readString(taygaConf, StandardCharsets.ISO_8859_1);
        TaygaDefaults defaults = Files.exists(taygaDefault)
                ? TaygaDefaults.parse(Files.readString(taygaDefault, StandardCharsets.ISO_8859_1), taygaDefault)
                : TaygaDefaults.absent(taygaDefault);
        if (!Files.exists(taygaDefault)) {
            err.println("tunxlat: note: no " + taygaDefault + ": CONFIGURE_IFACE and CONFIGURE_NAT44 taken as \"no\","
                    + " as the init script does");
        }
        Path name = output != null ? output : Path.of("(standard output)");
        TaygaImport.Result r = TaygaImport.convert(taygaText, taygaConf, defaults, dataDir, name, List.of(
                "tunxlat configuration written by \"tunxlat import-tayga\" (tunxlat " + Version.version() + ")",
                "from " + taygaConf + " and " + taygaDefault + ". Review it, then: tunxlat check -c FILE",
                "Directives: tunxlat.conf(5). The procedure: /usr/share/doc/tunxlat/migrating-from-tayga.md.gz"));
        if (nat44Dropin != null && r.nat44Sources() == null) {
            err.println("tunxlat: --nat44-dropin: " + taygaDefault + " does not ask for NAT44 (CONFIGURE_NAT44=\"yes\""
                    + " with a dynamic-pool), so there is no drop-in to write");
            return 2;
        }
        for (Path f : new Path[] {output, nat44Dropin}) {
            if (f != null && Files.exists(f) && !force) {
                throw new FileAlreadyExistsException(f.toString());
            }
        }
        if (copyDynamicMap) {
            if (r.taygaDataDir() == null) {
                err.println("tunxlat: note: --copy-dynamic-map: " + taygaConf + " has no data-dir, nothing to copy");
            } else {
                DynamicMapCopy.Result c = DynamicMapCopy.copy(r.taygaDataDir(), dataDir, r.config().dynamicPool(), force,
                        Path.of("/proc"));
                c.notes().forEach(n -> err.println("tunxlat: note: " + n));
                if (c.copied() > 0 || Files.exists(c.from())) {
                    err.println("tunxlat: copied " + c.copied() + " dynamic binding" + (c.copied() == 1 ? "" : "s")
                            + " from " + c.from() + " to " + c.to());
                }
            }
        } else if (r.taygaDataDir() != null) {
            err.println("tunxlat: note: TAYGA's bindings (" + r.taygaDataDir().resolve("dynamic.map") + ") are not"
                    + " copied: --copy-dynamic-map copies them into " + dataDir + " (stop TAYGA first)");
        }
        if (output != null) {
            writeFile(output, r.configText());
        } else {
            out.print(r.configText());
        }
        for (String n : r.notes()) {
            err.println("tunxlat: note: " + n);
        }
        if (r.nat44Sources() != null) {
            String cmd = "nft -D NAT44_SOURCES=" + r.nat44Sources() + " -f " + TaygaImport.NAT44_SCRIPT;
            if (nat44Dropin != null) {
                writeFile(nat44Dropin, TaygaImport.nat44Dropin(r.nat44Sources(), taygaDefault));
                err.println("tunxlat: wrote " + nat44Dropin + ": tunxlat.service runs '" + cmd + "' before it starts and"
                        + " deletes table " + TaygaImport.NAT44_TABLE + " after it stops; run 'systemctl daemon-reload'");
            } else {
                err.println("tunxlat: note: CONFIGURE_NAT44=\"yes\": TAYGA's init script masqueraded " + r.nat44Sources()
                        + "; the same with nftables: " + cmd + " (--nat44-dropin FILE makes tunxlat.service do it at"
                        + " every start and undo it at stop)");
            }
            if (!Files.exists(Path.of("/usr/sbin/nft"))) {
                err.println("tunxlat: note: /usr/sbin/nft is missing: apt-get install nftables");
            }
        }
        if (output != null) {
            err.println("tunxlat: wrote " + output + "; next: tunxlat check -c " + output);
        }
        return 0;
    }

    /** Writes {@code text} to {@code file} (0644) through a temporary file; an existing file only with --force. */
    private void writeFile(Path file, String text) throws IOException {
        Path abs = file.toAbsolutePath();
        if (Files.exists(abs) && !force) {
            throw new FileAlreadyExistsException(file.toString());
        }
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.ISO_8859_1);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
