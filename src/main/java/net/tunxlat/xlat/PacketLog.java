// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import net.tunxlat.header.Ipv4Header;
import net.tunxlat.header.Ipv6Header;
import net.tunxlat.mapping.Addresses;

/**
 * Per-packet diagnostics behind TAYGA's {@code log} directive: at most {@code linesPerSecond} lines a
 * second per worker, the rest counted and summarised. Building a line allocates, so it only happens
 * when the operator asked for it and the budget allows.
 */
public final class PacketLog {
    /** A log that never writes (no {@code log} options). */
    public static final PacketLog OFF = new PacketLog(null, System::nanoTime, 0);

    private final Consumer<String> out;
    private final LongSupplier clock;
    private final int linesPerSecond;
    private long windowStart;
    private int linesInWindow;
    private long suppressed;

    public PacketLog(Consumer<String> out, LongSupplier clock, int linesPerSecond) {
        this.out = out;
        this.clock = clock;
        this.linesPerSecond = linesPerSecond;
    }

    public boolean enabled() {
        return out != null;
    }

    void dropped(DropReason reason, ByteBuf buf, int offset, int length) {
        if (admit()) {
            out.accept("drop " + reason.label() + ": " + describe(buf, offset, length) + " (" + reason.help() + ")");
        }
    }

    void icmpSent(int version, int type, int code, ByteBuf buf, int offset, int length) {
        if (admit()) {
            out.accept("sent ICMPv" + version + " " + type + "/" + code + " about " + describe(buf, offset, length));
        }
    }

    private boolean admit() {
        long now = clock.getAsLong();
        if (now - windowStart >= 1_000_000_000L) {
            if (suppressed > 0) {
                out.accept(suppressed + " more packet log lines suppressed (limit " + linesPerSecond + "/s)");
            }
            windowStart = now;
            linesInWindow = 0;
            suppressed = 0;
        }
        if (linesInWindow < linesPerSecond) {
            linesInWindow++;
            return true;
        }
        suppressed++;
        return false;
    }

    /** "IPv4 a -> b proto p len n" or "IPv6 ..." from the first bytes, bounds checked. */
    static String describe(ByteBuf buf, int off, int len) {
        Ipv4Header v4 = new Ipv4Header().wrap(buf, off); // a log line allocates anyway
        if (len >= Ipv4Header.MIN_LENGTH && v4.version() == 4) {
            return "IPv4 " + Addresses.formatIpv4(v4.source()) + " -> " + Addresses.formatIpv4(v4.destination())
                    + " proto " + v4.protocol() + " len " + len;
        }
        Ipv6Header v6 = new Ipv6Header().wrap(buf, off);
        if (len >= Ipv6Header.LENGTH && v6.version() == 6) {
            return "IPv6 " + Addresses.formatIpv6(v6.sourceHi(), v6.sourceLo()) + " -> "
                    + Addresses.formatIpv6(v6.destinationHi(), v6.destinationLo())
                    + " next-header " + v6.nextHeader() + " len " + len;
        }
        return "packet of " + len + " bytes";
    }
}
