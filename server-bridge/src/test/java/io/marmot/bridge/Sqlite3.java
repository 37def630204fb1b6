package io.marmot.bridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The sqlite3 command-line shell, the way another program writes and reads the database the sidecar replicates. */
final class Sqlite3 {
    static final String BOOKS = "CREATE TABLE Books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,"
            + " author TEXT NOT NULL, publication_year INTEGER NOT NULL)";

    private Sqlite3() {
    }

    /** Runs SQL in one sqlite3 process (with a busy timeout, as the engine may hold the write lock briefly). */
    static String run(Path db, String sql) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of("sqlite3", "-batch", "-cmd", ".timeout 10000", db.toString(), sql))
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("sqlite3 did not finish: " + sql);
        }
        if (p.exitValue() != 0) {
            throw new IOException("sqlite3 failed (exit " + p.exitValue() + ") on " + sql + ": " + out.strip());
        }
        return out.strip();
    }

    /** Every book, one {@code id|title|author|year} line each, in id order. */
    static String books(Path db) throws IOException, InterruptedException {
        return run(db, "SELECT id, title, author, publication_year FROM Books ORDER BY id");
    }
}
