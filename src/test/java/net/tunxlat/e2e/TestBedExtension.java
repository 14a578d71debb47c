// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test a fresh, ready {@link TestBed} (skipping the test when not root) and tears it down
 * afterwards: the translator must exit within 2 s of SIGTERM, the namespaces must be gone, and if
 * anything failed the translator's log tail is printed.
 *
 * <pre>
 * &#64;RegisterExtension
 * final TestBedExtension env = new TestBedExtension(Translator.fromSystemProperties());
 * </pre>
 */
public final class TestBedExtension implements BeforeEachCallback, AfterEachCallback {
    private final Translator translator;
    private final UnaryOperator<TestBed.Builder> options;
    private TestBed bed;

    public TestBedExtension(Translator translator) {
        this(translator, UnaryOperator.identity());
    }

    /** {@code options} may add config lines, hooks, etc. to each test's bed. */
    public TestBedExtension(Translator translator, UnaryOperator<TestBed.Builder> options) {
        this.translator = translator;
        this.options = options;
    }

    /** The current test's bed. */
    public TestBed bed() {
        if (bed == null) {
            throw new IllegalStateException("no test bed (used outside a test?)");
        }
        return bed;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        bed = options.apply(TestBed.builder(translator).label(context.getRequiredTestMethod().getName())).start();
        System.err.printf("[e2e] %s: %s in %s, log %s%n", context.getDisplayName(), translator.name(),
                bed.namespaceNames(), bed.logFile());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (bed == null) {
            return;
        }
        TestBed current = bed;
        bed = null;
        AssertionError closeFailure = null;
        try {
            current.close();
        } catch (AssertionError e) {
            closeFailure = e;
        }
        if (context.getExecutionException().isPresent() || closeFailure != null) {
            System.err.printf("[e2e] %s failed; %s log tail (%s):%n%s%n", context.getDisplayName(),
                    translator.name(), current.logFile(), current.logTail(40));
        }
        if (closeFailure != null) {
            throw closeFailure;
        }
    }
}
