package io.marmot.snapshot;

import java.util.concurrent.atomic.AtomicLong;

/** Figures of one node's snapshots and restores, for {@code /metrics}. */
public final class SnapshotStats {
    final AtomicLong taken = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    volatile long lastBytes;
    volatile long lastMillis;
    volatile long lastTakenAtMillis;
    volatile long restoredBytes;
    volatile long restoredRows;
    volatile long restoreMillis;
    volatile long restoreRefused;
    volatile long merges; // written by the one schedule thread only
    volatile long mergedRows;
    volatile long mergeMillis;
    /** 1 when the newest snapshot covers every message the streams dropped, 0 when not, -1 before the first check. */
    volatile int covering = -1;

    /**
     * An immutable reading; {@code restoreRefused}: snapshots refused (corrupt, truncated) before the one restored.
     */
    public record Reading(long taken, long failures, long lastBytes, long lastMillis, long lastTakenAtMillis,
            long restoredBytes, long restoredRows, long restoreMillis, long restoreRefused, long merges, long mergedRows, long mergeMillis,
            int covering) {
    }

    public Reading read() {
        return new Reading(taken.get(), failures.get(), lastBytes, lastMillis, lastTakenAtMillis, restoredBytes,
                restoredRows, restoreMillis, restoreRefused, merges, mergedRows, mergeMillis, covering);
    }

    void restored(RestoreProgress.Result r) {
        if (r != null) {
            restoredBytes = r.bytes();
            restoredRows = r.rows();
            restoreMillis = r.millis();
            restoreRefused = r.refused();
        }
    }
}
