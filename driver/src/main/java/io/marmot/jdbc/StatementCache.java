package io.marmot.jdbc;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.core.DB;
import org.sqlite.core.SafeStmtPtr;

/**
 * Compiled SQLite statements the application closed, kept per connection for its next {@code prepareStatement}
 * of the same SQL text, least recently used first out. Compiling is what costs: SQLite compiles the capture
 * triggers into every statement that fires them (10-12 µs per INSERT against 2-3.5 µs without), and a pool's
 * application prepares its statements anew for every transaction.
 *
 * <p>Only statements without result columns are kept: SQLite recompiles a kept statement by itself when the schema
 * changed (sqlite3_prepare_v2), but sqlite-jdbc reads the column names once, when it prepares. A kept statement is
 * reset and its bindings cleared; the connection's database still lists it, so closing the connection finalizes it
 * even if this cache were not cleared.
 */
final class StatementCache {
    /** A kept statement and its parameter count (sqlite-jdbc reads the count only when it prepares). */
    record Compiled(SafeStmtPtr pointer, int parameters) {
    }

    /** For statements prepared while sqlite-jdbc's constructor still runs, before the connection has its cache. */
    static final StatementCache OFF = new StatementCache(0);

    private final int capacity;
    private final Map<String, Compiled> kept = new LinkedHashMap<>(16, 0.75f, true);
    private long hits;
    /** What a statement handed its compiled statement to this cache points at: closed, so it acts closed. */
    private SafeStmtPtr closedPointer;

    StatementCache(int capacity) {
        this.capacity = capacity;
    }

    boolean enabled() {
        return capacity > 0;
    }

    /** The kept statement of this SQL, now the caller's; null if none. */
    synchronized Compiled take(String sql) {
        Compiled c = capacity == 0 ? null : kept.remove(sql);
        if (c != null) {
            hits++;
        }
        return c;
    }

    /** Keeps a reset statement; one of the same SQL already kept, or the least recently used beyond the bound, is finalized. */
    void keep(String sql, Compiled statement) throws SQLException {
        List<Compiled> out = new ArrayList<>(1);
        synchronized (this) {
            Compiled before = kept.put(sql, statement);
            if (before != null) {
                out.add(before);
            }
            Iterator<Compiled> eldest = kept.values().iterator();
            while (kept.size() > capacity && eldest.hasNext()) {
                out.add(eldest.next());
                eldest.remove();
            }
        }
        finalizeAll(out);
    }

    /** Finalizes every kept statement (schema changed through the driver, connection closing). */
    void clear() throws SQLException {
        List<Compiled> out;
        synchronized (this) {
            out = new ArrayList<>(kept.values());
            kept.clear();
        }
        finalizeAll(out);
    }

    synchronized SafeStmtPtr closedPointer(DB db) throws SQLException {
        if (closedPointer == null) {
            SafeStmtPtr p = new SafeStmtPtr(db, 0);
            try {
                p.close(); // sqlite-jdbc refuses to finalize no statement, and marks the pointer closed all the same
            } catch (SQLException expected) {
                // nothing was finalized
            }
            if (!p.isClosed()) {
                throw new IllegalStateException("sqlite-jdbc left a pointer open after close: a kept statement"
                        + " would stay reachable from the application's closed statement");
            }
            closedPointer = p;
        }
        return closedPointer;
    }

    synchronized int size() {
        return kept.size();
    }

    /** How many prepares the cache answered without compiling. */
    synchronized long hits() {
        return hits;
    }

    private static void finalizeAll(List<Compiled> statements) throws SQLException {
        SQLException first = null;
        for (Compiled c : statements) {
            try {
                c.pointer().close();
            } catch (SQLException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
