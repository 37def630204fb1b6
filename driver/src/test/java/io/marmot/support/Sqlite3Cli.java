package io.marmot.support;

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

/** Runs the sqlite3 command-line shell as another process writing to the database. */
public final class Sqlite3Cli {
    public static final Path BINARY = Path.of("/usr/bin/sqlite3");

    private Sqlite3Cli() {
    }

    public record Result(int exitCode, String out, String err) {
    }

    /** Skips the calling test when the shell is not installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "sqlite3 shell not installed at " + BINARY);
    }

    /**
     * Runs {@code sql} (given on standard input) against {@code db}, stopping at the first error. A busy
     * timeout is set, as any program sharing a database with a writer should; {@code options} come first.
     */
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
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sqlite3 did not finish within 60 s: " + sql);
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    /** Runs {@code sql} and fails the test unless the shell succeeded without an error message. */
    public static String exec(Path db, String sql, String... options) throws IOException, InterruptedException {
        Result r = run(db, sql, options);
        if (r.exitCode() != 0 || !r.err().isEmpty()) {
            throw new AssertionError("sqlite3 failed (exit " + r.exitCode() + "): " + r.err() + "\nSQL: " + sql);
        }
        return r.out();
    }

    private static CompletableFuture<String> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                s.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        });
    }
}
