// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;

import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.util.AtomicFiles;
import net.tunxlat.util.Log;

/**
 * The CLAT's dedicated IPv6 address (RFC 6877 §6.3: "the CLAT SHOULD acquire a dedicated IPv6 address" for the
 * translated traffic), generated the way RFC 7217 generates stable, semantically opaque interface identifiers:
 * a pseudorandom function of a secret kept on this host, the uplink's name, the prefix and a DAD counter. The
 * same uplink on the same network gets the same address after every restart (the NAT64's sessions and any
 * logging stay attached to one address), another network another one (not trackable across networks, RFC 7217
 * §1), and a duplicate found by DAD moves on to the next counter value (RFC 7217 §6).
 */
public final class ClatHostAddress {
    /** The secret's file in {@code data-dir}. */
    public static final String SECRET_FILE = "clat-secret";
    /** RFC 7217 §5: "at least 128 bits"; 256 here, as much as the hash gives. */
    static final int SECRET_BYTES = 32;
    private static final byte[] LABEL = "tunxlat CLAT address (RFC 7217 style)".getBytes(StandardCharsets.US_ASCII);

    private ClatHostAddress() {
    }

    /**
     * The secret key of RFC 7217 §5 ({@code secret_key}), from {@code dataDir/clat-secret}: created once (32 random
     * bytes, mode 0600, written to a temporary file and renamed into place, so that a crash leaves no half key) and
     * read back ever after. A key readable by others is tightened to 0600 with a warning.
     */
    public static byte[] secret(Path dataDir) throws IOException {
        Path file = dataDir.resolve(SECRET_FILE);
        if (!Files.exists(file)) {
            Files.createDirectories(dataDir);
            byte[] fresh = new byte[SECRET_BYTES];
            new SecureRandom().nextBytes(fresh);
            Path temp = dataDir.resolve(SECRET_FILE + ".tmp");
            Files.deleteIfExists(temp);
            try {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(
                        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
            } catch (FileAlreadyExistsException e) {
                throw new IOException(temp + " appeared meanwhile: is another tunxlat clat using " + dataDir + "?", e);
            }
            AtomicFiles.write(file, temp, ByteBuffer.wrap(fresh));
            Log.info("CLAT: created the address secret " + file);
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            Log.warn("CLAT: " + file + " was readable by others (" + PosixFilePermissions.toString(perms)
                    + "); set to rw-------");
            Files.setPosixFilePermissions(file, EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE));
        }
        byte[] key = Files.readAllBytes(file);
        if (key.length != SECRET_BYTES) {
            throw new IOException(file + ": " + key.length + " bytes, expected " + SECRET_BYTES
                    + " (a damaged key: delete the file and a new one is made, giving new CLAT addresses)");
        }
        return key;
    }

    /**
     * RFC 7217 §5: {@code RID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key)} with F = SHA-256 (the
     * RFC names SHA-1 or SHA-256 as suitable), over a label of ours (so the CLAT's identifier never equals the one
     * the kernel's own stable-privacy SLAAC would derive), the prefix's 16 bytes and length, the uplink's name,
     * the counter and the key; the host part of {@code prefix} is filled from the hash's first bytes. No
     * Network_ID (the optional SSID-like parameter): the prefix already tells networks apart.
     *
     * <p>A value that is a reserved interface identifier (RFC 5453 §3: the subnet-router anycast {@code ::}, the
     * reserved subnet anycast range {@code fdff:ffff:ffff:ff80}-{@code ffff}, and the ISATAP-looking
     * {@code 0200:5efe::/32} identifiers) is not an address at all; {@link #candidate} gives null for it and
     * the caller moves on to the next counter value, as RFC 7217 §5 says for a "reserved" result.
     *
     * @return the address as {@code {hi, lo}}, or null when this counter yields a reserved identifier
     */
    public static long[] candidate(byte[] secret, String uplink, Ipv6Prefix prefix, int counter) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
        ByteBuffer in = ByteBuffer.allocate(LABEL.length + 17 + 1 + uplink.length() * 4 + 1 + 4 + secret.length);
        in.put(LABEL).putLong(prefix.hi()).putLong(prefix.lo()).put((byte) prefix.length());
        in.put((byte) 0).put(uplink.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
        in.putInt(counter).put(secret);
        sha.update(in.array(), 0, in.position());
        ByteBuffer rid = ByteBuffer.wrap(sha.digest());
        long hi = prefix.hi() | (rid.getLong() & ~prefix.maskHi());
        long lo = prefix.lo() | (rid.getLong() & ~prefix.maskLo());
        if (prefix.length() <= 64 && reservedInterfaceId(lo)) {
            return null;
        }
        return new long[] {hi, lo};
    }

    /** RFC 5453 §3 reserved interface identifiers (for a /64, the low 64 bits). */
    static boolean reservedInterfaceId(long iid) {
        return iid == 0
                || (iid >>> 7) == (0xfdffffffffffff80L >>> 7)
                || (iid >>> 32) == 0x02005efeL
                || (iid >>> 32) == 0x00005efeL;
    }

    /** {@code {hi, lo}} as RFC 5952 text. */
    static String format(long[] a) {
        return Addresses.formatIpv6(a[0], a[1]);
    }
}
