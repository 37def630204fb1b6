package io.marmot.spring;

import io.marmot.engine.MarmotEngine;
import io.marmot.replication.ReplicationStats;
import io.marmot.snapshot.SnapshotStats;
import java.util.function.ToDoubleFunction;

/**
 * One figure of a node, as the sidecar's {@code /metrics} has it, under a Micrometer name ({@code marmot_rows_repaired_total}
 * becomes the counter {@code marmot.rows.repaired}, which a Prometheus registry writes back as the same series).
 *
 * @param name Micrometer's dotted name
 * @param description what it counts
 * @param counter true for a monotonic count, false for a gauge
 * @param value read from one reading of the node
 */
public record MarmotFigure(String name, String description, boolean counter, ToDoubleFunction<Reading> value) {
    /** One reading of a running engine: its replication and snapshot figures, taken once for all figures. */
    public record Reading(MarmotEngine engine, ReplicationStats stats, SnapshotStats.Reading snapshots) {
        static Reading of(MarmotEngine engine) {
            return new Reading(engine, engine.stats(), engine.snapshotStats());
        }
    }

    /** The JMX attribute name: the dotted name without {@code marmot.}, in camel case ({@code RowsRepaired}). */
    public String attribute() {
        StringBuilder b = new StringBuilder();
        for (String part : name.substring("marmot.".length()).split("\\.")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part, 1, part.length());
        }
        return b.toString();
    }
}
