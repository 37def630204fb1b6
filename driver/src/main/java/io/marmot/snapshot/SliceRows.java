package io.marmot.snapshot;

import io.marmot.sqlite.Sqlite;

/**
 * Rows per set-based slice of a merge, sized after the slices before it so that each holds the write lock about
 * {@link Sqlite#SLICE_NANOS}. A fixed 10,000 rows held it for about 250 ms at the 40,000 rows a second a merge of new
 * rows runs at, and the application's writers and other processes waited as long; how fast a slice goes depends on
 * the table's width, its indexes and the machine, so it is measured rather than guessed.
 */
final class SliceRows {
    static final int FIRST = 500;
    static final int MIN = 50;
    static final int MAX = 10_000;

    private int next = FIRST;

    /** How many rows the next slice takes. */
    int next() {
        return next;
    }

    /** A slice of {@code rows} rows held the lock for {@code nanos}: the next is sized to fit, at most twice as big. */
    void took(long rows, long nanos) {
        if (rows <= 0) {
            return;
        }
        double fitting = rows * (double) Sqlite.SLICE_NANOS / Math.max(nanos, 1);
        next = (int) Math.max(MIN, Math.min(MAX, Math.min(fitting, 2.0 * rows)));
    }
}
