// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.List;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.Timeouts;
import org.junit.jupiter.api.Test;

/**
 * The worker's batch hooks on the stateful tables, through the offline translator (a worker over a memory
 * queue): state carries from packet to packet, and the worker leaves the tables' epoch after each batch, so
 * the sweeper can reuse what expired (with the worker still inside, a table of one session would stay full).
 */
class StatefulBatchHooksTest {
    private static TunxlatConfig config() {
        int pool = Addresses.parseIpv4("192.0.2.2");
        Pool4 p = new Pool4(List.of(new Pool4.Range(Nat64Protocol.UDP, pool, 1024, 3000)), 0);
        Nat64Settings d = Nat64Settings.defaults(p, 1);
        Nat64Settings one = new Nat64Settings(p, new int[] {1, 1, 1}, 16, 128, 8, 8, null, 64,
                new Timeouts(2, Timeouts.TCP_EST_MIN, Timeouts.TCP_TRANS_MIN, 6, 60), false, false, d.maxSynHeld(),
                List.of());
        return TunxlatConfig.builder().tunDevice("nat64").ipv4Addr(Addresses.parseIpv4("192.0.2.1"))
                .ipv6Addr(Ipv6Prefix.parse("2001:db8::1", 128)).prefix(Ipv6Prefix.parse("64:ff9b::/96", -1))
                .wkpfStrict(false).nat64(one).build();
    }

    private static byte[] udp6(String src) {
        byte[] p = new byte[48];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.putInt(0x60000000).putShort((short) 8).put((byte) 17).put((byte) 64);
        long[] s = Addresses.parseIpv6(src);
        long[] d = Addresses.parseIpv6("64:ff9b::cb00:7102");
        b.putLong(s[0]).putLong(s[1]).putLong(d[0]).putLong(d[1]);
        b.putShort((short) 5000).putShort((short) 53).putShort((short) 8).putShort((short) 0x1234);
        return p;
    }

    private static final long S = 1_000_000_000L;

    @Test
    void expiredSessionsAreReusedAfterTheWorkerLeftItsEpoch() {
        try (OfflineTranslator x = new OfflineTranslator(config())) {
            assertEquals(OfflineTranslator.Kind.TRANSLATED, x.translate(udp6("2001:db8::5"), 10 * S).kind());
            OfflineTranslator.Result full = x.translate(udp6("2001:db8::6"), 11 * S);
            assertTrue(full.outcome().contains("nat64_table_full"), "one session at most: " + full.outcome());
            // Two sweeper passes with no batch in between: the first ends and unlinks the expired session, the
            // second frees it only if no worker is still inside the epoch it was unlinked in (an idle worker left).
            x.sweep(20 * S);
            x.sweep(21 * S);
            OfflineTranslator.Result later = x.translate(udp6("2001:db8::6"), 22 * S);
            assertEquals(OfflineTranslator.Kind.TRANSLATED, later.kind(), later.outcome());
        }
    }
}
