// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.Arrays;

class ImportTaygaCommandTest {
    @TempDir
    Path dir;

    Path debian(String name) throws Exception {
        Path p = dir.resolve(name);
        Files.copy(Path.of(getClass().getResource("/tayga/debian-12/" + name).toURI()), p);
        return p;
    }

    @Test
    void printsAConfigurationThatChecksAndTellsWhatIsLeftToDo() throws Exception {
        CommandLineTest.Result r = CommandLineTest.run("import-tayga", "--tayga-conf", debian("tayga.conf").toString(),
                "--tayga-default", debian("default-tayga").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\ntun-route 192.168.255.0/24\n"), r.out());
        assertTrue(r.err().contains("nft -D NAT44_SOURCES=192.168.255.0/24 -f /usr/share/tunxlat/nat44.nft"), r.err());
        assertTrue(r.err().contains("--copy-dynamic-map"), r.err());
        Path written = Files.writeString(dir.resolve("printed.conf"), r.out());
        CommandLineTest.Result check = CommandLineTest.run("check", "-c", written.toString());
        assertEquals(0, check.status(), check.err());
        assertTrue(check.out().contains("data-dir      /var/lib/tunxlat"), check.out());
    }

    @Test
    void writesOutputAndDropInButNeverOverwritesWithoutForce() throws Exception {
        Path out = dir.resolve("etc/tunxlat.conf");
        Path dropin = dir.resolve("systemd/tunxlat.service.d/nat44.conf");
        String[] args = {"import-tayga", "--tayga-conf", debian("tayga.conf").toString(), "--tayga-default",
                debian("default-tayga").toString(), "-o", out.toString(), "--nat44-dropin", dropin.toString()};
        CommandLineTest.Result r = CommandLineTest.run(args);
        assertEquals(0, r.status(), r.err());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertTrue(Files.readString(dropin).contains("ExecStartPre=+/usr/sbin/nft -D NAT44_SOURCES=192.168.255.0/24"));
        assertTrue(r.err().contains("systemctl daemon-reload"), r.err());

        Files.writeString(out, "# mine\n");
        CommandLineTest.Result again = CommandLineTest.run(args);
        assertEquals(2, again.status());
        assertTrue(again.err().contains(out + " exists; --force replaces it"), again.err());
        assertEquals("# mine\n", Files.readString(out));

        String[] forced = Arrays.copyOf(args, args.length + 1);
        forced[args.length] = "--force";
        assertEquals(0, CommandLineTest.run(forced).status());
        assertTrue(Files.readString(out).contains("tun-up yes"));
        try (var s = Files.list(out.getParent())) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    @Test
    void noDropInWithoutNat44() throws Exception {
        Path defaults = Files.writeString(dir.resolve("default"), "CONFIGURE_IFACE=yes\n");
        Path dropin = dir.resolve("nat44.conf");
        CommandLineTest.Result r = CommandLineTest.run("import-tayga", "--tayga-conf", debian("tayga.conf").toString(),
                "--tayga-default", defaults.toString(), "--nat44-dropin", dropin.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("does not ask for NAT44"), r.err());
        assertFalse(Files.exists(dropin));
    }

    @Test
    void missingDefaultsFileIsWhatTheInitScriptAssumes() throws Exception {
        CommandLineTest.Result r = CommandLineTest.run("import-tayga", "--tayga-conf", debian("tayga.conf").toString(),
                "--tayga-default", dir.resolve("none").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("CONFIGURE_IFACE and CONFIGURE_NAT44 taken as \"no\""), r.err());
        assertFalse(r.out().contains("\ntun-up yes"), r.out());
    }

    @Test
    void missingTaygaConfIsAClearError() {
        CommandLineTest.Result r = CommandLineTest.run("import-tayga", "--tayga-conf", dir.resolve("tayga.conf").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("tayga.conf: no such file"), r.err());
    }
}
