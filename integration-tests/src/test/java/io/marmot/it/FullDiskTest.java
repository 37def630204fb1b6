package io.marmot.it;

import static io.marmot.testing.Db.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose disk is full cannot apply what its peers send: it must say so (not ready, with the reason), lose
 * nothing, and catch up by itself once there is room again. The disk is a small tmpfs (mounting needs root; the
 * test is skipped, visibly, where it cannot mount).
 */
class FullDiskTest {
    private static final String DOCS = "CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, body BLOB)";

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aStuckApplierIsReportedAndHealsWhenSpaceReturns() throws Exception {
        Path small = smallDisk();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                Connection a = Db.node(dir.resolve("a.db"), "node-id=1&nats-url=" + nats.url());
                Connection b = Db.node(small.resolve("b.db"), "node-id=2&nats-url=" + nats.url())) {
            exec(a, DOCS);
            exec(b, DOCS);
            MarmotEngine engineB = Marmot.engine(small.resolve("b.db")).orElseThrow();
            Await.until(Duration.ofSeconds(20), "b ready", () -> engineB.health().ready());
            Path filler = small.resolve("filler");
            fill(filler);

            insertDocs(a, 1, 100); // 2 MB of rows: far more than the room left on b's disk (none), well within the disk once freed
            Await.until(Duration.ofSeconds(30), "b reports its applier stuck", () -> !engineB.health().ready());
            // tried again and again (at least 100 ms apart: each failure is seen), each attempt must meet the full disk
            // itself, not a statement an earlier attempt left broken (sqlite-jdbc finalizes a statement that hit it)
            Set<String> errors = new TreeSet<>();
            Await.until(Duration.ofSeconds(30), "b tries again", () -> {
                errors.add(engineB.stats().lastApplyError());
                return engineB.stats().applyFailures() >= 8;
            });
            errors.remove("");
            assertTrue(errors.stream().allMatch(e -> e.contains("SQLITE_FULL")), errors.toString());
            Await.until(Duration.ofSeconds(10), "b names the full disk", () -> {
                String problem = String.join("; ", engineB.health().problems());
                return problem.contains("applier") && problem.contains("SQLITE_FULL");
            });

            Files.delete(filler);
            Await.until(Duration.ofSeconds(60), "b catches up once there is room",
                    () -> Db.count(b, "SELECT count(*) FROM docs") == 100);
            Await.until(Duration.ofSeconds(10), "b ready again", () -> engineB.health().ready());
            assertEquals(Db.longValue(a, "SELECT sum(length(body)) + sum(id) FROM docs"),
                    Db.longValue(b, "SELECT sum(length(body)) + sum(id) FROM docs"));
            assertEquals(0, engineB.stats().missedMessages(), "nothing was skipped while the disk was full");
            assertEquals(0, engineB.stats().parkedMessages(), "a full disk is this node's trouble: nothing is parked");
        } finally {
            Marmot.closeAll();
            run("umount", "-l", small.toString());
        }
    }

    /**
     * The writer's own disk fills while it writes: the application's commit fails with the disk named, the publisher's
     * folds and prunes fail too, and once there is room every committed row reaches the peer (the publisher must not
     * keep a statement the full disk broke).
     */
    @Test
    void aWriterWhoseDiskFillsPublishesEverythingOnceThereIsRoom() throws Exception {
        Path small = smallDisk();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                Connection a = Db.node(small.resolve("a.db"), "node-id=1&nats-url=" + nats.url());
                Connection b = Db.node(dir.resolve("b.db"), "node-id=2&nats-url=" + nats.url())) {
            exec(a, DOCS);
            exec(b, DOCS);
            MarmotEngine engineA = Marmot.engine(small.resolve("a.db")).orElseThrow();
            Path filler = small.resolve("filler");
            fillLeaving(filler, 3 << 20);
            int written = 0;
            try (PreparedStatement ps = a.prepareStatement("INSERT INTO docs VALUES (?, randomblob(20000))")) {
                for (int id = 1; id <= 1_000; id++) { // 20 MB: the disk fills on the way
                    ps.setInt(1, id);
                    try {
                        ps.executeUpdate();
                        written = id;
                    } catch (java.sql.SQLException full) {
                        assertTrue(String.valueOf(full.getMessage()).contains("SQLITE_FULL"), full.toString());
                        break;
                    }
                }
            }
            assertTrue(written > 0 && written < 1_000, "the disk filled after " + written + " rows");
            exec(b, "INSERT INTO docs VALUES (-1, x'00')"); // applied on a: its applier meets the full disk too
            Files.delete(filler);
            exec(a, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
                    + "INSERT INTO docs SELECT 1000 + i, 'x' FROM n"); // 20,000 changes to fold
            fill(filler); // the publisher folds and prunes on a full disk
            Await.until(Duration.ofSeconds(20), "a's publisher meets the full disk",
                    () -> engineA.stats().lastPublishError().contains("SQLITE_FULL"));
            Files.delete(filler);
            exec(a, "INSERT INTO docs VALUES (0, x'00')"); // a commit once there is room again
            int rows = written + 20_002; // and -1, 0 and the 20,000
            Await.until(Duration.ofSeconds(60), "every committed row reaches b",
                    () -> Db.count(b, "SELECT count(*) FROM docs") == rows);
            assertEquals(Db.longValue(a, "SELECT sum(length(body)) + sum(id) FROM docs"),
                    Db.longValue(b, "SELECT sum(length(body)) + sum(id) FROM docs"));
            Await.until(Duration.ofSeconds(20), "a publishing again", () -> engineA.health().ready());
        } finally {
            Marmot.closeAll();
            run("umount", "-l", small.toString());
        }
    }

    /** A 16 MiB tmpfs under the test's directory (unmounted by each test); the test is skipped where it cannot mount. */
    private Path smallDisk() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small.toString()) == 0,
                "cannot mount a tmpfs here (not root?)");
        return small;
    }

    private static void insertDocs(Connection c, int from, int to) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO docs VALUES (?, randomblob(20000))")) {
            for (int id = from; id <= to; id++) {
                ps.setInt(1, id);
                ps.executeUpdate();
            }
        }
    }

    /** Takes all the free space of the file's file system. */
    private static void fill(Path file) {
        fillLeaving(file, 0);
    }

    /** Takes the free space of the file's file system but about {@code room} bytes. */
    private static void fillLeaving(Path file, long room) {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 100_000; i++) {
                if (room > 0 && Files.getFileStore(file).getUsableSpace() <= room) {
                    return;
                }
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            return; // no space left: what we wanted
        }
        throw new AssertionError("the small disk never filled up");
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
