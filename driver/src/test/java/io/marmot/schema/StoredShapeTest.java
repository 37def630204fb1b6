package io.marmot.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class StoredShapeTest {
    private static final TableInfo KEYED = new TableInfo("Orders \"2024\"", List.of(
            new TableInfo.Column("region", "TEXT", true), new TableInfo.Column("id", "", true),
            new TableInfo.Column("naïve ✓", "NUMERIC(10,2)", false)), List.of("id", "region"), null);
    private static final TableInfo ROWID = new TableInfo("log", List.of(new TableInfo.Column("rowid", "", false),
            new TableInfo.Column("msg", "TEXT", false)), List.of(), "_rowid_");

    @Test
    void shapesSurviveTheirText() {
        assertEquals(KEYED, StoredShape.decode(StoredShape.encode(KEYED)));
        assertEquals(ROWID, StoredShape.decode(StoredShape.encode(ROWID)));
    }

    @Test
    void textOfNoKnownFormatIsNoShape() {
        assertNull(StoredShape.decode(null));
        assertNull(StoredShape.decode(""));
        assertNull(StoredShape.decode("not base64 at all!"));
        assertNull(StoredShape.decode("AgAA")); // another format byte
    }

    @Test
    void aRowTakesTheShapeOfTheFirstChangeAfterIt() {
        TableInfo first = new TableInfo("t", List.of(new TableInfo.Column("id", "", true)), List.of("id"), null);
        List<PastShapes.Past> past = List.of(new PastShapes.Past("t", 10, first), new PastShapes.Past("u", 15, ROWID),
                new PastShapes.Past("T", 20, KEYED));
        assertEquals(first, PastShapes.at(past, "t", 3));
        assertEquals(first, PastShapes.at(past, "t", 10));
        assertEquals(KEYED, PastShapes.at(past, "t", 11), "names compare as SQLite does, without case");
        assertNull(PastShapes.at(past, "t", 21), "after every change: the table's shape as it is");
        assertNull(PastShapes.at(past, "v", 1));
    }
}
