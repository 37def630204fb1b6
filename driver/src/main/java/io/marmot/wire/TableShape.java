package io.marmot.wire;

import java.util.Arrays;
import java.util.List;

/**
 * A table as a message describes it: its name, its columns in order, and which columns form the key
 * (none: the table is keyed by rowid). Receivers check every name against their own schema.
 */
public record TableShape(String name, List<String> columns, int[] keyIndexes) {
    public TableShape {
        columns = List.copyOf(columns);
        keyIndexes = keyIndexes.clone();
    }

    /** Whether column {@code index} belongs to the declared key. */
    public boolean isKey(int index) {
        for (int k : keyIndexes) {
            if (k == index) {
                return true;
            }
        }
        return false;
    }

    public boolean usesRowid() {
        return keyIndexes.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableShape t && t.name.equals(name) && t.columns.equals(columns)
                && Arrays.equals(t.keyIndexes, keyIndexes);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + columns.hashCode() * 17 + Arrays.hashCode(keyIndexes);
    }

    @Override
    public String toString() {
        return name + columns + " key " + Arrays.toString(keyIndexes);
    }
}
