package io.marmot.publish;

import io.marmot.capture.LogPosition;
import io.marmot.capture.LogUpkeep;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * When the publisher prunes its log, and how much at a time: every second, a turn that stops taking slices after
 * {@value #TURN_MILLIS} ms, or once they earned the file a breather ({@link io.marmot.sqlite.Sqlite#inSlice}): about
 * 10 ms of slices, after waiting out a breather under way. A backlog's fold and deletion done whole kept the
 * publishing thread from publishing for as long as they took (0.1-1.25 s for 100,000 rows written in 100-row
 * transactions, while the writer went on); the rest of it now follows after the next cycle's publishing.
 */
final class PruneTurns {
    private static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long TURN_MILLIS = 20;

    private long last = System.nanoTime();
    private volatile LogPosition prunedAt;

    boolean due() {
        return System.nanoTime() - last > EVERY_NANOS;
    }

    /** Whether the log is pruned up to {@code acked}: nothing is left for a quiet publisher's upkeep. */
    boolean prunedUpTo(LogPosition acked) {
        return acked.equals(prunedAt);
    }

    /**
     * One turn (cut short once {@code closing}); false when rows were left, and the next turn is due at once.
     */
    boolean turn(LogUpkeep upkeep, LogPosition upTo, boolean publishes, BooleanSupplier closing) throws SQLException {
        last = System.nanoTime();
        long ends = last + TimeUnit.MILLISECONDS.toNanos(TURN_MILLIS);
        if (upkeep.prune(upTo, publishes, () -> closing.getAsBoolean() || System.nanoTime() - ends > 0)) {
            prunedAt = upTo;
            return true;
        }
        last -= EVERY_NANOS;
        return false;
    }
}
