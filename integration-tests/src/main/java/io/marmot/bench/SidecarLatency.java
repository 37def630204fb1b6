package io.marmot.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Two sidecars (the shaded jar, each its own JVM) and the real {@code sqlite3} shell: a row inserted by {@code sqlite3}
 * into node 1's file, timed from the moment the {@code sqlite3} process exits (its commit is done) until the row can be
 * read from node 2's file. The sidecars run with {@code --poll-interval 1000}, so the figure shows how fast commits
 * of other processes are noticed without polling (the directory watch).
 */
final class SidecarLatency {
    private static final String SCHEMA = "CREATE TABLE IF NOT EXISTS books (id INTEGER PRIMARY KEY, title TEXT)";

    private SidecarLatency() {
    }

    /** Microseconds per insert, sorted. */
    static long[] measure(Path dir, String natsUrl, int inserts) throws Exception {
        Path jar = sidecarJar();
        Path db1 = dir.resolve("sidecar-1.db");
        Path db2 = dir.resolve("sidecar-2.db");
        sqlite3(db1, SCHEMA);
        sqlite3(db2, SCHEMA);
        Process node1 = start(jar, db1, 1, natsUrl, dir);
        Process node2 = start(jar, db2, 2, natsUrl, dir);
        try (Connection peer = DriverManager.getConnection("jdbc:sqlite:" + db2);
                PreparedStatement seen = peer.prepareStatement("SELECT count(*) FROM books WHERE id = ?")) {
            // warm-up: both sidecars replicate before anything is timed
            sqlite3(db1, "INSERT INTO books VALUES (0, 'warm-up')");
            await(seen, 0, TimeUnit.SECONDS.toNanos(60));
            long[] micros = new long[inserts];
            for (int i = 1; i <= inserts; i++) {
                sqlite3(db1, "INSERT INTO books VALUES (" + i + ", 'title " + i + "')");
                long committed = System.nanoTime();
                await(seen, i, TimeUnit.SECONDS.toNanos(10));
                micros[i - 1] = (System.nanoTime() - committed) / 1000;
            }
            java.util.Arrays.sort(micros);
            return micros;
        } finally {
            stop(node1);
            stop(node2);
        }
    }

    static void report(long[] micros, Consumer<String> line) {
        line.accept("");
        line.accept("## 9. Sidecar: a commit of another process reaching a peer");
        line.accept("");
        line.accept("Two sidecars (`java -jar …-all.jar`, `--poll-interval 1000`), one nats-server; a row inserted by the");
        line.accept("`sqlite3` shell into node 1's file, timed from the exit of the `sqlite3` process to the row being");
        line.accept("readable in node 2's file (polled every 0.2 ms).");
        line.accept("");
        line.accept("| inserts | p50 | p90 | max |");
        line.accept("|---|---|---|---|");
        line.accept(String.format("| %d | %.1f ms | %.1f ms | %.1f ms |", micros.length, Stats.percentile(micros, 50) / 1000,
                Stats.percentile(micros, 90) / 1000, micros[micros.length - 1] / 1000.0));
    }

    private static void await(PreparedStatement seen, long id, long timeoutNanos) throws Exception {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            seen.setLong(1, id);
            try (ResultSet rs = seen.executeQuery()) {
                if (rs.next() && rs.getLong(1) == 1) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("row " + id + " did not reach node 2 within "
                        + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s");
            }
            TimeUnit.MICROSECONDS.sleep(200);
        }
    }

    private static Process start(Path jar, Path db, long nodeId, String natsUrl, Path dir) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--db-path", db.toString(), "--node-id", Long.toString(nodeId),
                "--nats-url", natsUrl, "--http-port", "0", "--poll-interval", "1000"));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sidecar-" + nodeId + ".log").toFile()).start();
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM: the sidecar shuts down in order
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void sqlite3(Path db, String sql) throws Exception {
        Process p = new ProcessBuilder("sqlite3", "-cmd", ".timeout 5000", db.toString(), sql).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("sqlite3 " + db + " \"" + sql + "\" failed: " + out);
        }
    }

    /** The sidecar's shaded jar, built by bench/run.sh. */
    private static Path sidecarJar() throws IOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of("server-bridge", "target"), "*-all.jar")) {
            for (Path p : jars) {
                return p;
            }
        }
        throw new IllegalStateException("no server-bridge/target/*-all.jar: build it first (bench/run.sh does)");
    }
}
