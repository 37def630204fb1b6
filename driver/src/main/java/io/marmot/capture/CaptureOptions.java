package io.marmot.capture;

import io.marmot.config.MarmotConfig;
import java.util.function.Predicate;

/**
 * What capture covers and how its triggers read a written row.
 *
 * @param replicated which tables are captured (the config's {@code tables} / {@code exclude-tables})
 * @param readsRows triggers that read rows back from their table rather than name their columns
 *     ({@code shell-drop-column}; see {@link RowReadingTriggers})
 */
public record CaptureOptions(Predicate<String> replicated, boolean readsRows) {
    public static CaptureOptions of(MarmotConfig config) {
        return new CaptureOptions(config::replicates, config.shellDropColumn());
    }

    /** Every table, with the default triggers. */
    public static CaptureOptions everyTable() {
        return new CaptureOptions(table -> true, false);
    }
}
