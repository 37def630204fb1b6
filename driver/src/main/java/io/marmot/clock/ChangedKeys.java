package io.marmot.clock;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys whose versions changed in one database, since the verifier last asked: every local change folded and
 * every change applied (received, merged, repaired) writes a row's version through {@link RowVersions}, which
 * reports it here, so verification hashes again only the key ranges that changed. A write that bypasses capture
 * changes no version and is not seen here: verification's slow sweep over every range finds it.
 *
 * <p>Keys are kept as what ranges need: an integer key as its range ({@code key >> shift}), any other key as a
 * hash. Past {@value #MAX_KEYS} keys of one table, the table is marked changed as a whole.
 */
public final class ChangedKeys {
    public static final int MAX_KEYS = 100_000;
    private static final Map<String, ChangedKeys> BY_DATABASE = new ConcurrentHashMap<>();

    /** The keys of one table: integer ranges, hashes of other keys, or all. */
    public record Table(Set<Long> integerRanges, Set<Long> otherKeys, boolean all) {
    }

    private final int shift;
    private Map<String, Set<Long>> integers = new HashMap<>();
    private Map<String, Set<Long>> others = new HashMap<>();
    private Set<String> whole = new HashSet<>();

    private ChangedKeys(int shift) {
        this.shift = shift;
    }

    /** Starts collecting the changed keys of a database (until {@link #stop}); integer keys grouped by {@code shift}. */
    public static ChangedKeys start(Path database, int shift) {
        ChangedKeys k = new ChangedKeys(shift);
        BY_DATABASE.put(key(database.toString()), k);
        return k;
    }

    public static void stop(Path database, ChangedKeys keys) {
        BY_DATABASE.remove(key(database.toString()), keys);
    }

    /** The collector of the database a connection is open on; null when nobody collects. */
    public static ChangedKeys of(Connection c) {
        if (BY_DATABASE.isEmpty()) {
            return null;
        }
        try {
            String url = c.getMetaData().getURL();
            return url == null ? null : BY_DATABASE.get(key(url.startsWith("jdbc:sqlite:") ? url.substring(12) : url));
        } catch (SQLException e) {
            return null;
        }
    }

    private static String key(String path) {
        int query = path.indexOf('?');
        return Path.of(query >= 0 ? path.substring(0, query) : path).toAbsolutePath().normalize().toString();
    }

    /** A row's version changed (maybe in a transaction not yet committed: the verifier hashes it twice). */
    public synchronized void changed(String table, byte[] key) {
        if (whole.contains(table)) {
            return;
        }
        Set<Long> into;
        long v;
        if (key.length == 9 && key[0] == 1) { // one integer (RowKey: tag 1, 8 bytes, sign flipped)
            long n = 0;
            for (int i = 1; i < 9; i++) {
                n = (n << 8) | (key[i] & 0xff);
            }
            v = (n ^ Long.MIN_VALUE) >> shift;
            into = integers.computeIfAbsent(table, t -> new HashSet<>());
        } else {
            v = java.util.Arrays.hashCode(key);
            into = others.computeIfAbsent(table, t -> new HashSet<>());
        }
        into.add(v);
        if (into.size() > MAX_KEYS) {
            markWhole(table);
        }
    }

    /** A table changed in a way keys do not describe. */
    public synchronized void markWhole(String table) {
        whole.add(table);
        integers.remove(table);
        others.remove(table);
    }

    /** What changed since the last call, by table; resets. */
    public synchronized Map<String, Table> drain() {
        Map<String, Table> out = new HashMap<>();
        Set<String> names = new HashSet<>(integers.keySet());
        names.addAll(others.keySet());
        names.addAll(whole);
        for (String t : names) {
            out.put(t, new Table(integers.getOrDefault(t, Set.of()), others.getOrDefault(t, Set.of()), whole.contains(t)));
        }
        integers = new HashMap<>();
        others = new HashMap<>();
        whole = new HashSet<>();
        return out;
    }
}
