// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.TestPackets.ipv6;
import static net.tunxlat.xlat.TestPackets.udpHeaderAndData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.Nptv6Entry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.DynamicPool;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The state apart from the configuration: a snapshot rebuilt over the same state (a reload) keeps what the
 * translator learned, drops what the new configuration no longer allows, and building it changes nothing.
 */
class XlatStateTest {
    static final String OUTSIDE = "2001:db8:1::/64";
    static final String FAR = "2001:db8:9::9";
    final long[] seconds = {1_700_000_000L};
    XlatHarness x;

    @AfterEach
    void close() {
        if (x != null) {
            x.close();
        }
    }

    /** A fresh parse of the same line each time (new objects, as a reload makes). */
    static Nptv6Entry pair(String inside, String outside) {
        return new Nptv6Entry(Ipv6Prefix.parse(inside, -1), Ipv6Prefix.parse(outside, -1), Nptv6Entry.Direction.BOTH, "t");
    }

    static TunxlatConfig npt(Nptv6Entry... pairs) {
        return TunxlatConfig.builder().source(Path.of("state.conf")).ipv6Addr(Ipv6Prefix.parse("2001:db8:ffff::1", 128))
                .nptv6(List.of(pairs)).build();
    }

    static byte[] udp(String src, String dst) {
        return ipv6(src, dst, 17, 17, 64, 0, new byte[0], udpHeaderAndData(1, 2, new byte[4]));
    }

    static String src(byte[] p) {
        return Addresses.formatIpv6(ByteBuffer.wrap(p).getLong(8), ByteBuffer.wrap(p).getLong(16));
    }

    static String dst(byte[] p) {
        return Addresses.formatIpv6(ByteBuffer.wrap(p).getLong(24), ByteBuffer.wrap(p).getLong(32));
    }

    /** The outside address the inside host {@code inside} got (it sends once). */
    String send(String inside) {
        XlatHarness.Outcome o = x.run(udp(inside, FAR));
        assertEquals(1, o.nptv6(), o.toString());
        return src(o.emitted().get(0));
    }

    /** Where a reply from outside to {@code outside} goes, or null if it was not translated. */
    String reply(String outside) {
        XlatHarness.Outcome o = x.run(udp(FAR, outside));
        return o.nptv6() == 0 ? null : dst(o.emitted().get(0));
    }

    XlatSnapshot reload(XlatState state, TunxlatConfig config) {
        XlatSnapshot next = new XlatSnapshot(config, state);
        return state.install(next);
    }

    @Test
    void ownersLearnedBeforeAReloadStillRouteRepliesAfterIt() {
        TunxlatConfig c = npt(pair("fd00:a::/64", OUTSIDE), pair("fd00:b::/64", OUTSIDE));
        XlatState state = XlatState.forConfig(c, () -> seconds[0]);
        x = new XlatHarness(state.install(new XlatSnapshot(c, state)));
        String a = send("fd00:a::1");
        String b = send("fd00:b::1");

        x.snap = reload(state, npt(pair("fd00:a::/64", OUTSIDE), pair("fd00:b::/64", OUTSIDE)));
        assertEquals("fd00:a::1", reply(a), "the owner learned before the reload");
        assertEquals("fd00:b::1", reply(b));
        assertEquals(0, x.counters.localDrops(DropReason.NPTV6_UNKNOWN_OWNER_IN));
        assertEquals(2, x.snap.nptv6().learnedOwners(seconds[0]));
    }

    @Test
    void aReloadThatChangesTheNptv6LinesKeepsTheOwnersOfThePairsItKeepsAndForgetsTheOthers() {
        TunxlatConfig c = npt(pair("fd00:a::/64", OUTSIDE), pair("fd00:b::/64", OUTSIDE), pair("fd00:c::/64", OUTSIDE));
        XlatState state = XlatState.forConfig(c, () -> seconds[0]);
        x = new XlatHarness(state.install(new XlatSnapshot(c, state)));
        String a = send("fd00:a::1");
        String b = send("fd00:b::1");
        String gone = send("fd00:c::1");
        assertEquals(3, x.snap.nptv6().learnedOwners(seconds[0]));

        // Reordered, one pair removed, one added on the same outside prefix: positions in the list change.
        x.snap = reload(state, npt(pair("fd00:d::/64", OUTSIDE), pair("fd00:b::/64", OUTSIDE), pair("fd00:a::/64", OUTSIDE)));
        assertEquals(2, x.snap.nptv6().learnedOwners(seconds[0]), "the owner of the removed pair is forgotten");
        assertEquals("fd00:a::1", reply(a));
        assertEquals("fd00:b::1", reply(b));
        assertNull(reply(gone), "its pair is gone, and the new pair on the prefix never sent from there");
        assertEquals(1, x.counters.localDrops(DropReason.NPTV6_UNKNOWN_OWNER_IN));

        // Without any nptv6 line, no owner is left.
        TunxlatConfig none = TunxlatConfig.builder().source(Path.of("state.conf"))
                .ipv6Addr(Ipv6Prefix.parse("2001:db8:ffff::1", 128)).prefix(Ipv6Prefix.parse("64:ff9b::/96", -1))
                .ipv4Addr(Addresses.parseIpv4("192.0.2.1")).build();
        reload(state, none);
        assertEquals(0, state.nptv6Owners().size(seconds[0], TunxlatConfig.DEFAULT_NPTV6_LEARN_TIMEOUT));
    }

    @Test
    void aPairWhoseOutsidePrefixChangedKeepsNoOwner() {
        TunxlatConfig c = npt(pair("fd00:a::/64", OUTSIDE), pair("fd00:b::/64", OUTSIDE));
        XlatState state = XlatState.forConfig(c, () -> seconds[0]);
        x = new XlatHarness(state.install(new XlatSnapshot(c, state)));
        send("fd00:a::1");
        send("fd00:b::1");
        x.snap = reload(state, npt(pair("fd00:a::/64", "2001:db8:2::/64"), pair("fd00:b::/64", OUTSIDE)));
        assertEquals(1, x.snap.nptv6().learnedOwners(seconds[0]), "fd00:a::/64 now answers for another prefix");
    }

    @Test
    void buildingASnapshotChangesNoStateInstallingItDoes() {
        TunxlatConfig c = TunxlatConfig.builder().source(Path.of("state.conf")).ipv4Addr(Addresses.parseIpv4("192.168.255.1"))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).dynamicPool(Ipv4Prefix.parse("192.168.255.0/29", -1))
                .nptv6(List.of(pair("fd00:a::/64", OUTSIDE), pair("fd00:b::/64", OUTSIDE))).build();
        XlatState state = XlatState.forConfig(c, () -> seconds[0]);
        XlatSnapshot first = state.install(new XlatSnapshot(c, state));
        DynamicPool pool = state.pool();
        DynamicPool.Binding bound = pool.assign(0x20010db800060000L, 0x77, seconds[0]);
        assertNotNull(bound);
        first.nptv6().learn(0x20010db800010000L, 0x1234, 0);
        pool.takeDirty();
        int free = pool.freeAddresses();
        long learned = state.nptv6Owners().learnedTotal();

        // The next configuration maps the bound address statically and has no nptv6 line.
        TunxlatConfig next = c.toBuilder().nptv6(List.of()).maps(List.of(new MapEntry(Ipv4Prefix.parse(
                Addresses.formatIpv4(bound.address()), 32), Ipv6Prefix.parse("2001:db8:6::99", 128), "t"))).build();
        XlatSnapshot built = new XlatSnapshot(next, state);
        assertSame(pool, built.pool(), "snapshots share the state's pool");
        assertSame(state, built.state());
        assertSame(bound, pool.lookup6(0x20010db800060000L, 0x77), "building dropped no binding");
        assertEquals(free, pool.freeAddresses());
        assertFalse(pool.takeDirty());
        assertEquals(1, state.nptv6Owners().size(seconds[0], c.nptv6LearnTimeout()), "building forgot no owner");
        assertEquals(0, first.nptv6().findInbound(0x20010db800010000L, 0x1234), "the running snapshot still routes it");

        state.install(built);
        assertNull(pool.lookup6(0x20010db800060000L, 0x77), "installing drops the binding the static map conflicts with");
        assertEquals(free + 1, pool.freeAddresses());
        assertEquals(0, state.nptv6Owners().size(seconds[0], c.nptv6LearnTimeout()), "and the owners of gone pairs");
        assertEquals(learned, state.nptv6Owners().learnedTotal());
        assertThrows(IllegalArgumentException.class, () -> state.install(new XlatSnapshot(c)), "another state's snapshot");
    }

    @Test
    void theBindingRateLimiterKeepsItsCountsAcrossAReloadAndTakesTheNewRate() {
        TunxlatConfig c = TunxlatConfig.builder().source(Path.of("state.conf")).ipv4Addr(Addresses.parseIpv4("192.168.0.1"))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).dynamicPool(Ipv4Prefix.parse("192.168.0.0/22", -1))
                .dynamicPoolRate(1).build();
        XlatState state = XlatState.forConfig(c, () -> seconds[0]);
        x = new XlatHarness(state.install(new XlatSnapshot(c, state)));
        assertEquals(1, x.run(udp("2001:db8:6::1", "2001:db8:64::808:808")).translated());
        assertEquals(DropReason.POOL_RATE_LIMITED_64, x.run(udp("2001:db8:6::2", "2001:db8:64::808:808")).dropped());
        x.snap = reload(state, c.toBuilder().build());
        assertEquals(DropReason.POOL_RATE_LIMITED_64, x.run(udp("2001:db8:6::2", "2001:db8:64::808:808")).dropped(),
                "a reload does not hand a flooding /64 a new second's worth");
        x.snap = reload(state, c.toBuilder().dynamicPoolRate(2).build());
        assertEquals(1, x.run(udp("2001:db8:6::2", "2001:db8:64::808:808")).translated(), "the new rate, at once");
        assertEquals(DropReason.POOL_RATE_LIMITED_64, x.run(udp("2001:db8:6::3", "2001:db8:64::808:808")).dropped());
        x.snap = reload(state, c.toBuilder().dynamicPoolRate(0).build());
        assertEquals(1, x.run(udp("2001:db8:6::3", "2001:db8:64::808:808")).translated(), "0: unlimited, as in TAYGA");
    }
}
