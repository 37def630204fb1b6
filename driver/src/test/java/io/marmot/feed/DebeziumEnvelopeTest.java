package io.marmot.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON of one row change, by case: each operation, tables keyed by rowid, every storage class, escapes. */
class DebeziumEnvelopeTest {
    private static final TableShape ITEM = new TableShape("item", List.of("id", "name", "price", "data"), new int[] {0});
    private static final TableShape NOTE = new TableShape("note", List.of("text"), new int[0]);

    private static String json(RowChange c) {
        return new String(DebeziumEnvelope.of(c, 3, 40, 1000, 2000), StandardCharsets.UTF_8);
    }

    private static String tail(String table, long version, String op) {
        return ",\"source\":{\"connector\":\"marmot\",\"node\":3,\"table\":\"" + table + "\",\"version\":" + version
                + ",\"tx\":\"3-40\",\"ts_ms\":1000},\"op\":\"" + op + "\",\"ts_ms\":2000}";
    }

    @Test
    void anInsertHasEveryColumnAfter() {
        RowChange c = new RowChange(41, ITEM, RowChange.INSERT, null, new Object[] {7L, "a \"b\"\n\\", 2.5, new byte[] {0, -1}});
        assertEquals("{\"before\":null,\"after\":{\"id\":7,\"name\":\"a \\\"b\\\"\\n\\\\\",\"price\":2.5,\"data\":\"AP8=\"}"
                + tail("item", 41, "c"), json(c));
    }

    @Test
    void anUpdateHasTheKeyBeforeAndTheKeyWithTheChangedColumnsAfter() {
        RowChange c = new RowChange(42, ITEM, RowChange.UPDATE, null, new Object[] {7L, null, 3.0, null}, new int[] {2});
        assertEquals("{\"before\":{\"id\":7},\"after\":{\"id\":7,\"price\":3.0}" + tail("item", 42, "u"), json(c));
    }

    @Test
    void aDeleteHasTheKeyBeforeAndNothingAfter() {
        RowChange c = new RowChange(43, ITEM, RowChange.DELETE, null, new Object[] {7L});
        assertEquals("{\"before\":{\"id\":7},\"after\":null" + tail("item", 43, "d"), json(c));
    }

    @Test
    void aTableKeyedByRowidNamesTheRowid() {
        RowChange insert = new RowChange(44, NOTE, RowChange.INSERT, 9L, new Object[] {null});
        assertEquals("{\"before\":null,\"after\":{\"rowid\":9,\"text\":null}" + tail("note", 44, "c"), json(insert));
        RowChange delete = new RowChange(45, NOTE, RowChange.DELETE, 9L, new Object[0]);
        assertEquals("{\"before\":{\"rowid\":9},\"after\":null" + tail("note", 45, "d"), json(delete));
    }

    @Test
    void controlCharactersAndNonFiniteRealsStayValidJson() {
        StringBuilder b = new StringBuilder();
        DebeziumEnvelope.value(b, "\u0001\t");
        DebeziumEnvelope.value(b, Double.NaN);
        assertEquals("\"\\u0001\\t\"\"NaN\"", b.toString());
    }
}
