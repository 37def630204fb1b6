package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A row written under an older shape of its table (before a {@code NOT NULL DEFAULT} column was added) reaches a
 * node that has the column: it takes the column's default, and the newer value another node wrote to that column
 * stands (column-level last writer wins), instead of the row waiting for ever on {@code NOT NULL constraint failed}.
 */
class OlderShapeRowsTest {
    private static final Duration CONVERGE = Duration.ofSeconds(45);

    @Test
    void aRowFromBeforeANotNullDefaultColumnTakesTheDefaultAndKeepsTheNewerValue() throws Exception {
        Cluster.with(0).run(cluster -> {
            Node a = cluster.node("a", 1, "");
            Node b = cluster.node("b", 2, "");
            for (Node n : List.of(a, b)) {
                n.exec("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT)");
            }
            a.exec("INSERT INTO t VALUES ('seen', 'by both')");
            Await.until(CONVERGE, "b has a's first row", () -> b.scalar("SELECT count(*) FROM t") == 1);

            b.close();
            Marmot.close(b.path());
            a.exec("INSERT INTO t VALUES ('k', 'from a')", "INSERT INTO t VALUES ('k2', 'from a')");
            offline(b, "INSERT INTO t VALUES ('k', 'from b, newer')", "INSERT INTO t VALUES ('only-b', 'b')");
            a.exec("ALTER TABLE t ADD COLUMN s INTEGER NOT NULL DEFAULT 0", "UPDATE t SET s = s + 5");
            offline(b, "INSERT INTO t VALUES ('k2', 'from b, newer than the update')"); // b still lacks s

            Node back = cluster.node("b", 2, "");
            Await.until(CONVERGE, "a and b hold the same rows",
                    () -> Db.dump(a.path()).equals(Db.dump(back.path())) && back.scalar("SELECT count(*) FROM t") == 4);
            assertEquals("'from b, newer'|5", Db.text(a.path(), "SELECT quote(v) || '|' || quote(s) FROM t WHERE k = 'k'"),
                    "b's newer insert wins its columns, a's newer update of s stands");
            assertEquals("'b'|0", Db.text(a.path(), "SELECT quote(v) || '|' || quote(s) FROM t WHERE k = 'only-b'"),
                    "a row b wrote before s existed takes s's default");
            assertEquals("'from b, newer than the update'|0", Db.text(a.path(),
                    "SELECT quote(v) || '|' || quote(s) FROM t WHERE k = 'k2'"), "b's insert is newer than every write of"
                    + " k2, a's update of s included: the whole row is b's, s the default it had on b");
            assertEquals(Db.dump(a.path()), Db.dump(back.path()));
            for (Node n : List.of(a, back)) {
                Await.until(CONVERGE, n + " ready", () -> n.engine().health().ready());
            }
        });
    }

    /** Writes on b's file while b is away: captured in its change log, published when it comes back. */
    private static void offline(Node b, String... sql) throws Exception {
        try (Connection c = Db.open(b.path(), "node-id=2")) {
            Db.exec(c, sql);
        }
        Marmot.close(b.path());
    }
}
