// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import net.tunxlat.util.Version;
import picocli.CommandLine;

/** {@code --version}: the Maven project version, filtered into version.properties at build time. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    public static String version() {
        return Version.version();
    }

    @Override
    public String[] getVersion() {
        return new String[] {"tunxlat " + version(), "Java " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
