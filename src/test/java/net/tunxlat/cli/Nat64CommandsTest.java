// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.control.ControlServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tunxlat session list|show} and {@code tunxlat bib list}: what they ask the daemon and what they print. */
class Nat64CommandsTest {
    static CommandLineTest.Result run(String... args) {
        return CommandLineTest.run(args);
    }

    @Test
    void requestsCarryTheFiltersAndTheAnswerIsPrinted(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("ctl.sock");
        List<String> requests = new ArrayList<>();
        try (ControlServer server = ControlServer.start(sock, null, null, (request, out) -> {
            requests.add(request);
            if (request.startsWith("bib")) {
                out.write("error: stateful NAT64 is not configured\n");
            } else {
                out.write("ok\nthe answer\n");
            }
        })) {
            CommandLineTest.Result list = run("session", "list", "--socket", sock.toString(), "--proto", "udp", "--host",
                    "2001:db8::/64", "--ipv4", "192.0.2.1", "--port", "1024", "--limit", "5", "--json");
            assertEquals(0, list.status(), list.err());
            assertEquals("the answer\n", list.out());
            CommandLineTest.Result show = run("session", "show", "--socket", sock.toString(), "192.0.2.1:1024");
            assertEquals(0, show.status(), show.err());
            CommandLineTest.Result bib = run("bib", "list", "--socket", sock.toString());
            assertEquals(1, bib.status(), "a missing feature exits 1, as map does for a refusal");
            assertTrue(bib.err().contains("refused: stateful NAT64 is not configured"), bib.err());
        }
        assertEquals(List.of("session list proto udp host 2001:db8::/64 ipv4 192.0.2.1 port 1024 limit 5 json",
                "session show 192.0.2.1:1024 limit 1000", "bib list limit 1000"), requests);
        assertEquals(2, run("session").status(), "alone: usage");
        assertEquals(2, run("bib").status(), "alone: usage");
    }
}
