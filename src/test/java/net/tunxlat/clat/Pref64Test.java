// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import net.tunxlat.mapping.Ipv6Prefix;
import org.junit.jupiter.api.Test;

class Pref64Test {
    private static final Ipv6Prefix WKP = Ipv6Prefix.parse("64:ff9b::/96", -1);
    private static final Ipv6Prefix OTHER = Ipv6Prefix.parse("2001:db8:64::/64", -1);
    private static final long T0 = 1_000_000_000_000L;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private static Pref64 ra(Ipv6Prefix p, String router, int lifetime, long at) {
        return new Pref64(p, Pref64.Source.RA, router, lifetime, at);
    }

    @Test
    void anRaPrefixExpiresWhenItsLifetimeRunsOut() {
        Pref64 p = ra(WKP, "fe80::1%2", 1800, T0);
        assertFalse(p.withdrawn());
        assertFalse(p.expired(T0));
        assertFalse(p.expired(T0 + 1799 * SECOND));
        assertTrue(p.expired(T0 + 1800 * SECOND));
        assertEquals(600 * SECOND, p.remainingNanos(T0 + 1200 * SECOND));
        assertEquals(0, p.remainingNanos(T0 + 4000 * SECOND));
    }

    /** RFC 8781 §4.1: lifetime 0 means "SHOULD NOT be used anymore": withdrawn and expired at once. */
    @Test
    void lifetimeZeroIsWithdrawnAndExpiredAtOnce() {
        Pref64 p = ra(WKP, "fe80::1%2", 0, T0);
        assertTrue(p.withdrawn());
        assertTrue(p.expired(T0));
        assertEquals(0, p.remainingNanos(T0));
    }

    @Test
    void configuredAndRfc7050PrefixesNeverExpire() {
        Pref64 c = Pref64.configured(WKP, "/etc/tunxlat/clat.conf:3");
        assertEquals(Pref64.NO_LIFETIME, c.lifetimeSeconds());
        assertFalse(c.withdrawn());
        assertFalse(c.expired(c.receivedNanos() + TimeUnit.DAYS.toNanos(3650)));
        assertEquals(Long.MAX_VALUE, c.remainingNanos(T0));
        Pref64 d = new Pref64(WKP, Pref64.Source.RFC7050, "system resolver", Pref64.NO_LIFETIME, T0);
        assertFalse(d.expired(Long.MAX_VALUE));
    }

    @Test
    void aNewerAdvertisementOfTheSamePrefixFromTheSameRouterReplacesIt() {
        Pref64 first = ra(WKP, "fe80::1%2", 1800, T0);
        assertTrue(first.sameAdvertisement(ra(WKP, "fe80::1%2", 0, T0 + SECOND)));
        assertFalse(first.sameAdvertisement(ra(WKP, "fe80::2%2", 1800, T0)), "another router");
        assertFalse(first.sameAdvertisement(ra(WKP, "fe80::1%3", 1800, T0)), "another interface");
        assertFalse(first.sameAdvertisement(ra(OTHER, "fe80::1%2", 1800, T0)), "another prefix");
        assertFalse(first.sameAdvertisement(new Pref64(WKP, Pref64.Source.RFC7050, "fe80::1%2", -1, T0)), "another source");
    }

    @Test
    void onlyRfc6052PrefixesAndSourceFittingLifetimes() {
        assertThrows(IllegalArgumentException.class, () -> ra(Ipv6Prefix.parse("2001:db8::/80", -1), "r", 8, T0));
        assertThrows(IllegalArgumentException.class, () -> ra(Ipv6Prefix.parse("2001:db8:0:0:100::/96", -1), "r", 8, T0),
                "a /96 with the u-octet set");
        assertThrows(IllegalArgumentException.class, () -> ra(WKP, "r", -1, T0));
        assertThrows(IllegalArgumentException.class, () -> ra(WKP, "r", 65536, T0));
        assertThrows(IllegalArgumentException.class, () -> new Pref64(WKP, Pref64.Source.CONFIGURED, "c", 600, T0));
        assertThrows(NullPointerException.class, () -> new Pref64(WKP, Pref64.Source.RA, null, 600, T0));
    }

    @Test
    void textSaysWhereAndHowLong() {
        assertEquals("64:ff9b::/96 (RA from fe80::1%2, lifetime 1800 s)", ra(WKP, "fe80::1%2", 1800, T0).toString());
        assertEquals("64:ff9b::/96 (RA from fe80::1%2, withdrawn)", ra(WKP, "fe80::1%2", 0, T0).toString());
    }
}
