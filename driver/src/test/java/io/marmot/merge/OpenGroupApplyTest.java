package io.marmot.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.CaptureOptions;
import io.marmot.capture.ChangeLog;
import io.marmot.config.MarmotConfig;
import io.marmot.sqlite.Sqlite;
import io.marmot.testing.Db;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.Transaction;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local write no group end stamped yet (another process's, an auto-commit statement's) meets a received write of the
 * same row: the applier ends the open group first, so the local write is folded with its version and compared as the
 * newer write it is, and the applier's own writes leave nothing in the log.
 */
class OpenGroupApplyTest {
    private static final TableShape T = new TableShape("t", List.of("id", "v"), new int[] {0});

    @TempDir
    Path dir;

    @Test
    void anUnstampedLocalWriteIsComparedAsTheNewerWrite() throws Exception {
        try (Connection c = Sqlite.open(dir.resolve("open.db"))) {
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            c.setAutoCommit(false);
            CaptureInstaller.reconcile(c, 1, CaptureOptions.everyTable());
            c.commit();
            c.setAutoCommit(true);
            Db.exec(c, "INSERT INTO t VALUES (1, 'local')", "INSERT INTO t VALUES (2, 'local too')");
            assertEquals(0, Db.count(c, "SELECT count(*) FROM __marmot_log WHERE op & 15 = " + ChangeLog.GROUP_END),
                    "an open group: no reader can give these rows a version yet");
            long anHourAgo = (System.currentTimeMillis() - 3_600_000) << 16;
            try (MergeWriter w = new MergeWriter(c, 1, MarmotConfig.defaults(), io.marmot.clock.VersionWriters.alone())) {
                MergeWriter.Result r = w.apply(List.of(new Transaction(2, List.of(
                        new RowChange(anHourAgo, T, RowChange.INSERT, null, new Object[] {1L, "remote, older"}),
                        new RowChange(anHourAgo + 1, T, RowChange.INSERT, null, new Object[] {3L, "remote, new row"})))));
                assertEquals(1, r.stale(), "the older remote write of row 1 loses to the local one");
                assertEquals(1, r.applied());
            }
            assertEquals(List.of(List.of(1, "local"), List.of(2, "local too"), List.of(3, "remote, new row")),
                    Db.list(c, "SELECT * FROM t ORDER BY id"));
            assertEquals(List.of(List.of(1), List.of(2)), Db.list(c, "SELECT c0 FROM __marmot_log WHERE op & 15 < "
                    + ChangeLog.GROUP_END + " ORDER BY seq"), "the applier's own write of row 3 is not in the log");
            assertEquals(1, Db.count(c, "SELECT count(*) FROM __marmot_log WHERE op & 15 = " + ChangeLog.GROUP_END),
                    "the applier ended the open group");
            assertEquals(anHourAgo + 1, Db.longValue(c, "SELECT hlc FROM __marmot_state"), "the floor: the newest applied");
        }
    }
}
