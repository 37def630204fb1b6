package io.marmot.it;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition with a deadline instead of sleeping and hoping. */
final class Await {
    private Await() {
    }

    static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(20);
        }
        AssertionError e = new AssertionError("timed out after " + timeout + " waiting for " + what);
        if (last != null) {
            e.initCause(last);
        }
        throw e;
    }
}
