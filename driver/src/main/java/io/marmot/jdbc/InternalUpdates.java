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

    /** Counts the rows written into the engine's tables while it is registered. */
    static final class Counter implements SQLiteUpdateListener {
        private long count;

        @Override
        public void onUpdate(Type type, String database, String table, long rowId) {
            if (internal(table)) {
                count++;
            }
        }

        long count() {
            return count;
        }
    }
}
