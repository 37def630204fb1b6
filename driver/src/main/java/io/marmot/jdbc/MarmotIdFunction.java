package io.marmot.jdbc;

import io.marmot.engine.MarmotEngine;
import java.sql.SQLException;
import org.sqlite.Function;

/**
 * {@code marmot_id()} on every connection of the driver: the next cluster id of this node
 * ({@code io.marmot.clock.ClusterId}), for
 * {@code INSERT ... VALUES (marmot_id(), ...)} and column defaults. Registered without SQLite's deterministic flag, so
 * SQLite calls it once per row (a deterministic function could be evaluated once per statement). Other programs
 * writing the file (the {@code sqlite3} shell) do not have it: their statements fail with "no such function".
 */
final class MarmotIdFunction extends Function {
    static final String NAME = "marmot_id";
    private final MarmotConnection connection;

    private MarmotIdFunction(MarmotConnection connection) {
        this.connection = connection;
    }

    static void register(MarmotConnection connection) throws SQLException {
        Function.create(connection, NAME, new MarmotIdFunction(connection), 0, 0);
    }

    @Override
    protected void xFunc() throws SQLException {
        // The node id is looked up at each call: a read-only connection has it only while the engine runs.
        MarmotEngine engine = connection.engine();
        if (engine == null) {
            error(NAME + "() needs the node id of this database's engine, which is not running in this JVM: open a"
                    + " writable jdbc:marmot:sqlite: connection to it first");
            return;
        }
        try {
            result(engine.nextId());
        } catch (IllegalArgumentException | IllegalStateException e) {
            error(e.getMessage());
        }
    }
}
