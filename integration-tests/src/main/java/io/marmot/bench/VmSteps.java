package io.marmot.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * SQLite virtual-machine steps per written row, trigger programs included: the {@code sqlite3} shell's
 * {@code .stats vmstep} (SQLite's {@code sqlite3_stmt_status(SQLITE_STMTSTATUS_VM_STEP)}; a trigger runs as a
 * sub-program of the statement's VM, so its opcodes count). sqlite-jdbc does not expose the counter, so the rows
 * are written by the shell into files whose schema and triggers were made by each variant. A count of executed
 * opcodes does not vary with the machine's load, unlike the times beside it.
 */
final class VmSteps {
    static final int ROWS = 1000;

    private VmSteps() {
    }

    /** Steps per row of inserts, updates and deletes (1000 rows each, one transaction each) of a variant. */
    static double[] perRow(Path dir, FloorWrites writes, FloorWrites.Variant v, String name) throws Exception {
        Path db = dir.resolve("steps-" + name + ".db");
        try (Connection c = DriverManager.getConnection(writes.url(v, db, 900_000 + name.hashCode() % 1000, false))) {
            FloorWrites.prepare(c, v);
            if (v == FloorWrites.Variant.MARMOT) {
                awaitTriggers(c);
            }
        } finally {
            if (v == FloorWrites.Variant.MARMOT) {
                io.marmot.Marmot.close(db);
            }
        }
        StringBuilder ins = new StringBuilder();
        StringBuilder upd = new StringBuilder();
        StringBuilder del = new StringBuilder();
        for (int i = 1; i <= ROWS; i++) {
            ins.append("INSERT INTO bench (id, node, payload, data) VALUES (").append(i).append(", 1, '")
                    .append(BenchNode.PAYLOAD).append("', NULL);\n");
            upd.append("UPDATE bench SET payload = '").append("y".repeat(80)).append("', node = node + 1 WHERE id = ")
                    .append(i).append(";\n");
            del.append("DELETE FROM bench WHERE id = ").append(i).append(";\n");
        }
        return new double[] {steps(db, ins), steps(db, upd), steps(db, del)};
    }

    private static double steps(Path db, CharSequence statements) throws IOException {
        String out = run(db, "PRAGMA journal_mode = WAL;\nBEGIN;\n.stats vmstep\n" + statements + ".stats off\nCOMMIT;\n");
        long sum = 0;
        int n = 0;
        for (String l : out.split("\n")) {
            if (l.startsWith("VM-steps:")) {
                sum += Long.parseLong(l.substring("VM-steps:".length()).trim());
                n++;
            }
        }
        if (n != ROWS) {
            throw new IllegalStateException("sqlite3 printed " + n + " step counts, expected " + ROWS + ": " + out);
        }
        return (double) sum / n;
    }

    private static String run(Path db, String script) throws IOException {
        Process p = new ProcessBuilder("sqlite3", "-bail", db.toString()).redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("sqlite3 failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }

    /** The shell's SQLite version, which compiles the programs counted (it may differ from sqlite-jdbc's). */
    static String shellVersion() {
        try {
            Process p = new ProcessBuilder("sqlite3", "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return out.split(" ")[0];
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static void awaitTriggers(Connection c) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'bench'")) {
                if (rs.next() && rs.getLong(1) >= 3) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the driver installed no capture triggers on bench within 30 s");
    }
}
