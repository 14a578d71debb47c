package net.tunxlat.xlat;

/**
 * One worker's source of IPv4 Identification values for the IPv4 packets the translator makes up (RFC 7915
 * §5.1: "set according to a Fragment Identification generation algorithm at the translator"): a counter
 * that wraps at 16 bits, starting where it is told (the daemon seeds it from the clock). State, kept across
 * reloads. Used by one worker thread only.
 */
public final class Ipv4Identification {
    private int last;

    /** @param start the value before the first one handed out (its low 16 bits) */
    public Ipv4Identification(int start) {
        this.last = start & 0xffff;
    }

    /** The next Identification. */
    public int next() {
        last = (last + 1) & 0xffff;
        return last;
    }

    /** Takes {@code count} consecutive Identifications; returns the first (the others follow it, wrapping). */
    public int reserve(int count) {
        int first = (last + 1) & 0xffff;
        last = (last + count) & 0xffff;
        return first;
    }
}
