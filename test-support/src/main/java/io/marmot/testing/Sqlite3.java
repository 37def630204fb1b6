package io.marmot.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The sqlite3 command-line shell as another program writing and reading the database (Debian's sqlite3, an older
 * SQLite than sqlite-jdbc's): SQL on standard input, stopping at the first error, with a busy timeout as any
 * program sharing a database with a writer should have.
 */
public final class Sqlite3 {
    public static final Path BINARY = Path.of("/usr/bin/sqlite3");
    private static final long TIMEOUT_SECONDS = 60;

    private Sqlite3() {
    }

    public record Result(int exitCode, String out, String err) {
    }

    /** Skips the calling test when the shell is not installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "sqlite3 shell not installed at " + BINARY);
    }

    /** Runs {@code sql} against {@code db}; {@code options} (such as {@code -readonly}) come before the file. */
    public static Result run(Path db, String sql, String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.add("-bail");
        cmd.add("-cmd");
        cmd.add(".timeout 10000");
        cmd.addAll(List.of(options));
        cmd.add(db.toString());
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            in.write(sql.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("sqlite3 did not finish within " + TIMEOUT_SECONDS + " s: " + sql);
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    /**
     * Runs {@code sql} and returns its output; an {@link IOException} unless the shell succeeded without an error
     * message (so {@link Await} takes a failure for "not yet" and attaches it when time runs out).
     */
    public static String exec(Path db, String sql, String... options) throws IOException, InterruptedException {
        Result r = run(db, sql, options);
        if (r.exitCode() != 0 || !r.err().isEmpty()) {
            throw new IOException("sqlite3 failed (exit " + r.exitCode() + "): " + r.err() + "\nSQL: " + sql);
        }
        return r.out();
    }

    /** {@link #exec} of a query, its output without the trailing newline: {@code a|b} lines, one per row. */
    public static String query(Path db, String sql) throws IOException, InterruptedException {
        return exec(db, sql).strip();
    }

    /** Reads a stream to its end on a thread of its own (not the common pool: stdout and stderr both flow). */
    private static CompletableFuture<String> drain(InputStream s) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (s) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                s.transferTo(b);
                text.complete(b.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("(unreadable: " + e + ")");
            }
        }, "sqlite3-output");
        reader.setDaemon(true);
        reader.start();
        return text;
    }
}
