package io.marmot.support;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition by polling it until a deadline; never a fixed sleep. */
public final class Await {
    private static final long POLL_MS = 10;

    private Await() {
    }

    /** Polls {@code condition} until it is true; fails with {@code what} when the deadline passes first. */
    public static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
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
            Thread.sleep(POLL_MS);
        }
    }

    public static void until(Duration timeout, Callable<Boolean> condition) throws Exception {
        until(timeout, "condition", condition);
    }
}
