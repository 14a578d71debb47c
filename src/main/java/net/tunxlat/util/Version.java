// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The Maven project version, filtered into version.properties at build time. */
public final class Version {
    private static final String VERSION = load();

    private Version() {}

    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/net/tunxlat/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
