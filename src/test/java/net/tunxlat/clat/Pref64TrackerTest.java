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
        t.heard(ra("2001:db8:46::/96", "fe80::1%2", 600, 3 * S), 2);
        assertEquals("2001:db8:46::/96", t.current(2, 4 * S).prefix().toString(), "a new prefix from the router");
        t.heard(ra("2001:db8:46::/96", "fe80::1%2", 0, 5 * S), 2);
        assertEquals("64:ff9b::/96", t.current(2, 6 * S).prefix().toString(),
                "lifetime 0 withdraws it (RFC 8781 §4.1): the older one is still alive");
        assertNull(t.current(2, 601 * S), "expired after its lifetime");
    }

    @Test
    void rfc7050OnlyWithoutAdvertisementsAndAskedAgainLater() {
        Pref64Tracker t = new Pref64Tracker(null);
        assertTrue(t.wantsRfc7050(2, 0));
        t.discovered(dns("64:ff9b::/96"), 0);
        assertFalse(t.wantsRfc7050(2, S), "not again at once");
        assertEquals(Pref64.Source.RFC7050, t.current(2, S).source());
        assertTrue(t.wantsRfc7050(2, Pref64Tracker.RFC7050_INTERVAL_NANOS), "asked again after the interval");
        t.heard(ra("2001:db8:64::/96", "fe80::1%2", 600, 2 * S), 2);
        assertEquals(Pref64.Source.RA, t.current(2, 3 * S).source(), "an RA's PREF64 comes first");
        assertFalse(t.wantsRfc7050(2, 2 * Pref64Tracker.RFC7050_INTERVAL_NANOS), "nor asked while an RA gives one");
        t.discovered(null, 3 * S);
        t.heard(ra("2001:db8:64::/96", "fe80::1%2", 0, 4 * S), 2);
        assertNull(t.current(2, 5 * S), "withdrawn, and RFC 7050 found nothing");
    }

    @Test
    void configuredOverridesEverything() {
        Pref64Tracker t = new Pref64Tracker(Pref64.configured(Ipv6Prefix.parse("2001:db8:ffff::/96", -1), "--pref64"));
        t.heard(ra("64:ff9b::/96", "fe80::1%2", 600, 0), 2);
        assertEquals("2001:db8:ffff::/96", t.current(2, S).prefix().toString());
        assertFalse(t.wantsRfc7050(2, S));
    }
}
