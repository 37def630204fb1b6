package io.marmot.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link BenchNode} JVM: commands in, answers out, and its database readable from here. */
final class NodeHandle implements AutoCloseable {
    final Path db;
    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private Connection reader;

    NodeHandle(Path db, long nodeId, String natsUrl, String params, Path log) throws IOException {
        this(db, nodeId, natsUrl, params, log, true);
    }

    /** Without {@code awaitReady}, the caller awaits {@code ready} itself: nodes of one cluster start together. */
    NodeHandle(Path db, long nodeId, String natsUrl, String params, Path log, boolean awaitReady) throws IOException {
        this.db = db;
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                BenchNode.class.getName(), db.toString(), Long.toString(nodeId), natsUrl, params));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    answers.add(l);
                }
            } catch (IOException e) {
                // process gone
            }
        }, "bench-node-" + nodeId);
        t.setDaemon(true);
        t.start();
        if (awaitReady) {
            expect("ready", 60);
        }
    }

    /** SIGKILL of the node's JVM, awaited: nothing of it runs on (its embedded nats-server may). */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    void send(String command) {
        commands.println(command);
    }

    String expect(String prefix, int seconds) throws IOException {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                String l = answers.poll(100, TimeUnit.MILLISECONDS);
                if (l != null && l.startsWith(prefix)) {
                    return l;
                }
                if (l == null && !process.isAlive()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IOException("benchmark node did not answer '" + prefix + "'; see its log");
    }

    long count() throws SQLException {
        if (reader == null) {
            reader = DriverManager.getConnection("jdbc:sqlite:" + db);
        }
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM bench")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("no such table")) {
                return 0;
            }
            throw e;
        }
    }

    /** What the node's change listener heard so far: {@code <events> <rows>}. */
    String heard() throws IOException {
        send("heard");
        return expect("heard ", 30).substring("heard ".length());
    }

    /** The node JVM's CPU nanoseconds and bytes allocated by its live threads so far. */
    long[] cpu() throws IOException {
        send("cpu");
        String[] w = expect("cpu ", 30).split(" ");
        return new long[] {Long.parseLong(w[1]), Long.parseLong(w[2])};
    }

    /** Peak heap (MiB) and peak RSS (MiB) of the node's JVM so far. */
    double[] memory() throws IOException {
        send("mem");
        String[] w = expect("mem ", 30).split(" ");
        return new double[] {Long.parseLong(w[1]) / 1048576.0, Long.parseLong(w[2]) / 1024.0};
    }

    @Override
    public void close() throws Exception {
        if (reader != null) {
            reader.close();
            reader = null; // count() still reads the database of a node killed and closed
        }
        if (process.isAlive()) {
            send("quit");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
