// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.Timeouts;

/** Configurations and packet checks shared by the stateful NAT64 translator tests. */
final class StatefulPackets {
    static final String POOL = "192.0.2.2";
    static final String OWN4 = "192.0.2.1";
    static final String OWN6 = "2001:db8::1";
    static final String HOST = "2001:db8::5";
    static final String HOST2 = "2001:db8::6";
    static final String SERVER4 = "203.0.113.2";
    static final String SERVER6 = "64:ff9b::cb00:7102";

    private StatefulPackets() {}

    static Pool4 pool(int first, int last) {
        int a = Addresses.parseIpv4(POOL);
        return new Pool4(List.of(new Pool4.Range(Nat64Protocol.TCP, a, first, last),
                new Pool4.Range(Nat64Protocol.UDP, a, first, last), new Pool4.Range(Nat64Protocol.ICMP, a, first, last)), 0);
    }

    static Nat64Settings.StaticBib bib(int protocol, String host, int hostPort, String address, int port) {
        long[] h = Addresses.parseIpv6(host);
        return new Nat64Settings.StaticBib(protocol, h[0], h[1], hostPort, Addresses.parseIpv4(address), port);
    }

    /** pool4 192.0.2.2 ports 1-3000, no blocks, {@code maxSessions} per protocol, RFC 6146 timeouts. */
    static Nat64Settings settings(int maxSessions, boolean adf, boolean dropExternalTcp, Timeouts timeouts,
            List<Nat64Settings.StaticBib> statics) {
        return new Nat64Settings(pool(1, 3000), new int[] {maxSessions, maxSessions, maxSessions}, 64, 128, 8192, 8,
                null, 1024, timeouts, adf, dropExternalTcp, 4, statics);
    }

    static TunxlatConfig config(Nat64Settings settings, MapEntry... maps) {
        return TunxlatConfig.builder().tunDevice("nat64").ipv4Addr(Addresses.parseIpv4(OWN4))
                .ipv6Addr(Ipv6Prefix.parse(OWN6, 128)).prefix(Ipv6Prefix.parse("64:ff9b::/96", -1)).wkpfStrict(false)
                .maps(List.of(maps)).icmpRateLimit(1_000_000).nat64(settings).build();
    }

    static int u16(byte[] p, int i) {
        return ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
    }

    static String src4(byte[] p) {
        return Addresses.formatIpv4(ByteBuffer.wrap(p, 12, 4).getInt());
    }

    static String dst4(byte[] p) {
        return Addresses.formatIpv4(ByteBuffer.wrap(p, 16, 4).getInt());
    }

    static String src6(byte[] p) {
        ByteBuffer b = ByteBuffer.wrap(p, 8, 16);
        return Addresses.formatIpv6(b.getLong(), b.getLong());
    }

    static String dst6(byte[] p) {
        ByteBuffer b = ByteBuffer.wrap(p, 24, 16);
        return Addresses.formatIpv6(b.getLong(), b.getLong());
    }

    /** The IPv4 header checksum and the transport (or ICMPv4) checksum verify. */
    static void assertValid4(byte[] p) {
        assertEquals(0xffff, TestPackets.naiveSum(p, 0, 20), "IPv4 header checksum");
        int sum = p[9] == 1 ? TestPackets.naiveSum(p, 20, p.length) : TestPackets.transportSum4(p);
        assertEquals(0xffff, sum, "transport checksum of the IPv4 packet");
    }

    /** The upper-layer checksum of a bare IPv6 packet verifies. */
    static void assertValid6(byte[] p) {
        assertEquals(0xffff, TestPackets.transportSum6(p, 40, p[6] & 0xff), "upper-layer checksum of the IPv6 packet");
    }

    static List<byte[]> copy(List<byte[]> l) {
        return new ArrayList<>(l);
    }
}
