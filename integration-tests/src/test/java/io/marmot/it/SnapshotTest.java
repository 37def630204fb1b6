package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.config.MarmotConfig;
import io.marmot.snapshot.Manifest;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** New nodes start from the newest snapshot; snapshots are taken one at a time, checked, and never trusted blindly. */
class SnapshotTest {
    private static final String NO_SCHEDULE = "snapshot-interval=0";
    private static final String SCHEMA = "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, origin TEXT, v BLOB)";

    @Test
    void anEmptyNodeJoinsFromTheNewestSnapshotWhileTwoOthersWrite() throws Exception {
        // Retention keeps 300 messages: the first writes are gone from the stream, only the snapshot has them.
        String params = NO_SCHEDULE + "&max-log-entries=300";
        Cluster.run(2, params, (cluster, a, b) -> {
            a.exec(SCHEMA);
            b.exec(SCHEMA);
            for (int i = 1; i <= 400; i++) {
                a.exec("INSERT INTO t VALUES (" + i + ", 'a', randomblob(16))");
            }
            for (int i = 1; i <= 100; i++) {
                b.exec("INSERT INTO t VALUES (" + (100_000 + i) + ", 'b', randomblob(16))");
            }
            Await.until(Duration.ofSeconds(30), "a and b equal", () -> Db.dump(a.path()).equals(Db.dump(b.path())));
            Manifest m = Marmot.saveSnapshot(a.path());
            assertEquals(1L, m.sourceNode());
            assertEquals(500, m.rows());
            assertEquals(List.of(m.name()), names(cluster));

            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong written = new AtomicLong();
            Thread wa = writer(a, 200_000, writing, written);
            Thread wb = writer(b, 300_000, writing, written);
            Node c = cluster.node("c", 3, params);
            long atFirstConnection = c.scalar("SELECT count(*) FROM t");
            Node d = cluster.node("d", 0, params);
            Await.until(Duration.ofSeconds(30), "writes went on while c and d joined", () -> written.get() >= 100);
            writing.set(false);
            wa.join(10_000);
            wb.join(10_000);

            assertTrue(atFirstConnection >= 500, "c serves the snapshot's rows on its first connection: " + atFirstConnection);
            Await.until(Duration.ofSeconds(60), "a, b, c and d equal", () -> {
                String expected = Db.dump(a.path());
                return expected.equals(Db.dump(b.path())) && expected.equals(Db.dump(c.path()))
                        && expected.equals(Db.dump(d.path()));
            });
            assertTrue(c.scalar("SELECT count(*) FROM t") >= 600);
            assertFalse(c.engine().stats().outOfSync(), "c resumed from the snapshot's positions: nothing is missed");
            assertFalse(d.engine().stats().outOfSync());
            assertEquals(3, c.engine().nodeId(), "c runs as configured");
            assertNotEquals(1, d.engine().nodeId(), "d takes a fresh id, never the source's");
            assertNotEquals(0, d.engine().nodeId());
            assertEquals(500, c.engine().snapshotStats().restoredRows());
            assertTrue(c.engine().health().ready(), c.engine().health().problems().toString());
            // what the restored node writes reaches the others
            c.exec("INSERT INTO t VALUES (900000, 'c', NULL)");
            Await.until(Duration.ofSeconds(20), "c's row on a", () -> a.scalar("SELECT count(*) FROM t WHERE id = 900000") == 1);
        });
    }

    @Test
    void aFreshClusterWithoutSnapshotStartsFromTheStreams() throws Exception {
        Cluster.run(1, NO_SCHEDULE, (cluster, a) -> {
            a.exec(SCHEMA);
            for (int i = 1; i <= 20; i++) {
                a.exec("INSERT INTO t VALUES (" + i + ", 'a', NULL)");
            }
            a.engine().awaitPublished(Duration.ofSeconds(20));
            Node b = cluster.node("b", 2, NO_SCHEDULE);
            assertEquals(20, b.scalar("SELECT count(*) FROM t"),
                    "no snapshot: b read the streams from their beginning before its first connection returned");
            b.exec(SCHEMA);
            Await.until(Duration.ofSeconds(20), "b equal to a", () -> Db.dump(a.path()).equals(Db.dump(b.path())));
            assertEquals(List.of(), names(cluster));
            assertEquals(0, b.engine().snapshotStats().restoredRows());
        });
    }

    @Test
    void twoNodesDueAtOnceTakeOneSnapshotBetweenThem() throws Exception {
        Cluster.run(2, "snapshot-interval=4", (cluster, a, b) -> {
            a.exec(SCHEMA);
            b.exec(SCHEMA);
            a.exec("INSERT INTO t VALUES (1, 'a', NULL)");
            Await.until(Duration.ofSeconds(30), "a first snapshot", () -> taken(a) + taken(b) >= 1);
            assertEquals(1, names(cluster).size(), "one snapshot between them");
            assertEquals(1, taken(a) + taken(b));
            Await.until(Duration.ofSeconds(30), "a second snapshot", () -> taken(a) + taken(b) >= 2);
            assertEquals(2, names(cluster).size());
            assertEquals(2, taken(a) + taken(b), "again one between them");
            Await.until(Duration.ofSeconds(30), "a third snapshot", () -> taken(a) + taken(b) >= 3);
            // the taker prunes right after it counts the new one stored
            Await.until(Duration.ofSeconds(10), "the oldest deleted (snapshot-keep=2)", () -> names(cluster).size() == 2);
            assertTrue(taken(a) + taken(b) <= 4, "no more than one per interval: " + (taken(a) + taken(b)));
        });
    }

    @Test
    void corruptAndTruncatedSnapshotsAreRefused() throws Exception {
        Cluster.run(1, NO_SCHEDULE, (cluster, a) -> {
            a.exec(SCHEMA);
            for (int i = 1; i <= 50; i++) {
                a.exec("INSERT INTO t VALUES (" + i + ", 'a', randomblob(100))");
            }
            Manifest good = Marmot.saveSnapshot(a.path());
            try (Connection nc = Nats.connect(cluster.url())) {
                ObjectStore os = nc.objectStore("marmot-changes-snapshots");
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                ObjectInfo info = os.get(good.name(), bytes);
                byte[] corrupt = bytes.toByteArray();
                corrupt[corrupt.length / 2] ^= 0x5a;
                byte[] truncated = Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2);
                put(os, "snapshot-corrupt", info.getMetaData(), corrupt);
                put(os, "snapshot-truncated", info.getMetaData(), truncated);
                nc.keyValue("marmot-changes-snapshot").put("newest", "snapshot-corrupt");
            }
            Node c = cluster.node("c", 3, NO_SCHEDULE);
            assertEquals(50, c.scalar("SELECT count(*) FROM t"), "c restored the good snapshot");
            assertEquals(2, c.engine().snapshotStats().restoreRefused(), "after refusing the corrupt and the truncated one");
            assertFalse(Files.exists(cluster.dir().resolve("c.db.marmot-restore")), "no download left behind");
            Await.until(Duration.ofSeconds(20), "c equal to a", () -> Db.dump(a.path()).equals(Db.dump(c.path())));

            try (Connection nc = Nats.connect(cluster.url())) {
                nc.objectStore("marmot-changes-snapshots").delete(good.name());
            }
            Node d = cluster.node("d", 4, NO_SCHEDULE);
            assertEquals(0, d.engine().snapshotStats().restoredBytes(),
                    "only bad snapshots: d starts from the streams rather than from a damaged copy");
            Await.until(Duration.ofSeconds(20), "d equal to a", () -> Db.dump(a.path()).equals(Db.dump(d.path())));
        });
    }

    @Test
    void killNineDuringDownloadLeavesANewDatabaseThatRestoresOnRestart() throws Exception {
        Cluster.run(1, NO_SCHEDULE, (cluster, a) -> {
            for (String ddl : Workload.SCHEMA) {
                a.exec(ddl);
            }
            a.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)"
                    + " INSERT INTO events SELECT i, hex(randomblob(600)) FROM n");
            Manifest m = Marmot.saveSnapshot(a.path());
            assertTrue(m.size() > 20_000_000, "a snapshot that takes a moment to download: " + m.size());
            Path db = cluster.db("c");
            Path download = cluster.dir().resolve("c.db.marmot-restore");
            NodeProcess c = cluster.starting("c", 3, NO_SCHEDULE);
            Await.until(Duration.ofSeconds(60), "c downloading", () -> Files.exists(download) && Files.size(download) > 0);
            cluster.nats().pause(); // hold the download where it is
            c.kill();
            cluster.nats().resume();
            assertFalse(Files.exists(db), "killed during the download: the database was never put in place");

            NodeProcess again = cluster.process("c", 3, NO_SCHEDULE);
            Await.until(Duration.ofSeconds(60), "c restored and equal to a", () -> Db.dump(a.path()).equals(Db.dump(db)));
            assertEquals(30000, Db.count(db, "SELECT count(*) FROM events"));
            again.close();
        });
    }

    @Test
    void aNodeAwayPastRetentionHealsByMergingTheNewestSnapshotKeepingItsOwnChanges() throws Exception {
        Sqlite3.assumeInstalled();
        String params = NO_SCHEDULE + "&max-log-entries=20";
        Cluster.run(2, params, (cluster, a, b) -> {
            a.exec(SCHEMA);
            b.exec(SCHEMA);
            for (int i = 1; i <= 10; i++) {
                a.exec("INSERT INTO t VALUES (" + i + ", 'a', NULL)");
            }
            Await.until(Duration.ofSeconds(20), "b has a's rows", () -> b.scalar("SELECT count(*) FROM t") == 10);
            Path bDb = b.path();
            b.close();
            Marmot.close(bDb);

            // b is away: a goes on far past what the stream keeps, and deletes a row
            for (int i = 11; i <= 100; i++) {
                long published = a.engine().stats().publishedMessages();
                a.exec("INSERT INTO t VALUES (" + i + ", 'a', NULL)");
                // one message each (the publisher packs a backlog into one), so the stream drops some; "nothing
                // pending" alone may be read before the publisher saw the row
                Await.until(Duration.ofSeconds(10), "row " + i + " published",
                        () -> a.engine().stats().publishedMessages() > published && a.engine().stats().pendingChanges() == 0);
            }
            a.exec("UPDATE t SET origin = 'a again' WHERE id = 2");
            a.exec("DELETE FROM t WHERE id = 3");
            // ... while another program writes b's file through its triggers (later than a's writes: it wins row 1)
            Sqlite3.exec(bDb, "INSERT INTO t VALUES (5000, 'b offline', NULL); UPDATE t SET origin = 'b offline' WHERE id = 1;");
            // a's copy reflects the stream as far as a's stored position, which follows its own messages within a second
            Await.until(Duration.ofSeconds(20), "a's messages published and passed by its own position",
                    () -> a.engine().stats().pendingChanges() == 0 && a.scalar("SELECT max(seq) FROM __marmot_received")
                            >= a.engine().stats().publishedMessages());
            Manifest m = Marmot.saveSnapshot(a.path());
            assertTrue(m.seq("marmot-changes-1-1") >= a.engine().stats().publishedMessages(), m.describe());

            Node again = cluster.node("b", 2, params);
            again.exec("INSERT INTO t VALUES (6000, 'b through the driver', NULL)");
            Await.until(Duration.ofSeconds(30), "b healed by itself", () -> {
                io.marmot.engine.MarmotEngine e = again.engine();
                return e.snapshotStats().merges() >= 1 && !e.stats().outOfSync();
            });
            assertEquals(List.of(), Marmot.missedRanges(bDb), "the missed range is cleared");
            Await.until(Duration.ofSeconds(30), "a and b equal", () -> Db.dump(a.path()).equals(Db.dump(bDb)));
            assertEquals(101, a.scalar("SELECT count(*) FROM t"), "99 of a's rows, b's two");
            assertEquals(1, a.scalar("SELECT count(*) FROM t WHERE id = 1 AND origin = 'b offline'"),
                    "b's later write wins row 1 everywhere");
            assertEquals(1, again.scalar("SELECT count(*) FROM t WHERE id = 2 AND origin = 'a again'"));
            assertEquals(0, again.scalar("SELECT count(*) FROM t WHERE id = 3"), "the snapshot's tombstone deleted row 3");
            assertTrue(again.engine().health().ready(), again.engine().health().problems().toString());
        });
    }

    private static Thread writer(Node node, long from, AtomicBoolean writing, AtomicLong written) {
        Thread t = new Thread(() -> {
            try (java.sql.Connection c = node.open();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?, randomblob(16))")) {
                for (long id = from; writing.get(); id++) {
                    ps.setLong(1, id);
                    ps.setString(2, node.name());
                    ps.executeUpdate();
                    written.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "writer-" + node.name());
        t.start();
        return t;
    }

    private static void put(ObjectStore os, String name, Map<String, String> metadata, byte[] content) throws Exception {
        os.put(ObjectMeta.builder(name).metadata(metadata).build(), new ByteArrayInputStream(content));
    }

    private static long taken(Node n) throws Exception {
        return n.engine().snapshotStats().taken();
    }

    private static List<String> names(Cluster cluster) throws Exception {
        MarmotConfig config = MarmotConfig.from(Map.of(io.marmot.config.ConfigKey.NATS_URL, cluster.url()));
        return Marmot.listSnapshots(config).stream().map(Manifest::name).toList();
    }
}
