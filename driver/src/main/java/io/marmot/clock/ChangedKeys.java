package io.marmot.clock;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

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

    /** The keys of one table: integer ranges, hashes of other keys, or all. */
    public record Table(Set<Long> integerRanges, Set<Long> otherKeys, boolean all) {
    }

    private final int shift;
    private Map<String, Set<Long>> integers = new HashMap<>();
    private Map<String, Set<Long>> others = new HashMap<>();
    private Set<String> whole = new HashSet<>();

    /**
     * The collector of one engine's database, integer keys grouped by {@code shift}: the engine hands it, in its
     * {@link VersionWriters}, to every part that writes row versions ({@link RowVersions}), and its verifier drains it.
     */
    public ChangedKeys(int shift) {
        this.shift = shift;
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
