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
