// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stateful NAT64 under hostile input: mutated and truncated packets of live flows, ICMP errors quoting garbage,
 * TCP flag storms. Every packet is accounted for exactly once (translated, answered or dropped with one reason)
 * and nothing throws or reads past the packet (the harness sizes each buffer to the packet).
 */
class StatefulHostileInputTest {
    private final XlatHarness h = new XlatHarness(new XlatSnapshot(config(settings(64, false, false,
            Timeouts.RFC6146, List.of(bib(Nat64Protocol.UDP, HOST, 2000, POOL, 2000),
                    bib(Nat64Protocol.TCP, HOST, 80, POOL, 80))))));

    @AfterEach
    void close() {
        h.close();
    }

    private static byte[] icmp(int type, int code, byte[] quoted) {
        return ByteBuffer.allocate(8 + quoted.length).put((byte) type).put((byte) code).putShort((short) 0).putInt(0)
                .put(quoted).array();
    }

    @Test
    void mutatedPacketsOfLiveFlowsAreEachAccountedOnce() {
        Random r = new Random(16);
        byte[] out = h.run(ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(2000, 53, new byte[20])))
                .emitted().get(0);
        byte[][] seeds = {
            ipv6(HOST, SERVER6, 17, 17, 64, 0, new byte[0], udpHeaderAndData(2000, 53, new byte[20])),
            ipv4(SERVER4, POOL, 17, 64, 0, 1, 0, udpHeaderAndData(53, 2000, new byte[20])),
            ipv6(HOST, SERVER6, 6, 6, 64, 0, new byte[0], tcpHeaderAndData(80, 443, new byte[8])),
            ipv4(SERVER4, POOL, 6, 64, 0, 1, 0, tcpHeaderAndData(443, 80, new byte[8])),
            ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmpEcho(128, 5, 1, new byte[8])),
            ipv4("198.51.100.1", POOL, 1, 64, 0, 1, 0, icmp(3, 3, out)),
            ipv6(HOST, SERVER6, 58, 58, 64, 0, new byte[0], icmp(1, 4, ipv6(SERVER6, HOST, 17, 17, 60, 0, new byte[0],
                    udpHeaderAndData(53, 2000, new byte[8])))),
            ipv6(HOST, "64:ff9b::192.0.2.2", 17, 17, 64, 0, new byte[0], udpHeaderAndData(2000, 2000, new byte[8])),
        };
        for (int i = 0; i < 10_000; i++) {
            byte[] p = seeds[r.nextInt(seeds.length)].clone();
            int kind = r.nextInt(4);
            if (kind == 0) {
                p[r.nextInt(p.length)] ^= (byte) (1 << r.nextInt(8));
            } else if (kind == 1) {
                int at = (p[0] >> 4 & 0xf) == 4 ? 20 + r.nextInt(Math.max(1, p.length - 20)) : 40 + r.nextInt(Math.max(1, p.length - 40));
                p[Math.min(at, p.length - 1)] = (byte) r.nextInt(256); // transport and quoted bytes
            } else if (kind == 2) {
                p = Arrays.copyOf(p, 1 + r.nextInt(p.length)); // truncated
            } else if ((p[0] >> 4 & 0xf) == 4 && p[9] == 6) {
                p[33] = (byte) r.nextInt(256); // TCP flags storm
            }
            if ((p[0] >> 4 & 0xf) == 4 && p.length >= 20) {
                // keep the IPv4 header checksum right half of the time, so the mutation reaches the stateful steps
                if (r.nextBoolean()) {
                    p[10] = 0;
                    p[11] = 0;
                    int c = ~naiveSum(p, 0, 20) & 0xffff;
                    p[10] = (byte) (c >> 8);
                    p[11] = (byte) c;
                }
            }
            XlatHarness.Outcome o = h.run(p);
            assertTrue(o.accountedOnce(), "packet " + i + ": " + o);
        }
        assertTrue(h.counters.local(XlatCounters.PACKETS_64) + h.counters.local(XlatCounters.PACKETS_46) > 300,
                "many mutations still translate");
    }
}
