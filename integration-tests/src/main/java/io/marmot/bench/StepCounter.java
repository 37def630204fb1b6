package io.marmot.bench;

import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.ProgressHandler;

/** Counts the SQLite VM steps a connection runs: sqlite-jdbc's progress handler, called at every step. */
final class StepCounter {
    private StepCounter() {
    }

    /** Installs the counter; element 0 of the array returned is the steps run since. */
    static long[] on(Connection c) throws SQLException {
        long[] steps = {0};
        ProgressHandler.setHandler(c, 1, new ProgressHandler() {
            @Override
            protected int progress() {
                steps[0]++;
                return 0;
            }
        });
        return steps;
    }

    static void off(Connection c) throws SQLException {
        ProgressHandler.clearHandler(c);
    }
}
