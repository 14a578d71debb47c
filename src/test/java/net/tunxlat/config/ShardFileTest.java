// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.nat64.Deterministic;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Pool4;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shard file ({@code nat64-shard-file}): its grammar, its checks across instances, and what an instance runs. */
class ShardFileTest {
    private static final Path FILE = Path.of("shards.conf");

    /** Two instances standing by for each other; /64 subscribers, blocks of 512: 126 per address and protocol (1024-65535). */
    static final String TWO = """
            port-block 512
            subscriber-prefix 64
            instance xa
                subscribers 2001:db8:100::/58
                pool4 192.0.2.1 1024-65535
                standby xb
                standby-pool4 198.51.100.1 1024-65535
                next-hop 2001:db8:ff::a
            instance xb
                subscribers 2001:db8:200::/59
                subscribers 2001:db8:300::/59
                pool4 192.0.2.2 1024-65535
                standby xa
                standby-pool4 198.51.100.2 1024-65535
                next-hop fe80::b dev eth1
            """;

    private static ShardFile parse(String text) throws ConfigException {
        return ShardFile.parse(FILE, text);
    }

    private static List<String> errors(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        return e.errors().stream().map(ConfigException::getMessage).toList();
    }

    private static String error(String text) {
        List<String> all = errors(text);
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    @Test
    void readsEveryInstanceAndItsParts() throws Exception {
        ShardFile f = parse(TWO);
        assertEquals(ShardFile.DEFAULT_NAT64_PREFIX, f.nat64Prefix());
        assertEquals(512, f.portBlock());
        assertEquals(64, f.subscriberLength());
        assertEquals(List.of("xa", "xb"), f.instances().stream().map(ShardFile.Instance::name).toList());
        ShardFile.Instance xb = f.instance("xb");
        assertEquals("fe80::b", xb.nextHop());
        assertEquals("eth1", xb.nextHopDev());
        assertEquals(2, xb.subscribers().size());
        assertEquals(List.of(f.instance("xb")), f.standbyFor("xa"));
        List<Deterministic.Part> parts = f.parts("xa");
        assertEquals(List.of("instance=xa", "instance=xa standby-for=xb"),
                parts.stream().map(Deterministic.Part::label).toList());
        assertEquals(f.instance("xb").subscribers(), parts.get(1).subscribers());
        assertEquals(f.instance("xb").standbyPool4(), parts.get(1).ranges());
        assertEquals("[192.0.2.1/32, 198.51.100.2/32]", f.announced("xa").toString());
        assertNull(f.instance("xc"));
    }

    /**
     * What instance xa runs: its subscribers on its own slice, xb's on xb's standby range, never a port of a slice.
     */
    @Test
    void anInstanceMapsItsOwnSubscribersToItsSliceAndTheOthersToTheStandbyRange() throws Exception {
        ShardFile f = parse(TWO);
        Pool4 pool = new Pool4(f.ranges("xa"), f.portBlock());
        Deterministic d = new Deterministic(f.parts("xa"), f.subscriberLength(), pool);
        int tcp = Nat64Protocol.TCP;
        // xa's 64 subscribers (a /58 of /64s) on the first 64 of the 126 blocks of 192.0.2.1
        Ipv6Prefix first = d.subscriberOf(tcp, Addresses.parseIpv4("192.0.2.1"), 1024);
        assertEquals(Ipv6Prefix.parse("2001:db8:100::/64", -1), first);
        assertEquals(Ipv6Prefix.parse("2001:db8:100:3e::/64", -1),
                d.subscriberOf(tcp, Addresses.parseIpv4("192.0.2.1"), 1024 + 62 * 512 + 7));
        assertEquals(Ipv6Prefix.parse("2001:db8:100:3f::/64", -1),
                d.subscriberOf(tcp, Addresses.parseIpv4("192.0.2.1"), 1024 + 63 * 512));
        assertNull(d.subscriberOf(tcp, Addresses.parseIpv4("192.0.2.1"), 1024 + 64 * 512), "no 65th subscriber");
        // xb's subscribers (two /59: 64 of them) are numbered prefix after prefix on the standby range 198.51.100.2
        assertEquals(Ipv6Prefix.parse("2001:db8:200::/64", -1),
                d.subscriberOf(tcp, Addresses.parseIpv4("198.51.100.2"), 1024));
        assertEquals(Ipv6Prefix.parse("2001:db8:300::/64", -1),
                d.subscriberOf(tcp, Addresses.parseIpv4("198.51.100.2"), 1024 + 32 * 512));
        assertNull(d.subscriberOf(tcp, Addresses.parseIpv4("192.0.2.2"), 1024), "xb's slice is not in xa's pool");
    }

    @Test
    void theArithmeticMustFit() {
        // 2001:db8:100::/57 is 128 subscribers of /64; 1024-65535 holds 126 blocks of 512
        List<String> both = errors(TWO.replace("2001:db8:100::/58", "2001:db8:100::/57"));
        assertEquals(2, both.size(), "the slice and the standby range are both too small: " + both);
        assertTrue(both.get(1).startsWith("shards.conf:7: the standby-pool4 range of instance 'xa': "), both.get(1));
        String e = both.get(0);
        assertTrue(e.startsWith("shards.conf:5: the pool4 slice of instance 'xa': "), e);
        assertTrue(e.contains("126 tcp blocks of 512 ports for the 128 subscribers of 2001:db8:100::/57"), e);
        assertTrue(e.contains("add pool4 addresses or use smaller blocks"), e);
        String s = error(TWO.replace("standby-pool4 198.51.100.1 1024-65535", "standby-pool4 198.51.100.1 1024-9999"));
        assertTrue(s.startsWith("shards.conf:7: the standby-pool4 range of instance 'xa': "), s);
        assertTrue(s.contains("17 tcp blocks of 512 ports for the 64 subscribers"), s);
    }

    @Test
    void theSubscriberPrefixLengthMustFitEveryPrefix() {
        List<String> all = errors(TWO.replace("subscriber-prefix 64", "subscriber-prefix 128"));
        assertEquals(3, all.size(), "one per subscribers line: " + all);
        assertTrue(all.get(0).startsWith("shards.conf:4: 'subscriber-prefix' /128 does not fit 'subscribers'"
                + " 2001:db8:100::/58"), all.get(0));
        assertTrue(all.get(0).contains("between /58 and /89"), all.get(0));
    }

    @Test
    void slicesAndStandbyRangesMustBeDisjoint() {
        String e = error(TWO.replace("pool4 192.0.2.2 1024-65535", "pool4 192.0.2.0/30 2000-2999"));
        assertTrue(e.startsWith("shards.conf:12: the pool4 slice of instance 'xb' (192.0.2.0/30) shares ports with the"
                + " pool4 slice of instance 'xa' on line 5"), e);
        String s = error(TWO.replace("standby-pool4 198.51.100.2 1024-65535", "standby-pool4 192.0.2.1 tcp 60000-65535"));
        assertTrue(s.startsWith("shards.conf:14: the standby-pool4 of instance 'xb'"), s);
        assertTrue(s.contains("pool4 slice of instance 'xa' on line 5"), s);
        String own = error(TWO.replace("standby-pool4 198.51.100.1 1024-65535", "standby-pool4 192.0.2.1 udp 60000-65535"));
        assertTrue(own.startsWith("shards.conf:7: the standby-pool4 of instance 'xa' (192.0.2.1/32) shares ports with the"
                + " pool4 slice of instance 'xa' on line 5"), own);
    }

    @Test
    void differentPortsOfOneAddressMayBeTwoSlices() throws Exception {
        ShardFile f = parse(TWO.replace("pool4 192.0.2.2 1024-65535", "pool4 192.0.2.1 udp 1024-65535\n"
                + "    pool4 192.0.2.1 icmp 1024-65535")
                .replace("pool4 192.0.2.1 1024-65535", "pool4 192.0.2.1 tcp 1024-65535"));
        assertEquals(3, f.instances().get(0).pool4().size() + f.instances().get(1).pool4().size());
    }

    @Test
    void subscriberPrefixesMustBeDisjoint() {
        String e = error(TWO.replace("subscribers 2001:db8:300::/59", "subscribers 2001:db8:100:20::/59"));
        assertTrue(e.startsWith("shards.conf:11: 'subscribers' 2001:db8:100:20::/59 of instance 'xb' overlaps"
                + " 2001:db8:100::/58 of instance 'xa' (line 4)"), e);
        String n = error("nat64-prefix 2001:db8:100::/96\n" + TWO);
        assertTrue(n.contains("overlaps 'nat64-prefix'"), n);
    }

    @Test
    void standbyMustNameAnotherExistingInstance() {
        String self = error(TWO.replace("standby xb", "standby xa"));
        assertTrue(self.startsWith("shards.conf:6: instance 'xa' names itself as its standby"), self);
        String none = error(TWO.replace("standby xb", "standby xc"));
        assertTrue(none.startsWith("shards.conf:6: 'standby xc' of instance 'xa' names no instance of this file"), none);
        assertTrue(none.contains("[xa, xb]"), none);
    }

    @Test
    void everyPartIsRequired() {
        List<String> all = errors("instance xa\n");
        assertEquals(5, all.size(), all.toString());
        assertTrue(all.stream().allMatch(m -> m.startsWith("shards.conf:1: instance 'xa' has no ")), all.toString());
        assertTrue(error("# nothing\n").contains("no 'instance' section"));
    }

    @Test
    void linesAreCheckedWhereTheyAre() {
        assertTrue(error("subscribers 2001:db8::/48\n" + TWO).startsWith("shards.conf:1: 'subscribers' belongs to an"
                + " instance"));
        assertTrue(error(TWO + "port-block 64\n").contains("'port-block' is global"));
        assertTrue(error(TWO + "instance xa\n").contains("instance 'xa' is already described on line 3"));
        assertTrue(errors(TWO.replace("instance xb", "instance x/b")).get(0)
                .startsWith("shards.conf:9: 'instance' name 'x/b'"));
        assertTrue(error(TWO.replace("next-hop fe80::b dev eth1", "next-hop fe80::b"))
                .contains("is link-local: add 'dev INTERFACE'"));
        assertTrue(error(TWO.replace("next-hop 2001:db8:ff::a", "next-hop 2001:db8:ff::/64"))
                .contains("'next-hop' expects the IPv6 address"));
        assertTrue(error(TWO.replace("standby xb", "standby xb\n    standby xb")).contains("duplicate 'standby'"));
        assertTrue(error(TWO.replace("pool4 192.0.2.1 1024-65535", "pool4 192.0.2.1 bogus"))
                .startsWith("shards.conf:5: 'pool4' expects an optional protocol"));
        assertTrue(error(TWO + "    frobnicate 1\n").contains("unknown line 'frobnicate' in instance 'xb'"));
    }

    // tunxlat.conf's nat64-shard-file

    private static String conf(Path shards, String... more) {
        return "tun-device nat64\nipv4-addr 192.168.255.1\nprefix 64:ff9b::/96\nnat64-shard-file " + shards + "\n"
                + "ipv6-addr 2001:db8:ffff::1\n" + String.join("\n", more) + "\n";
    }

    @Test
    void anInstanceTakesItsEntry(@TempDir Path dir) throws Exception {
        Path shards = Files.writeString(dir.resolve("shards.conf"), TWO);
        Nat64Settings s = ConfigParser.parse(conf(shards, "instance-name xb"), FILE).nat64();
        assertNotNull(s.shard());
        assertEquals("xb", s.shard().instance());
        assertEquals(512, s.pool4().blockSize());
        assertEquals(64, s.subscriberLength());
        assertEquals(ShardFile.read(shards).ranges("xb"), s.pool4().ranges());
        Deterministic d = s.deterministic();
        assertEquals(Ipv6Prefix.parse("2001:db8:100::/64", -1),
                d.subscriberOf(Nat64Protocol.UDP, Addresses.parseIpv4("198.51.100.1"), 1024));
        assertTrue(s.deterministicRule().contains("instance=xb standby-for=xa"), s.deterministicRule());
    }

    @Test
    void theInstanceMustBeInTheFile(@TempDir Path dir) throws Exception {
        Path shards = Files.writeString(dir.resolve("shards.conf"), TWO);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse(conf(shards, "instance-name xc"), FILE));
        assertTrue(e.getMessage().startsWith("shards.conf:4: 'nat64-shard-file' " + shards
                + " describes no instance 'xc' ('instance-name'): it has [xa, xb]"), e.getMessage());
    }

    @Test
    void theSliceComesFromTheShardFileOnly(@TempDir Path dir) throws Exception {
        Path shards = Files.writeString(dir.resolve("shards.conf"), TWO);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(conf(shards,
                "instance-name xa", "pool4 192.0.2.9", "nat64-port-block 64"), FILE));
        List<String> all = e.errors().stream().map(ConfigException::getMessage).toList();
        assertEquals(2, all.size(), all.toString());
        assertTrue(all.get(0).startsWith("shards.conf:7: 'pool4' comes from the shard file"), all.get(0));
        assertTrue(all.get(1).startsWith("shards.conf:8: 'nat64-port-block' comes from the shard file"), all.get(1));
        ConfigException p = assertThrows(ConfigException.class, () -> ConfigParser.parse(
                conf(shards, "instance-name xa").replace("prefix 64:ff9b::/96", "prefix 2001:db8:64::/96"), FILE));
        assertTrue(p.getMessage().contains("is not the shard file's 'nat64-prefix' 64:ff9b::/96"), p.getMessage());
    }

    @Test
    void errorsOfTheShardFileNameItsLines(@TempDir Path dir) throws Exception {
        Path shards = Files.writeString(dir.resolve("s.conf"), TWO.replace("standby xb", "standby xa"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse(conf(shards, "instance-name xa"), FILE));
        assertTrue(e.getMessage().startsWith(shards + ":6: instance 'xa' names itself"), e.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> ConfigParser.parse(conf(dir.resolve("none.conf"), "instance-name xa"), FILE));
        assertTrue(missing.getMessage().startsWith("shards.conf:4: cannot read 'nat64-shard-file' "),
                missing.getMessage());
        ConfigException relative = assertThrows(ConfigException.class,
                () -> ConfigParser.parse(conf(Path.of("rel.conf"), "instance-name xa"), FILE));
        assertTrue(relative.getMessage().contains("must be an absolute path"), relative.getMessage());
    }
}
