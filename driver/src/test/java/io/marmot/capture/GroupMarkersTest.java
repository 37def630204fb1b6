package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Change groups end with a marker that stamps their rows (the triggers take no clock reading): writes no driver
 * transaction closed are stamped and sent once the engine ends their group, the floor keeps local writes newer than
 * what was applied, and a log made before markers is read by its own rule after an upgrade.
 */
class GroupMarkersTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String VERSIONS = "SELECT hex(pk), hlc, node, hex(cols) FROM __marmot_versions WHERE tbl = 't'"
            + " ORDER BY pk";

    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();

    @Test
    void aShellTransactionIsAnOpenGroupTheEngineEndsStampsAndSends() throws Exception {
        Sqlite3.assumeInstalled();
        Connection one = nodes.connect(1);
        Connection two = nodes.connect(2);
        Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        Await.until(DEADLINE, "the table reaches node 2", () -> Db.count(two,
                "SELECT count(*) FROM sqlite_master WHERE name = 't'") == 1);
        long before = System.currentTimeMillis();
        Sqlite3.exec(nodes.database(1), "BEGIN; INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'b'); COMMIT;");
        Await.until(DEADLINE, "the shell's rows reach node 2", () -> Db.count(two, "SELECT count(*) FROM t") == 2);
        assertEquals(Db.list(one, "SELECT * FROM t ORDER BY id"), Db.list(two, "SELECT * FROM t ORDER BY id"));
        Await.until(DEADLINE, "node 1 folded them", () -> Db.count(one, "SELECT count(*) FROM __marmot_versions"
                + " WHERE tbl = 't'") == 2);
        assertEquals(Db.list(one, VERSIONS), Db.list(two, VERSIONS), "the same versions on both nodes");
        for (List<Object> v : Db.list(two, "SELECT hlc FROM __marmot_versions WHERE tbl = 't'")) {
            assertTrue(((Number) v.get(0)).longValue() >> 16 >= before, "stamped when the engine ended the group: " + v);
        }
    }

    /**
     * The fold records local inserts and deletes many rows to a statement: a key inserted, deleted and inserted again,
     * or updated between, within one fold must end at its last state, the same as the peer's merge of them.
     */
    @Test
    void aFoldOfManyWritesToTheSameKeysEndsAtTheirLastStates() throws Exception {
        Connection one = nodes.connect(1);
        Connection two = nodes.connect(2);
        Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        Await.until(DEADLINE, "the table reaches node 2", () -> Db.count(two,
                "SELECT count(*) FROM sqlite_master WHERE name = 't'") == 1);
        one.setAutoCommit(false);
        for (int round = 0; round < 3; round++) {
            for (int id = 0; id < 300; id++) {
                Db.exec(one, "INSERT OR REPLACE INTO t VALUES (" + id + ", 'r" + round + "')");
            }
            Db.exec(one, "UPDATE t SET v = 'u' WHERE id % 7 = 0");
            Db.exec(one, "DELETE FROM t WHERE id % 3 = " + round);
            one.commit();
        }
        one.setAutoCommit(true);
        String rows = "SELECT * FROM t ORDER BY id";
        Await.until(DEADLINE, "node 2 holds node 1's rows", () -> Db.list(one, rows).equals(Db.list(two, rows)));
        Await.until(DEADLINE, "node 1 folded them", () -> Db.count(one, "SELECT count(*) FROM __marmot_state"
                + " WHERE folded_seq >= (SELECT coalesce(max(seq), 0) FROM __marmot_log WHERE (op & " + ChangeLog.OP_KIND + ") < "
                + ChangeLog.GROUP_END + ")") == 1);
        assertEquals(300, Db.count(one, "SELECT count(*) FROM __marmot_versions WHERE tbl = 't'"));
        assertEquals(Db.list(two, VERSIONS), Db.list(one, VERSIONS), "the same versions on both nodes");
    }

    @Test
    void aLocalWriteAfterApplyingANewerRemoteVersionIsNewerStill() throws Exception {
        Connection one = nodes.connect(1);
        Connection two = nodes.connect(2);
        Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        Await.until(DEADLINE, "the table reaches node 2", () -> Db.count(two,
                "SELECT count(*) FROM sqlite_master WHERE name = 't'") == 1);
        // node 2's clock runs an hour ahead: its versions would beat node 1's writes for an hour but for the floor
        Db.exec(two, "UPDATE __marmot_state SET skew = -3600000");
        two.setAutoCommit(false);
        Db.exec(two, "INSERT INTO t VALUES (1, 'remote')");
        two.commit();
        two.setAutoCommit(true);
        Await.until(DEADLINE, "node 2's row reaches node 1", () -> Db.count(one, "SELECT count(*) FROM t") == 1);
        long remote = Db.longValue(one, "SELECT hlc FROM __marmot_versions WHERE tbl = 't'");
        assertTrue(remote >> 16 > System.currentTimeMillis() + 1_800_000, "an hour ahead: " + remote);
        assertTrue(Db.longValue(one, "SELECT hlc FROM __marmot_state") >= remote, "the floor rose past it");
        Db.exec(one, "UPDATE t SET v = 'local, later' WHERE id = 1");
        Await.until(DEADLINE, "node 1's later write wins on node 2", () -> "local, later".equals(
                Db.scalar(two, "SELECT v FROM t WHERE id = 1")));
        assertEquals("local, later", Db.scalar(one, "SELECT v FROM t WHERE id = 1"));
        Await.until(DEADLINE, "both nodes hold the same versions", () -> Db.list(one, VERSIONS).equals(Db.list(two, VERSIONS)));
    }

    @Test
    void unpublishedRowsOfALogMadeBeforeMarkersReachThePeerWithTheirVersions() throws Exception {
        long h = System.currentTimeMillis() << 16;
        try (Connection old = Db.plain(nodes.database(1))) {
            Db.exec(old, "PRAGMA journal_mode = WAL",
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                    "INSERT INTO t VALUES (1, 'a2'), (2, 'b')",
                    // the engine's tables as the code before markers made them: readings and groups NOT NULL
                    "CREATE TABLE __marmot_state (id INTEGER PRIMARY KEY CHECK (id = 1), node_id INTEGER NOT NULL,"
                            + " hlc INTEGER NOT NULL DEFAULT 0, tx INTEGER NOT NULL DEFAULT 1, applying INTEGER NOT NULL"
                            + " DEFAULT 0, published_seq INTEGER NOT NULL DEFAULT 0, published_version INTEGER NOT NULL"
                            + " DEFAULT 0, folded_seq INTEGER NOT NULL DEFAULT 0, folded_version INTEGER NOT NULL DEFAULT"
                            + " 0, skew INTEGER NOT NULL DEFAULT 0)",
                    "INSERT INTO __marmot_state (id, node_id, tx) VALUES (1, 1, 3)",
                    "CREATE TABLE __marmot_log (seq INTEGER PRIMARY KEY, hlc INTEGER NOT NULL, tx INTEGER NOT NULL,"
                            + " tbl TEXT NOT NULL, op INTEGER NOT NULL, cols INTEGER NOT NULL, rid, mask INTEGER, c0, c1,"
                            + " c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15)",
                    "CREATE TRIGGER \"__marmot_insert_t\" AFTER INSERT ON \"t\" BEGIN\n  INSERT INTO __marmot_log (hlc, tx,"
                            + " tbl, op, cols, rid, c0, c1) SELECT max(s.hlc + 1, (CAST((julianday('now') - 2440587.5)"
                            + " * 86400000.0 AS INTEGER) - s.skew) << 16), s.tx, 't', 1, 2, NULL, NEW.\"id\", NEW.\"v\""
                            + " FROM __marmot_state s WHERE s.applying = 0;\nEND",
                    // two closed groups and the open one, the last reading behind the one before (the clock stepped back)
                    "INSERT INTO __marmot_log (seq, hlc, tx, tbl, op, cols, c0, c1) VALUES (1, " + h + ", 1, 't', 1, 2,"
                            + " 1, 'a')",
                    "INSERT INTO __marmot_log (seq, hlc, tx, tbl, op, cols, c0, c1) VALUES (2, " + (h + 5) + ", 2, 't', 1,"
                            + " 2, 2, 'b')",
                    "INSERT INTO __marmot_log (seq, hlc, tx, tbl, op, cols, mask, c0, c1) VALUES (3, " + (h + 3) + ", 3,"
                            + " 't', 2, 2, 2, 1, 'a2')");
        }
        try (Connection fresh = Db.plain(nodes.database(2))) {
            Db.exec(fresh, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        }
        Connection one = nodes.connect(1);
        Connection two = nodes.connect(2);
        assertEquals(0, Db.count(one, "SELECT \"notnull\" FROM pragma_table_info('__marmot_log') WHERE name = 'hlc'"),
                "the log is in the new layout");
        Await.until(DEADLINE, "the old rows reach node 2", () -> Db.list(two, "SELECT * FROM t ORDER BY id").equals(
                List.of(List.of(1, "a2"), List.of(2, "b"))));
        assertEquals(h + 5, Db.longValue(two, "SELECT hlc FROM __marmot_versions WHERE tbl = 't' AND node = 1"
                + " AND hlc < " + (h + 6) + " AND hlc > " + h), "the second row's version is its own reading");
        Await.until(DEADLINE, "both nodes hold the same versions", () -> Db.list(one, VERSIONS).equals(Db.list(two, VERSIONS)));
        // by the old rule the update's version is max(h + 3, h + 5 + 1): it wins over the insert's h
        assertEquals(1, Db.count(two, "SELECT count(*) FROM __marmot_versions WHERE tbl = 't' AND (hlc = " + (h + 6)
                + " OR cols IS NOT NULL)"));
        one.setAutoCommit(false);
        Db.exec(one, "INSERT INTO t VALUES (3, 'c')", "UPDATE t SET v = 'b2' WHERE id = 2");
        one.commit();
        one.setAutoCommit(true);
        Await.until(DEADLINE, "a transaction of the new code follows them", () -> Db.list(one, "SELECT * FROM t ORDER BY id")
                .equals(Db.list(two, "SELECT * FROM t ORDER BY id")) && Db.count(two, "SELECT count(*) FROM t") == 3);
        Await.until(DEADLINE, "both nodes hold the same versions", () -> Db.list(one, VERSIONS).equals(Db.list(two, VERSIONS)));
        assertEquals(1, Db.count(two, "SELECT count(*) FROM __marmot_versions WHERE tbl = 't' AND hlc > " + (h + 6)),
                "the new row's version is newer than every old row's");
    }
}
