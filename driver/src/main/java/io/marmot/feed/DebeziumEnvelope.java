package io.marmot.feed;

import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One row change as a Debezium-style JSON envelope: {@code before}, {@code after}, {@code source}, {@code op},
 * {@code ts_ms}. Values keep SQLite's storage classes: integers and reals as JSON numbers (a real that is not finite as
 * a string), text as strings, BLOBs base64. The node keeps no old values, so {@code before} holds only the key of an
 * updated or deleted row; {@code after} holds every column of an insert, the key and the changed columns of an update.
 */
final class DebeziumEnvelope {
    private DebeziumEnvelope() {
    }

    /**
     * @param origin the node that wrote the change
     * @param tx the transaction's name on every node: its first change's clock value (with {@code origin})
     * @param committedMillis when the writer published it; {@code nowMillis}: when the feed emits it
     */
    static byte[] of(RowChange c, long origin, long tx, long committedMillis, long nowMillis) {
        StringBuilder b = new StringBuilder(128);
        b.append("{\"before\":");
        if (c.op() == RowChange.INSERT) {
            b.append("null");
        } else {
            key(b, c);
        }
        b.append(",\"after\":");
        if (c.isDelete()) {
            b.append("null");
        } else {
            after(b, c);
        }
        b.append(",\"source\":{\"connector\":\"marmot\",\"node\":").append(origin).append(",\"table\":");
        string(b, c.table().name());
        b.append(",\"version\":").append(c.version()).append(",\"tx\":\"").append(origin).append('-').append(tx)
                .append("\",\"ts_ms\":").append(committedMillis).append("},\"op\":\"")
                .append(c.op() == RowChange.INSERT ? 'c' : c.isUpdate() ? 'u' : 'd').append("\",\"ts_ms\":")
                .append(nowMillis).append('}');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void key(StringBuilder b, RowChange c) {
        TableShape t = c.table();
        Object[] key = c.key();
        b.append('{');
        if (t.usesRowid()) {
            b.append("\"rowid\":");
            value(b, key[0]);
        } else {
            for (int i = 0; i < key.length; i++) {
                field(b, i > 0, t.columns().get(t.keyIndexes()[i]), key[i]);
            }
        }
        b.append('}');
    }

    private static void after(StringBuilder b, RowChange c) {
        TableShape t = c.table();
        b.append('{');
        boolean comma = false;
        if (c.isUpdate()) {
            Object[] key = c.key();
            if (t.usesRowid()) {
                field(b, false, "rowid", key[0]);
                comma = true;
            }
            for (int i = 0; i < t.keyIndexes().length && !t.usesRowid(); i++) {
                field(b, comma, t.columns().get(t.keyIndexes()[i]), key[i]);
                comma = true;
            }
        } else if (t.usesRowid()) {
            field(b, false, "rowid", c.rowid());
            comma = true;
        }
        for (int i : c.writtenColumns()) {
            field(b, comma, t.columns().get(i), c.values()[i]);
            comma = true;
        }
        b.append('}');
    }

    private static void field(StringBuilder b, boolean comma, String name, Object value) {
        if (comma) {
            b.append(',');
        }
        string(b, name);
        b.append(':');
        value(b, value);
    }

    static void value(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Long || v instanceof Integer) {
            b.append(v);
        } else if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                string(b, d.toString());
            } else {
                b.append(d);
            }
        } else if (v instanceof byte[] bytes) {
            string(b, Base64.getEncoder().encodeToString(bytes));
        } else {
            string(b, v.toString());
        }
    }

    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        b.append('"');
    }
}
