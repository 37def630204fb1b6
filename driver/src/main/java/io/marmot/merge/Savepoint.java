package io.marmot.merge;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** A named savepoint whose three statements are prepared once (a bulk run takes one each time). */
final class Savepoint implements AutoCloseable {
    private final PreparedStatement begin;
    private final PreparedStatement rollback;
    private final PreparedStatement release;

    /** @param name a constant identifier, never from a message */
    Savepoint(Connection db, String name) throws SQLException {
        this.begin = db.prepareStatement("SAVEPOINT " + name);
        this.rollback = db.prepareStatement("ROLLBACK TO " + name);
        this.release = db.prepareStatement("RELEASE " + name);
    }

    void begin() throws SQLException {
        begin.execute();
    }

    void release() throws SQLException {
        release.execute();
    }

    /** Undoes everything since {@link #begin} and ends the savepoint. */
    void rollBack() throws SQLException {
        rollback.execute();
        release.execute();
    }

    @Override
    public void close() throws SQLException {
        try (PreparedStatement a = begin; PreparedStatement b = rollback; PreparedStatement c = release) {
            // closes all three, keeping the first failure
        }
    }
}
