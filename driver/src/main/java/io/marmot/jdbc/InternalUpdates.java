package io.marmot.jdbc;

import io.marmot.schema.Identifiers;
import org.sqlite.SQLiteUpdateListener;

/** Update-hook events of the engine's own tables: hidden from the application, counted for update counts. */
final class InternalUpdates {
    private InternalUpdates() {
    }

    static boolean internal(String table) {
        return Identifiers.isInternal(table);
    }

    /**
     * sqlite-jdbc counts {@code Statement.executeUpdate} as the growth of {@code total_changes()}, which includes
     * the rows capture triggers write into the change log: those are taken off again, so the count is what plain
     * sqlite-jdbc reports (the application's own triggers included). {@code add} and {@code remove} register a
     * listener on the connection unfiltered.
     */
    static long withoutCaptureRows(SqlCall<Long> call, java.util.function.Consumer<SQLiteUpdateListener> add,
            java.util.function.Consumer<SQLiteUpdateListener> remove) throws java.sql.SQLException {
        CaptureRows capture = new CaptureRows();
        add.accept(capture);
        try {
            long reported = call.run();
            return Math.max(0, reported - capture.count());
        } finally {
            remove.accept(capture);
        }
    }

    /** The application's listener, deaf to the engine's tables. */
    static SQLiteUpdateListener hiddenFrom(SQLiteUpdateListener listener) {
        return (type, database, table, rowId) -> {
            if (!internal(table)) {
                listener.onUpdate(type, database, table, rowId);
            }
        };
    }

    /**
     * Counts the rows written into the engine's tables by the statement its thread runs, while it is registered.
     * (SQLite calls the hook on the thread that steps the statement; another thread's statement on the same
     * connection is not counted.) Registered only around the statements whose counts need it: an update hook
     * costs a call into Java for every row written.
     */
    static final class CaptureRows implements SQLiteUpdateListener {
        private final Thread owner = Thread.currentThread();
        private long count;

        @Override
        public void onUpdate(Type type, String database, String table, long rowId) {
            if (internal(table) && Thread.currentThread() == owner) {
                count++;
            }
        }

        long count() {
            return count;
        }
    }
}
