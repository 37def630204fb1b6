package io.marmot.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.clock.RowMerge;
import io.marmot.clock.Stamp;
import io.marmot.replication.ReplicationCounters;
import io.marmot.sqlite.Sqlite;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conflict record: what it keeps, readable with SQLite's own JSON functions, and for how long. */
class ConflictRecordTest {
    @TempDir
    Path dir;

    @Test
    void keepsKeyAndLosingValuesAsJsonCountsByKindAndForgetsAfterTheRetention() throws Exception {
        try (Connection c = Sqlite.open(dir.resolve("c.db"))) {
            ReplicationCounters stats = new ReplicationCounters();
            ConflictRecord record = new ConflictRecord(c, 1, stats);
            Map<String, Object> lost = new LinkedHashMap<>();
            lost.put("name", "a \"quoted\"\nline");
            lost.put("n", 42L);
            lost.put("x", 1.5);
            lost.put("b", new byte[] {1, (byte) 0xff});
            lost.put("none", null);
            record.record("t", new Object[] {"k", 7L}, new RowMerge.Lost(RowMerge.Kind.INSERT_INSERT, lost,
                    new Stamp(10, 2), new Stamp(11, 3)));
            record.close();

            assertEquals("insert-insert|t|k|7|a \"quoted\"\nline|42|1.5|01ff|null|2|3",
                    Db.scalar(c, "SELECT concat_ws('|', kind, tbl, pk ->> 0, pk ->> 1, lost_values ->> 'name',"
                            + " lost_values ->> 'n', lost_values ->> 'x', lost_values -> 'b' ->> 'blob',"
                            + " json_type(lost_values, '$.none'), lost_node, won_node) FROM __marmot_conflicts"));
            assertEquals(1L, stats.read().conflicts().get("insert-insert"));
            assertEquals(0L, stats.read().conflicts().get("update-update"));

            assertEquals(0, ConflictRecord.prune(c, Duration.ofHours(1)), "a fresh conflict stays");
            Db.exec(c, "UPDATE __marmot_conflicts SET at = at - 2 * 3600 * 1000");
            assertEquals(1, ConflictRecord.prune(c, Duration.ofHours(1)), "an old one goes");
        }
    }
}
