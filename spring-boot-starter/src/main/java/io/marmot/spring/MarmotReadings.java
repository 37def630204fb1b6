package io.marmot.spring;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Readings of one database's engine for meters and MBeans: looked up by file each time (an engine closed and started
 * again is found), and kept for a second, so a scrape of forty figures takes one reading rather than forty.
 */
final class MarmotReadings {
    private static final long KEEP_NANOS = 1_000_000_000L;

    private final Path database;
    private MarmotFigure.Reading last;
    private long lastAt;

    MarmotReadings(Path database) {
        this.database = database;
    }

    Path database() {
        return database;
    }

    /** The running engine of the database, if any. */
    Optional<MarmotEngine> engine() {
        try {
            return Marmot.engine(database).filter(e -> !e.isClosed());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot look up the marmot engine of " + database + ": " + e.getMessage(), e);
        }
    }

    /** A recent reading, or empty while no engine runs for the database. */
    synchronized Optional<MarmotFigure.Reading> now() {
        long at = System.nanoTime();
        if (last != null && at - lastAt < KEEP_NANOS && !last.engine().isClosed()) {
            return Optional.of(last);
        }
        Optional<MarmotFigure.Reading> reading = engine().map(MarmotFigure.Reading::of);
        last = reading.orElse(null);
        lastAt = at;
        return reading;
    }

    /** One figure now, NaN while no engine runs (Micrometer and JMX clients show it as absent). */
    double value(MarmotFigure figure) {
        return now().map(r -> figure.value().applyAsDouble(r)).orElse(Double.NaN);
    }

    /** The node id of the running engine; the engine must run (open a connection first). */
    long nodeId() {
        return engine().orElseThrow(() -> new IllegalStateException("No marmot engine runs for " + database
                + " in this JVM: open a jdbc:marmot:sqlite: connection to it first")).nodeId();
    }
}
