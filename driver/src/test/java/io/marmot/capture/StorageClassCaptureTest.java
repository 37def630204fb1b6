package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.fixture.OneDatabase;
import io.marmot.testing.Db;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every SQLite storage class goes through the change log unchanged: column {@code c<i>} of {@code __marmot_log}
 * holds the i-th column of the table with the same storage class ({@code typeof}) and the same value.
 */
class StorageClassCaptureTest {
    Path db;
    Connection c;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("storage.db")
            // v has no declared type: SQLite stores whatever it is given, in its own storage class.
            .schema("CREATE TABLE v (id INTEGER PRIMARY KEY, v)")
            .into((path, connection) -> {
                db = path;
                c = connection;
            });

    private int nextId = 1;

    /** Inserts one value, returns the row id. */
    private int insert(Object value, int sqlType) throws SQLException {
        int id = nextId++;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO v (id, v) VALUES (?, ?)")) {
            ps.setInt(1, id);
            if (value == null) {
                ps.setNull(2, sqlType);
            } else {
                ps.setObject(2, value);
            }
            ps.executeUpdate();
        }
        return id;
    }

    private String loggedType(int id) throws SQLException {
        return (String) Db.scalar(c, "SELECT typeof(c1) FROM __marmot_log WHERE tbl = 'v' AND op & 15 = 1 AND c0 = ?", id);
    }

    /** The change-log row of the insert of row {@code id}, positioned on c1. */
    private <T> T logged(int id, ResultSetReader<T> read) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT c1 FROM __marmot_log WHERE tbl = 'v' AND op & 15 = 1 AND c0 = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "no log row for id " + id);
                return read.read(rs);
            }
        }
    }

    @FunctionalInterface
    interface ResultSetReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** The log holds exactly the bytes and storage class the table holds. */
    private void assertSameAsTable(int id) throws SQLException {
        List<Object> row = Db.list(c, "SELECT typeof(t.v), typeof(l.c1), quote(t.v) = quote(l.c1), t.v IS l.c1"
                + " FROM v t JOIN __marmot_log l ON l.tbl = 'v' AND l.op & 15 = 1 AND l.c0 = t.id WHERE t.id = ?", id).get(0);
        assertEquals(row.get(0), row.get(1), "storage class in the log differs from the table's");
        assertEquals(1, ((Number) row.get(2)).intValue(), "value in the log differs from the table's");
        assertEquals(1, ((Number) row.get(3)).intValue(), "value in the log differs from the table's");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, -1, 42, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1,
        (1L << 53) + 1, Integer.MAX_VALUE + 1L, Integer.MIN_VALUE - 1L})
    void integers(long value) throws Exception {
        int id = insert(value, Types.BIGINT);
        assertEquals("integer", loggedType(id));
        assertEquals(value, (long) logged(id, rs -> rs.getLong(1)));
        assertSameAsTable(id);
    }

    static Stream<Double> doubles() {
        return Stream.of(0.0, -0.0, 1.5, -2.25, Math.PI, 0.1, 1.0, -1.0, 1e15, 1e16, 12345678901234567890.0,
                Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE, 1e-300,
                1e300, Math.nextUp(1.0), 9.007199254740993e15, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
    }

    @ParameterizedTest
    @MethodSource("doubles")
    void reals(double value) throws Exception {
        int id = insert(value, Types.DOUBLE);
        assertEquals("real", loggedType(id));
        double logged = logged(id, rs -> rs.getDouble(1));
        assertEquals(Double.doubleToRawLongBits(value), Double.doubleToRawLongBits(logged),
                () -> "expected " + value + " bit for bit, got " + logged);
        assertSameAsTable(id);
    }

    @Test
    void negativeZeroKeepsItsSign() throws Exception {
        int id = insert(-0.0, Types.DOUBLE);
        // SQLite prints -0.0 as "0.0" (CAST, quote, printf), so the sign is checked on the bits.
        assertEquals(Double.doubleToRawLongBits(-0.0),
                Double.doubleToRawLongBits(logged(id, rs -> rs.getDouble(1))));
    }

    @Test
    void realColumnsLogWhatTheTableKeeps() throws Exception {
        Db.exec(c, "CREATE TABLE r (id INTEGER PRIMARY KEY, x REAL, y DOUBLE, z FLOAT)");
        double[] values = {-0.0, 0.0, 3.0, 2.5, -1e300, Double.MIN_VALUE, Double.MAX_VALUE};
        for (int i = 0; i < values.length; i++) {
            Db.update(c, "INSERT INTO r VALUES (?, ?, ?, ?)", i, values[i], values[i], values[i]);
        }
        for (int col = 1; col <= 3; col++) {
            String name = "xyz".substring(col - 1, col);
            long mismatches = Db.count(c, "SELECT count(*) FROM r t JOIN __marmot_log l ON l.tbl = 'r' AND l.c0 = t.id"
                    + " WHERE typeof(l.c" + col + ") IS NOT typeof(t." + name + ")"
                    + " OR CAST(l.c" + col + " AS TEXT) IS NOT CAST(t." + name + " AS TEXT)");
            assertEquals(0, mismatches, "column " + name);
            assertEquals(values.length, Db.count(c, "SELECT count(*) FROM __marmot_log WHERE tbl = 'r' AND typeof(c"
                    + col + ") = 'real'"), "column " + name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "plain ascii",
        "😀👍🏽🧑‍🚀 emoji with modifiers and ZWJ",
        "漢字 かな カナ 한국어 中文",
        "עברית שלום and العربية مرحبا (right to left)",
        "e\u0301 combining, \u00e9 precomposed",
        "nul\u0000inside",
        "\u0000",
        "ends with nul\u0000",
        "tab\tnewline\ncarriage\rquote' double\" backslash\\",
        "\uFEFFbyte order mark",
        "\uD834\uDD1E musical symbol (supplementary plane)",
    })
    void text(String value) throws Exception {
        int id = insert(value, Types.VARCHAR);
        assertEquals("text", loggedType(id));
        assertEquals(value, logged(id, rs -> rs.getString(1)));
        assertEquals(bytesHex(value.getBytes(StandardCharsets.UTF_8)),
                Db.scalar(c, "SELECT hex(c1) FROM __marmot_log WHERE tbl = 'v' AND c0 = ?", id),
                "the UTF-8 bytes, embedded NULs included");
        assertSameAsTable(id);
    }

    @Test
    void longText() throws Exception {
        String value = "ü€😀".repeat(300_000);
        int id = insert(value, Types.VARCHAR);
        assertEquals("text", loggedType(id));
        assertEquals(value, logged(id, rs -> rs.getString(1)));
    }

    @Test
    void emptyBlob() throws Exception {
        Db.exec(c, "INSERT INTO v (id, v) VALUES (1000, X'')");
        assertEquals("blob", Db.scalar(c, "SELECT typeof(c1) FROM __marmot_log WHERE tbl = 'v' AND c0 = 1000"));
        assertEquals(0L, Db.longValue(c, "SELECT length(c1) FROM __marmot_log WHERE tbl = 'v' AND c0 = 1000"));
        int id = insert(new byte[0], Types.BLOB);
        assertSameAsTable(id);
    }

    @Test
    void smallBlob() throws Exception {
        byte[] value = {0, 1, 2, (byte) 0x7f, (byte) 0x80, (byte) 0xff, 0, 0};
        int id = insert(value, Types.BLOB);
        assertEquals("blob", loggedType(id));
        assertArrayEquals(value, logged(id, rs -> rs.getBytes(1)));
        assertSameAsTable(id);
    }

    @Test
    void blobThatIsInvalidUtf8StaysBytes() throws Exception {
        byte[] value = {(byte) 0xc3, (byte) 0x28, (byte) 0xed, (byte) 0xa0, (byte) 0x80};
        int id = insert(value, Types.BLOB);
        assertEquals("blob", loggedType(id));
        assertArrayEquals(value, logged(id, rs -> rs.getBytes(1)));
    }

    @Test
    void fourMebibyteBlob() throws Exception {
        byte[] value = new byte[4 * 1024 * 1024 + 3];
        new Random(42).nextBytes(value);
        int id = insert(value, Types.BLOB);
        assertEquals("blob", loggedType(id));
        assertArrayEquals(value, logged(id, rs -> rs.getBytes(1)));
        assertSameAsTable(id);
    }

    @Test
    void nullValue() throws Exception {
        int id = insert(null, Types.NULL);
        assertEquals("null", loggedType(id));
        assertNull(logged(id, rs -> rs.getObject(1)));
    }

    @Test
    void updatesAndDeletesKeepStorageClassesToo() throws Exception {
        Db.update(c, "INSERT INTO v (id, v) VALUES (1, ?)", 1);
        Db.update(c, "UPDATE v SET v = ? WHERE id = 1", new byte[] {9, 8});
        Db.update(c, "UPDATE v SET v = ? WHERE id = 1", -0.0);
        Db.update(c, "UPDATE v SET v = ? WHERE id = 1", "t\u0000x");
        Db.update(c, "UPDATE v SET v = NULL WHERE id = 1");
        assertEquals(List.of(List.of(1, "integer"), List.of(2, "blob"), List.of(2, "real"), List.of(2, "text"),
                List.of(2, "null")), Db.list(c, "SELECT op & 15, typeof(c1) FROM __marmot_log WHERE tbl = 'v' ORDER BY seq"));
        double zero = ((Number) Db.scalar(c, "SELECT c1 FROM __marmot_log WHERE tbl = 'v' AND typeof(c1) = 'real'")).doubleValue();
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(zero));
    }

    /** A value whose storage class is not the column's declared type keeps its own storage class. */
    @Test
    void storageClassOtherThanTheDeclaredType() throws Exception {
        Db.exec(c, "CREATE TABLE m (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC)");
        Db.update(c, "INSERT INTO m VALUES (1, ?, ?, ?, ?, ?)", "abc", "xyz", new byte[] {1, 2}, 42, "not a number");
        Db.update(c, "INSERT INTO m VALUES (2, ?, ?, ?, ?, ?)", new byte[] {7}, new byte[] {8}, 3.5, 1.5, new byte[] {9});
        Db.update(c, "INSERT INTO m VALUES (3, ?, ?, ?, ?, ?)", "123", "4.5", 17, "text in blob", "12");
        Db.update(c, "INSERT INTO m VALUES (4, ?, ?, ?, ?, ?)", 2.5, 4, null, -0.0, "1.0");
        List<List<Object>> logged = Db.list(c, "SELECT typeof(c1), typeof(c2), typeof(c3), typeof(c4), typeof(c5)"
                + " FROM __marmot_log WHERE tbl = 'm' ORDER BY c0");
        List<List<Object>> table = Db.list(c, "SELECT typeof(i), typeof(r), typeof(t), typeof(b), typeof(n) FROM m ORDER BY id");
        assertEquals(table, logged);
        assertEquals(List.of("text", "text", "blob", "integer", "text"), logged.get(0));
        assertEquals(List.of("blob", "blob", "text", "real", "blob"), logged.get(1));
        assertEquals(List.of("integer", "real", "text", "text", "integer"), logged.get(2), "column affinity applies first");
        assertEquals(0, Db.count(c, "SELECT count(*) FROM m t JOIN __marmot_log l ON l.tbl = 'm' AND l.c0 = t.id"
                + " WHERE quote(l.c1) IS NOT quote(t.i) OR quote(l.c2) IS NOT quote(t.r) OR quote(l.c3) IS NOT quote(t.t)"
                + " OR quote(l.c4) IS NOT quote(t.b) OR quote(l.c5) IS NOT quote(t.n)"));
        assertEquals("abc", Db.scalar(c, "SELECT c1 FROM __marmot_log WHERE tbl = 'm' AND c0 = 1"));
        assertEquals(42, ((Number) Db.scalar(c, "SELECT c4 FROM __marmot_log WHERE tbl = 'm' AND c0 = 1")).intValue());
    }

    @Test
    void columnsLandInDeclarationOrderBeyondTheInitialWidth() throws Exception {
        StringBuilder create = new StringBuilder("CREATE TABLE wide (k TEXT PRIMARY KEY");
        StringBuilder insert = new StringBuilder("INSERT INTO wide VALUES ('key'");
        int columns = 40;
        for (int i = 1; i < columns; i++) {
            create.append(", col").append(i).append(i % 2 == 0 ? " INTEGER" : "");
            insert.append(", ").append(i % 2 == 0 ? Integer.toString(i * 100) : "'v" + i + "'");
        }
        Db.exec(c, create.append(")").toString(), insert.append(")").toString());
        Map<String, Object> row = Db.log(c, "wide").get(0);
        assertEquals("key", row.get("c0"));
        for (int i = 1; i < columns; i++) {
            Object expected = i % 2 == 0 ? (Object) (i * 100) : "v" + i;
            assertEquals(expected, row.get("c" + i), "c" + i);
        }
    }

    private static String bytesHex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format("%02X", b));
        }
        return sb.toString();
    }
}
