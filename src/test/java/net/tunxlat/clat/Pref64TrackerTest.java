// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.*;

import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;

/** Which NAT64 prefix the CLAT uses: configured, else the newest live RA PREF64 on the uplink, else RFC 7050. */
class Pref64TrackerTest {
    static final long S = 1_000_000_000L;

    static Pref64 ra(String p, String router, int lifetime, long at) {
        return new Pref64(Ipv6Prefix.parse(p, -1), Pref64.Source.RA, router, lifetime, at);
    }

    static Pref64 dns(String p) {
        return new Pref64(Ipv6Prefix.parse(p, -1), Pref64.Source.RFC7050, "resolver", Pref64.NO_LIFETIME, 0);
    }

    @Test
    void newestLiveAdvertisementOnTheUplinkWins() {
        Pref64Tracker t = new Pref64Tracker(null);
        assertNull(t.current(2, 0));
        t.heard(ra("64:ff9b::/96", "fe80::1%2", 600, 0), 2);
        t.heard(ra("2001:db8:64::/96", "fe80::9%3", 600, S), 3); // another interface
        assertEquals("64:ff9b::/96", t.current(2, 2 * S).prefix().toString());
        assertEquals("2001:db8:64::/96", t.current(0, 2 * S).prefix().toString(), "any interface: the newest");
        t.heard(ra("2001:db8:77::/96", "fe80::2%2", 600, 2 * S), 2); // a second router on the link
        t.heard(ra("2001:db8:46::/96", "fe80::1%2", 600, 3 * S), 2);
        assertEquals("2001:db8:46::/96", t.current(2, 4 * S).prefix().toString(), "a new prefix from the router");
        t.heard(ra("2001:db8:46::/96", "fe80::1%2", 0, 5 * S), 2);
        assertEquals("2001:db8:77::/96", t.current(2, 6 * S).prefix().toString(),
                "lifetime 0 withdraws it (RFC 8781 §4.1), and the router's new RA replaced its older prefix:"
                        + " the other router's is left");
        assertNull(t.current(2, 603 * S), "expired after its lifetime");
    }

    @Test
    void rfc7050OnlyWhereNoRouterSpeaksPref64AndAskedAgainLater() {
        Pref64Tracker t = new Pref64Tracker(null);
        assertFalse(t.wantsRfc7050(2, 0), "first a moment for the RA that answers the solicitation");
        assertTrue(t.wantsRfc7050(2, Pref64Tracker.RA_GRACE_NANOS));
        long at = Pref64Tracker.RA_GRACE_NANOS;
        t.discovered(dns("64:ff9b::/96"), at);
        assertFalse(t.wantsRfc7050(2, at + S), "not again at once");
        assertEquals(Pref64.Source.RFC7050, t.current(2, at + S).source());
        assertTrue(t.wantsRfc7050(2, at + Pref64Tracker.RFC7050_INTERVAL_NANOS), "asked again after the interval");

        t.heard(ra("2001:db8:64::/96", "fe80::1%2", 600, at + 2 * S), 2);
        assertEquals(Pref64.Source.RA, t.current(2, at + 3 * S).source(), "an RA's PREF64 comes first");
        assertFalse(t.wantsRfc7050(2, at + 2 * Pref64Tracker.RFC7050_INTERVAL_NANOS), "nor asked while an RA gives one");
        t.heard(ra("2001:db8:64::/96", "fe80::1%2", 0, at + 4 * S), 2);
        assertNull(t.current(2, at + 5 * S), "withdrawn by the routers: no prefix, not the resolver's older answer");
        assertFalse(t.wantsRfc7050(2, at + 3 * Pref64Tracker.RFC7050_INTERVAL_NANOS),
                "a network that speaks RFC 8781 is not asked through RFC 7050");
        assertEquals(Pref64.Source.RFC7050, t.current(3, at + 5 * S).source(), "another uplink: its own sources");
    }

    @Test
    void configuredOverridesEverything() {
        Pref64Tracker t = new Pref64Tracker(Pref64.configured(Ipv6Prefix.parse("2001:db8:ffff::/96", -1), "--pref64"));
        t.heard(ra("64:ff9b::/96", "fe80::1%2", 600, 0), 2);
        assertEquals("2001:db8:ffff::/96", t.current(2, S).prefix().toString());
        assertFalse(t.wantsRfc7050(2, S));
    }
}
