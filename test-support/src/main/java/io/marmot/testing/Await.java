package io.marmot.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Waits for a condition by polling it until a deadline; never a fixed sleep. An exception thrown by the condition
 * counts as "not yet" and is attached to the failure if it was the last thing seen; an {@link AssertionError}
 * (a condition that knows it can never come true, say a dead process) fails at once.
 */
public final class Await {
    private static final long POLL_MS = 10;

    private Await() {
    }

    /** Polls {@code condition} until it is true; fails naming {@code what} when the deadline passes first. */
    public static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
        value(timeout, what, condition, Boolean.TRUE::equals);
    }

    public static void until(Duration timeout, Callable<Boolean> condition) throws Exception {
        until(timeout, "condition", condition);
    }

    /**
     * Polls {@code supplier} until {@code accepted} holds for what it returns, and returns that value; fails naming
     * {@code what} and the last value seen when the deadline passes first.
     */
    public static <T> T value(Duration timeout, String what, Callable<T> supplier, Predicate<? super T> accepted)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        T seen = null;
        while (true) {
            try {
                seen = supplier.call();
                if (accepted.test(seen)) {
                    return seen;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                String lastSeen = seen instanceof Boolean || seen == null ? "" : " (last value: " + seen + ")";
                AssertionError failure = new AssertionError("Not true within " + timeout.toMillis() + " ms: " + what
                        + lastSeen);
                if (last != null) {
                    failure.initCause(last);
                }
                throw failure;
            }
            Thread.sleep(POLL_MS);
        }
    }

    /**
     * Polls {@code supplier} until what it returns is accepted and has stayed the same for {@code quiet}, and returns
     * it: for a quantity that settles (threads a connection starts, steps still queued) rather than reaches a known
     * value. Fails naming {@code what} and the last value seen when the deadline passes first.
     */
    public static <T> T steady(Duration timeout, String what, Callable<T> supplier, Predicate<? super T> accepted,
            Duration quiet) throws Exception {
        Object[] last = {new Object()};
        long[] since = {0};
        return value(timeout, what + " (the same for " + quiet.toMillis() + " ms)", () -> {
            T now = supplier.call();
            if (!Objects.equals(now, last[0])) {
                last[0] = now;
                since[0] = System.nanoTime();
            }
            return now;
        }, now -> accepted.test(now) && System.nanoTime() - since[0] >= quiet.toNanos());
    }
}
