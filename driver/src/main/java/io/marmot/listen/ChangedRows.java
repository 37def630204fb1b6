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

    /** As an unmodifiable list, built once (the event keeps it as it is). */
    static List<ChangedRow> of(List<RowChange> changes) {
        return switch (changes.size()) {
            case 1 -> List.of(new ChangedRow(changes.get(0)));
            case 2 -> List.of(new ChangedRow(changes.get(0)), new ChangedRow(changes.get(1)));
            default -> {
                ChangedRow[] rows = new ChangedRow[changes.size()];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = new ChangedRow(changes.get(i));
                }
                yield List.of(rows);
            }
        };
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
