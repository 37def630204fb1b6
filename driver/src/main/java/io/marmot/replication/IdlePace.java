package io.marmot.replication;

import java.time.Duration;

/**
 * How long a database's recurring look (for other processes' commits, schema changes, parked work) waits before the
 * next one: the short interval right after activity, doubling with each look that found nothing, up to a bound. A
 * thousand quiet databases so cost a few looks a second, while a database in use keeps its latency: its commits
 * and arriving messages make it active again at once.
 */
public final class IdlePace {
    /** The longest wait of a look for commits or schema changes made by another process (poll-interval when longer). */
    public static final Duration QUIET_POLL = Duration.ofSeconds(1);

    private final long shortestNanos;
    private final long longestNanos;
    private long currentNanos;

    public IdlePace(Duration shortest, Duration longest) {
        this.shortestNanos = Math.max(1, shortest.toNanos());
        this.longestNanos = Math.max(shortestNanos, longest.toNanos());
        this.currentNanos = shortestNanos;
    }

    /** Paced like {@code poll-interval} after activity, at most {@link #QUIET_POLL} (or the interval) when quiet. */
    public static IdlePace poll(Duration pollInterval) {
        return new IdlePace(pollInterval, QUIET_POLL);
    }

    /** Something happened: the next looks come soon again. */
    public synchronized void active() {
        currentNanos = shortestNanos;
    }

    /** The wait before the next look, in nanoseconds; {@code found}: whether the look that just ended found work. */
    public synchronized long next(boolean found) {
        if (found) {
            currentNanos = shortestNanos;
        }
        long wait = currentNanos;
        currentNanos = Math.min(currentNanos * 2, longestNanos);
        return wait;
    }
}
