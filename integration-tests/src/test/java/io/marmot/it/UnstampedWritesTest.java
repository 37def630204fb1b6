package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.capture.ChangeLog;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Writes no driver transaction closed (auto-commit statements, the sqlite3 shell) take their version when the engine
 * closes their group. That must happen close to when they were written: a peer's write to the same row made later
 * must win over them, even when the node was killed, or ran with capture only, in between.
 */
class UnstampedWritesTest {
    private static final Duration CONVERGE = Duration.ofSeconds(45);

    @Test
    void writesNoEngineStampedLoseToAPeersLaterWrites() throws Exception {
        Sqlite3.assumeInstalled();
        Cluster.with(0).run(cluster -> {
            Node b = cluster.node("b", 2, "");
            b.exec(Workload.SCHEMA.toArray(String[]::new));
            Path aDb = cluster.db("a");
            NodeProcess a = cluster.process("a", 1, Db.CAPTURE_ONLY); // killed before or after it stamped its write
            a.send("sql INSERT INTO kv (k, v, n) VALUES (1, 'a, before its kill', 0)");
            a.expect(l -> l.equals("ok"), 10);
            a.send("sql INSERT INTO kv (k, v, n) VALUES (3, 'a only', 0)");
            a.expect(l -> l.equals("ok"), 10);
            a.kill();
            Sqlite3.exec(aDb, "INSERT INTO kv (k, v, n) VALUES (2, 'shell on a while it is down', 0)");
            long lastWrite = lastWritten(aDb);
            Await.until(Duration.ofSeconds(5), "the clock past a's last write", () -> System.currentTimeMillis() > lastWrite + 2);

            b.exec("INSERT INTO kv (k, v, n) VALUES (1, 'b, after the kill', 0)",
                    "INSERT INTO kv (k, v, n) VALUES (2, 'b, after the shell', 0)");
            cluster.process("a", 1); // replicating now: its unstamped rows are stamped as it starts

            Await.until(CONVERGE, "a and b hold the same rows",
                    () -> Db.count(b.path(), "SELECT count(*) FROM kv") == 3 && Db.dump(aDb).equals(Db.dump(b.path())));
            assertEquals("b, after the kill", Db.text(aDb, "SELECT v FROM kv WHERE k = 1"),
                    "a's write before its kill is older than b's write after it");
            assertEquals("b, after the shell", Db.text(aDb, "SELECT v FROM kv WHERE k = 2"),
                    "the shell's write while a was down is older than b's write after it");
            assertEquals("a only", Db.text(b.path(), "SELECT v FROM kv WHERE k = 3"));
        });
    }

    @Test
    void autoCommitWritesOfACaptureOnlyNodeAreStampedWhileItRuns() throws Exception {
        Cluster.with(0).run(cluster -> {
            Node b = cluster.node("b", 2, "");
            Node a = cluster.node("a", 1, Db.CAPTURE_ONLY);
            for (Node n : new Node[] {a, b}) {
                n.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)");
            }
            a.exec("INSERT INTO t VALUES (1, 'a, capture only')"); // auto-commit: no group end from the driver
            Await.until(Duration.ofSeconds(10), "a's auto-commit write stamped while its engine runs",
                    () -> a.scalar("SELECT op FROM " + ChangeLog.LOG + " ORDER BY seq DESC LIMIT 1") == ChangeLog.GROUP_END);

            b.exec("INSERT INTO t VALUES (1, 'b, later')");
            a.close();
            Marmot.close(a.path());
            Node back = cluster.node("a", 1, "");
            Await.until(CONVERGE, "a and b hold the same rows",
                    () -> back.scalar("SELECT count(*) FROM t") == 1 && Db.dump(back.path()).equals(Db.dump(b.path())));
            assertEquals("b, later", Db.text(back.path(), "SELECT v FROM t WHERE k = 1"),
                    "b's write came after a's was stamped, at a's write rather than at a's stop");
        });
    }

    private static long lastWritten(Path db) throws Exception {
        Path wal = Path.of(db + "-wal"); // gone when the shell, the last to close, checkpointed it
        return Math.max(Files.getLastModifiedTime(db).toMillis(),
                Files.exists(wal) ? Files.getLastModifiedTime(wal).toMillis() : 0);
    }
}
