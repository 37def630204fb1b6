package io.marmot.listen;

import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns row changes as they travel into what a {@link ChangeListener} hears (on the listener's thread). */
final class ChangedRows {
    private ChangedRows() {
    }

    /** As an unmodifiable list, built once (the event keeps it as it is); {@code before} may be null. */
    static List<ChangedRow> of(List<RowChange> changes, Map<RowChange, Map<String, Object>> before) {
        return switch (changes.size()) {
            case 1 -> List.of(row(changes.get(0), before));
            case 2 -> List.of(row(changes.get(0), before), row(changes.get(1), before));
            default -> {
                ChangedRow[] rows = new ChangedRow[changes.size()];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = row(changes.get(i), before);
                }
                yield List.of(rows);
            }
        };
    }

    private static ChangedRow row(RowChange c, Map<RowChange, Map<String, Object>> before) {
        return new ChangedRow(c, before == null ? null : before.get(c));
    }

    static Map<String, Object> key(RowChange c) {
        TableShape t = c.table();
        Map<String, Object> key = new LinkedHashMap<>();
        Object[] keyValues = c.key();
        if (t.usesRowid()) {
            key.put("rowid", keyValues[0]);
        } else {
            for (int i = 0; i < t.keyIndexes().length; i++) {
                key.put(t.columns().get(t.keyIndexes()[i]), keyValues[i]);
            }
        }
        return key;
    }

    static Map<String, Object> values(RowChange c) {
        Map<String, Object> values = new LinkedHashMap<>();
        if (!c.isDelete()) {
            for (int i : c.writtenColumns()) {
                values.put(c.table().columns().get(i), c.values()[i]);
            }
        }
        return values;
    }
}
