package io.marmot.it;

import io.marmot.testing.Signals;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A {@link NodeMain} in a separate JVM: send it commands, read its lines, kill it like a crash would. */
final class NodeProcess implements AutoCloseable {
    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path log;

    NodeProcess(Path db, long nodeId, String natsUrl, Path log, String... extraParams) throws IOException {
        this(List.of(), db, nodeId, natsUrl, log, extraParams);
    }

    /** @param prefix a command the JVM runs under, such as {@code faketime -f +1h} */
    NodeProcess(List<String> prefix, Path db, long nodeId, String natsUrl, Path log, String... extraParams) throws IOException {
        this(true, prefix, db, nodeId, natsUrl, log, extraParams);
    }

    /** @param awaitReady false: return at once (the test watches the node start, and may kill it while it does) */
    NodeProcess(boolean awaitReady, List<String> prefix, Path db, long nodeId, String natsUrl, Path log,
            String... extraParams) throws IOException {
        this.log = log;
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                NodeMain.class.getName(), db.toString(), Long.toString(nodeId), natsUrl));
        if (extraParams.length > 0) {
            cmd.add(String.join("&", extraParams));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1"); // the JVM's timers need a true monotonic clock
        process = pb.start();
        commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process died; readers of lines time out with its log at hand
            }
        }, "node-" + nodeId + "-stdout");
        reader.setDaemon(true);
        reader.start();
        if (awaitReady) {
            expect(l -> l.equals("ready"), 60);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void send(String command) {
        commands.println(command);
    }

    /** Waits for a line matching; fails with the node's log when none comes in time. */
    String expect(Predicate<String> matching, int seconds) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try {
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && matching.test(line)) {
                    return line;
                }
                if (line == null && !process.isAlive() && lines.isEmpty()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("node did not answer in time; its log:\n" + java.nio.file.Files.readString(log));
    }

    /** The lines printed so far (consumed). */
    List<String> drain() {
        List<String> out = new java.util.ArrayList<>();
        lines.drainTo(out);
        return out;
    }

    /** SIGSTOP: the node freezes (no heartbeats, no reads) until {@link #resume()}. */
    void pause() throws InterruptedException {
        Signals.send("STOP", process.pid());
    }

    /** SIGCONT: the paused node goes on where it was. */
    void resume() throws InterruptedException {
        Signals.send("CONT", process.pid());
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no flush, exactly like a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Asks the node to quit (closing its engine); SIGKILL when it has not exited within 15 s. */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            send("quit");
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
