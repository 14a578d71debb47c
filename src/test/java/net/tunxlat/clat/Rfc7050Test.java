// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7050 §3 over synthetic answers (no DNS is asked). */
class Rfc7050Test {
    private static List<InetAddress> answer(String... addresses) {
        List<InetAddress> out = new ArrayList<>();
        for (String a : addresses) {
            try {
                out.add(InetAddress.getByName(a)); // literals: no lookup
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    private static List<Ipv6Prefix> prefixes(Rfc7050.Result r) {
        return r.prefixes().stream().map(Pref64::prefix).toList();
    }

    private static Ipv6Prefix p(String s) {
        return Ipv6Prefix.parse(s, -1);
    }

    /** The answer a DNS64 with the Well-Known Prefix gives, with the A records a dual-stack query adds. */
    @Test
    void theWellKnownPrefix() {
        Rfc7050.Result r = Rfc7050.extract(answer("192.0.0.170", "64:ff9b::c000:aa", "192.0.0.171", "64:ff9b::c000:ab"),
                "dns64", 9L);
        assertEquals(List.of(p("64:ff9b::/96")), prefixes(r));
        Pref64 pref = r.prefixes().get(0);
        assertEquals(Pref64.Source.RFC7050, pref.source());
        assertEquals("dns64", pref.origin());
        assertEquals(Pref64.NO_LIFETIME, pref.lifetimeSeconds());
        assertEquals(9L, pref.receivedNanos());
        assertTrue(r.notes().isEmpty(), r.notes().toString());
    }

    /** 192.0.0.170 and .171 at each RFC 6052 §2.2 position, written out by hand like RFC 6052 §2.4's table. */
    @ParameterizedTest
    @CsvSource({
        "2001:db8::/32,         2001:db8:c000:aa::,           2001:db8:c000:ab::",
        "2001:db8:100::/40,     2001:db8:1c0:0:aa::,          2001:db8:1c0:0:ab::",
        "2001:db8:122::/48,     2001:db8:122:c000:0:aa00::,   2001:db8:122:c000:0:ab00::",
        "2001:db8:122:300::/56, 2001:db8:122:3c0:0:aa::,      2001:db8:122:3c0:0:ab::",
        "2001:db8:122:344::/64, 2001:db8:122:344:c0:0:aa00:0, 2001:db8:122:344:c0:0:ab00:0",
        "2001:db8:122:344::/96, 2001:db8:122:344::c000:aa,    2001:db8:122:344::c000:ab",
    })
    void everyRfc6052Length(String prefix, String wka170, String wka171) {
        assertEquals(List.of(p(prefix)), prefixes(Rfc7050.extract(answer(wka170, wka171), "r", 0L)));
        assertEquals(List.of(p(prefix)), prefixes(Rfc7050.extract(answer(wka171), "r", 0L)), "one WKA is enough");
    }

    /** "A node MUST look through all of the received AAAA resource records": two DNS64 prefixes, in answer order. */
    @Test
    void everyRecordIsExaminedAndDuplicatesFold() {
        Rfc7050.Result r = Rfc7050.extract(answer("2001:db8:64::c000:aa", "64:ff9b::c000:aa", "2001:db8:64::c000:ab",
                "64:ff9b::c000:ab"), "r", 0L);
        assertEquals(List.of(p("2001:db8:64::/96"), p("64:ff9b::/96")), prefixes(r));
    }

    @Test
    void recordsWithoutAWellKnownAddressArePassedOver() {
        Rfc7050.Result r = Rfc7050.extract(answer("2001:db8::1", "2001:db8::c000:aa00:0", "64:ff9b::c000:aa"), "r", 0L);
        assertEquals(List.of(p("64:ff9b::/96")), prefixes(r));
        assertEquals(2, r.notes().size(), r.notes().toString());
        assertTrue(r.notes().get(0).startsWith("2001:db8::1: neither"), r.notes().get(0));
        assertTrue(r.notes().get(1).startsWith("2001:db8::c000:aa00:0"), "a WKA at /80 is no RFC 6052 position");
    }

    /** RFC 6052 §2.2: bits 64-71 are zero; a WKA under a set u-octet is no IPv4-embedded address. */
    @Test
    void theUOctetMustBeZero() {
        assertTrue(Rfc7050.extract(answer("2001:db8:122:344:1c0:0:aa00:0"), "r", 0L).prefixes().isEmpty(), "/64 with u = 01");
        assertTrue(Rfc7050.extract(answer("2001:db8:0:0:100::c000:aa"), "r", 0L).prefixes().isEmpty(), "/96 with u = 01");
    }

    /**
     * The prefix 2001:db8:c000:aa::/64 spells 192.0.0.170 at the /32 position too; the record holding .171 at /64
     * (which holds .170, not .171, at /32) singles out /64.
     */
    @Test
    void theSecondWellKnownAddressSettlesAnAmbiguousRecord() {
        String a170 = "2001:db8:c000:aa:c0:0:aa00:0";
        String a171 = "2001:db8:c000:aa:c0:0:ab00:0";
        assertEquals(List.of(p("2001:db8:c000:aa::/64")), prefixes(Rfc7050.extract(answer(a170, a171), "r", 0L)));
        assertEquals(List.of(p("2001:db8:c000:aa::/64")), prefixes(Rfc7050.extract(answer(a171, a170), "r", 0L)));

        Rfc7050.Result alone = Rfc7050.extract(answer(a170), "r", 0L);
        assertTrue(alone.prefixes().isEmpty(), "with .170 alone /32 and /64 both fit");
        assertTrue(alone.notes().get(0).contains("ambiguous"), alone.notes().toString());
    }

    @Test
    void noSynthesisNoPrefix() {
        Rfc7050.Result r = Rfc7050.extract(answer("192.0.0.170", "192.0.0.171"), "r", 0L);
        assertTrue(r.prefixes().isEmpty());
        assertTrue(r.notes().get(0).contains("no DNS64"), r.notes().toString());
    }

    @Test
    void discoveryAsksTheInjectedResolverForTheWellKnownName() {
        List<String> asked = new ArrayList<>();
        Rfc7050 d = new Rfc7050(name -> {
            asked.add(name);
            return answer("64:ff9b::c000:ab").toArray(InetAddress[]::new);
        }, "test resolver");
        Rfc7050.Result r = d.discover();
        assertEquals(List.of("ipv4only.arpa"), asked);
        assertEquals("test resolver", r.prefixes().get(0).origin());

        Rfc7050.Result none = new Rfc7050(name -> {
            throw new UnknownHostException(name + ": Name or service not known");
        }, "test resolver").discover();
        assertTrue(none.prefixes().isEmpty());
        assertTrue(none.notes().get(0).contains("no DNS64"), none.notes().toString());
    }
}
