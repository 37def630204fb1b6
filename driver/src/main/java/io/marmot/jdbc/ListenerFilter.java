package io.marmot.jdbc;

import java.util.HashMap;
import java.util.Map;
import org.sqlite.SQLiteUpdateListener;

/**
 * The application's update listeners, each registered as a twin that never hears of the engine's tables (capture
 * writes them inside the application's transactions); removing a listener removes its twin.
 */
final class ListenerFilter {
    private final Map<SQLiteUpdateListener, SQLiteUpdateListener> twins = new HashMap<>();

    synchronized SQLiteUpdateListener add(SQLiteUpdateListener listener) {
        return twins.computeIfAbsent(listener, InternalUpdates::hiddenFrom);
    }

    /** The twin registered for the listener, or null. */
    synchronized SQLiteUpdateListener remove(SQLiteUpdateListener listener) {
        return twins.remove(listener);
    }
}
