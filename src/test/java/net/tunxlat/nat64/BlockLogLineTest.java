// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The block log line: its exact text, read back from files, journal output and gzip; the journal file. */
class BlockLogLineTest {
    static final int A = Addresses.parseIpv4("192.0.2.1");
    static final Ipv6Prefix SUB = Ipv6Prefix.parse("2001:db8:1::/64", -1);
    static final BlockEvent ALLOC = new BlockEvent(Instant.parse("2026-12-06T05:10:00.731Z"), true, Nat64Protocol.TCP,
            SUB, A, 1024, 1151);
    static final String ALLOC_LINE = "time=2026-12-06T05:10:00Z event=allocated subscriber=2001:db8:1::/64 protocol=tcp"
            + " ipv4=192.0.2.1 ports=1024-1151";

    @TempDir
    Path dir;

    @Test
    void oneLinePerEventWithUtcTimeEventSubscriberProtocolAddressAndRange() {
        assertEquals(ALLOC_LINE, BlockLogLine.format(ALLOC));
        BlockEvent released = new BlockEvent(Instant.parse("2026-12-06T06:00:59Z"), false, Nat64Protocol.ICMP,
                Ipv6Prefix.parse("2001:db8::5/128", -1), A, 0, 63);
        assertEquals("time=2026-12-06T06:00:59Z event=released subscriber=2001:db8::5/128 protocol=icmp ipv4=192.0.2.1"
                + " ports=0-63", BlockLogLine.format(released));
    }

    @Test
    void readsBackWhatItWritesAlsoInsideOtherLogLines() {
        BlockEvent e = BlockLogLine.parse(ALLOC_LINE);
        assertEquals(new BlockEvent(Instant.parse("2026-12-06T05:10:00Z"), true, Nat64Protocol.TCP, SUB, A, 1024, 1151),
                e);
        // journalctl output: the log's own prefix in front
        assertEquals(e, BlockLogLine.parse("Dec 06 05:10:00 gw tunxlat[812]: tunxlat: nat64 block " + ALLOC_LINE));
        assertNull(BlockLogLine.parse("tunxlat: forwarding on nat64"));
        assertNull(BlockLogLine.parse("uptime=5 event=x")); // time= must start a field
        for (String bad : List.of("time=yesterday event=allocated subscriber=2001:db8:1::/64 protocol=tcp ipv4=192.0.2.1"
                        + " ports=1024-1151",
                ALLOC_LINE.replace("allocated", "stolen"), ALLOC_LINE.replace("tcp", "sctp"),
                ALLOC_LINE.replace("1024-1151", "1151-1024"), ALLOC_LINE.replace(" ports=1024-1151", ""),
                ALLOC_LINE.replace("/64", "/6x"))) {
            assertThrows(IllegalArgumentException.class, () -> BlockLogLine.parse(bad), bad);
        }
    }

    @Test
    void aFileIsReadWithItsProblemsAndWithoutATornLastLine() throws IOException {
        Path f = dir.resolve("blocks.log");
        Files.writeString(f, "# comment\n" + ALLOC_LINE + "\nsome other line\n" + ALLOC_LINE.replace("tcp", "sctp")
                + "\n" + ALLOC_LINE.replace("allocated", "released") + "\n" + ALLOC_LINE.substring(0, 60));
        BlockLogLine.Read r = BlockLogLine.read(f);
        assertEquals(2, r.events().size());
        assertEquals(List.of(f + ":4: not a block record: protocol 'sctp' is not tcp, udp or icmp"), r.problems());
        Path gz = dir.resolve("blocks.log.1.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write((ALLOC_LINE + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(List.of(BlockLogLine.parse(ALLOC_LINE)), BlockLogLine.read(gz).events());
    }

    @Test
    void ownedIsEachBlocksLastEventWhenItIsAnAllocation() {
        BlockEvent a1 = BlockLogLine.parse(ALLOC_LINE);
        BlockEvent r1 = BlockLogLine.parse(ALLOC_LINE.replace("allocated", "released"));
        BlockEvent a2 = BlockLogLine.parse(ALLOC_LINE.replace("1024-1151", "1152-1279"));
        BlockEvent a3 = BlockLogLine.parse(ALLOC_LINE.replace("2001:db8:1::", "2001:db8:2::"));
        assertEquals(List.of(a2), BlockLogLine.owned(List.of(a1, a2, r1)));
        assertEquals(List.of(a2, a3), BlockLogLine.owned(List.of(a1, a2, r1, a3)));
    }

    @Test
    void theJournalAppendsSyncsCompactsAndReplays() throws IOException {
        Nat64BlockJournal j = new Nat64BlockJournal(dir);
        assertEquals(0, j.replay().events());
        BlockEvent a1 = BlockLogLine.parse(ALLOC_LINE);
        BlockEvent a2 = BlockLogLine.parse(ALLOC_LINE.replace("1024-1151", "1152-1279"));
        j.append(a1);
        j.append(a2);
        j.append(BlockLogLine.parse(ALLOC_LINE.replace("allocated", "released")));
        j.sync();
        // a crash now: what was appended is in the file (the process's writes reach the page cache at once)
        Nat64BlockJournal.Replayed r = new Nat64BlockJournal(dir).replay();
        assertEquals(3, r.events());
        assertEquals(List.of(a2), r.owned());
        // a torn last line after a crash is ignored
        Files.writeString(j.path(), Files.readString(j.path()) + ALLOC_LINE.substring(0, 50), StandardCharsets.UTF_8);
        assertEquals(List.of(), new Nat64BlockJournal(dir).replay().problems());
        j.compact(List.of(a2));
        assertEquals(Nat64BlockJournal.HEADER + BlockLogLine.format(a2) + "\n", Files.readString(j.path()));
        j.append(a1);
        j.close();
        assertEquals(List.of(a2, a1), new Nat64BlockJournal(dir).replay().owned());
        assertEquals(0, j.failures());
    }
}
