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
import org.junit.jupiter.api.Test;

/** {@code translate --explain} on the stateful path: the binding and session decision, state kept across a capture. */
class StatefulExplainTest {
    private static TunxlatConfig config() {
        int pool = Addresses.parseIpv4("192.0.2.2");
        Pool4 p = new Pool4(List.of(new Pool4.Range(Nat64Protocol.UDP, pool, 2000, 2001),
                new Pool4.Range(Nat64Protocol.TCP, pool, 2000, 3000)), 0);
        return TunxlatConfig.builder().tunDevice("nat64").ipv4Addr(Addresses.parseIpv4("192.0.2.1"))
                .ipv6Addr(Ipv6Prefix.parse("2001:db8::1", 128)).prefix(Ipv6Prefix.parse("64:ff9b::/96", -1))
                .wkpfStrict(false).nat64(Nat64Settings.defaults(p, 100)).build();
    }

    private static byte[] udp6(int sport) {
        byte[] p = new byte[48];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.putInt(0x60000000).putShort((short) 8).put((byte) 17).put((byte) 64);
        long[] s = Addresses.parseIpv6("2001:db8::5");
        long[] d = Addresses.parseIpv6("64:ff9b::cb00:7102");
        b.putLong(s[0]).putLong(s[1]).putLong(d[0]).putLong(d[1]);
        b.putShort((short) sport).putShort((short) 53).putShort((short) 8).putShort((short) 0x1234);
        return p;
    }

    @Test
    void explainNamesTheBindingAndSessionDecisions() {
        try (OfflineTranslator x = new OfflineTranslator(config())) {
            OfflineTranslator.Result first = x.translate(udp6(5000), 0);
            assertEquals(OfflineTranslator.Kind.TRANSLATED, first.kind(), first.outcome());
            assertEquals("source: stateful NAT64 binding (pool4), below", first.rules().get(0));
            assertEquals("nat64 udp: new binding 2001:db8::5#5000 <-> 192.0.2.2#2000, new session with 203.0.113.2#53",
                    first.rules().get(2), "the only even port of 2000-2001 (parity kept)");
            OfflineTranslator.Result again = x.translate(udp6(5000), 1_000_000_000L);
            assertEquals("nat64 udp: binding 2001:db8::5#5000 <-> 192.0.2.2#2000, session with 203.0.113.2#53",
                    again.rules().get(2), "the state lives as long as the capture");
            // RFC 4787 REQ-4 recommends the parity: with the even port taken, the odd one rather than a refusal
            OfflineTranslator.Result odd = x.translate(udp6(5002), 2_000_000_000L);
            assertEquals(OfflineTranslator.Kind.TRANSLATED, odd.kind(), odd.outcome());
            assertEquals("nat64 udp: new binding 2001:db8::5#5002 <-> 192.0.2.2#2001, new session with 203.0.113.2#53",
                    odd.rules().get(2));
            OfflineTranslator.Result none = x.translate(udp6(5004), 3_000_000_000L);
            assertEquals(OfflineTranslator.Kind.ANSWERED, none.kind(), none.outcome());
            assertTrue(none.outcome().contains("dropped: nat64_pool_exhausted"), none.outcome());
            assertEquals("nat64 udp: pool exhausted (remote 203.0.113.2#53)", none.rules().get(1));
        }
    }
}
