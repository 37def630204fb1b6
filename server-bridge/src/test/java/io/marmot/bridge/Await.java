package io.marmot.bridge;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition by polling it until a deadline; never a fixed sleep. */
final class Await {
    private Await() {
    }

    static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError failure = new AssertionError("Not true within " + timeout.toMillis() + " ms: " + what);
                if (last != null) {
                    failure.initCause(last);
                }
                throw failure;
            }
            Thread.sleep(10);
        }
    }
}
