// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pcap;

import static org.junit.jupiter.api.Assertions.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.offline.OfflineTranslator;
import org.junit.jupiter.api.AfterAll;
import net.tunxlat.LeakWatch;

/**
 * Fuzz test of the pcap reader and of {@code tunxlat translate} behind it (issue 9): any bytes as a
 * capture file. Reading either yields records or fails with a {@link PcapFormatException} naming the file,
 * never another exception, never a record larger than {@link PcapReader#MAX_RECORD}; every record's link
 * layer is decoded or skipped with a reason; every IP packet goes through the translator (the
 * {@link OfflineTranslator}, pooled direct buffers as a worker's) and its explanation is printable; the
 * translated packets are written to a pcap file that reads back the same. Corpus:
 * {@code src/test/resources/net/tunxlat/pcap/PcapFuzzTestInputs/captureFile/}.
 */
class PcapFuzzTest {
    private static final OfflineTranslator XLAT;

    static {
        try {
            TunxlatConfig c = ConfigParser.parse("""
                    tun-device nat64
                    ipv4-addr 192.168.255.1
                    prefix 2001:db8:64::/96
                    map 192.168.255.2 2001:db8:6::2
                    udp-cksum-mode calc
                    """, Path.of("pcap-fuzz.conf"));
            XLAT = new OfflineTranslator(c);
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final int LEAK_MARK = LeakWatch.mark();

    @AfterAll
    static void release() {
        XLAT.close();
        LeakWatch.assertNoLeaks(LEAK_MARK);
    }

    @FuzzTest(maxDuration = "5m")
    void captureFile(byte[] data) throws IOException {
        LeakWatch.assertNoNewLeaks(LEAK_MARK);
        PcapReader reader;
        try {
            reader = new PcapReader(new ByteArrayInputStream(data), "fuzz.pcap");
        } catch (PcapFormatException e) {
            assertTrue(e.getMessage().startsWith("fuzz.pcap"), e.getMessage());
            return;
        }
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        List<byte[]> emitted = new ArrayList<>();
        try (PcapWriter writer = new PcapWriter(written)) {
            long first = Long.MIN_VALUE;
            long clock = 0;
            while (true) {
                PcapRecord r;
                try {
                    r = reader.next();
                } catch (PcapFormatException e) {
                    assertTrue(e.getMessage().startsWith("fuzz.pcap"), e.getMessage());
                    break;
                }
                if (r == null) {
                    break;
                }
                assertTrue(r.data().length <= PcapReader.MAX_RECORD);
                if (first == Long.MIN_VALUE) {
                    first = r.epochNanos();
                }
                clock = Math.max(clock, r.epochNanos() - first);
                LinkType.IpPacket ip = LinkType.ipPacket(reader.linkType(), r.data());
                if (!ip.ok()) {
                    assertNotNull(ip.error());
                    continue;
                }
                assertTrue(ip.offset() >= 0 && ip.offset() + ip.length() <= r.data().length);
                OfflineTranslator.Result res = XLAT.translate(r.data(), ip.offset(), ip.length(), clock);
                assertNotEquals(OfflineTranslator.Kind.NO_EFFECT, res.kind(), res.outcome());
                assertFalse(res.explain(r.index() + " ", "").isEmpty());
                for (byte[] p : res.packets()) {
                    writer.write(r.epochNanos(), p);
                    emitted.add(p);
                }
            }
        }
        // What tunxlat writes, it reads back.
        PcapReader back = new PcapReader(new ByteArrayInputStream(written.toByteArray()), "written.pcap");
        for (byte[] p : emitted) {
            PcapRecord r = back.next();
            assertNotNull(r);
            assertArrayEquals(p, r.data());
        }
        assertNull(back.next());
    }
}
