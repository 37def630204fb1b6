package io.marmot.spring.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link BootNode} in its own JVM: ask it something, read its answer; closing asks it to quit, then kills it. */
final class BootProcess implements AutoCloseable {
    private final Process process;
    private final PrintWriter in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path log;

    BootProcess(Path db, long nodeId, String natsUrl, Path log, String... properties) throws IOException {
        this.log = log;
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                BootNode.class.getName(),
                "--spring.datasource.url=jdbc:marmot:sqlite:" + db + "?node-id=" + nodeId + "&nats-url=" + natsUrl
                        + "&poll-interval=50"));
        for (String p : properties) {
            cmd.add("--" + p);
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                    Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.APPEND,
                            java.nio.file.StandardOpenOption.CREATE);
                }
            } catch (IOException e) {
                // the process ended: whoever waits for a line fails with its log
            }
        }, "boot-node-" + nodeId);
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits for a line starting with {@code prefix}; fails with the node's log when none comes in time. */
    String expect(String prefix, int seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
            if (line == null && !process.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("Boot node gave no '" + prefix + "' line in time; its log:\n" + Files.readString(log));
    }

    /** Sends a command and returns its answer line. */
    String ask(String command, String answerPrefix) throws IOException, InterruptedException {
        in.println(command);
        return expect(answerPrefix, 30);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            in.println("quit");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
