// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Objects;

import net.tunxlat.mapping.Addresses;

/**
 * A literal IP address and TCP port to listen on, written {@code A.B.C.D:PORT} or {@code [IPV6]:PORT}
 * (never a host name: nothing is resolved).
 *
 * @param address the address (an {@link java.net.Inet4Address} or {@link java.net.Inet6Address})
 * @param port    1 to 65535
 */
public record ListenAddress(InetAddress address, int port) {
    public ListenAddress {
        Objects.requireNonNull(address, "address");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be from 1 to 65535, got " + port);
        }
    }

    /**
     * Parses {@code A.B.C.D:PORT} or {@code [IPV6]:PORT}; {@code off} (any case) gives null.
     *
     * @throws IllegalArgumentException with a message that says what is expected
     */
    public static ListenAddress parseOrOff(String s) {
        Objects.requireNonNull(s, "s");
        if (s.equalsIgnoreCase("off")) {
            return null;
        }
        String expected = "ADDRESS:PORT such as 127.0.0.1:9464 or [::1]:9464, or off";
        String host;
        String portText;
        byte[] bytes;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expects " + expected + ", got '" + s + "'");
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
            if (!Addresses.isIpv6Literal(host)) {
                throw new IllegalArgumentException("'" + host + "' in '" + s + "' is not an IPv6 address");
            }
            long[] a = Addresses.parseIpv6(host);
            bytes = ByteBuffer.allocate(16).putLong(a[0]).putLong(a[1]).array();
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expects " + expected + ", got '" + s + "' (no port)");
            }
            if (s.indexOf(':') != colon) {
                throw new IllegalArgumentException("expects " + expected + ", got '" + s
                        + "' (write an IPv6 address in brackets: [ADDRESS]:PORT)");
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
            if (!Addresses.isIpv4Literal(host)) {
                throw new IllegalArgumentException("expects " + expected + ", got '" + s + "' ('" + host
                        + "' is not an IPv4 address; host names are not accepted)");
            }
            bytes = ByteBuffer.allocate(4).putInt(Addresses.parseIpv4(host)).array();
        }
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
            throw new IllegalArgumentException("the port in '" + s + "' must be a number from 1 to 65535");
        }
        try {
            return new ListenAddress(InetAddress.getByAddress(bytes), Integer.parseInt(portText));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // getByAddress only throws for a wrong length
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    /** {@code 127.0.0.1:9464} or {@code [::1]:9464}. */
    @Override
    public String toString() {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return Addresses.formatIpv4(ByteBuffer.wrap(b).getInt()) + ":" + port;
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        return "[" + Addresses.formatIpv6(bb.getLong(), bb.getLong()) + "]:" + port;
    }
}
