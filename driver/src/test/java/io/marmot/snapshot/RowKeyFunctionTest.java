package io.marmot.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.marmot.clock.RowKey;
import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key bytes SQLite computes for a merge are exactly {@link RowKey}'s, for integers and for the other types. */
class RowKeyFunctionTest {
    @TempDir
    Path dir;

    @Test
    void keyBytesComputedInSqlAreRowKeys() throws Exception {
        List<Object> values = List.of(0L, 1L, -1L, 42L, -42L, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, "text", 2.5,
                new byte[] {1, 2});
        try (Connection c = Sqlite.open(dir.resolve("k.db"))) {
            RowKeyFunction.register(c);
            try (PreparedStatement ps = c.prepareStatement("SELECT " + RowKeyFunction.sql(List.of("?1")) + ", "
                    + RowKeyFunction.sql(List.of("?1", "?1")))) {
                for (Object v : values) {
                    ps.setObject(1, v);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertArrayEquals(RowKey.of(new Object[] {v}), rs.getBytes(1), String.valueOf(v));
                        assertArrayEquals(RowKey.of(new Object[] {v, v}), rs.getBytes(2), String.valueOf(v));
                    }
                }
            }
        }
    }
}
