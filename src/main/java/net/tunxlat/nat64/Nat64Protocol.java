// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

/** The three tables of RFC 6146: TCP, UDP, ICMP queries (the identifier plays the port). */
public final class Nat64Protocol {
    public static final int TCP = 0;
    public static final int UDP = 1;
    public static final int ICMP = 2;
    public static final int COUNT = 3;
    private static final String[] NAMES = {"tcp", "udp", "icmp"};

    private Nat64Protocol() {
    }

    public static String name(int protocol) {
        return NAMES[protocol];
    }

    /** Port parity and range (RFC 4787 REQ-3, REQ-4) are about ports; ICMP identifiers have neither. */
    static boolean hasPortClasses(int protocol) {
        return protocol != ICMP;
    }
}
