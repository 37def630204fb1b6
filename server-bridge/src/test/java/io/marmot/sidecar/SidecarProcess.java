package io.marmot.sidecar;

import io.marmot.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A sidecar in its own JVM ({@code java -cp <test class path> io.marmot.sidecar.Main ...}), as a user runs it,
 * with its stdout and stderr in a log file.
 */
final class SidecarProcess implements AutoCloseable {
    private final Process process;
    private final Path logFile;

    private SidecarProcess(Process process, Path logFile) {
        this.process = process;
        this.logFile = logFile;
    }

    /** Starts {@code marmot <args>}; its output goes to {@code logFile} (appended to, across restarts). */
    static SidecarProcess start(Path logFile, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Files.writeString(logFile, "$ marmot " + String.join(" ", args) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        p.getOutputStream().close();
        return new SidecarProcess(p, logFile);
    }

    /** A sidecar replicating {@code db} as {@code nodeId} through {@code natsUrl}, HTTP off unless asked. */
    static SidecarProcess replicate(Path db, long nodeId, String natsUrl, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--db-path", db.toString(), "--node-id", Long.toString(nodeId),
                "--nats-url", natsUrl, "--http-port", "0"));
        args.addAll(List.of(extra));
        // later flags win, so extra may override --http-port
        return start(db.resolveSibling(db.getFileName() + ".sidecar.log"), args.toArray(String[]::new));
    }

    /** Waits until the sidecar's consumers are bound: from then on it receives and sends. */
    SidecarProcess awaitReplicating() throws Exception {
        return awaitLog("applying changes from", Duration.ofSeconds(30));
    }

    SidecarProcess awaitLog(String text, Duration timeout) throws Exception {
        Await.until(timeout, "sidecar log shows '" + text + "'; log so far:\n" + log(), () -> {
            if (!process.isAlive() && !log().contains(text)) {
                throw new AssertionError("sidecar exited with " + process.exitValue() + ":\n" + log());
            }
            return log().contains(text);
        });
        return this;
    }

    String log() throws IOException {
        return Files.readString(logFile, StandardCharsets.UTF_8);
    }

    Process process() {
        return process;
    }

    /** SIGTERM, then the exit code (fails the test if it does not stop within 30 s). */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the sidecar did not stop within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** Waits for a sidecar that should exit by itself (--help, --cleanup, bad flags). */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the sidecar did not exit within 60 s");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
