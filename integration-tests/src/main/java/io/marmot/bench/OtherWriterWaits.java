package io.marmot.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How long another process's writer waits for the write lock while the engine works off one large transaction
 * (issue 25: never more than 50 ms because of the engine). A writer node commits {@code rows} rows in one transaction
 * and publishes them; a peer applies them; on each file an {@link OtherWriter} JVM (plain sqlite-jdbc, SQLite's busy
 * timeout) writes a row every 2 ms throughout. Its waits that began after the commit returned, until the writer's log
 * was folded, published and pruned and the peer held every row, are the engine's doing; those before the commit are
 * shown as the machine's own noise.
 */
final class OtherWriterWaits {
    /**
     * Waits on one file: before the large commit (idle), and while the engine worked it off; {@code over50msInGc}: of
     * those over 50 ms, how many were so only by the garbage collections of this JVM that fell into them.
     */
    record Waits(long idleMaxMicros, long maxMicros, double p99Micros, int transactions, int over50ms,
            int over50msInGc) {
    }

    /**
     * The writer's file (fold, publish, prune), the peer's (apply), how long the engine's work took, and the longest
     * stop-the-world pause of this JVM meanwhile.
     */
    record Result(Waits writer, Waits peer, double commitSeconds, double prunedSeconds, double appliedSeconds,
            long gcLongestMicros) {
    }

    private OtherWriterWaits() {
    }

    static Result measure(Path dir, String natsUrl, int rows) throws Exception {
        int n = 900_000;
        Path db = dir.resolve("other-writer.db");
        Path peerDb = dir.resolve("other-writer-peer.db");
        FloorWrites repl = new FloorWrites(dir, natsUrl, true, "");
        repl.useThreadPriority(); // the application's priority again after the pool's runs at nice 4
        try (Connection writer = DriverManager.getConnection(repl.url(FloorWrites.Variant.MARMOT, db, n, false));
                Connection peer = DriverManager.getConnection(repl.url(FloorWrites.Variant.MARMOT, peerDb, n, true))) {
            for (Connection c : List.of(writer, peer)) {
                FloorWrites.prepare(c, FloorWrites.Variant.MARMOT);
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS other_writes (at INTEGER NOT NULL, waited INTEGER NOT NULL)");
                }
            }
            try (GcPauses gc = new GcPauses(); Side onWriter = new Side(db); Side onPeer = new Side(peerDb)) {
                Thread.sleep(3_000); // the other writers' waits with the engine idle
                long idleEnd = OtherWriter.wallMicros();
                long t0 = System.nanoTime();
                BenchNode.write(writer, 1, rows, rows, 0, 1);
                long committed = OtherWriter.wallMicros();
                double commitSeconds = (System.nanoTime() - t0) / 1e9;
                long commitSeq = longValue(writer, "SELECT max(seq) FROM __marmot_log");
                long t1 = System.nanoTime();
                double pruned = -1;
                double applied = -1;
                long deadline = t1 + TimeUnit.SECONDS.toNanos(300);
                while ((pruned < 0 || applied < 0) && System.nanoTime() < deadline) {
                    if (pruned < 0 && longValue(writer, "SELECT min(seq) FROM __marmot_log") > commitSeq
                            && longValue(writer, "SELECT folded_seq FROM __marmot_state") >= commitSeq) {
                        pruned = (System.nanoTime() - t1) / 1e9;
                    }
                    if (applied < 0 && longValue(peer, "SELECT count(*) FROM bench") == rows) {
                        applied = (System.nanoTime() - t1) / 1e9;
                    }
                    Thread.sleep(20);
                }
                if (pruned < 0 || applied < 0) {
                    throw new IllegalStateException("the large transaction was not pruned (" + pruned
                            + ") and applied (" + applied + ") within 300 s");
                }
                Thread.sleep(1_000);
                long done = OtherWriter.wallMicros();
                return new Result(onWriter.waits(idleEnd, committed, done, gc), onPeer.waits(idleEnd, committed, done, gc),
                        commitSeconds, pruned, applied, gc.longest(committed, done));
            }
        } finally {
            io.marmot.Marmot.close(db);
            io.marmot.Marmot.close(peerDb);
            repl.dropStream(n);
        }
    }

    private static long longValue(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** An {@link OtherWriter} JVM on one file, its lines collected. */
    private static final class Side implements AutoCloseable {
        private final Process process;
        private final List<long[]> lines = new ArrayList<>();
        private final Thread reader;

        Side(Path db) throws IOException {
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                    "-cp", System.getProperty("java.class.path"), OtherWriter.class.getName(), db.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        String[] f = l.split(" ");
                        synchronized (lines) {
                            lines.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the process is gone
                }
            }, "other-writer-reader");
            reader.setDaemon(true);
            reader.start();
        }

        Waits waits(long idleEnd, long committed, long done, GcPauses gc) {
            long idleMax = 0;
            int inGc = 0;
            List<Long> busy = new ArrayList<>();
            synchronized (lines) {
                for (long[] l : lines) {
                    if (l[0] < idleEnd) {
                        idleMax = Math.max(idleMax, l[1]);
                    } else if (l[0] >= committed && l[0] < done) {
                        busy.add(l[1]);
                        if (l[1] > 50_000 && l[1] - gc.pausedWithin(l[0], l[0] + l[1]) <= 50_000) {
                            inGc++;
                        }
                    }
                }
            }
            if (busy.isEmpty()) {
                throw new IllegalStateException("the other writer wrote nothing while the engine worked");
            }
            busy.sort(null);
            long[] sorted = busy.stream().mapToLong(Long::longValue).toArray();
            int over = (int) busy.stream().filter(w -> w > 50_000).count();
            return new Waits(idleMax, sorted[sorted.length - 1], Stats.percentile(sorted, 99), sorted.length, over, inGc);
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
