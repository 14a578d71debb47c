// SPDX-License-Identifier: Apache-2.0
package net.tunxlat;

import net.tunxlat.cli.TunxlatCommand;

/** Entry point: {@code java -jar tunxlat.jar ...}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(TunxlatCommand.execute(args));
    }
}
