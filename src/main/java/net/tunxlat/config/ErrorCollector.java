// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The errors of one file, in the order found, up to {@link ConfigException#MAX_ERRORS}: the parser records an
 * error and goes on, and throws them all at the end as one {@link ConfigException}.
 */
final class ErrorCollector {
    private final List<ConfigException> list = new ArrayList<>();
    private boolean truncated;

    void add(ConfigException e) {
        if (list.size() < ConfigException.MAX_ERRORS) {
            list.add(e);
        } else {
            truncated = true;
        }
    }

    boolean isEmpty() {
        return list.isEmpty();
    }

    /** One exception carrying every error, if there is any. */
    void throwIfAny() throws ConfigException {
        if (!list.isEmpty()) {
            throw ConfigException.of(list, truncated);
        }
    }
}
